"""The lead definition pages: the versions, one version (its terms in words, signatures,
history, actions), the edit form, compare, JSON import and export, signatories, the
rescoring progress — and the lead page's "why" under any version.

`definition` (tests/conftest.py) is v2, active, with TEST_DOCUMENT; v1, the starter from
the migration, is retired. Versions drafted here are v3 and later. Who may do what is in
test_permissions.py; here the allowed roles use each page.
"""

import csv
import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.crm import rescoring
from accord.crm import services as crm
from accord.crm.models import Lead
from accord.definitions import services
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signatory, Signature
from tests.conftest import MONDAY_10, QUALIFIABLE, TEST_DOCUMENT
from tests.web.conftest import client_for, messages_of

LATER = MONDAY_10 + timedelta(hours=1)
HTMX = {"HX-Request": "true"}

# A small draft whose rows the edit tests post back: 2 fit, 1 engagement, 1 negative rule.
SMALL = {
    "fit_rules": [
        {"label": "50+ employees", "when": {"field": "company_size", "op": "gte", "value": 50}, "points": 20},
        {"label": "VP", "when": {"field": "title", "op": "contains", "value": "VP"}, "points": 10},
    ],
    "engagement_rules": [{"type": "form_fill", "points": 10, "half_life_days": 30}],
    "negative_rules": [
        {"label": "Student", "when": {"field": "title", "op": "contains", "value": "student"}, "points": -50}
    ],
    "requirements": {"contact": True, "need": True},
    "thresholds": {"mql": 50},
    "sla": {"follow_up_business_hours": 4, "mql_commitment_per_month": 10},
    "reason_codes": ["not_ready", "other"],
}


def draft(world, document=SMALL, *, name: str = "Small", user=None) -> LeadDefinition:
    return services.definition_create(document=document, name=name, acting_user=user or world.marketer, at=MONDAY_10)


def proposed(world, document=SMALL) -> LeadDefinition:
    version = draft(world, document)
    return services.definition_propose(definition_id=version.pk, acting_user=world.marketer, at=LATER)


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, heading_id: str) -> str:
    return re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, flags=re.DOTALL).group()


def stored(version: LeadDefinition) -> tuple:
    """Everything about the definitions a refused request must leave as it was."""
    row = LeadDefinition.objects.get(pk=version.pk)
    return (
        row.status,
        row.name,
        row.document,
        LeadDefinition.objects.count(),
        list(DefinitionEvent.objects.values_list("pk", "kind")),
        list(Signature.objects.values_list("pk", "void_at")),
    )


# --- the list ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["marketing_lead", "owner", "executive"])
def test_the_list_shows_every_version_newest_first(world, definition, persona):
    # given
    services.definition_sign(definition_id=proposed(world).pk, acting_user=world.marketing_lead, at=LATER)

    # when
    page = body(client_for(world, persona).get("/definitions/"))

    # then
    starter = LeadDefinition.objects.get(version=1)
    rows = re.findall(r'<tr data-version="(\d+)">(.*?)</tr>', page, flags=re.DOTALL)
    assert [(version, text(cells)) for version, cells in rows] == [
        ("3", "v3 Small Proposed 2026-03-02 10:00 by marketer@accord.test 2026-03-02 11:00 — — 1"),
        ("2", f"v2 Test Active {definition.created_at:%Y-%m-%d %H:%M} by Accord — — — 0"),
        (
            "1",
            f"v1 Starter definition Retired {starter.created_at:%Y-%m-%d %H:%M} by Accord — "
            f"{starter.activated_at:%Y-%m-%d %H:%M} — 0",
        ),
    ]
    assert '<span class="stage status-proposed">Proposed</span>' in page


@pytest.mark.parametrize(
    ("persona", "drafts"),
    [("marketing", True), ("marketing_lead", True), ("manager", True), ("admin", True), ("owner", False),
     ("executive", False)],
)  # fmt: skip
def test_new_draft_and_import_are_offered_to_drafters_only(world, definition, persona, drafts):
    page = body(client_for(world, persona).get("/definitions/"))

    assert ('action="/definitions/new/"' in page) is drafts
    assert ('href="/definitions/import/"' in page) is drafts
    assert ('href="/definitions/signatories/"' in page) is (persona == "admin")


def test_every_page_links_to_the_definitions(world, definition):
    page = body(client_for(world, "owner").get("/leads/"))

    assert '<li><a href="/definitions/" >Definitions</a></li>' in page


def test_the_list_downloads_as_csv(world, definition):
    # given
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=LATER)

    # when
    response = client_for(world, "executive").get("/definitions/?format=csv")

    # then
    assert response["Content-Disposition"] == 'attachment; filename="lead-definitions.csv"'
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[0] == [
        "version", "name", "status", "created_by", "created_at", "based_on",
        "proposed_at", "activated_at", "retired_at", "signatures",
    ]  # fmt: skip
    assert rows[1] == [
        "3", "Small", "proposed", "marketer@accord.test", "2026-03-02T10:00:00+00:00", "",
        "2026-03-02T11:00:00+00:00", "", "", "1",
    ]  # fmt: skip
    assert [row[:3] for row in rows[2:]] == [["2", "Test", "active"], ["1", "Starter definition", "retired"]]


