"""The lead definition as a signed contract, through its services: drafting, proposing,
signing by both sides, requesting changes, activation, signatories, import and export.

`definition` (conftest) is v2, active; every version drafted here is v3 or later.
"""

import copy
import json
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed
from accord.definitions import services
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signatory, Signature
from accord.people.models import Role, User
from tests.conftest import MONDAY_10, TEST_DOCUMENT

LATER = MONDAY_10 + timedelta(hours=1)
SIGNED = MONDAY_10 + timedelta(hours=2)
COUNTERSIGNED = MONDAY_10 + timedelta(hours=3)
LOWER_THRESHOLD = {**TEST_DOCUMENT, "thresholds": {"mql": 40}}


def draft(world, document=LOWER_THRESHOLD, *, name: str = "Lower bar") -> LeadDefinition:
    return services.definition_create(document=document, name=name, acting_user=world.marketer, at=MONDAY_10)


def proposed(world, document=LOWER_THRESHOLD) -> LeadDefinition:
    version = draft(world, document)
    return services.definition_propose(definition_id=version.pk, acting_user=world.marketer, at=LATER)


def active(world, document=LOWER_THRESHOLD) -> LeadDefinition:
    version = proposed(world, document)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)
    services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=COUNTERSIGNED)
    return LeadDefinition.objects.get(pk=version.pk)


def events(version: LeadDefinition) -> list[tuple]:
    return list(
        DefinitionEvent.objects.filter(definition=version).values_list(
            "kind", "actor__email", "side", "comment", "occurred_at"
        )
    )


def frozen(version: LeadDefinition) -> tuple:
    """Everything about a version a refused action must leave as it was."""
    row = LeadDefinition.objects.get(pk=version.pk)
    return (
        row.status,
        row.name,
        row.document,
        row.proposed_at,
        row.activated_at,
        row.retired_at,
        events(row),
        list(row.signatures.values_list("user__email", "side", "void_at")),
        Rescore.objects.count(),
    )


# --- drafting -------------------------------------------------------------------------


def test_drafts_take_the_next_version_numbers(world, definition):
    first = draft(world)
    second = services.definition_create(document=TEST_DOCUMENT, acting_user=world.marketing_lead, at=LATER)

    assert (first.version, second.version) == (3, 4)
    assert (first.status, first.name, first.created_by, first.created_at) == (
        "draft",
        "Lower bar",
        world.marketer,
        MONDAY_10,
    )
    assert first.document["thresholds"] == {"mql": 40.0, "fit_min": 0.0, "engagement_min": 0.0}
    assert events(first) == [("created", world.marketer.email, "", "", MONDAY_10)]
    assert LeadDefinition.objects.get(status="active") == definition


def test_copy_drafts_the_document_of_any_version(world, definition):
    copy_ = services.definition_copy(definition_id=definition.pk, acting_user=world.manager, at=LATER)

    assert (copy_.version, copy_.status, copy_.based_on, copy_.name) == (3, "draft", definition, "Test")
    assert copy_.document == services.document_validate(TEST_DOCUMENT).model_dump(mode="json")
    assert DefinitionEvent.objects.get(definition=copy_).data == {"based_on": 2}


def test_update_changes_a_draft_and_records_what_changed(world):
    version = draft(world)

    services.definition_update(
        definition_id=version.pk, document=TEST_DOCUMENT, name="Back to 50", acting_user=world.manager, at=LATER
    )
    services.definition_update(definition_id=version.pk, name="Back to 50", acting_user=world.manager, at=SIGNED)

    version.refresh_from_db()
    assert (version.name, version.document["thresholds"]["mql"], version.status) == ("Back to 50", 50.0, "draft")
    edits = DefinitionEvent.objects.filter(definition=version, kind="edited")
    assert list(edits.values_list("actor__email", "data", "occurred_at")) == [
        (world.manager.email, {"changed": ["document", "name"]}, LATER)
    ]  # the second update changed nothing, so nothing was recorded


