"""Who may open every page and use every form, written out as a table.

Columns are personas (see PERSONAS in conftest): the lead and the opportunity belong to
`owner`, a rep of EMEA; `teammate` is another EMEA rep; `manager` manages EMEA;
`other_manager` and `other_team_rep` belong to Americas.

Cells: a status code; LOGIN = redirect to /login/?next=<path>; ADMIN_LOGIN = redirect to the
admin's own login; DONE = the action happened and redirected to its result page. A lead or
deal the user may not even see is 404 (as its page is), one they see but may not work is 403.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.campaigns.models import CampaignCost
from accord.campaigns.services import campaign_cost_record
from accord.crm import services
from accord.crm.models import Lead, Opportunity, OpportunityEvent, Touchpoint
from accord.definitions import services as definitions
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signatory, Signature
from accord.notifications.models import Notification
from accord.reports.models import CompensationPolicy, RevenueGoal
from accord.routing.models import SlaClock
from tests.conftest import TEST_DOCUMENT
from tests.web.conftest import PERSONAS, client_for, login_url, snapshot

LOGIN, ADMIN_LOGIN, DONE = "login", "admin-login", "done"
FUNNEL = "/reports/funnel/?date_from=2026-03-01&date_to=2026-03-31"
VELOCITY = "/reports/velocity/?date_from=2026-03-01&date_to=2026-03-31"
SLA = "/reports/sla/?date_from=2026-03-01&date_to=2026-03-31"
SLA_LEADS = SLA.replace("/sla/", "/sla/leads/") + "&measure=handed_over"
COMPENSATION = "/reports/compensation/?date_from=2026-03-01&date_to=2026-03-31"
PIPELINE = "/reports/pipeline/?date_from=2026-03-01&date_to=2026-03-31&by=owner"
DASHBOARD = "/reports/dashboard/?date_from=2026-03-01&date_to=2026-03-31&compare=previous"
SOURCING = "/reports/sourcing/?date_from=2026-03-01&date_to=2026-03-31"
GOAL = "/reports/goal/?date_from=2026-03-01&date_to=2026-03-31&team="
WINS = "/reports/wins/?date_from=2026-03-01&date_to=2026-03-31"

COLUMNS = tuple(PERSONAS)
assert COLUMNS == (
    "anonymous",
    "owner",
    "teammate",
    "manager",
    "other_manager",
    "other_team_rep",
    "marketing",
    "marketing_lead",
    "executive",
    "admin",
)

# fmt: off
GET_MATRIX = {
    #                         anon         owner  mate   mgr    o-mgr  o-rep  mkt    m-lead exec   admin
    "/inbox/":               (LOGIN,       200,   200,   200,   200,   200,   403,   403,   403,   200),
    "/inbox/?format=csv":    (LOGIN,       200,   200,   200,   200,   200,   403,   403,   403,   200),
    "/leads/":               (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/leads/?format=csv":    (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/leads/new/":           (LOGIN,       403,   403,   403,   403,   403,   200,   200,   403,   200),
    "/leads/{lead}/":        (LOGIN,       200,   200,   200,   200,   404,   200,   200,   200,   200),
    "/opportunities/":       (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/opportunities/?format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    FUNNEL:                  (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    FUNNEL + "&format=csv":  (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    FUNNEL + "&by=owner&compare=previous&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    VELOCITY:                (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    VELOCITY + "&by=team&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    SLA:                     (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    SLA + "&format=csv":     (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    SLA_LEADS:               (LOGIN,       403,   403,   200,   200,   403,   200,   200,   200,   200),
    SLA_LEADS + "&format=csv":
                             (LOGIN,       403,   403,   200,   200,   403,   200,   200,   200,   200),
    PIPELINE:                (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    PIPELINE + "&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    SOURCING:                (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    DASHBOARD:               (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    DASHBOARD + "&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/reports/dashboard/":   (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    SOURCING + "&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    COMPENSATION:            (LOGIN,       200,   200,   200,   200,   200,   403,   403,   200,   200),
    COMPENSATION + "&format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   403,   403,   200,   200),
    "/reports/":             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    GOAL:                    (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    GOAL + "&format=csv":    (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    WINS:                    (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    WINS + "&format=csv":    (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/notifications/":       (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/notifications/?format=csv":
                             (LOGIN,       200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/admin/":               (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN,
                              ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
}

HOME_REDIRECTS = {
    "anonymous": login_url("/"),
    "owner": "/inbox/",
    "teammate": "/inbox/",
    "manager": "/inbox/",
    "other_manager": "/inbox/",
    "other_team_rep": "/inbox/",
    "marketing": "/leads/",
    "marketing_lead": "/leads/",
    "executive": "/reports/dashboard/",
    "admin": "/leads/",
}

POST_MATRIX = {
    #                                        anon   owner  mate  mgr   o-mgr o-rep mkt   m-lead exec admin
    "/leads/new/":                          (LOGIN, 403,   403,  403,  403,  403,  DONE, DONE,  403, DONE),
    "/leads/{lead}/accept/":                (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/leads/{lead}/reject/":                (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/leads/{lead}/assign/":                (LOGIN, 403,   403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/leads/{lead}/activity/":              (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/leads/{lead}/touchpoint/":            (LOGIN, 403,   403,  403,  403,  403,  DONE, DONE,  403, DONE),
    "/leads/{lead}/convert/":               (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/opportunities/{opportunity}/stage/":  (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/opportunities/{opportunity}/close/":  (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/opportunities/{opportunity}/reopen/": (LOGIN, DONE,  403,  DONE, 403,  404,  403,  403,   403, DONE),
    "/reports/goal/set/":                   (LOGIN, 403,   403,  DONE, 403,  403,  403,  403,   DONE, DONE),
    "/notifications/":                      (LOGIN, DONE,  DONE, DONE, DONE, DONE, DONE, DONE,  DONE, DONE),
}
# fmt: on

# Valid input for every form, so a refusal can only come from the permission check.
POST_DATA = {
    "/leads/new/": {"email": "new@newco.example", "first_name": "Nia", "company": "Newco"},
    "/leads/{lead}/accept/": {},
    "/leads/{lead}/reject/": {"reason": "not_ready", "note": "Next quarter", "action": "recycle"},
    "/leads/{lead}/assign/": {"owner": "other@accord.test"},
    "/leads/{lead}/activity/": {"type": "call", "note": "Left a voicemail"},
    "/leads/{lead}/touchpoint/": {"type": "page_view", "channel": "web", "campaign": ""},
    "/leads/{lead}/convert/": {"name": "", "amount": "1000.00", "sales_stage": "", "expected_close_on": ""},
    "/opportunities/{opportunity}/stage/": {"sales_stage": "Demo"},
    "/opportunities/{opportunity}/close/": {"won": "true", "reason": "", "note": ""},
    "/opportunities/{opportunity}/reopen/": {"note": "Back on"},
    "/reports/goal/set/": {
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
        "team": "EMEA",
        "revenue": "1000",
        "lookback_months": "6",
    },
    "/notifications/": {},
}

POST_ONLY = [path for path in POST_MATRIX if path not in ("/leads/new/", "/notifications/")]
GOAL_SET = "/reports/goal/?date_from=2026-03-01&date_to=2026-03-31&team=EMEA"


def _cases(matrix):
    return [
        pytest.param(path, persona, expected, id=f"{path}-{persona}")
        for path, row in matrix.items()
        for persona, expected in zip(COLUMNS, row, strict=True)
    ]


def _url(path: str, scene) -> str:
    return path.format(lead=scene.lead.pk, opportunity=scene.opportunity.pk)


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(GET_MATRIX))
def test_get_pages(world, scene, path, persona, expected):
    # given
    url = _url(path, scene)
    before = snapshot(scene)

    # when
    response = client_for(world, persona).get(url)

    # then
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    elif expected == ADMIN_LOGIN:
        assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")
    else:
        assert response.status_code == expected
    assert snapshot(scene) == before


LEADS, DEAL, LEAD = ("lead", "deal_lead"), ("opportunity",), ("lead",)

# What each CSV download holds, by the scene's names (see Scene), where the page is allowed:
# only what the persona may see, whatever the query asks for.
# fmt: off
CSV_MATRIX = {
    #                               column      owner  mate  mgr   o-mgr o-rep mkt   m-lead exec  admin
    "/leads/?format=csv":          ("id",      (LEADS, LEADS, LEADS, LEADS, (),   LEADS, LEADS, LEADS, LEADS)),
    "/opportunities/?format=csv":  ("id",      (DEAL,  DEAL,  DEAL,  DEAL,  (),   DEAL,  DEAL,  DEAL,  DEAL)),
    "/inbox/?format=csv":          ("id",      (LEAD,  (),    LEAD,  (),    (),   None,  None,  None,  LEAD)),
    "/notifications/?format=csv":  ("lead_id", (LEADS, (),    (),    (),    (),   (),    (),    (),    ())),
}
# fmt: on


def _csv_cases():
    return [
        pytest.param(path, persona, column, names, id=f"{path}-{persona}")
        for path, (column, row) in CSV_MATRIX.items()
        for persona, names in zip(COLUMNS[1:], row, strict=True)
        if names is not None
    ]


@pytest.mark.parametrize(("path", "persona", "column", "names"), _csv_cases())
def test_csv_downloads_hold_only_what_the_persona_may_see(world, scene, path, persona, column, names):
    response = client_for(world, persona).get(path)

    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert sorted(int(row[column]) for row in rows) == sorted(getattr(scene, name).pk for name in names)


@pytest.mark.parametrize(("persona", "location"), HOME_REDIRECTS.items())
def test_home_sends_each_role_to_its_start_page(world, persona, location):
    response = client_for(world, persona).get("/")

    assert (response.status_code, response["Location"]) == (302, location)


def _effect(path: str, scene, user):
    """What a permitted POST must have done, as comparable values."""
    lead = Lead.objects.get(pk=scene.lead.pk)
    clock = SlaClock.objects.filter(lead=lead).earliest("id")
    match path:
        case "/leads/new/":
            new = Lead.objects.get(email="new@newco.example")
            return f"/leads/{new.pk}/", (new.first_name, new.company, new.stage)
        case "/leads/{lead}/accept/":
            return f"/leads/{lead.pk}/", (lead.stage, clock.outcome)
        case "/leads/{lead}/reject/":
            return f"/leads/{lead.pk}/", (lead.stage, lead.owner_id, clock.outcome)
        case "/leads/{lead}/assign/":
            running = SlaClock.objects.get(lead=lead, stopped_at__isnull=True)
            return f"/leads/{lead.pk}/", (lead.stage, lead.owner.email, clock.outcome, running.rep.email)
        case "/leads/{lead}/activity/":
            call = Touchpoint.objects.get(lead=lead, type="call")
            return f"/leads/{lead.pk}/", (lead.stage, clock.outcome, call.actor == user, call.note)
        case "/leads/{lead}/touchpoint/":
            return f"/leads/{lead.pk}/", (lead.stage, lead.touchpoints.filter(type="page_view").count())
        case "/leads/{lead}/convert/":
            opportunity = Opportunity.objects.get(lead=lead)
            return f"/leads/{lead.pk}/", (lead.stage, clock.outcome, str(opportunity.amount))
        case "/opportunities/{opportunity}/stage/":
            opportunity = Opportunity.objects.get(pk=scene.opportunity.pk)
            deal = Lead.objects.get(pk=scene.deal_lead.pk)
            return f"/leads/{deal.pk}/", (opportunity.sales_stage.name, opportunity.status, deal.events.last().kind)
        case "/opportunities/{opportunity}/close/":
            deal = Lead.objects.get(pk=scene.deal_lead.pk)
            status = Opportunity.objects.get(pk=scene.opportunity.pk).status
            return f"/leads/{deal.pk}/", (deal.stage, status)
        case "/opportunities/{opportunity}/reopen/":
            deal = Lead.objects.get(pk=scene.deal_lead.pk)
            status = Opportunity.objects.get(pk=scene.opportunity.pk).status
            return f"/leads/{deal.pk}/", (deal.stage, status, OpportunityEvent.objects.latest("id").kind)
        case "/reports/goal/set/":
            return GOAL_SET, list(RevenueGoal.objects.values_list("team__name", "revenue"))
        case "/notifications/":
            return "/notifications/", Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    raise AssertionError(path)


EFFECTS = {
    "/leads/new/": ("Nia", "Newco", "lead"),
    "/leads/{lead}/accept/": ("sal", "accepted"),
    "/leads/{lead}/reject/": ("recycled", None, "rejected"),
    "/leads/{lead}/assign/": ("mql", "other@accord.test", "reassigned", "other@accord.test"),
    "/leads/{lead}/activity/": ("mql", "activity", True, "Left a voicemail"),  # the call is by the poster
    "/leads/{lead}/touchpoint/": ("mql", 1),
    "/leads/{lead}/convert/": ("sql", "converted", "1000.00"),
    "/opportunities/{opportunity}/stage/": ("Demo", "open", "opportunity"),
    "/opportunities/{opportunity}/close/": ("customer", "won"),
    "/opportunities/{opportunity}/reopen/": ("sql", "open", "reopened"),
    "/reports/goal/set/": [("EMEA", Decimal("1000.00"))],
    "/notifications/": 0,
}


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(POST_MATRIX))
def test_post_forms(world, scene, path, persona, expected):
    # given
    url = _url(path, scene)
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    if path == "/opportunities/{opportunity}/reopen/":  # only a closed deal reopens
        services.opportunity_close(opportunity_id=scene.opportunity.pk, acting_user=world.rep, won=True)
    before = snapshot(scene)

    # when
    response = client_for(world, persona).post(url, POST_DATA[path])

    # then
    if expected == DONE:
        location, effect = _effect(path, scene, user)
        assert (response.status_code, response["Location"]) == (302, location)
        assert effect == EFFECTS[path]
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert snapshot(scene) == before


@pytest.mark.parametrize("persona", ["anonymous", "owner", "admin"])
@pytest.mark.parametrize("path", POST_ONLY)
def test_get_on_a_post_only_endpoint_is_405(world, scene, path, persona):
    before = snapshot(scene)

    response = client_for(world, persona).get(_url(path, scene))

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert snapshot(scene) == before


# --- lead definitions --------------------------------------------------------------------
# Everyone signed in reads every version; drafting (new, import, edit, propose, delete, copy,
# comment) is for marketing, marketing leads, sales managers (`manager`, `other_manager`) and
# admins; signing and requesting changes for the marketing lead and the sales managers (an
# admin signs only when named); naming signatories for admins.
#
# `{active}` was proposed and signed by both sides (its rescore is queued); `{draft}` and
# `{proposed}` are by `marketing`; `{missing}` does not exist.

# fmt: off
DEFINITION_GET_MATRIX = {
    #                                           anon   owner mate mgr  o-mgr o-rep mkt  m-lead exec admin
    "/definitions/":                           (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/?format=csv":                (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/{proposed}/":                (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/{active}/rescore/":          (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/{active}/export.json":       (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/{active}/compare/{draft}/":  (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/definitions/{draft}/compare/?with={active}":
                                               (LOGIN, 302,  302, 302, 302,  302,  302, 302,   302, 302),
    "/definitions/{draft}/edit/":              (LOGIN, 403,  403, 200, 200,  403,  200, 200,   403, 200),
    "/definitions/import/":                    (LOGIN, 403,  403, 200, 200,  403,  200, 200,   403, 200),
    "/definitions/signatories/":               (LOGIN, 403,  403, 403, 403,  403,  403, 403,   403, 200),
    "/definitions/{missing}/":                 (LOGIN, 404,  404, 404, 404,  404,  404, 404,   404, 404),
}

DEFINITION_POST_MATRIX = {
    #                                           anon   owner mate mgr   o-mgr o-rep mkt   m-lead exec admin
    "/definitions/new/":                       (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/import/":                    (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{draft}/edit/":              (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{draft}/propose/":           (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{draft}/delete/":            (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{draft}/copy/":              (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{draft}/comment/":           (LOGIN, 403,  403, DONE, DONE, 403,  DONE, DONE,  403, DONE),
    "/definitions/{proposed}/sign/":           (LOGIN, 403,  403, DONE, DONE, 403,  403,  DONE,  403, 403),
    "/definitions/{proposed}/request-changes/":(LOGIN, 403,  403, DONE, DONE, 403,  403,  DONE,  403, 403),
    "/definitions/signatories/":               (LOGIN, 403,  403, 403,  403,  403,  403,  403,   403, DONE),
}
# fmt: on

DEFINITION_POST_ONLY = [
    path for path in DEFINITION_POST_MATRIX if path.endswith(("/new/", "/propose/", "/delete/", "/copy/", "/comment/",
                                                              "/sign/", "/request-changes/"))
]  # fmt: skip


@pytest.fixture
def versions(world) -> dict:
    def drafted(name):
        return definitions.definition_create(document=TEST_DOCUMENT, name=name, acting_user=world.marketer)

    active = drafted("Active")
    definitions.definition_propose(definition_id=active.pk, acting_user=world.marketer)
    definitions.definition_sign(definition_id=active.pk, acting_user=world.marketing_lead)
    definitions.definition_sign(definition_id=active.pk, acting_user=world.manager)
    draft, proposed = drafted("Draft"), drafted("Proposed")
    definitions.definition_propose(definition_id=proposed.pk, acting_user=world.marketer)
    return {"active": active.pk, "draft": draft.pk, "proposed": proposed.pk, "missing": proposed.pk + 100}


def definition_state() -> dict:
    """Everything a request on the definition pages could change."""
    return {
        "versions": list(LeadDefinition.objects.order_by("pk").values_list("pk", "status", "name", "document")),
        "signatures": list(Signature.objects.order_by("pk").values_list("pk", "user_id", "side", "void_at")),
        "events": list(DefinitionEvent.objects.order_by("pk").values_list("pk", "kind", "actor_id", "comment")),
        "signatories": list(Signatory.objects.order_by("pk").values_list("user_id", "side")),
        "rescores": Rescore.objects.count(),
    }


# Valid input for every form, so a refusal can only come from the permission check.
DEFINITION_POST_DATA = {
    "/definitions/import/": lambda: {
        "file": SimpleUploadedFile("v.json", json.dumps({"name": "Imported", "document": TEST_DOCUMENT}).encode())
    },
    "/definitions/{draft}/edit/": lambda: {
        "editor": "json",
        "document": json.dumps({**TEST_DOCUMENT, "thresholds": {"mql": 45}}),
    },
    "/definitions/{draft}/comment/": lambda: {"comment": "Looks right"},
    "/definitions/{proposed}/sign/": lambda: {"comment": ""},
    "/definitions/{proposed}/request-changes/": lambda: {"comment": "Needs a budget rule"},
    "/definitions/signatories/": lambda: {"side": "sales", "emails": "manager@accord.test"},
}


def _definition_effect(path: str, ids: dict, user):
    """Where a permitted POST went and what it did, as comparable values."""
    newest = LeadDefinition.objects.order_by("-version").first()
    draft = LeadDefinition.objects.filter(pk=ids["draft"]).first()
    proposed = LeadDefinition.objects.get(pk=ids["proposed"])
    match path:
        case "/definitions/new/":
            return f"/definitions/{newest.pk}/edit/", (newest.status, newest.based_on_id == ids["active"])
        case "/definitions/import/":
            return f"/definitions/{newest.pk}/", (newest.status, newest.name, newest.created_by == user)
        case "/definitions/{draft}/edit/":
            return f"/definitions/{draft.pk}/", (draft.status, draft.document["thresholds"]["mql"])
        case "/definitions/{draft}/propose/":
            return f"/definitions/{draft.pk}/", (draft.status,)
        case "/definitions/{draft}/delete/":
            return "/definitions/", (draft,)
        case "/definitions/{draft}/copy/":
            return f"/definitions/{newest.pk}/edit/", (newest.status, newest.based_on_id == ids["draft"])
        case "/definitions/{draft}/comment/":
            event = DefinitionEvent.objects.filter(definition=draft).last()
            return f"/definitions/{draft.pk}/", (event.kind, event.actor == user, event.comment)
        case "/definitions/{proposed}/sign/":
            signers = list(proposed.signatures.values_list("user", flat=True))
            return f"/definitions/{proposed.pk}/", (proposed.status, signers == [user.pk])
        case "/definitions/{proposed}/request-changes/":
            event = DefinitionEvent.objects.filter(definition=proposed).last()
            return f"/definitions/{proposed.pk}/", (proposed.status, event.comment)
        case "/definitions/signatories/":
            return "/definitions/signatories/", list(Signatory.objects.values_list("side", "user__email"))
    raise AssertionError(path)


DEFINITION_EFFECTS = {
    "/definitions/new/": ("draft", True),
    "/definitions/import/": ("draft", "Imported", True),
    "/definitions/{draft}/edit/": ("draft", 45.0),
    "/definitions/{draft}/propose/": ("proposed",),
    "/definitions/{draft}/delete/": (None,),
    "/definitions/{draft}/copy/": ("draft", True),
    "/definitions/{draft}/comment/": ("commented", True, "Looks right"),
    "/definitions/{proposed}/sign/": ("proposed", True),  # one side signed: not active yet
    "/definitions/{proposed}/request-changes/": ("draft", "Needs a budget rule"),
    "/definitions/signatories/": [("sales", "manager@accord.test")],
}


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(DEFINITION_GET_MATRIX))
def test_definition_pages(world, versions, path, persona, expected):
    # given
    url = path.format(**versions)
    before = definition_state()

    # when
    response = client_for(world, persona).get(url)

    # then
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert definition_state() == before


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(DEFINITION_POST_MATRIX))
def test_definition_forms(world, versions, path, persona, expected):
    # given
    url = path.format(**versions)
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    data = DEFINITION_POST_DATA.get(path, dict)()
    before = definition_state()

    # when
    response = client_for(world, persona).post(url, data)

    # then
    if expected == DONE:
        location, effect = _definition_effect(path, versions, user)
        assert (response.status_code, response["Location"]) == (302, location)
        assert effect == DEFINITION_EFFECTS[path]
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert definition_state() == before


@pytest.mark.parametrize("persona", ["anonymous", "owner", "admin"])
@pytest.mark.parametrize("path", DEFINITION_POST_ONLY)
def test_get_on_a_definition_post_only_endpoint_is_405(world, versions, path, persona):
    before = definition_state()

    response = client_for(world, persona).get(path.format(**versions))

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert definition_state() == before


# --- compensation ------------------------------------------------------------------------
# Sales pay: admins and executives read every rep, managers their teams' reps, a rep their
# own row, marketing nothing (the GET rows above); only admins and executives add a version.

COMPENSATION_NEW = "/reports/compensation/policies/new/"
# fmt: off
COMPENSATION_POST_MATRIX = {
    #                    anon   owner mate mgr  o-mgr o-rep mkt  m-lead exec  admin
    COMPENSATION_NEW:   (LOGIN, 403,  403, 403, 403,  403,  403, 403,   DONE, DONE),
}
# The payroll rows each persona downloads for March: the scene hands leads to `rep` only.
COMPENSATION_CSV = {
    "owner": ["rep@accord.test"],
    "teammate": ["other@accord.test"],
    "manager": ["other@accord.test", "rep@accord.test"],
    "other_manager": ["am-rep@accord.test"],
    "other_team_rep": ["am-rep@accord.test"],
    "executive": ["am-rep@accord.test", "other@accord.test", "rep@accord.test"],
    "admin": ["am-rep@accord.test", "other@accord.test", "rep@accord.test"],
}
# fmt: on


def compensation_state() -> list[tuple]:
    return list(CompensationPolicy.objects.order_by("pk").values_list())


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(COMPENSATION_POST_MATRIX))
def test_compensation_forms(world, scene, path, persona, expected):
    # given
    data = {"reward_on_time": "10", "penalty_ignored": "4", "bonus_won": "100", "currency": "EUR",
            "effective_from": "2026-03-01", "note": ""}  # fmt: skip
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    before, policies_before = snapshot(scene), compensation_state()

    # when
    response = client_for(world, persona).post(path, data)

    # then
    if expected == DONE:
        stored = CompensationPolicy.objects.get()
        assert (response.status_code, response["Location"]) == (302, "/reports/compensation/")
        assert (str(stored.reward_on_time), stored.effective_from.isoformat(), stored.created_by) == (
            "10.00",
            "2026-03-01",
            user,
        )
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(path))
    else:
        assert response.status_code == expected
    assert compensation_state() == policies_before
    assert snapshot(scene) == before


@pytest.mark.parametrize(("persona", "emails"), COMPENSATION_CSV.items())
def test_the_compensation_csv_holds_only_the_rows_the_persona_may_read(world, scene, persona, emails):
    response = client_for(world, persona).get(COMPENSATION + "&format=csv")

    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert sorted(row["rep_email"] for row in rows) == emails


@pytest.mark.parametrize("persona", ["anonymous", "owner", "admin"])
def test_get_on_the_compensation_post_only_endpoint_is_405(world, persona):
    response = client_for(world, persona).get(COMPENSATION_NEW)

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert not CompensationPolicy.objects.exists()


# --- campaign costs ------------------------------------------------------------------------
# Everyone signed in reads the cost report and the ledger (and their CSV files); marketing,
# marketing leads and admins record costs. A refused entry writes nothing.

COST = "/reports/cost/?date_from=2026-03-01&date_to=2026-03-31"
COST_NEW = "/reports/cost/entries/new/"
# fmt: off
COST_GET_MATRIX = {
    #                                          anon   owner mate mgr  o-mgr o-rep mkt  m-lead exec admin
    COST:                                     (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    COST + "&by=channel&format=csv":          (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
    "/reports/cost/?format=csv&table=ledger": (LOGIN, 200,  200, 200, 200,  200,  200, 200,   200, 200),
}
COST_POST_MATRIX = {
    #              anon   owner mate mgr  o-mgr o-rep mkt   m-lead exec admin
    COST_NEW:     (LOGIN, 403,  403, 403, 403,  403,  DONE, DONE,  403, DONE),
}
# fmt: on
COST_ENTRY = {"campaign": "webinar-1", "month": "2026-03", "amount": "1200.00", "note": "Invoice 7"}


def cost_state() -> list[tuple]:
    return list(CampaignCost.objects.order_by("pk").values_list())


@pytest.fixture
def first_cost(world):
    return campaign_cost_record(acting_user=world.marketer, campaign_code="webinar-1", month="2026-03", amount="500")


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(COST_GET_MATRIX))
def test_cost_pages(world, scene, first_cost, path, persona, expected):
    # given
    before, costs_before = snapshot(scene), cost_state()

    # when
    response = client_for(world, persona).get(path)

    # then
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(path))
    else:
        assert response.status_code == expected
    if expected == 200 and "format=csv" in path:
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[1][:2] == ([str(first_cost.pk), "webinar-1"] if "ledger" in path else ["webinar", "webinar"])
    elif expected == 200:
        html = response.content.decode()
        assert ('<h2 id="cost-entry-heading">Add a cost entry</h2>' in html) == (
            persona in ("marketing", "marketing_lead", "admin")
        )
    assert (snapshot(scene), cost_state()) == (before, costs_before)


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(COST_POST_MATRIX))
def test_cost_forms(world, scene, first_cost, path, persona, expected):
    # given
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    before, costs_before = snapshot(scene), cost_state()

    # when
    response = client_for(world, persona).post(path, COST_ENTRY)

    # then
    if expected == DONE:
        entry = CampaignCost.objects.latest("id")
        assert (response.status_code, response["Location"]) == (302, "/reports/cost/")
        assert [row[0] for row in cost_state()] == [first_cost.pk, entry.pk]
        assert (entry.campaign.code, str(entry.amount), entry.note, entry.created_by) == (
            "webinar-1",
            "1200.00",
            "Invoice 7",
            user,
        )
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(path))
    else:
        assert response.status_code == expected
    assert (snapshot(scene), cost_state()) == (before, costs_before)


@pytest.mark.parametrize("persona", ["anonymous", "owner", "admin"])
def test_get_on_the_cost_entry_endpoint_is_405(world, first_cost, persona):
    before = cost_state()

    response = client_for(world, persona).get(COST_NEW)

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert cost_state() == before