def test_the_list_runs_a_fixed_number_of_queries(world, definition):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/definitions/").status_code == 200
        return len(context.captured_queries)

    client = client_for(world, "marketing")
    draft(world)
    with_one = queries()
    for _ in range(5):
        draft(world)

    assert queries() == with_one


def test_new_draft_copies_the_active_version_and_opens_its_form(world, definition):
    # when
    response = client_for(world, "marketing_lead").post("/definitions/new/", follow=True)

    # then
    new = LeadDefinition.objects.get(version=3)
    assert response.redirect_chain == [(f"/definitions/{new.pk}/edit/", 302)]
    assert messages_of(response) == ["Draft v3 created from v2."]
    assert (new.status, new.name, new.based_on, new.created_by) == ("draft", "Test", definition, world.marketing_lead)
    assert new.document == definition.parsed.model_dump(mode="json")


# --- one version ---------------------------------------------------------------------------


def test_a_version_shows_its_terms_in_words(world, definition):
    page = body(client_for(world, "owner").get(f"/definitions/{definition.pk}/"))

    terms = section(page, "h-terms")
    shown = re.findall(r"<h3>([^<]+)</h3>\s*(?:<ul class=\"terms\">(.*?)</ul>|<p class=\"empty\">None.</p>)", terms)
    assert [(title, [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", items)]) for title, items in shown] == [
        ("Fit rules", ['"50+ employees" (company_size ≥ 50) +20', '"VP" (title contains VP) +10']),
        (
            "Engagement rules",
            [
                "page_view 1 pt, half-life 7 days",
                "form_fill 10 pts, half-life 30 days",
                "content_download 20 pts, half-life 10 days",
                "demo_request 5 pts, half-life 30 days",
            ],
        ),
        (
            "Negative rules",
            ['"Free mail" (email_domain in gmail.com) -15', '"Student" (title contains student) -50, knockout'],
        ),
        (
            "Sales-ready requirements",
            [
                "contact details required",
                "need required",
                "authority not required",
                "budget not required",
                "timeline not required",
            ],
        ),
        ("Thresholds", ["MQL threshold 50", "minimum fit score 0", "minimum engagement score 0"]),
        ("Fast track", ["demo_request"]),
        ("Service level", ["follow-up time 4 business hours", "monthly MQL commitment 10"]),
        ("Reason codes for rejecting a lead", list(LeadDefinition.objects.get(pk=definition.pk).parsed.reason_codes)),
    ]
    assert '<h1>v2 Test <span class="stage status-active">Active</span></h1>' in page


def test_a_proposed_version_shows_who_signed_for_which_side_and_its_history(world, definition):
    # given
    version = proposed(world)
    services.definition_comment(
        definition_id=version.pk, comment="Check the student rule", acting_user=world.manager, at=LATER
    )
    services.definition_sign(
        definition_id=version.pk, comment="Fine by marketing", acting_user=world.marketing_lead, at=LATER
    )

    # when
    page = body(client_for(world, "executive").get(f"/definitions/{version.pk}/"))

    # then
    sides = re.findall(r"<dt>([^<]+)</dt>\s*<dd>(.*?)</dd>", section(page, "h-signatures"), flags=re.DOTALL)
    assert [(side, text(dd)) for side, dd in sides] == [
        ("Marketing", "Signed by mlead@accord.test on 2026-03-02 11:00 Who signs: any marketing lead"),
        ("Sales", "Waiting for a signature Who signs: any sales manager"),
    ]
    history = section(page, "h-history")
    entries = re.findall(r'<li class="event event-[a-z_]+">(.*?)</li>', history, flags=re.DOTALL)
    assert [text(entry) for entry in entries] == [
        "2026-03-02 10:00 Created by marketer@accord.test",
        "2026-03-02 11:00 Proposed by marketer@accord.test",
        "2026-03-02 11:00 Commented for sales by manager@accord.test Check the student rule",
        "2026-03-02 11:00 Signed for marketing by mlead@accord.test Fine by marketing",
    ]


POST_FORMS = re.compile(r'<form method="post" action="/definitions/\d+/([a-z-]+)/"')
SIGNER = {"sign", "request-changes"}
DRAFTER = {"copy", "comment"}


@pytest.mark.parametrize(
    ("persona", "forms"),
    [
        ("marketing_lead", SIGNER | DRAFTER),
        ("manager", SIGNER | DRAFTER),
        ("marketing", DRAFTER),
        ("admin", DRAFTER),  # an admin signs only when named
        ("owner", set()),
        ("executive", set()),
    ],
)
def test_a_proposed_version_offers_each_role_its_actions(world, definition, persona, forms):
    version = proposed(world)

    page = body(client_for(world, persona).get(f"/definitions/{version.pk}/"))

    assert set(POST_FORMS.findall(page)) == forms
    assert f'href="/definitions/{version.pk}/export.json" download>Export JSON</a>' in page


@pytest.mark.parametrize(
    ("persona", "forms", "edit"),
    [
        ("marketing", {"propose", "delete", "copy", "comment"}, True),
        ("executive", set(), False),
    ],
)
def test_a_draft_offers_edit_propose_and_delete_to_drafters(world, definition, persona, forms, edit):
    version = draft(world)

    page = body(client_for(world, persona).get(f"/definitions/{version.pk}/"))

    assert set(POST_FORMS.findall(page)) == forms
    assert (f'href="/definitions/{version.pk}/edit/"' in page) is edit


def test_a_draft_that_was_proposed_before_offers_no_delete(world, definition):
    version = proposed(world)
    services.definition_request_changes(
        definition_id=version.pk, comment="Lower the bar", acting_user=world.manager, at=LATER
    )

    page = body(client_for(world, "marketing").get(f"/definitions/{version.pk}/"))

    assert set(POST_FORMS.findall(page)) == {"propose", "copy", "comment"}
    assert "1 signature voided" not in page
    assert "Changes requested for sales by manager@accord.test" in text(page)


# --- the contract by POST -------------------------------------------------------------------


def test_propose_then_both_sides_sign_activates_and_retires_the_old_version(world, definition):
    # given
    version = draft(world)

    # when: marketing proposes, the marketing lead signs, then a sales manager
    propose = client_for(world, "marketing").post(
        f"/definitions/{version.pk}/propose/", {"comment": "Smaller rule set"}, follow=True
    )
    first = client_for(world, "marketing_lead").post(f"/definitions/{version.pk}/sign/", {"comment": ""}, follow=True)
    second = client_for(world, "manager").post(f"/definitions/{version.pk}/sign/", {"comment": "Agreed"}, follow=True)

    # then
    assert propose.redirect_chain == [(f"/definitions/{version.pk}/", 302)]
    assert messages_of(propose) == ["v3 proposed: it now waits for both sides to sign."]
    assert messages_of(first) == ["Signed v3."]
    assert messages_of(second) == ["Signed: both sides have signed, v3 is now active. Open leads are being rescored."]
    version.refresh_from_db()
    definition.refresh_from_db()
    assert (version.status, definition.status) == ("active", "retired")
    assert list(version.signatures.values_list("user__email", "side")) == [
        ("mlead@accord.test", "marketing"),
        ("manager@accord.test", "sales"),
    ]
    page = body(second)
    assert '<h1>v3 Small <span class="stage status-active">Active</span></h1>' in page
    assert "Rescoring open leads: Queued" in page
    assert list(version.events.values_list("kind", flat=True)) == [
        "created",
        "proposed",
        "signed",
        "signed",
        "activated",
    ]
    retired = body(client_for(world, "owner").get(f"/definitions/{definition.pk}/"))
    assert "Retired by manager@accord.test Replaced by v3." in text(section(retired, "h-history"))


def test_request_changes_needs_a_comment_and_changes_nothing_without_one(world, definition):
    # given
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=LATER)
    before = stored(version)

    # when
    response = client_for(world, "manager").post(f"/definitions/{version.pk}/request-changes/", {"comment": "  "})

    # then
    assert response.status_code == 200
    page = body(response)
    assert '<p class="error" role="alert" id="id_changes_comment_error">Say what should change.</p>' in page
    assert "<details open><summary>Request changes…</summary>" in page
    assert stored(version) == before


def test_request_changes_returns_the_version_to_draft_and_voids_its_signatures(world, definition):
    # given
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=LATER)

    # when
    response = client_for(world, "manager").post(
        f"/definitions/{version.pk}/request-changes/", {"comment": "Budget must be known"}, follow=True
    )

    # then
    assert messages_of(response) == ["Changes requested: v3 is a draft again, and its signatures are void."]
    version.refresh_from_db()
    assert version.status == "draft"
    assert version.signatures.filter(void_at__isnull=True).count() == 0
    history = text(section(body(response), "h-history"))
    assert "Changes requested for sales by manager@accord.test 1 signature voided. Budget must be known" in history


