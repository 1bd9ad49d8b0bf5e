"""The lead definition as a signed contract over the API: drafting, the sign-off rules, the
event log, JSON export and import, and "why does this lead qualify?" under any version.

The database starts with v1 (the starter, from the migration, retired by the `definition`
fixture) and v2 (TEST_DOCUMENT, active); the first new draft is therefore v3.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accord.crm.rescoring import rescore_run
from accord.definitions import services
from accord.definitions.document import DefinitionDocument
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signatory, Signature
from accord.people.models import Role, User
from tests.api.conftest import UNAUTHORIZED
from tests.conftest import MONDAY_10, TEST_DOCUMENT

# Scores QUALIFIABLE (120 employees, DE, "VP Sales", one content download) differently from
# TEST_DOCUMENT: fit 40 + 15, engagement 10 (fresh), negative -5 → 60, below the bar of 70.
OTHER_DOCUMENT = {
    "fit_rules": [
        {"label": "100+ employees", "when": {"field": "company_size", "op": "gte", "value": 100}, "points": 40},
        {"label": "Germany", "when": {"field": "country", "op": "in", "value": ["DE"]}, "points": 15},
        {"label": "Retail", "when": {"field": "industry", "op": "eq", "value": "retail"}, "points": 25},
    ],
    "engagement_rules": [{"type": "content_download", "points": 10, "half_life_days": 10}],
    "negative_rules": [
        {"label": "Sales title", "when": {"field": "title", "op": "contains", "value": "sales"}, "points": -5}
    ],
    "requirements": {"contact": True},
    "thresholds": {"mql": 70},
}


# --- helpers ----------------------------------------------------------------------------


def patch(client, path: str, body: dict):
    return client.client.patch(f"/api/v1{path}", body, content_type="application/json", headers=client.headers)


def delete(client, path: str):
    return client.client.delete(f"/api/v1{path}", headers=client.headers)


def post_json(client, path: str, body: Any):
    """POST any JSON value, not only an object (ApiClient.post turns a falsy body into {})."""
    return client.client.post(f"/api/v1{path}", body, content_type="application/json", headers=client.headers)


def definitions_state() -> dict[str, list]:
    """Every row a definition request could write."""
    return {
        "definitions": list(
            LeadDefinition.objects.order_by("pk").values_list(
                "pk",
                "version",
                "name",
                "status",
                "document",
                "based_on_id",
                "proposed_at",
                "activated_at",
                "retired_at",
            )
        ),
        "signatures": list(
            Signature.objects.order_by("pk").values_list(
                "pk", "definition_id", "user_id", "side", "signed_at", "void_at"
            )
        ),
        "events": list(
            DefinitionEvent.objects.order_by("pk").values_list(
                "pk", "definition_id", "kind", "actor_id", "side", "comment", "data", "occurred_at"
            )
        ),
        "signatories": list(Signatory.objects.order_by("pk").values_list("pk", "user_id", "side")),
        "rescores": list(Rescore.objects.order_by("pk").values_list("pk", "definition_id", "status")),
    }


def draft(world, document: dict = TEST_DOCUMENT, name: str = "Next") -> LeadDefinition:
    return services.definition_create(document=document, name=name, acting_user=world.marketer, at=MONDAY_10)


def proposed(world, document: dict = TEST_DOCUMENT) -> LeadDefinition:
    version = draft(world, document)
    return services.definition_propose(definition_id=version.pk, acting_user=world.marketer, at=MONDAY_10)


def second_marketing_lead() -> User:
    return User.objects.create(email="mlead2@accord.test", role=Role.MARKETING_LEAD)


def kinds(body: dict) -> list[str]:
    return [event["kind"] for event in body["events"]]


def signers(body: dict) -> list[tuple[str, str]]:
    return [(s["user"], s["side"]) for s in body["signatures"]]


# --- drafting ---------------------------------------------------------------------------


def test_marketing_drafts_a_version_from_a_document_with_201(world, api):
    # Given marketing
    client = api(world.marketer)

    # When it posts TEST_DOCUMENT, naming the version
    response = client.client.post(
        "/api/v1/definitions?name=Spring%20update",
        TEST_DOCUMENT,
        content_type="application/json",
        headers=client.headers,
    )

    # Then v3 is a draft by marketing, with the document as given plus the defaults
    assert response.status_code == 201, response.content
    body = response.json()
    created = LeadDefinition.objects.get(version=3)
    assert (body["id"], body["version"], body["name"], body["status"]) == (created.pk, 3, "Spring update", "draft")
    assert (body["created_by"], body["based_on_id"], body["based_on_version"]) == ("marketer@accord.test", None, None)
    assert (body["proposed_at"], body["activated_at"], body["retired_at"]) == (None, None, None)
    assert (body["signatures"], body["rescore"]) == ([], None)
    assert body["document"]["fit_rules"][0] == {
        "label": "50+ employees",
        "when": {"field": "company_size", "op": "gte", "value": 50},
        "points": 20,
    }
    assert body["document"]["requirements"] == {
        "contact": True,
        "need": True,
        "authority": False,
        "budget": False,
        "timeline": False,
    }
    assert body["document"]["thresholds"] == {"mql": 50, "fit_min": 0, "engagement_min": 0}
    assert [(e["kind"], e["actor"], e["comment"]) for e in body["events"]] == [("created", "marketer@accord.test", "")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"fit_rules": [{"when": {"field": "shoe_size", "op": "eq", "value": 42}, "points": 5}]},
            "document.fit_rules.0.when.field",
        ),
        ({"engagement_rules": [{"type": "carrier_pigeon", "points": 5}]}, "document.engagement_rules.0.type"),
        (
            {"negative_rules": [{"when": {"field": "title", "op": "present"}, "points": 5}]},
            "document.negative_rules.0.points",
        ),
        ({"thresholds": {"mql": -1}}, "document.thresholds.mql"),
        ({"colour": "green"}, "document.colour"),
    ],
)
def test_an_invalid_document_is_422_naming_the_field_and_writes_nothing(world, api, change, field):
    # Given marketing, and a document with one bad part
    client = api(world.marketer)
    before = definitions_state()

    # When it is posted
    response = client.post("/definitions", {**TEST_DOCUMENT, **change})

    # Then the error names the field, and nothing was written
    assert response.status_code == 422
    body = response.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["detail"].startswith(f"{field}: ")
    assert definitions_state() == before


def test_a_body_that_is_not_an_object_is_422(world, api):
    response = post_json(api(world.marketer), "/definitions", [TEST_DOCUMENT])

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["document"]


@pytest.mark.parametrize("actor", ["rep", "executive"])
def test_reps_and_executives_cannot_draft(world, api, actor):
    # Given a rep or an executive
    client = api(getattr(world, actor))
    before = definitions_state()

    # When they post a valid document, or import one
    created = client.post("/definitions", TEST_DOCUMENT)
    imported = client.post("/definitions/import", TEST_DOCUMENT)

    # Then both are refused and nothing was written
    assert (created.status_code, imported.status_code) == (403, 403)
    assert set(created.json()) == {"detail"}
    assert definitions_state() == before


def test_the_list_shows_every_version_newest_first_with_its_signatures(world, api):
    # Given v3 proposed and signed by marketing, and v4 a draft
    v3 = proposed(world)
    services.definition_sign(definition_id=v3.pk, acting_user=world.marketing_lead, at=MONDAY_10)
    draft(world, name="Later")

    # When a rep lists the versions
    response = api(world.rep).get("/definitions")

    # Then they come newest first, with status and the current signatures
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [(item["version"], item["status"]) for item in body["items"]] == [
        (4, "draft"),
        (3, "proposed"),
        (2, "active"),
        (1, "retired"),
    ]
    assert body["items"][1]["signatures"] == [
        {"user": "mlead@accord.test", "side": "marketing", "signed_at": "2026-03-02T10:00:00Z"}
    ]
    assert body["items"][1]["proposed_at"] == "2026-03-02T10:00:00Z"
    assert "document" not in body["items"][0]


def test_the_list_pages(world, api):
    draft(world)

    body = api(world.rep).get("/definitions", limit=1, offset=1).json()

    assert ([item["version"] for item in body["items"]], body["count"]) == ([2], 3)


def test_active_is_the_version_in_force(world, api, definition):
    response = api(world.executive).get("/definitions/active")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["version"], body["status"], body["name"]) == (definition.pk, 2, "active", "Test")
    assert body["document"] == TEST_DOCUMENT


def test_active_is_404_when_no_version_is_active(world, api):
    LeadDefinition.objects.filter(status="active").update(status="retired")

    response = api(world.executive).get("/definitions/active")

    assert (response.status_code, response.json()) == (404, {"detail": "No lead definition is active."})


def test_an_unknown_version_is_404(world, api):
    assert api(world.admin).get("/definitions/999999").status_code == 404


def test_a_draft_is_edited_with_patch(world, api):
    # Given a draft v3
    v3 = draft(world)

    # When a sales manager changes its document and its name
    response = patch(api(world.manager), f"/definitions/{v3.pk}", {"document": OTHER_DOCUMENT, "name": "Stricter"})

    # Then both changed, and the log says so
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["status"], body["document"]["thresholds"]["mql"]) == ("Stricter", "draft", 70)
    assert body["events"][0] == {
        "id": body["events"][0]["id"],
        "kind": "edited",
        "actor": "manager@accord.test",
        "side": "",
        "comment": "",
        "data": {"changed": ["document", "name"]},
        "occurred_at": body["events"][0]["occurred_at"],
    }
    assert LeadDefinition.objects.get(pk=v3.pk).parsed.thresholds.mql == 70


def test_patch_with_an_invalid_document_is_422_and_changes_nothing(world, api):
    v3 = draft(world)
    before = definitions_state()

    response = patch(api(world.marketer), f"/definitions/{v3.pk}", {"document": {"thresholds": {"fit_min": "high"}}})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["document.thresholds.fit_min"]
    assert definitions_state() == before


@pytest.mark.parametrize("status", ["proposed", "active", "retired"])
def test_only_drafts_can_be_patched(world, api, status):
    # Given a version that is proposed, active or retired
    version = {
        "proposed": lambda: proposed(world),
        "active": lambda: LeadDefinition.objects.get(version=2),
        "retired": lambda: LeadDefinition.objects.get(version=1),
    }[status]()
    before = definitions_state()

    # When an admin tries to rename it
    response = patch(api(world.admin), f"/definitions/{version.pk}", {"name": "Sneaky"})

    # Then it is a conflict, and nothing changed
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"v{version.version} is {status}; only a draft version can be edited. A change is a new draft."
    )
    assert definitions_state() == before


def test_a_draft_never_proposed_can_be_deleted(world, api):
    v3 = draft(world)

    response = delete(api(world.marketing_lead), f"/definitions/{v3.pk}")

    assert (response.status_code, response.content) == (204, b"")
    assert not LeadDefinition.objects.filter(pk=v3.pk).exists()
    assert not DefinitionEvent.objects.filter(definition_id=v3.pk).exists()


def test_a_draft_once_proposed_cannot_be_deleted(world, api):
    # Given v3 was proposed, then sent back to draft
    v3 = proposed(world)
    services.definition_request_changes(
        definition_id=v3.pk, acting_user=world.manager, comment="Add a budget rule", at=MONDAY_10
    )
    before = definitions_state()

    # When its drafter tries to delete it
    response = delete(api(world.marketer), f"/definitions/{v3.pk}")

    # Then its history stays
    assert response.status_code == 409
    assert response.json()["detail"] == "v3 has been proposed before; its history stays."
    assert definitions_state() == before


def test_copy_drafts_a_new_version_from_the_active_one(world, api, definition):
    response = api(world.marketer).post(f"/definitions/{definition.pk}/copy")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["status"], body["name"]) == (3, "draft", "Test")
    assert (body["based_on_id"], body["based_on_version"]) == (definition.pk, 2)
    assert DefinitionDocument.model_validate(body["document"]) == DefinitionDocument.model_validate(TEST_DOCUMENT)
    assert [(e["kind"], e["data"]) for e in body["events"]] == [("created", {"based_on": 2})]
    assert LeadDefinition.objects.get(pk=definition.pk).status == "active"


# --- the contract -----------------------------------------------------------------------


def test_propose_puts_a_draft_up_for_signature(world, api):
    v3 = draft(world)

    response = api(world.marketer).post(f"/definitions/{v3.pk}/propose", {"comment": " Ready for review "})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["signatures"]) == ("proposed", [])
    assert parse_datetime(body["proposed_at"]) is not None
    assert (body["events"][0]["kind"], body["events"][0]["comment"]) == ("proposed", "Ready for review")


def test_proposing_twice_is_a_conflict(world, api):
    v3 = proposed(world)

    response = api(world.marketer).post(f"/definitions/{v3.pk}/propose")

    assert response.status_code == 409


def test_one_side_signing_does_not_activate_and_signing_twice_counts_once(world, api):
    # Given v3 proposed
    v3 = proposed(world)
    client = api(world.marketing_lead)

    # When the marketing lead signs, and signs again
    first = client.post(f"/definitions/{v3.pk}/sign", {"comment": "Good for marketing"})
    second = client.post(f"/definitions/{v3.pk}/sign", {"comment": "Really good"})

    # Then there is one signature, one "signed" event, and v3 is still proposed
    assert (first.status_code, second.status_code) == (200, 200)
    for response in (first, second):
        body = response.json()
        assert (body["status"], body["activated"]) == ("proposed", False)
        assert signers(body) == [("mlead@accord.test", "marketing")]
    assert Signature.objects.filter(definition=v3).count() == 1
    signed = DefinitionEvent.objects.filter(definition=v3, kind="signed")
    assert [(e.actor, e.side, e.comment) for e in signed] == [(world.marketing_lead, "marketing", "Good for marketing")]
    assert LeadDefinition.objects.get(version=2).status == "active"


def test_two_marketing_signatures_do_not_activate_but_marketing_and_sales_do(world, api, definition):
    # Given v3 proposed and signed by two marketing leads
    v3 = proposed(world)
    second = second_marketing_lead()
    api(world.marketing_lead).post(f"/definitions/{v3.pk}/sign")
    by_two = api(second).post(f"/definitions/{v3.pk}/sign").json()
    assert (by_two["status"], by_two["activated"]) == ("proposed", False)
    assert signers(by_two) == [("mlead@accord.test", "marketing"), ("mlead2@accord.test", "marketing")]
    assert LeadDefinition.objects.get(pk=definition.pk).status == "active"

    # When a sales manager signs too
    response = api(world.manager).post(f"/definitions/{v3.pk}/sign", {"comment": "Sales agrees"})

    # Then v3 is active, v2 retired at the same moment, and the open leads are queued for rescoring
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["activated"]) == ("active", True)
    assert signers(body)[-1] == ("manager@accord.test", "sales")
    assert kinds(body) == ["activated", "signed", "signed", "signed", "proposed", "created"]
    assert body["events"][0]["data"] == {
        "replaces": 2,
        "signed_by": [
            ["mlead@accord.test", "marketing"],
            ["mlead2@accord.test", "marketing"],
            ["manager@accord.test", "sales"],
        ],
    }
    assert (body["rescore"]["status"], body["rescore"]["percent"]) == ("queued", 0)
    previous = LeadDefinition.objects.get(pk=definition.pk)
    assert previous.status == "retired"
    assert previous.retired_at == LeadDefinition.objects.get(pk=v3.pk).activated_at is not None
    assert api(world.rep).get("/definitions/active").json()["version"] == 3
    assert list(previous.events.values_list("kind", "data")) == [("retired", {"replaced_by": 3})]


def test_the_detail_shows_the_rescoring_progress(world, api):
    # Given v3 activated, and the worker has rescored the open leads (there are none)
    v3 = proposed(world)
    services.definition_sign(definition_id=v3.pk, acting_user=world.marketing_lead, at=MONDAY_10)
    services.definition_sign(definition_id=v3.pk, acting_user=world.manager, at=MONDAY_10)
    rescore_run(Rescore.objects.get(definition=v3).pk)

    # When anyone reads v3
    body = api(world.rep).get(f"/definitions/{v3.pk}").json()

    # Then the rescoring is done, 0 of 0, and logged
    rescore = body["rescore"]
    assert (rescore["status"], rescore["total"], rescore["done"], rescore["percent"]) == ("done", 0, 0, 100)
    assert rescore["counts"] == {"rescored": 0, "qualified": 0, "returned to nurture": 0}
    assert kinds(body)[0] == "rescored"


def test_request_changes_returns_to_draft_voids_signatures_and_both_must_sign_again(world, api):
    # Given v3 proposed and signed by marketing
    v3 = proposed(world)
    api(world.marketing_lead).post(f"/definitions/{v3.pk}/sign")

    # When sales asks for changes
    response = api(world.manager).post(f"/definitions/{v3.pk}/request-changes", {"comment": "Add a budget rule"})

    # Then v3 is a draft again, without signatures; marketing's is voided, not deleted
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["proposed_at"], body["signatures"]) == ("draft", None, [])
    assert (body["events"][0]["kind"], body["events"][0]["side"], body["events"][0]["comment"]) == (
        "changes_requested",
        "sales",
        "Add a budget rule",
    )
    assert body["events"][0]["data"] == {"signatures_voided": 1}
    voided = Signature.objects.get(definition=v3)
    assert (voided.user, voided.void_at is not None) == (world.marketing_lead, True)

    # And when it is proposed again, sales signing alone does not activate it
    api(world.marketer).post(f"/definitions/{v3.pk}/propose")
    by_sales = api(world.manager).post(f"/definitions/{v3.pk}/sign").json()
    assert (by_sales["status"], by_sales["activated"], signers(by_sales)) == (
        "proposed",
        False,
        [("manager@accord.test", "sales")],
    )

    # but marketing signing again does
    by_marketing = api(world.marketing_lead).post(f"/definitions/{v3.pk}/sign").json()
    assert (by_marketing["status"], by_marketing["activated"]) == ("active", True)
    assert Signature.objects.filter(definition=v3).count() == 3


@pytest.mark.parametrize(("body", "message"), [({}, "Field required"), ({"comment": "   "}, "Say what should change.")])
def test_request_changes_needs_a_comment(world, api, body, message):
    v3 = proposed(world)
    before = definitions_state()

    response = api(world.manager).post(f"/definitions/{v3.pk}/request-changes", body)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "comment", "message": message}]
    assert definitions_state() == before


@pytest.mark.parametrize("actor", ["admin", "marketer", "executive", "rep", "other_rep"])
@pytest.mark.parametrize("action", ["sign", "request-changes"])
def test_who_may_not_sign_gets_403_and_nothing_changes(world, api, actor, action):
    # Given v3 proposed and signed by marketing
    v3 = proposed(world)
    services.definition_sign(definition_id=v3.pk, acting_user=world.marketing_lead, at=MONDAY_10)
    before = definitions_state()

    # When someone who signs for neither side signs or sends it back
    response = api(getattr(world, actor)).post(f"/definitions/{v3.pk}/{action}", {"comment": "I object"})

    # Then it is refused, and no row changed
    assert response.status_code == 403
    assert "signs a lead definition" in response.json()["detail"]
    assert definitions_state() == before
    assert LeadDefinition.objects.get(pk=v3.pk).status == "proposed"


def test_named_signatories_replace_the_role_for_their_side(world, api):
    # Given an admin is named to sign for marketing
    services.signatories_set(side="marketing", emails=[world.admin.email], acting_user=world.admin)
    v3 = proposed(world)

    # When the marketing lead signs, then the named admin
    refused = api(world.marketing_lead).post(f"/definitions/{v3.pk}/sign")
    signed = api(world.admin).post(f"/definitions/{v3.pk}/sign")

    # Then only the admin's signature counts, for marketing
    assert refused.status_code == 403
    assert signed.status_code == 200
    assert signers(signed.json()) == [("admin@accord.test", "marketing")]


def test_signing_a_draft_is_a_conflict(world, api):
    v3 = draft(world)
    before = definitions_state()

    response = api(world.marketing_lead).post(f"/definitions/{v3.pk}/sign")

    assert response.status_code == 409
    assert response.json()["detail"] == "v3 is draft; only a proposed version can be signed."
    assert definitions_state() == before


@pytest.mark.parametrize(
    ("actor", "side"), [("marketer", ""), ("marketing_lead", "marketing"), ("manager", "sales"), ("admin", "")]
)
def test_comments_are_logged_with_the_commenters_side(world, api, definition, actor, side):
    response = api(getattr(world, actor)).post(f"/definitions/{definition.pk}/comments", {"comment": " Works well "})

    assert response.status_code == 201
    body = response.json()
    user = getattr(world, actor)
    assert (body["kind"], body["actor"], body["side"], body["comment"]) == ("commented", user.email, side, "Works well")
    event = DefinitionEvent.objects.get(pk=body["id"])
    assert (event.definition, event.kind, event.actor) == (definition, "commented", user)


@pytest.mark.parametrize("actor", ["rep", "executive"])
def test_reps_and_executives_do_not_comment(world, api, definition, actor):
    before = definitions_state()

    response = api(getattr(world, actor)).post(f"/definitions/{definition.pk}/comments", {"comment": "Hm"})

    assert response.status_code == 403
    assert definitions_state() == before


def test_an_empty_comment_is_422(world, api, definition):
    response = api(world.marketer).post(f"/definitions/{definition.pk}/comments", {"comment": ""})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "comment", "message": "A comment cannot be empty."}]


# --- export and import ----------------------------------------------------------------


def test_export_then_import_makes_a_draft_with_the_same_document(world, api, definition):
    # Given the export of the active v2
    client = api(world.marketer)
    exported = client.get(f"/definitions/{definition.pk}/export")
    assert exported.status_code == 200
    body = exported.json()
    assert (body["format"], body["version"], body["name"], body["status"]) == (
        "accord.definition/1",
        2,
        "Test",
        "active",
    )
    assert DefinitionDocument.model_validate(body["document"]) == DefinitionDocument.model_validate(TEST_DOCUMENT)

    # When it is imported
    response = client.post("/definitions/import", body)

    # Then a new draft v3 holds the same document, under the same name
    assert response.status_code == 201, response.content
    imported = response.json()
    assert (imported["version"], imported["status"], imported["name"]) == (3, "draft", "Test")
    assert imported["document"] == body["document"]
    assert imported["created_by"] == "marketer@accord.test"


def test_a_bare_document_imports_as_an_unnamed_draft(world, api):
    response = api(world.manager).post("/definitions/import", OTHER_DOCUMENT)

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["name"], body["document"]["thresholds"]["mql"]) == (3, "", 70)


def test_an_import_with_a_bad_document_is_422_naming_the_field(world, api):
    before = definitions_state()

    response = api(world.marketer).post(
        "/definitions/import", {"format": "accord.definition/1", "document": {"fit_rules": "all"}}
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["document.fit_rules"]
    assert definitions_state() == before


# --- "why does this lead qualify?" ------------------------------------------------------


def test_explain_under_the_active_version(scene, api, definition):
    # Given the scene's lead: QUALIFIABLE with one content download at MONDAY_10

    # When its owner asks why, as of that moment
    response = api(scene.lead.owner).get(f"/leads/{scene.lead.pk}/explain", at=MONDAY_10.isoformat())

    # Then fit 20 (50+ employees) + 10 (VP), engagement 20 (fresh), no negative: 50, at the bar of 50
    assert response.status_code == 200, response.content
    assert response.json() == {
        "lead_id": scene.lead.pk,
        "definition_id": definition.pk,
        "definition_version": 2,
        "at": "2026-03-02T10:00:00Z",
        "fit": 30,
        "engagement": 20,
        "negative": 0,
        "total": 50,
        "qualified": True,
        "threshold": 50,
        "rules": [
            {"kind": "fit", "rule": "50+ employees", "points": 20, "detail": ""},
            {"kind": "fit", "rule": "VP", "points": 10, "detail": ""},
            {"kind": "engagement", "rule": "content_download", "points": 20, "detail": "1 × 20 pts, half-life 10 days"},
        ],
        "requirements": {"contact": True, "need": True},
        "reasons": ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"],
        "fast_track": None,
        "knockout": None,
    }


def test_explain_ten_days_later_halves_the_engagement(scene, api):
    at = MONDAY_10 + timedelta(days=10)

    body = api(scene.lead.owner).get(f"/leads/{scene.lead.pk}/explain", at=at.isoformat()).json()

    # content_download has a half-life of 10 days: 20 → 10, so 30 + 10 = 40 < 50
    assert (body["fit"], body["engagement"], body["total"], body["qualified"]) == (30, 10, 40, False)
    assert body["reasons"][0] == "Score 40 < MQL threshold 50"


def test_explain_under_a_draft_version_with_other_points(scene, world, api):
    # Given a draft v3 that scores differently
    v3 = draft(world, OTHER_DOCUMENT)

    # When the lead is explained under v3
    response = api(world.marketer).get(f"/leads/{scene.lead.pk}/explain", definition=v3.pk, at=MONDAY_10.isoformat())

    # Then fit 40 (100+ employees) + 15 (Germany), engagement 10, negative -5: 60 < 70
    assert response.status_code == 200
    body = response.json()
    assert (body["definition_id"], body["definition_version"]) == (v3.pk, 3)
    assert (body["fit"], body["engagement"], body["negative"], body["total"]) == (55, 10, -5, 60)
    assert (body["qualified"], body["threshold"], body["knockout"], body["fast_track"]) == (False, 70, None, None)
    assert body["rules"] == [
        {"kind": "fit", "rule": "100+ employees", "points": 40, "detail": ""},
        {"kind": "fit", "rule": "Germany", "points": 15, "detail": ""},
        {"kind": "negative", "rule": "Sales title", "points": -5, "detail": ""},
        {"kind": "engagement", "rule": "content_download", "points": 10, "detail": "1 × 10 pts, half-life 10 days"},
    ]
    assert body["requirements"] == {"contact": True}
    assert body["reasons"] == ["Score 60 < MQL threshold 70", "Contact known"]


def test_explain_changes_nothing(scene, world, api):
    v3 = draft(world, OTHER_DOCUMENT)
    lead_before = type(scene.lead).objects.filter(pk=scene.lead.pk).values().get()
    before = definitions_state()

    api(world.admin).get(f"/leads/{scene.lead.pk}/explain", definition=v3.pk)

    assert type(scene.lead).objects.filter(pk=scene.lead.pk).values().get() == lead_before
    assert definitions_state() == before


def test_explain_defaults_to_now(scene, api):
    before = timezone.now()

    body = api(scene.lead.owner).get(f"/leads/{scene.lead.pk}/explain").json()

    # Fit does not decay; the moment is the request's
    assert body["fit"] == 30
    assert before <= parse_datetime(body["at"]) <= timezone.now()


def test_explain_a_lead_the_caller_cannot_see_is_404(scene, world, api):
    response = api(world.americas_rep).get(f"/leads/{scene.lead.pk}/explain")

    assert (response.status_code, response.json()) == (404, {"detail": f"No lead with id {scene.lead.pk}."})


def test_explain_under_an_unknown_version_is_404(scene, api):
    response = api(scene.lead.owner).get(f"/leads/{scene.lead.pk}/explain", definition=999999)

    assert (response.status_code, response.json()) == (404, {"detail": "No lead definition with id 999999."})


def test_explain_needs_a_moment_with_a_timezone(scene, api):
    response = api(scene.lead.owner).get(f"/leads/{scene.lead.pk}/explain", at="2026-03-02T10:00:00")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["at"]


# --- authentication, the published contract, queries ------------------------------------

OPERATIONS = [
    ("get", "/definitions"),
    ("post", "/definitions"),
    ("get", "/definitions/active"),
    ("post", "/definitions/import"),
    ("get", "/definitions/{definition_id}"),
    ("patch", "/definitions/{definition_id}"),
    ("delete", "/definitions/{definition_id}"),
    ("post", "/definitions/{definition_id}/copy"),
    ("post", "/definitions/{definition_id}/propose"),
    ("post", "/definitions/{definition_id}/sign"),
    ("post", "/definitions/{definition_id}/request-changes"),
    ("post", "/definitions/{definition_id}/comments"),
    ("get", "/definitions/{definition_id}/export"),
    ("get", "/leads/{lead_id}/explain"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_without_a_token_every_operation_is_401_and_changes_nothing(world, api, method, path):
    # Given a draft, and no token
    v3 = draft(world)
    client = api(None)
    before = definitions_state()
    url = "/api/v1" + path.format(definition_id=v3.pk, lead_id=1)

    # When any operation is called
    response = getattr(client.client, method)(
        url, {"comment": "x"} if method == "post" else None, content_type="application/json"
    )

    # Then it is 401, and nothing changed
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert definitions_state() == before


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_is_published_and_needs_the_bearer_token(db, api, method, path):
    spec = api(None).get("/openapi.json").json()

    operation = spec["paths"]["/api/v1" + path][method]

    assert operation["security"] == [{"BearerToken": []}]
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])


def _count_queries(client, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries), response.json()


def _signed_proposals(world, count: int) -> None:
    for _ in range(count):
        version = proposed(world)
        services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=MONDAY_10)


def test_the_list_runs_the_same_queries_for_3_and_12_versions(world, api):
    # Given a client whose token was used once, and three versions
    client = api(world.rep)
    client.get("/definitions")
    _signed_proposals(world, 1)

    # When the list is read with 3 and with 12 versions, each proposal signed
    with_3, body_3 = _count_queries(client, "/definitions")
    _signed_proposals(world, 9)
    with_12, body_12 = _count_queries(client, "/definitions")

    # Then the query count is the same
    assert (body_3["count"], len(body_12["items"])) == (3, 12)
    assert with_12 == with_3


def test_the_detail_runs_the_same_queries_for_few_and_many_events(world, api):
    client = api(world.rep)
    v3 = proposed(world)
    client.get(f"/definitions/{v3.pk}")
    few, _ = _count_queries(client, f"/definitions/{v3.pk}")

    for actor in (world.marketer, world.manager, world.marketing_lead, world.admin):
        services.definition_comment(definition_id=v3.pk, acting_user=actor, comment="Noted", at=MONDAY_10)
    services.definition_sign(definition_id=v3.pk, acting_user=world.marketing_lead, at=MONDAY_10)
    many, body = _count_queries(client, f"/definitions/{v3.pk}")

    assert len(body["events"]) == 7
    assert many == few