def test_marketer_drafts_but_reps_and_executives_do_not(world):
    for user in (world.rep, world.executive):
        with pytest.raises(NotAllowed):
            services.definition_create(document=TEST_DOCUMENT, acting_user=user, at=MONDAY_10)

    assert not LeadDefinition.objects.filter(version__gt=2).exists()
    assert draft(world).created_by == world.marketer


# --- the contract: propose, sign, activate --------------------------------------------


def test_both_sides_signing_activates_and_retires_the_previous_version(world, definition):
    version = proposed(world)

    first = services.definition_sign(
        definition_id=version.pk, acting_user=world.marketing_lead, comment=" Fine by us ", at=SIGNED
    )
    assert first == (version, False)
    assert LeadDefinition.objects.get(pk=version.pk).status == "proposed"

    second = services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=COUNTERSIGNED)

    assert second[1] is True
    version.refresh_from_db()
    definition.refresh_from_db()
    assert (version.status, version.proposed_at, version.activated_at) == ("active", LATER, COUNTERSIGNED)
    assert (definition.status, definition.retired_at) == ("retired", COUNTERSIGNED)
    assert list(LeadDefinition.objects.filter(status="active")) == [version]
    assert events(version) == [
        ("created", world.marketer.email, "", "", MONDAY_10),
        ("proposed", world.marketer.email, "", "", LATER),
        ("signed", world.marketing_lead.email, "marketing", "Fine by us", SIGNED),
        ("signed", world.manager.email, "sales", "", COUNTERSIGNED),
        ("activated", world.manager.email, "", "", COUNTERSIGNED),
    ]
    assert version.events.get(kind="activated").data == {
        "replaces": 2,
        "signed_by": [[world.marketing_lead.email, "marketing"], [world.manager.email, "sales"]],
    }
    assert events(definition) == [("retired", world.manager.email, "", "", COUNTERSIGNED)]
    assert definition.events.get().data == {"replaced_by": 3}


def test_activation_queues_one_rescore_in_the_task_table(world):
    version = active(world)

    rescore = Rescore.objects.get()
    assert (rescore.definition, rescore.status, rescore.created_at) == (version, "queued", COUNTERSIGNED)
    task = DBTaskResult.objects.get(task_path="accord.crm.tasks.rescore_run_task")
    assert (task.status, task.args_kwargs) == ("READY", {"args": [rescore.pk], "kwargs": {}})


def test_signing_twice_counts_once(world):
    version = proposed(world)

    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)
    again = services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=COUNTERSIGNED)

    assert again == (version, False)
    assert list(Signature.objects.values_list("user__email", "side", "signed_at")) == [
        (world.marketing_lead.email, "marketing", SIGNED)
    ]
    assert version.events.filter(kind="signed").count() == 1
    assert LeadDefinition.objects.get(pk=version.pk).status == "proposed"


def test_two_signatures_from_one_side_do_not_activate(world, definition):
    second_lead = User.objects.create(email="mlead2@accord.test", role=Role.MARKETING_LEAD)
    version = proposed(world)

    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)
    result = services.definition_sign(definition_id=version.pk, acting_user=second_lead, at=COUNTERSIGNED)

    assert result == (version, False)
    assert sorted(Signature.objects.values_list("side", flat=True)) == ["marketing", "marketing"]
    assert LeadDefinition.objects.get(pk=version.pk).status == "proposed"
    assert LeadDefinition.objects.get(status="active") == definition
    assert Rescore.objects.count() == 0


@pytest.mark.parametrize("who", ["rep", "other_rep", "executive", "marketer", "admin", "americas_rep"])
def test_only_the_two_sides_leaders_sign(world, who):
    version = proposed(world)
    before = frozen(version)

    with pytest.raises(NotAllowed):
        services.definition_sign(definition_id=version.pk, acting_user=getattr(world, who), at=SIGNED)

    assert frozen(version) == before