def test_signing_a_draft_says_why_it_cannot_be_signed(world, definition):
    version = draft(world)
    before = stored(version)

    response = client_for(world, "marketing_lead").post(f"/definitions/{version.pk}/sign/", {}, follow=True)

    assert response.redirect_chain == [(f"/definitions/{version.pk}/", 302)]
    assert messages_of(response) == ["v3 is draft; only a proposed version can be signed."]
    assert stored(version) == before


def test_a_comment_joins_the_history(world, definition):
    response = client_for(world, "marketing").post(
        f"/definitions/{definition.pk}/comment/", {"comment": "Webinars count too little"}, follow=True
    )

    assert messages_of(response) == ["Comment added."]
    event = DefinitionEvent.objects.get(definition=definition)
    assert (event.kind, event.actor, event.comment) == ("commented", world.marketer, "Webinars count too little")
    assert '<p class="comment">Webinars count too little</p>' in body(response)


def test_an_empty_comment_is_refused_next_to_its_box(world, definition):
    response = client_for(world, "marketing").post(f"/definitions/{definition.pk}/comment/", {"comment": ""})

    assert '<p class="error" role="alert" id="id_comment_comment_error">A comment cannot be empty.</p>' in body(
        response
    )
    assert DefinitionEvent.objects.count() == 0


def test_copy_drafts_any_version_and_opens_its_form(world, definition):
    retired = LeadDefinition.objects.get(version=1)

    response = client_for(world, "manager").post(f"/definitions/{retired.pk}/copy/")

    new = LeadDefinition.objects.get(version=3)
    assert (response.status_code, response["Location"]) == (302, f"/definitions/{new.pk}/edit/")
    assert (new.based_on, new.created_by) == (retired, world.manager)
    assert new.document == retired.parsed.model_dump(mode="json")


def test_delete_removes_a_never_proposed_draft(world, definition):
    version = draft(world)

    response = client_for(world, "marketing").post(f"/definitions/{version.pk}/delete/", follow=True)

    assert response.redirect_chain == [("/definitions/", 302)]
    assert messages_of(response) == ["Draft v3 deleted."]
    assert not LeadDefinition.objects.filter(pk=version.pk).exists()


# --- the edit form ---------------------------------------------------------------------------


def formset(prefix: str, rows: list[dict], *, initial: int) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


EMPTY_RULE = {"label": "", "field": "", "op": "", "value": "", "points": ""}
EMPTY_ENGAGEMENT = {"type": "", "points": "", "half_life_days": "", "max_count": ""}


def edit_data(*, fit=None, engagement=None, negative=None, **terms) -> dict:
    """What the edit form of a SMALL draft posts, rows as the page shows them (two empty
    rows after each table), with the changes given."""
    fit = fit or [
        {"label": "50+ employees", "field": "company_size", "op": "gte", "value": "50", "points": "20"},
        {"label": "VP", "field": "title", "op": "contains", "value": "VP", "points": "10"},
        EMPTY_RULE,
        EMPTY_RULE,
    ]
    engagement = engagement or [
        {"type": "form_fill", "points": "10", "half_life_days": "30", "max_count": ""},
        EMPTY_ENGAGEMENT,
        EMPTY_ENGAGEMENT,
    ]
    negative = negative or [
        {"label": "Student", "field": "title", "op": "contains", "value": "student", "points": "-50"},
        EMPTY_RULE,
        EMPTY_RULE,
    ]
    return {
        "name": "Small",
        **formset("fit", fit, initial=2),
        **formset("engagement", engagement, initial=1),
        **formset("negative", negative, initial=1),
        "requirements": ["contact", "need"],
        "mql": "50",
        "fit_min": "0",
        "engagement_min": "0",
        "fast_track_types": ["demo_request"],
        "follow_up_business_hours": "4",
        "mql_commitment_per_month": "10",
        "reason_codes": "not_ready\nother",
        **terms,
    }