@pytest.mark.parametrize("who", ["rep", "executive", "marketer", "admin"])
def test_only_signers_request_changes(world, who):
    version = proposed(world)
    before = frozen(version)

    with pytest.raises(NotAllowed):
        services.definition_request_changes(
            definition_id=version.pk, acting_user=getattr(world, who), comment="No", at=SIGNED
        )

    assert frozen(version) == before


def test_a_sales_manager_of_any_team_signs_for_sales(world):
    version = proposed(world)

    services.definition_sign(definition_id=version.pk, acting_user=world.americas_manager, at=SIGNED)
    _, activated = services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)

    assert activated is True


# --- request changes --------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_request_changes_needs_a_comment(world, comment):
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)
    before = frozen(version)

    with pytest.raises(InvalidInput) as refused:
        services.definition_request_changes(
            definition_id=version.pk, acting_user=world.manager, comment=comment, at=COUNTERSIGNED
        )

    assert refused.value.field == "comment"
    assert frozen(version) == before


def test_request_changes_voids_signatures_and_a_new_proposal_needs_both_again(world, definition):
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)

    services.definition_request_changes(
        definition_id=version.pk, acting_user=world.manager, comment=" Keep 50 for EMEA ", at=COUNTERSIGNED
    )

    version.refresh_from_db()
    assert (version.status, version.proposed_at) == ("draft", None)
    assert list(Signature.objects.values_list("user__email", "void_at")) == [
        (world.marketing_lead.email, COUNTERSIGNED)
    ]
    requested = version.events.get(kind="changes_requested")
    assert (requested.actor, requested.side, requested.comment, requested.data) == (
        world.manager,
        "sales",
        "Keep 50 for EMEA",
        {"signatures_voided": 1},
    )

    # Back in draft it can be edited, then proposed again: the voided signature no longer counts.
    repropose = COUNTERSIGNED + timedelta(hours=1)
    services.definition_update(
        definition_id=version.pk, name="Lower bar, again", acting_user=world.marketer, at=repropose
    )
    services.definition_propose(definition_id=version.pk, acting_user=world.marketer, at=repropose)
    after_manager = services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=repropose)
    assert after_manager == (version, False)
    assert LeadDefinition.objects.get(pk=version.pk).status == "proposed"

    _, activated = services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=repropose)

    assert activated is True
    assert LeadDefinition.objects.get(pk=version.pk).status == "active"
    assert list(Signature.objects.filter(void_at__isnull=True).values_list("user__email", "side")) == [
        (world.manager.email, "sales"),
        (world.marketing_lead.email, "marketing"),
    ]
    assert list(version.events.values_list("kind", flat=True)) == [
        "created",
        "proposed",
        "signed",
        "changes_requested",
        "edited",
        "proposed",
        "signed",
        "signed",
        "activated",
    ]


# --- immutability -----------------------------------------------------------------------


def _retired(world) -> LeadDefinition:
    first = active(world)
    active(world, TEST_DOCUMENT)
    return LeadDefinition.objects.get(pk=first.pk)


BUILDERS = {"proposed": proposed, "active": active, "retired": _retired}


@pytest.mark.parametrize("status", BUILDERS)
def test_versions_past_draft_cannot_be_edited_proposed_or_deleted(world, status):
    version = BUILDERS[status](world)
    assert version.status == status
    before = frozen(version)

    attempts = [
        lambda: services.definition_update(
            definition_id=version.pk, document=TEST_DOCUMENT, name="Sneaky", acting_user=world.admin
        ),
        lambda: services.definition_update(definition_id=version.pk, name="Sneaky", acting_user=world.marketer),
        lambda: services.definition_propose(definition_id=version.pk, acting_user=world.marketer),
        lambda: services.definition_delete(definition_id=version.pk, acting_user=world.admin),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidTransition) as refused:
            attempt()
        assert refused.value.field == "status"

    assert frozen(version) == before