def test_the_edit_form_shows_the_draft_as_fields(world, definition):
    version = draft(world)

    response = client_for(world, "marketing").get(f"/definitions/{version.pk}/edit/")

    page = body(response)
    assert '<input type="text" name="fit-0-value" value="50" maxlength="2000" id="id_fit-0-value">' in page
    assert '<option value="gte" selected>≥</option>' in page
    assert '<input type="number" name="fit-1-points" value="10" step="any" id="id_fit-1-points">' in page
    assert '<label class="visually-hidden" for="id_fit-1-points">Fit rule 2: Points</label>' in page
    assert 'name="fit-TOTAL_FORMS" value="4"' in page
    assert 'name="negative-TOTAL_FORMS" value="3"' in page
    assert '<input type="checkbox" name="requirements" value="need" id="id_requirements_1" checked>' in page
    assert '<textarea name="reason_codes" cols="40" rows="6" id="id_reason_codes">\nnot_ready\nother</textarea>' in page
    assert json.loads(
        html.unescape(re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    )["thresholds"] == {"mql": 50.0, "fit_min": 0.0, "engagement_min": 0.0}


def test_saving_the_form_builds_the_document_row_by_row(world, definition):
    # given
    version = draft(world)
    data = edit_data(
        name="Bigger companies",
        fit=[
            {"label": "50+ employees", "field": "company_size", "op": "gte", "value": "100", "points": "25"},
            {"label": "VP", "field": "title", "op": "contains", "value": "VP", "points": "10", "DELETE": "on"},
            {"label": "", "field": "industry", "op": "in", "value": "software,  healthcare ,", "points": "7.5"},
            EMPTY_RULE,
        ],
        engagement=[
            {"type": "form_fill", "points": "10", "half_life_days": "30", "max_count": ""},
            {"type": "webinar", "points": "15", "half_life_days": "", "max_count": "2"},
            EMPTY_ENGAGEMENT,
        ],
        negative=[
            {
                "label": "Student",
                "field": "title",
                "op": "contains",
                "value": "student",
                "points": "-50",
                "knockout": "on",
            },
            {"label": "No consent", "field": "consent_email", "op": "eq", "value": "false", "points": "-5"},
            {"label": "Tiny", "field": "company_size", "op": "lt", "value": "5", "points": "0"},
        ],
        requirements=["contact", "budget"],
        mql="55",
        fit_min="10",
        fast_track_types=["demo_request", "meeting"],
        follow_up_business_hours="8",
        mql_commitment_per_month="120",
        reason_codes="not_ready\n  no_budget \n\nother\n",
    )

    # when
    response = client_for(world, "marketing").post(f"/definitions/{version.pk}/edit/", data, follow=True)

    # then
    assert response.redirect_chain == [(f"/definitions/{version.pk}/", 302)]
    assert messages_of(response) == ["Draft v3 saved."]
    version.refresh_from_db()
    assert version.name == "Bigger companies"
    assert version.document == {
        "fit_rules": [
            {"label": "50+ employees", "when": {"field": "company_size", "op": "gte", "value": 100}, "points": 25.0},
            {
                "label": "",
                "when": {"field": "industry", "op": "in", "value": ["software", "healthcare"]},
                "points": 7.5,
            },
        ],
        "engagement_rules": [
            {"type": "form_fill", "points": 10.0, "half_life_days": 30.0, "max_count": None},
            {"type": "webinar", "points": 15.0, "half_life_days": 30.0, "max_count": 2},
        ],
        "negative_rules": [
            {"label": "Student", "when": {"field": "title", "op": "contains", "value": "student"}, "points": -50.0,
             "knockout": True},
            {"label": "No consent", "when": {"field": "consent_email", "op": "eq", "value": False}, "points": -5.0,
             "knockout": False},
            {"label": "Tiny", "when": {"field": "company_size", "op": "lt", "value": 5}, "points": 0.0,
             "knockout": False},
        ],
        "requirements": {"contact": True, "need": False, "authority": False, "budget": True, "timeline": False},
        "thresholds": {"mql": 55.0, "fit_min": 10.0, "engagement_min": 0.0},
        "fast_track_types": ["demo_request", "meeting"],
        "sla": {"follow_up_business_hours": 8.0, "mql_commitment_per_month": 120},
        "reason_codes": ["not_ready", "no_budget", "other"],
    }  # fmt: skip
    edited = version.events.get(kind="edited")
    assert (edited.actor, edited.data) == (world.marketer, {"changed": ["document", "name"]})


def test_saving_the_form_unchanged_changes_nothing(world, definition):
    version = draft(world)
    before = version.document

    client_for(world, "marketing").post(f"/definitions/{version.pk}/edit/", edit_data())

    version.refresh_from_db()
    assert version.document == before
    assert not version.events.filter(kind="edited").exists()


def _edit_refused(world, version, data) -> tuple[str, object]:
    before = stored(version)
    response = client_for(world, "marketing").post(f"/definitions/{version.pk}/edit/", data)
    assert response.status_code == 200
    assert stored(version) == before
    return body(response), response.context["editor"]


def test_text_in_a_numeric_value_is_shown_at_its_row_and_nothing_is_saved(world, definition):
    # given: the first fit rule removed, so the second row is the document's fit rule 0
    version = draft(world)
    data = edit_data(
        fit=[
            {
                "label": "50+ employees",
                "field": "company_size",
                "op": "gte",
                "value": "50",
                "points": "20",
                "DELETE": "on",
            },
            {"label": "VP", "field": "title", "op": "gte", "value": "lots", "points": "10"},
            EMPTY_RULE,
            EMPTY_RULE,
        ],
    )

    # when
    page, editor = _edit_refused(world, version, data)

    # then
    assert [form.errors for form in editor.fit.forms] == [{}, {"value": ["'gte' needs a number"]}, {}, {}]
    assert (
        '<td class="invalid"><label class="visually-hidden" for="id_fit-1-value">Fit rule 2: Value</label>'
        '<input type="text" name="fit-1-value" value="lots" maxlength="2000" aria-invalid="true" '
        'aria-describedby="id_fit-1-value_error" id="id_fit-1-value">'
        '<div id="id_fit-1-value_error"><p class="error">&#x27;gte&#x27; needs a number</p></div></td>'
    ) in page
    assert text(re.search(r'<div class="error-summary".*?</div>', page, re.S).group()) == (
        "Nothing was saved. Fit rule 2: 'gte' needs a number"
    )
    assert 'name="fit-0-DELETE" id="id_fit-0-DELETE" checked' in page  # what was typed is kept


def test_an_unknown_operator_is_refused_at_its_row(world, definition):
    version = draft(world)
    data = edit_data()
    data["fit-1-op"] = "between"

    page, editor = _edit_refused(world, version, data)

    assert editor.fit.forms[1].errors == {"op": ["Select a valid choice. between is not one of the available choices."]}
    assert "Some fields need a look: see the messages next to them." in page


def test_positive_points_on_a_negative_rule_are_refused_at_its_row(world, definition):
    version = draft(world)
    data = edit_data(
        negative=[
            {"label": "Student", "field": "title", "op": "contains", "value": "student", "points": "5"},
            EMPTY_RULE,
            EMPTY_RULE,
        ]
    )

    _, editor = _edit_refused(world, version, data)

    assert editor.negative.forms[0].errors == {"points": ["Input should be less than or equal to 0"]}


def test_two_rules_for_one_touchpoint_type_are_refused_above_the_table(world, definition):
    version = draft(world)
    data = edit_data(
        engagement=[
            {"type": "form_fill", "points": "10", "half_life_days": "30", "max_count": ""},
            {"type": "form_fill", "points": "5", "half_life_days": "", "max_count": ""},
            EMPTY_ENGAGEMENT,
        ]
    )

    page, editor = _edit_refused(world, version, data)

    assert editor.section_errors == {"engagement": ["one engagement rule per touchpoint type: form_fill"]}
    assert editor.problems == ["Engagement rules: one engagement rule per touchpoint type: form_fill"]
    fieldset = re.search(r'<fieldset class="rules" id="engagement-rules">.*?<table', page, re.S).group()
    assert '<p class="error" role="alert">one engagement rule per touchpoint type: form_fill</p>' in fieldset


def test_no_reason_code_is_refused_next_to_the_codes(world, definition):
    version = draft(world)

    _, editor = _edit_refused(world, version, edit_data(reason_codes="\n"))

    assert editor.terms.errors == {"reason_codes": ["at least one reason code is needed"]}
    assert editor.problems == ["Reason codes: at least one reason code is needed"]


def test_the_json_editor_saves_a_whole_document(world, definition):
    version = draft(world)
    document = {**SMALL, "thresholds": {"mql": 45}}

    response = client_for(world, "marketing").post(
        f"/definitions/{version.pk}/edit/", {"editor": "json", "document": json.dumps(document)}
    )

    assert (response.status_code, response["Location"]) == (302, f"/definitions/{version.pk}/")
    version.refresh_from_db()
    assert version.document["thresholds"] == {"mql": 45.0, "fit_min": 0.0, "engagement_min": 0.0}


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("{oops", "Not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)."),
        (
            json.dumps({"thresholds": {"mql": -1}}),
            "document.thresholds.mql: Input should be greater than or equal to 0",
        ),
    ],
)
def test_the_json_editor_names_what_is_wrong_and_keeps_the_text(world, definition, typed, error):
    version = draft(world)
    before = stored(version)

    response = client_for(world, "marketing").post(
        f"/definitions/{version.pk}/edit/", {"editor": "json", "document": typed}
    )

    assert response.context["json_form"].errors == {"document": [error]}
    assert html.escape(typed) in body(response)
    assert '<details class="advanced" open>' in body(response)
    assert stored(version) == before


def test_a_proposed_version_is_not_edited(world, definition):
    version = proposed(world)

    response = client_for(world, "marketing").get(f"/definitions/{version.pk}/edit/", follow=True)

    assert response.redirect_chain == [(f"/definitions/{version.pk}/", 302)]
    assert messages_of(response) == ["v3 is proposed: a change is a new draft."]


# --- compare, export, import ------------------------------------------------------------------


def test_compare_shows_both_versions_and_the_changes_in_words(world, definition):
    # given
    version = draft(world, {**TEST_DOCUMENT, "thresholds": {"mql": 40}, "fast_track_types": []})

    # when
    page = body(client_for(world, "executive").get(f"/definitions/{definition.pk}/compare/{version.pk}/"))

    # then
    changes = re.findall(r'<li class="change change-(\w+)">([^<]+)</li>', page)
    assert changes == [
        ("changed", "thresholds: MQL threshold now 40, was 50"),
        ("removed", "fast track: removed demo_request"),
    ]
    assert '<h2 id="h-changes">2 changes</h2>' in page
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>', page, re.S)
    assert [(title, text(old), text(new)) for title, old, new in rows if title in ("Thresholds", "Fast track")] == [
        (
            "Thresholds",
            "MQL threshold 50 minimum fit score 0 minimum engagement score 0",
            "MQL threshold 40 minimum fit score 0 minimum engagement score 0",
        ),
        ("Fast track", "demo_request", "None."),
    ]


def test_compare_with_puts_the_older_version_on_the_left(world, definition):
    version = draft(world)

    response = client_for(world, "owner").get(f"/definitions/{version.pk}/compare/?with={definition.pk}")

    assert (response.status_code, response["Location"]) == (302, f"/definitions/{definition.pk}/compare/{version.pk}/")