def test_a_draft_cannot_be_signed(world):
    version = draft(world)

    with pytest.raises(InvalidTransition):
        services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)

    assert Signature.objects.count() == 0


@pytest.mark.parametrize("status", ["active", "retired"])
def test_signing_after_activation_is_refused(world, status):
    version = BUILDERS[status](world)
    before = frozen(version)

    with pytest.raises(InvalidTransition):
        services.definition_sign(definition_id=version.pk, acting_user=world.americas_manager, at=SIGNED)
    with pytest.raises(InvalidTransition):
        services.definition_request_changes(
            definition_id=version.pk, acting_user=world.marketing_lead, comment="Too late", at=SIGNED
        )

    assert frozen(version) == before


# --- delete -------------------------------------------------------------------------------


def test_a_never_proposed_draft_can_be_deleted(world):
    version = draft(world)

    services.definition_delete(definition_id=version.pk, acting_user=world.marketer)

    assert not LeadDefinition.objects.filter(pk=version.pk).exists()
    assert not DefinitionEvent.objects.filter(definition_id=version.pk).exists()


def test_a_draft_that_was_proposed_before_keeps_its_history(world):
    version = proposed(world)
    services.definition_request_changes(
        definition_id=version.pk, acting_user=world.manager, comment="Not yet", at=SIGNED
    )
    before = frozen(version)

    with pytest.raises(InvalidTransition):
        services.definition_delete(definition_id=version.pk, acting_user=world.admin)

    assert frozen(version) == before


def test_reps_cannot_delete_drafts(world):
    version = draft(world)

    with pytest.raises(NotAllowed):
        services.definition_delete(definition_id=version.pk, acting_user=world.rep)

    assert LeadDefinition.objects.filter(pk=version.pk).exists()


# --- named signatories --------------------------------------------------------------------


def test_named_signatories_replace_the_role_for_their_side_only(world):
    services.signatories_set(side="sales", emails=[f" {world.rep.email.upper()} "], acting_user=world.admin)
    version = proposed(world)
    before = frozen(version)

    with pytest.raises(NotAllowed):
        services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=SIGNED)
    assert frozen(version) == before

    services.definition_sign(definition_id=version.pk, acting_user=world.rep, at=SIGNED)
    _, activated = services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)

    assert activated is True
    assert list(Signature.objects.values_list("user__email", "side")) == [
        (world.rep.email, "sales"),
        (world.marketing_lead.email, "marketing"),
    ]


def test_a_person_named_for_one_side_signs_for_it_whatever_their_role(world):
    # The marketing lead is named for sales; marketing has nobody named, so its role still signs.
    second_lead = User.objects.create(email="mlead2@accord.test", role=Role.MARKETING_LEAD)
    services.signatories_set(side="sales", emails=[world.marketing_lead.email], acting_user=world.admin)
    version = proposed(world)

    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)
    _, activated = services.definition_sign(definition_id=version.pk, acting_user=second_lead, at=COUNTERSIGNED)

    assert activated is True
    assert list(Signature.objects.values_list("user__email", "side")) == [
        (world.marketing_lead.email, "sales"),
        (second_lead.email, "marketing"),
    ]


def test_an_admin_signs_only_when_named(world):
    version = proposed(world)
    with pytest.raises(NotAllowed):
        services.definition_sign(definition_id=version.pk, acting_user=world.admin, at=SIGNED)

    services.signatories_set(side="marketing", emails=[world.admin.email], acting_user=world.admin)
    services.definition_sign(definition_id=version.pk, acting_user=world.admin, at=SIGNED)
    with pytest.raises(NotAllowed):
        services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=SIGNED)

    assert list(Signature.objects.values_list("user__email", "side")) == [(world.admin.email, "marketing")]