def test_export_downloads_the_version_as_json(world, definition):
    response = client_for(world, "owner").get(f"/definitions/{definition.pk}/export.json")

    assert response["Content-Disposition"] == 'attachment; filename="lead-definition-v2.json"'
    assert json.loads(response.content) == {
        "format": "accord.definition/1",
        "version": 2,
        "name": "Test",
        "status": "active",
        "document": definition.parsed.model_dump(mode="json"),
    }


def test_an_exported_version_imports_as_a_new_draft(world, definition):
    # given
    exported = client_for(world, "owner").get(f"/definitions/{definition.pk}/export.json").content

    # when
    response = client_for(world, "marketing_lead").post(
        "/definitions/import/", {"file": SimpleUploadedFile("v2.json", exported, "application/json")}, follow=True
    )

    # then
    new = LeadDefinition.objects.get(version=3)
    assert response.redirect_chain == [(f"/definitions/{new.pk}/", 302)]
    assert messages_of(response) == ["Imported as draft v3."]
    assert (new.status, new.name, new.created_by) == ("draft", "Test", world.marketing_lead)
    assert new.document == definition.parsed.model_dump(mode="json")


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"not json", "Not JSON: Expecting value: line 1 column 1 (char 0)."),
        (
            json.dumps(
                {"document": {"fit_rules": [{"when": {"field": "shoe_size", "op": "eq", "value": 9}}]}}
            ).encode(),
            "document.fit_rules.0.when.field: unknown lead field 'shoe_size'; use one of email, email_domain, "
            "first_name, last_name, company, title, phone, country, region, industry, company_size, source, "
            "campaign, utm_source, utm_medium, utm_campaign, need, authority, budget, timeline, consent_email "
            "(and 1 more problems)",
        ),
        (json.dumps({"document": {}, "name": 7}).encode(), "name: The name is text."),
    ],
)
def test_a_bad_file_is_refused_naming_the_field(world, definition, content, error):
    response = client_for(world, "marketing").post(
        "/definitions/import/", {"file": SimpleUploadedFile("bad.json", content, "application/json")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [error]}
    assert LeadDefinition.objects.count() == 2


# --- signatories ---------------------------------------------------------------------------


def test_the_signatories_page_explains_who_signs_by_default(world, definition):
    page = body(client_for(world, "admin").get("/definitions/signatories/"))

    assert "<p>No one named: every marketing lead signs (mlead@accord.test).</p>" in page
    assert "<p>No one named: every sales manager signs (am-manager@accord.test, manager@accord.test).</p>" in page


def test_an_admin_names_the_signatories_of_a_side(world, definition):
    # when
    response = client_for(world, "admin").post(
        "/definitions/signatories/", {"side": "sales", "emails": "Manager@accord.test\n\n"}, follow=True
    )

    # then
    assert messages_of(response) == ["Sales signs through: manager@accord.test."]
    assert list(Signatory.objects.values_list("side", "user__email")) == [("sales", "manager@accord.test")]
    page = body(response)
    assert "<p>Signs through: manager@accord.test.</p>" in page
    assert '<textarea name="emails" cols="40" rows="3" id="id_sales_emails">\nmanager@accord.test</textarea>' in page


def test_an_unknown_signatory_is_refused_next_to_the_side(world, definition):
    Signatory.objects.create(user=world.marketing_lead, side="marketing")

    response = client_for(world, "admin").post(
        "/definitions/signatories/", {"side": "sales", "emails": "manager@accord.test\nnobody@accord.test"}
    )

    assert response.status_code == 200
    assert (
        '<p class="error" role="alert" id="id_sales_emails_error">No active user with email nobody@accord.test.</p>'
        in body(response)
    )
    assert "manager@accord.test\nnobody@accord.test</textarea>" in body(response)
    assert list(Signatory.objects.values_list("side", "user__email")) == [("marketing", "mlead@accord.test")]


def test_clearing_a_side_gives_it_back_to_its_leaders(world, definition):
    Signatory.objects.create(user=world.marketing_lead, side="marketing")

    response = client_for(world, "admin").post(
        "/definitions/signatories/", {"side": "marketing", "emails": ""}, follow=True
    )

    assert messages_of(response) == ["No one named for marketing: every marketing lead signs."]
    assert Signatory.objects.count() == 0


# --- rescoring progress --------------------------------------------------------------------


@pytest.fixture
def activated(world, definition) -> LeadDefinition:
    version = proposed(world)
    services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=LATER)
    services.definition_sign(definition_id=version.pk, acting_user=world.manager, at=LATER)
    return LeadDefinition.objects.get(pk=version.pk)


def test_a_queued_rescore_polls_for_its_progress(world, activated):
    page = body(client_for(world, "owner").get(f"/definitions/{activated.pk}/"))

    block = re.search(r'<section id="rescore"[^>]*>', page).group()
    assert f'hx-get="/definitions/{activated.pk}/rescore/"' in block
    assert 'hx-trigger="every 1s"' in block
    assert 'hx-swap="outerHTML"' in block
    assert '<progress id="rescore-progress" max="100" aria-describedby="rescore-progress-text">0%</progress>' in page
    assert "Waiting for the worker to start it." in page


def test_the_poll_answers_with_the_progress_block_only(world, activated):
    Rescore.objects.filter(definition=activated).update(status="running", total=40, done=10)

    page = body(client_for(world, "owner").get(f"/definitions/{activated.pk}/rescore/", headers=HTMX))

    assert page.lstrip().startswith('<section id="rescore"')
    assert "<html" not in page
    assert 'hx-trigger="every 1s"' in page
    assert '<progress id="rescore-progress" max="100" value="25" aria-describedby="rescore-progress-text">' in page
    assert "10 of 40 open leads rescored (25%)." in page


def test_the_last_poll_shows_the_counts_and_stops_polling(world, activated):
    # given: one open lead, still short of the new version's bar (fit 30 < 50)
    crm.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    rescoring.rescore_run(Rescore.objects.get(definition=activated).pk)

    # when
    page = body(client_for(world, "owner").get(f"/definitions/{activated.pk}/rescore/", headers=HTMX))

    # then
    assert "hx-trigger" not in page
    assert "<progress" not in page
    assert '<p id="rescore-announcement" hx-swap-oob="innerHTML">Rescoring done.</p>' in page
    counts = re.search(r'<dl class="rescore-counts">(.*?)</dl>', page, re.S).group(1)
    assert re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", counts) == [
        ("Rescored", "1"),
        ("Qualified", "0"),
        ("Returned to nurture", "0"),
    ]


def test_a_version_never_activated_has_no_progress(world, definition):
    response = client_for(world, "owner").get(f"/definitions/{definition.pk}/rescore/")

    assert response.status_code == 404


# --- the lead page's "why" -----------------------------------------------------------------


def _why(page: str) -> str:
    return section(page, "h-why")


def test_a_lead_with_sales_shows_what_was_recorded_when_it_qualified(world, scene):
    page = body(client_for(world, "owner").get(f"/leads/{scene.lead.pk}/"))

    why = _why(page)
    assert '<h2 id="h-why">Why qualified</h2>' in why
    assert (
        f'As recorded when it qualified under <a href="/definitions/{scene.lead.definition_id}/">v2 Test</a> '
        "on 2026-03-02 10:00: later versions do not change why it was handed over."
    ) in why


def test_a_lead_not_yet_qualified_is_explained_live_under_the_active_version(world, definition):
    # given: fit 30, no touchpoint, need unknown
    lead, _ = crm.lead_capture(data={**QUALIFIABLE, "need": ""}, acting_user=world.marketer, at=MONDAY_10)

    # when
    why = _why(body(client_for(world, "marketing").get(f"/leads/{lead.pk}/")))

    # then
    assert '<h2 id="h-why">Why not qualified</h2>' in why
    assert text(re.search(r"<p>Score.*?</p>", why, re.S).group()) == (
        "Score 30.0 = fit 30.0 + engagement 0.0, against an MQL threshold of 50"
    )
    assert re.findall(r"<li>([^<]+)</li>", why) == ["Score 30 &lt; MQL threshold 50", "Contact known", "Need missing"]
    requirements = re.findall(r'<tr><th scope="row">(\w+)</th><td class="(check-\w+)">(.*?)</td></tr>', why)
    assert [(name, state, text(cell)) for name, state, cell in requirements] == [
        ("Contact", "check-ok", "✓ known"),
        ("Need", "check-missing", "✗ missing"),
    ]


def test_any_version_explains_any_lead_on_request(world, scene):
    # given: a draft with a lower bar and no sales-ready requirement but contact
    lower = draft(world, {**SMALL, "thresholds": {"mql": 20}, "requirements": {"contact": True}})

    # when
    why = _why(body(client_for(world, "executive").get(f"/leads/{scene.lead.pk}/?definition={lower.pk}")))

    # then: 20 (50+ employees) + 10 (VP) = 30 ≥ 20; no form fill, so no engagement
    assert '<h2 id="h-why">Why qualified under v3</h2>' in why
    assert re.findall(r"<li>([^<]+)</li>", why) == ["Score 30 ≥ MQL threshold 20", "Contact known"]
    assert f'<option value="{lower.pk}" selected>v3 Small (draft)</option>' in why
    assert f'under <a href="/definitions/{lower.pk}/">v3 Small</a> (draft).' in why


def test_an_unknown_version_to_explain_under_is_said_and_the_default_shown(world, scene):
    response = client_for(world, "owner").get(f"/leads/{scene.lead.pk}/?definition=999999")

    assert response.status_code == 200
    why = _why(body(response))
    assert '<h2 id="h-why">Why qualified</h2>' in why
    assert "Select a valid choice. That choice is not one of the available choices." in why
    assert Lead.objects.get(pk=scene.lead.pk).stage == "mql"