def test_an_empty_list_gives_the_side_back_to_its_role(world):
    services.signatories_set(side="sales", emails=[world.rep.email], acting_user=world.admin)
    services.signatories_set(side="sales", emails=[], acting_user=world.admin)
    version = proposed(world)

    services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=SIGNED)

    assert Signatory.objects.count() == 0
    assert list(Signature.objects.values_list("user__email", "side")) == [(world.manager.email, "sales")]


@pytest.mark.parametrize("who", ["manager", "marketing_lead", "marketer", "rep"])
def test_only_an_admin_names_signatories(world, who):
    with pytest.raises(NotAllowed):
        services.signatories_set(side="sales", emails=[world.rep.email], acting_user=getattr(world, who))

    assert Signatory.objects.count() == 0


@pytest.mark.parametrize(
    ("side", "emails", "field"),
    [
        ("legal", ["rep@accord.test"], "side"),
        ("sales", ["nobody@accord.test"], "emails"),
        ("sales", ["mlead@accord.test"], "emails"),  # already signs for marketing
    ],
)
def test_signatories_set_refuses_bad_input(world, side, emails, field):
    services.signatories_set(side="marketing", emails=[world.marketing_lead.email], acting_user=world.admin)

    with pytest.raises(InvalidInput) as refused:
        services.signatories_set(side=side, emails=emails, acting_user=world.admin)

    assert refused.value.field == field
    assert list(Signatory.objects.values_list("user__email", "side")) == [(world.marketing_lead.email, "marketing")]


# --- comments -----------------------------------------------------------------------------


def test_drafters_and_signers_comment_on_any_version(world, definition):
    services.definition_comment(definition_id=definition.pk, acting_user=world.marketer, comment="Why 50?", at=LATER)
    services.definition_comment(definition_id=definition.pk, acting_user=world.manager, comment=" Because. ", at=SIGNED)

    assert events(definition) == [
        ("commented", world.marketer.email, "", "Why 50?", LATER),
        ("commented", world.manager.email, "sales", "Because.", SIGNED),
    ]


@pytest.mark.parametrize(
    ("who", "comment", "error"),
    [("rep", "Hi", NotAllowed), ("executive", "Hi", NotAllowed), ("marketer", "  ", InvalidInput)],
)
def test_comments_refused(world, definition, who, comment, error):
    with pytest.raises(error):
        services.definition_comment(definition_id=definition.pk, acting_user=getattr(world, who), comment=comment)

    assert not definition.events.exists()


# --- import and export --------------------------------------------------------------------


def test_export_then_import_round_trips_a_version(world, definition):
    exported = services.definition_export(definition)

    imported = services.definition_import(data=json.dumps(exported), acting_user=world.marketer, at=LATER)

    assert exported == {
        "format": "accord.definition/1",
        "version": 2,
        "name": "Test",
        "status": "active",
        "document": services.document_validate(TEST_DOCUMENT).model_dump(mode="json"),
    }
    assert (imported.version, imported.status, imported.name, imported.created_at) == (3, "draft", "Test", LATER)
    assert services.definition_export(imported) == {**exported, "version": 3, "status": "draft"}
    assert LeadDefinition.objects.get(status="active") == definition


def test_import_takes_a_bare_document(world):
    imported = services.definition_import(data=LOWER_THRESHOLD, acting_user=world.manager, at=LATER)

    assert (imported.version, imported.name, imported.parsed.thresholds.mql) == (3, "", 40)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", "file"),
        ({"format": "accord.definition/1", "name": 7, "document": TEST_DOCUMENT}, "name"),
        ({"document": {**TEST_DOCUMENT, "thresholds": {"mql": -5}}}, "document.thresholds.mql"),
        ([TEST_DOCUMENT], "document"),
    ],
)
def test_import_refuses_bad_files_naming_the_field(world, data, field):
    with pytest.raises(InvalidInput) as refused:
        services.definition_import(data=data, acting_user=world.marketer)

    assert refused.value.field == field
    assert not LeadDefinition.objects.filter(version__gt=2).exists()


def test_reps_cannot_import(world):
    with pytest.raises(NotAllowed):
        services.definition_import(data=TEST_DOCUMENT, acting_user=world.rep)


# --- document validation ------------------------------------------------------------------


def _broken(change) -> dict:
    document = copy.deepcopy(TEST_DOCUMENT)
    change(document)
    return document


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        (
            _broken(lambda d: d["fit_rules"][0]["when"].update(field="shoe_size")),
            "document.fit_rules.0.when.field",
            "unknown lead field 'shoe_size'",
        ),
        (
            _broken(lambda d: d["fit_rules"][0]["when"].update(value="many")),
            "document.fit_rules.0.when",
            "'gte' needs a number",
        ),
        (
            _broken(lambda d: d["engagement_rules"][1].update(type="carrier_pigeon")),
            "document.engagement_rules.1.type",
            "unknown touchpoint type 'carrier_pigeon'",
        ),
        (
            _broken(lambda d: d["negative_rules"][0].update(points=5)),
            "document.negative_rules.0.points",
            "Input should be less than or equal to 0",
        ),
        (
            _broken(lambda d: d["engagement_rules"].append({"type": "page_view", "points": 2})),
            "document.engagement_rules",
            "one engagement rule per touchpoint type: page_view",
        ),
        (_broken(lambda d: d.update(bogus=1)), "document.bogus", "Extra inputs are not permitted"),
        ("a string", "document", "A definition document is a JSON object."),
    ],
)
def test_document_validate_names_the_bad_field(document, field, message):
    with pytest.raises(InvalidInput) as refused:
        services.document_validate(document)

    assert refused.value.field == field
    assert refused.value.message.startswith(message)


def test_document_validate_reports_the_first_problem_and_counts_the_rest():
    document = _broken(lambda d: (d["thresholds"].update(mql=-1), d.update(bogus=1)))

    with pytest.raises(InvalidInput) as refused:
        services.document_validate(document)

    assert refused.value.field == "document.thresholds.mql"
    assert refused.value.message.endswith("(and 1 more problems)")


def test_create_refuses_an_invalid_document_and_writes_nothing(world):
    with pytest.raises(InvalidInput) as refused:
        services.definition_create(
            document=_broken(lambda d: d["fit_rules"][0]["when"].update(field="shoe_size")),
            acting_user=world.marketer,
        )

    assert refused.value.field == "document.fit_rules.0.when.field"
    assert not LeadDefinition.objects.filter(version__gt=2).exists()
    assert not DefinitionEvent.objects.exists()


@pytest.mark.parametrize("action", ["propose", "sign", "request_changes", "comment"])
def test_a_comment_longer_than_5000_characters_is_refused_and_nothing_changes(world, action):
    version = draft(world) if action == "propose" else proposed(world)
    who = world.marketer if action in ("propose", "comment") else world.manager
    before = frozen(version)

    with pytest.raises(InvalidInput) as refused:
        getattr(services, f"definition_{action}")(definition_id=version.pk, acting_user=who, comment="x" * 5001)

    assert (refused.value.field, refused.value.message) == ("comment", "At most 5,000 characters.")
    assert frozen(version) == before
    # 5,000 is still fine.
    getattr(services, f"definition_{action}")(definition_id=version.pk, acting_user=who, comment="x" * 5000)


def test_an_export_of_another_format_is_refused(world):
    drafts = LeadDefinition.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.definition_import(
            data={"format": "accord.definition/2", "document": TEST_DOCUMENT}, acting_user=world.marketer
        )

    assert refused.value.field == "format"
    assert refused.value.message == "Unknown format 'accord.definition/2'; this Accord reads accord.definition/1."
    assert LeadDefinition.objects.count() == drafts
