"""The API's public contract: status codes, field names and values worked out by hand from
TEST_DOCUMENT (fit: 50+ employees 20, "VP" in title 10; content_download 20; MQL at 50)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils.dateparse import parse_datetime

from accord.crm import services
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.people.models import Role, User
from accord.routing.models import SlaClock
from tests.api.conftest import assert_nothing_changed, db_state
from tests.conftest import MONDAY_10, QUALIFIABLE

CONTRACT_FIELDS = {"id", "email", "stage", "score", "owner", "sla_due_at", "definition_version", "qualification"}
LEAD_FIELDS = {
    *CONTRACT_FIELDS,
    *("first_name", "last_name", "company", "title", "phone", "country", "region", "industry", "company_size"),
    *("source", "campaign", "utm_source", "utm_medium", "utm_campaign", "need", "authority", "budget", "timeline"),
    *("consent_email", "team", "created_at", "updated_at", "external_id"),
}
BELOW_THRESHOLD = ["Score 30 < MQL threshold 50", "Contact known", "Need known"]
AT_THRESHOLD = ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"]


def contract_view(body: dict) -> dict:
    """The fields the brief of the API promises, with qualification cut to its public part."""
    view = {name: body[name] for name in CONTRACT_FIELDS}
    view["qualification"] = {k: body["qualification"][k] for k in ("qualified", "reasons")}
    return view


# --- POST /leads ------------------------------------------------------------------------


def test_capture_creates_a_scored_unqualified_lead_with_201(world, api):
    # Given marketing
    client = api(world.marketer)

    # When it captures QUALIFIABLE (fit 20 + 10 = 30, no engagement yet)
    response = client.post("/leads", QUALIFIABLE)

    # Then the lead is created, scored 30 and stays a lead, unassigned, no clock
    assert response.status_code == 201
    body = response.json()
    assert set(body) == LEAD_FIELDS
    assert set(body["score"]) == {"fit", "engagement", "total"}
    lead = Lead.objects.get()
    assert contract_view(body) == {
        "id": lead.pk,
        "email": "vp@bigco.example",
        "stage": "lead",
        "score": {"fit": 30, "engagement": 0, "total": 30},
        "owner": None,
        "sla_due_at": None,
        "definition_version": 2,
        "qualification": {"qualified": False, "reasons": BELOW_THRESHOLD},
    }
    assert (body["company"], body["title"], body["company_size"], body["country"]) == ("Bigco", "VP Sales", 120, "DE")
    assert (body["team"], body["campaign"], body["consent_email"]) == (None, None, False)
    assert body["qualification"]["threshold"] == 50


@pytest.mark.parametrize(
    "email", ["vp@bigco.example", "VP@BIGCO.EXAMPLE", "  Vp@BigCo.Example\t", "\nvp@bigco.EXAMPLE "]
)
def test_capture_of_a_known_email_updates_the_same_lead_with_200(world, api, email):
    # Given the lead exists
    client = api(world.marketer)
    created = client.post("/leads", QUALIFIABLE).json()

    # When the same email arrives in another spelling, with a new detail
    response = client.post("/leads", {"email": email, "phone": "+49 30 1234"})

    # Then it is the same lead, updated, with the same score
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["phone"], body["first_name"]) == (
        created["id"],
        "vp@bigco.example",
        "+49 30 1234",
        "Vera",
    )
    assert body["score"] == {"fit": 30, "engagement": 0, "total": 30}
    assert Lead.objects.count() == 1
    assert list(LeadEvent.objects.values_list("kind", "data")) == [
        ("created", {"source": "", "campaign": None}),
        ("updated", {"fields": ["phone"]}),
    ]


def test_capture_with_campaign_and_source_reports_them(world, api):
    response = api(world.marketer).post("/leads", {**QUALIFIABLE, "campaign": "webinar-1", "source": "webinar"})

    assert response.status_code == 201
    assert (response.json()["campaign"], response.json()["source"]) == ("webinar-1", "webinar")


def test_only_an_email_makes_a_subscriber(world, api):
    response = api(world.marketer).post("/leads", {"email": "news@reader.example"})

    assert response.status_code == 201
    body = response.json()
    assert (body["stage"], body["score"], body["qualification"]["qualified"]) == (
        "subscriber",
        {"fit": 0, "engagement": 0, "total": 0},
        False,
    )


# --- POST /touchpoints ----------------------------------------------------------------------


@pytest.mark.parametrize("identify_by", ["email", "lead_id"])
def test_a_content_download_qualifies_and_routes_the_lead(world, api, identify_by):
    # Given QUALIFIABLE at 30 points
    client = api(world.marketer)
    lead_id = client.post("/leads", QUALIFIABLE).json()["id"]
    who = {"email": " VP@BigCo.Example "} if identify_by == "email" else {"lead_id": lead_id}

    # When marketing records a content download (+20, age 0)
    response = client.post("/touchpoints", {**who, "type": "content_download", "campaign": "webinar-1"})

    # Then the response is the lead's new state: an MQL with an EMEA rep and a running clock
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {*LEAD_FIELDS, "touchpoint_id"}
    touchpoint = Touchpoint.objects.get()
    clock = SlaClock.objects.get(lead_id=lead_id)
    assert body["touchpoint_id"] == touchpoint.pk
    assert (touchpoint.lead_id, touchpoint.type, touchpoint.campaign.code, touchpoint.channel) == (
        lead_id,
        "content_download",
        "webinar-1",
        "webinar",
    )
    assert body["owner"] in ("rep@accord.test", "other@accord.test")
    assert body["owner"] == clock.rep.email
    assert body["sla_due_at"] is not None
    assert parse_datetime(body["sla_due_at"]) == clock.due_at.replace(
        microsecond=clock.due_at.microsecond // 1000 * 1000
    )
    assert contract_view(body) | {"owner": None, "sla_due_at": None} == {
        "id": lead_id,
        "email": "vp@bigco.example",
        "stage": "mql",
        "score": {"fit": 30, "engagement": 20, "total": 50},
        "owner": None,
        "sla_due_at": None,
        "definition_version": 2,
        "qualification": {"qualified": True, "reasons": AT_THRESHOLD},
    }
    assert body["team"] == "EMEA"


def test_a_touchpoint_for_an_unknown_email_creates_a_subscriber(world, api):
    response = api(world.marketer).post("/touchpoints", {"email": "Reader@News.Example", "type": "page_view"})

    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["stage"], body["score"]) == (
        "reader@news.example",
        "subscriber",
        {"fit": 0, "engagement": 1, "total": 1},
    )
    assert body["touchpoint_id"] == Touchpoint.objects.get(lead_id=body["id"]).pk


def test_a_repeated_external_id_does_not_fail_or_duplicate_the_touchpoint(world, api):
    # Given a tracking system sent a touchpoint with its own id
    client = api(world.marketer)
    client.client = Client(raise_request_exception=False)
    body = {"email": "reader@news.example", "type": "page_view", "external_id": "hit-42"}
    first = client.post("/touchpoints", body)
    assert first.status_code == 201

    # When it retries the same hit
    again = client.post("/touchpoints", body)

    # Then it is a replay: 200 with the first touchpoint's id, and still one touchpoint
    assert again.status_code == 200, again.content
    assert again.json()["touchpoint_id"] == first.json()["touchpoint_id"]
    assert Touchpoint.objects.filter(external_id="hit-42").count() == 1


def test_an_external_id_of_another_lead_is_a_conflict(world, api):
    client = api(world.marketer)
    client.post("/touchpoints", {"email": "one@news.example", "type": "page_view", "external_id": "hit-7"})

    response = client.post("/touchpoints", {"email": "two@news.example", "type": "page_view", "external_id": "hit-7"})

    assert response.status_code == 409
    assert Touchpoint.objects.filter(external_id="hit-7").count() == 1


# --- 422: the field is named and nothing is written ------------------------------------------


INVALID = [
    # endpoint, body, field
    pytest.param("/leads", {"first_name": "Nia"}, "email", id="lead-missing-email"),
    pytest.param("/leads", {"email": ""}, "email", id="lead-empty-email"),
    pytest.param("/leads", {"email": "not-an-email"}, "email", id="lead-malformed-email"),
    pytest.param("/leads", {"email": "a@b.example", "country": "XX"}, "country", id="lead-country-XX"),
    pytest.param("/leads", {"email": "a@b.example", "company_size": "many"}, "company_size", id="lead-size-many"),
    pytest.param("/leads", {"email": "a@b.example", "company_size": -1}, "company_size", id="lead-size-negative"),
    pytest.param("/leads", {"email": "a@b.example", "campaign": "nope"}, "campaign", id="lead-unknown-campaign"),
    pytest.param("/leads", {"email": "a@b.example", "favourite": "blue"}, "favourite", id="lead-unknown-field"),
    pytest.param("/leads", {"email": "a@b.example", "title": "x" * 201}, "title", id="lead-title-too-long"),
    pytest.param("/touchpoints", {"email": "a@b.example", "type": "telepathy"}, "type", id="touchpoint-unknown-type"),
    pytest.param("/touchpoints", {"type": "page_view"}, "email", id="touchpoint-no-lead"),
    pytest.param("/touchpoints", {"email": "not-an-email", "type": "page_view"}, "email", id="touchpoint-bad-email"),
    pytest.param(
        "/touchpoints", {"email": "a@b.example", "type": "page_view", "campaign": "nope"}, "campaign", id="tp-campaign"
    ),
    pytest.param(
        "/touchpoints",
        {"lead_id": "{lead}", "type": "page_view", "occurred_at": "2026-03-02T10:00:00"},
        "occurred_at",
        id="touchpoint-naive-time",
    ),
    pytest.param("/leads", {"email": "a@b.example", "company_size": 10**10}, "company_size", id="lead-size-too-big"),
    pytest.param(
        "/leads", {"email": "x" * 64 + "@" + ".".join(["d" * 60] * 4) + ".example"}, "email", id="lead-email-too-long"
    ),
    pytest.param(
        "/touchpoints",
        {"email": "a@b.example", "type": "page_view", "channel": "c" * 51},
        "channel",
        id="tp-channel-long",
    ),
    pytest.param(
        "/touchpoints",
        {"email": "a@b.example", "type": "page_view", "utm_source": "u" * 201},
        "utm_source",
        id="tp-utm",
    ),
    pytest.param(
        "/touchpoints",
        {"email": "a@b.example", "type": "page_view", "external_id": "e" * 201},
        "external_id",
        id="tp-external-id-long",
    ),
    pytest.param("/leads/{lead}/reject", {"action": "recycle"}, "reason", id="reject-without-reason"),
    pytest.param(
        "/leads/{lead}/reject", {"reason": "bored", "action": "recycle"}, "reason", id="reject-unknown-reason"
    ),
    pytest.param("/leads/{lead}/reject", {"reason": "other", "action": "recycle"}, "note", id="reject-other-no-note"),
    pytest.param(
        "/leads/{lead}/reject", {"reason": "other", "note": "  ", "action": "recycle"}, "note", id="reject-other-blank"
    ),
    pytest.param("/leads/{lead}/reject", {"reason": "not_ready", "action": "delete"}, "action", id="reject-bad-action"),
    pytest.param("/leads/{lead}/reject", {"reason": "not_ready"}, "action", id="reject-no-action"),
    pytest.param("/leads/{lead}/assign", {"owner": "nobody@accord.test"}, "owner", id="assign-unknown-owner"),
    pytest.param("/leads/{lead}/assign", {"owner": "manager@accord.test"}, "owner", id="assign-to-a-manager"),
    pytest.param("/leads/{lead}/assign", {"note": "x"}, "owner", id="assign-without-owner"),
    pytest.param("/leads/{lead}/activities", {"type": "page_view"}, "type", id="activity-not-a-rep-activity"),
    pytest.param(
        "/leads/{lead}/activities",
        {"type": "call", "occurred_at": "2026-03-02T10:00:00"},
        "occurred_at",
        id="activity-naive-time",
    ),
    pytest.param("/opportunities", {"lead_id": "{lead}", "amount": -1}, "amount", id="opportunity-negative-amount"),
    pytest.param("/opportunities", {"lead_id": "{lead}"}, "amount", id="opportunity-no-amount"),
    pytest.param(
        "/opportunities", {"lead_id": "{lead}", "amount": 1, "sales_stage": "Nope"}, "sales_stage", id="opp-sales-stage"
    ),
    pytest.param("/opportunities/{opportunity}/stage", {"sales_stage": "Won"}, "sales_stage", id="stage-unknown"),
    pytest.param("/opportunities/{opportunity}/stage", {}, "sales_stage", id="stage-missing"),
    pytest.param("/opportunities/{opportunity}/close", {"won": False}, "reason", id="close-lost-without-reason"),
    pytest.param("/opportunities/{opportunity}/close", {"reason": "no_budget"}, "won", id="close-without-won"),
]


def _fill(value, scene):
    ids = {"lead": scene.lead.pk, "opportunity": scene.opportunity.pk}
    if isinstance(value, dict):
        return {key: _fill(item, scene) for key, item in value.items()}
    if value in ("{lead}", "{opportunity}"):
        return int(value.format(**ids))
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize(("path", "body", "field"), INVALID)
def test_invalid_input_is_422_naming_the_field_and_writes_nothing(scene, api, world, path, body, field):
    # Given the scene and a caller allowed to make the request
    allowed = world.manager if path.endswith("/assign") else world.rep
    allowed = world.marketer if path in ("/leads", "/touchpoints") else allowed
    before = db_state(scene)

    # When the body breaks a rule
    client = api(allowed)
    client.client = Client(raise_request_exception=False)  # a 500 should fail the assertion, not the test run
    response = client.post(_fill(path, scene), _fill(body, scene))

    # Then 422 names the field first, and nothing was written
    assert response.status_code == 422, response.content
    payload = response.json()
    assert set(payload) == {"detail", "errors"}
    assert payload["errors"][0]["field"] == field
    assert payload["errors"][0]["message"]
    assert payload["detail"].startswith(f"{field}: ")
    assert_nothing_changed(before, scene)


# --- 404 and 409 ------------------------------------------------------------------------------


NOT_FOUND = [
    pytest.param("GET", "/leads/999999", {}, id="get-lead"),
    pytest.param("POST", "/leads/999999/accept", {}, id="accept"),
    pytest.param("POST", "/leads/999999/reject", {"reason": "not_ready", "action": "recycle"}, id="reject"),
    pytest.param("POST", "/leads/999999/activities", {"type": "call"}, id="activity"),
    pytest.param("POST", "/leads/999999/assign", {"owner": "other@accord.test"}, id="assign"),
    pytest.param("POST", "/touchpoints", {"lead_id": 999999, "type": "page_view"}, id="touchpoint"),
    pytest.param("POST", "/opportunities", {"lead_id": 999999, "amount": 10}, id="create-opportunity"),
    pytest.param("GET", "/opportunities/999999", {}, id="get-opportunity"),
    pytest.param("POST", "/opportunities/999999/stage", {"sales_stage": "Demo"}, id="set-opportunity-stage"),
    pytest.param("POST", "/opportunities/999999/close", {"won": True}, id="close-opportunity"),
]


@pytest.mark.parametrize(("method", "path", "body"), NOT_FOUND)
def test_unknown_ids_are_404_and_write_nothing(scene, api, world, method, path, body):
    client = api(world.admin)
    before = db_state(scene)

    response = client.get(path) if method == "GET" else client.post(path, body)

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert "999999" in response.json()["detail"]
    assert_nothing_changed(before, scene)


def test_accepting_a_lead_that_is_not_an_mql_is_409(world, api):
    # Given a lead that has not qualified
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    events = LeadEvent.objects.count()

    # When an admin tries to accept it
    response = api(world.admin).post(f"/leads/{lead.pk}/accept")

    # Then it is a conflict with the current stage, and nothing changed
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a marketing qualified lead can be accepted; this one is 'lead'."}
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD
    assert LeadEvent.objects.count() == events


def test_accepting_twice_is_409_the_second_time(scene, api):
    client = api(scene.lead.owner)
    assert client.post(f"/leads/{scene.lead.pk}/accept").status_code == 200

    response = client.post(f"/leads/{scene.lead.pk}/accept")

    assert response.status_code == 409
    assert response.json() == {"detail": "Only a marketing qualified lead can be accepted; this one is 'sal'."}


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/leads/{lead}/reject", {"reason": "not_ready", "action": "recycle"}, "rejected; this one is 'lead'."),
        ("/opportunities", {"lead_id": "{lead}", "amount": 100}, "converted; this one is 'lead'."),
    ],
)
def test_rejecting_or_converting_an_unqualified_lead_is_409(world, api, path, body, detail):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    fill = {"lead": lead.pk}
    body = {k: (int(v.format(**fill)) if v == "{lead}" else v) for k, v in body.items()}

    response = api(world.admin).post(path.format(**fill), body)

    assert response.status_code == 409
    assert response.json()["detail"].endswith(detail)
    assert Opportunity.objects.count() == 0


def test_closing_a_closed_opportunity_is_409(scene, api):
    client = api(scene.opportunity.owner)
    assert client.post(f"/opportunities/{scene.opportunity.pk}/close", {"won": True}).status_code == 200

    response = client.post(f"/opportunities/{scene.opportunity.pk}/close", {"won": False, "reason": "no_budget"})

    assert response.status_code == 409
    assert response.json() == {"detail": "The opportunity is already won."}
    assert Opportunity.objects.get(pk=scene.opportunity.pk).status == "won"


def test_assigning_a_lead_to_its_owner_is_409(scene, api):
    response = api(scene.lead.owner.team.manager).post(f"/leads/{scene.lead.pk}/assign", {"owner": "REP@accord.test"})

    assert response.status_code == 409
    assert response.json() == {"detail": "The lead is already rep@accord.test's."}
    assert SlaClock.objects.get(pk=scene.clock.pk).stopped_at is None


def test_moving_a_closed_opportunity_is_409(scene, api):
    client = api(scene.opportunity.owner)
    client.post(f"/opportunities/{scene.opportunity.pk}/close", {"won": False, "reason": "no_budget"})

    response = client.post(f"/opportunities/{scene.opportunity.pk}/stage", {"sales_stage": "Demo"})

    assert response.status_code == 409
    assert response.json() == {"detail": "The opportunity is already lost."}
    assert Opportunity.objects.get(pk=scene.opportunity.pk).sales_stage.name == "Discovery"


# --- the rep's actions through the API ----------------------------------------------------------


def test_accept_reject_activity_and_close_return_the_new_state(scene, api):
    client = api(scene.lead.owner)

    accepted = client.post(f"/leads/{scene.lead.pk}/accept").json()
    call = client.post(f"/leads/{scene.lead.pk}/activities", {"type": "meeting", "note": "Intro"})
    rejected = client.post(f"/leads/{scene.lead.pk}/reject", {"reason": "no_budget", "action": "disqualify"}).json()
    closed = client.post(f"/opportunities/{scene.opportunity.pk}/close", {"won": False, "reason": "competitor"}).json()

    assert (accepted["stage"], accepted["owner"], accepted["sla_due_at"]) == ("sal", "rep@accord.test", None)
    assert call.status_code == 201
    assert (call.json()["type"], call.json()["actor"], call.json()["note"]) == ("meeting", "rep@accord.test", "Intro")
    assert (rejected["stage"], rejected["owner"], rejected["team"]) == ("disqualified", None, "EMEA")
    assert (closed["status"], closed["lost_reason"], closed["owner"]) == ("lost", "competitor", "rep@accord.test")
    assert closed["closed_at"] is not None
    assert SlaClock.objects.get(pk=scene.clock.pk).outcome == "accepted"


def test_a_rep_without_a_team_can_reject_their_own_lead_and_gets_the_result(world, api):
    # Given a rep outside any team who owns the Solo account, and so gets its qualified lead
    solo = User.objects.create(email="solo@accord.test", role=Role.SALES_REP)
    Account.objects.create(name="Solo", domain="solo.example", owner=solo)
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": "buyer@solo.example", "company": "Solo"}, acting_user=world.marketer, at=MONDAY_10
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    lead.refresh_from_db()
    assert (lead.stage, lead.owner, lead.team) == (Stage.MQL, solo, None)

    # When the rep recycles it through the API
    response = api(solo).post(f"/leads/{lead.pk}/reject", {"reason": "not_ready", "action": "recycle"})

    # Then the answer is the recycled lead, not a 404 for a change that was made
    lead.refresh_from_db()
    assert lead.stage == Stage.RECYCLED
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["stage"], response.json()["owner"]) == (lead.pk, "recycled", None)


def test_create_opportunity_returns_it_with_201(scene, api):
    response = api(scene.lead.owner).post(
        "/opportunities", {"lead_id": scene.lead.pk, "amount": 12000.5, "name": "Bigco pilot"}
    )

    assert response.status_code == 201
    body = response.json()
    opportunity = Opportunity.objects.get(lead=scene.lead)
    assert body | {"created_at": None} == {
        "id": opportunity.pk,
        "name": "Bigco pilot",
        "external_id": None,
        "lead_id": scene.lead.pk,
        "account": "Bigco",
        "owner": "rep@accord.test",
        "owner_name": "",
        "amount": 12000.5,
        "sales_stage": "Discovery",
        "status": "open",
        "lost_reason": "",
        "created_at": None,
        "closed_at": None,
    }
    assert Lead.objects.get(pk=scene.lead.pk).stage == Stage.SQL


# --- GET /leads: pagination and filters ---------------------------------------------------------


def _capture(world, email: str, minutes: int, **fields) -> Lead:
    lead, _ = services.lead_capture(
        data={"email": email, "first_name": "N", **fields},
        acting_user=world.marketer,
        at=MONDAY_10 + timedelta(minutes=minutes),
    )
    return lead


def test_list_paginates_newest_first_with_a_total_count(world, api):
    # Given five leads created a minute apart
    for i in range(5):
        _capture(world, f"lead{i}@list.example", minutes=i)
    client = api(world.admin)

    # When the second page of two is asked for
    response = client.get("/leads", limit=2, offset=2)

    # Then it holds the 3rd and 4th newest, and count is the total
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 5
    assert [item["email"] for item in body["items"]] == ["lead2@list.example", "lead1@list.example"]
    assert [i["email"] for i in client.get("/leads", limit=2, offset=4).json()["items"]] == ["lead0@list.example"]
    assert client.get("/leads", limit=2, offset=5).json() == {"items": [], "count": 5}
    assert len(client.get("/leads").json()["items"]) == 5


@pytest.mark.parametrize(("params", "field"), [({"limit": 0}, "limit"), ({"offset": -1}, "offset")])
def test_list_rejects_bad_pagination(world, api, params, field):
    response = api(world.admin).get("/leads", **params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "mql"}, ["vp@bigco.example"]),
        ({"stage": "lead"}, ["ads@small.example", "web@small.example"]),
        ({"stage": "subscriber"}, ["news@reader.example"]),
        ({"owner": "rep@accord.test"}, ["vp@bigco.example"]),
        ({"owner": "REP@Accord.Test"}, ["vp@bigco.example"]),
        ({"owner": "other@accord.test"}, []),
        ({"owner": "none"}, ["news@reader.example", "ads@small.example", "web@small.example"]),
        ({"source": "webinar"}, ["web@small.example", "vp@bigco.example"]),
        ({"source": "WEBINAR"}, ["web@small.example", "vp@bigco.example"]),
        ({"source": "ads"}, ["ads@small.example"]),
        ({"source": "webinar", "stage": "mql"}, ["vp@bigco.example"]),
        ({"source": "webinar", "owner": "none"}, ["web@small.example"]),
    ],
)
def test_list_filters_by_stage_owner_and_source(world, api, params, expected):
    # Given an MQL from a webinar owned by rep, two plain leads and a subscriber
    lead = _capture(
        world, "vp@bigco.example", 0, **{k: v for k, v in QUALIFIABLE.items() if k != "email"}, source="webinar"
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    _capture(world, "web@small.example", 1, source="webinar")
    _capture(world, "ads@small.example", 2, source="ads")
    services.lead_capture(
        data={"email": "news@reader.example"}, acting_user=world.marketer, at=MONDAY_10 + timedelta(minutes=3)
    )
    assert Lead.objects.get(pk=lead.pk).owner == world.rep

    # When the list is filtered
    body = api(world.marketer).get("/leads", **params).json()

    # Then exactly the matching leads come back, newest first, and count agrees
    assert [item["email"] for item in body["items"]] == expected
    assert body["count"] == len(expected)


# --- GET /leads/{id}: the timeline ----------------------------------------------------------------


def test_detail_has_the_timeline_newest_first_with_actor_emails(world, api):
    # Given a lead captured by marketing, qualified an hour later, and accepted and called after that
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(
        lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10 + timedelta(hours=1)
    )
    services.lead_accept(lead_id=lead.pk, acting_user=world.rep, at=MONDAY_10 + timedelta(hours=2))
    services.lead_log_activity(
        lead_id=lead.pk, acting_user=world.rep, type="call", note="Booked demo", at=MONDAY_10 + timedelta(hours=3)
    )

    # When anyone who may see it reads the lead
    response = api(world.executive).get(f"/leads/{lead.pk}")

    # Then the timeline runs newest first, with who did what
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {*LEAD_FIELDS, "events", "touchpoints"}
    timeline = [
        (event["kind"], event["from_stage"], event["to_stage"], event["actor"], event["occurred_at"])
        for event in body["events"]
    ]
    assert timeline == [
        ("activity", "", "", "rep@accord.test", "2026-03-02T13:00:00Z"),
        ("stage", "mql", "sal", "rep@accord.test", "2026-03-02T12:00:00Z"),
        ("assigned", "", "", "marketer@accord.test", "2026-03-02T11:00:00Z"),
        ("stage", "lead", "mql", "marketer@accord.test", "2026-03-02T11:00:00Z"),
        ("created", "", "lead", "marketer@accord.test", "2026-03-02T10:00:00Z"),
    ]
    assert body["events"][3]["definition_version"] == 2
    assert body["events"][2]["data"] == {"rule": "territory", "team": "EMEA", "owner": "rep@accord.test"}
    assert [(t["type"], t["actor"]) for t in body["touchpoints"]] == [
        ("call", "rep@accord.test"),
        ("content_download", None),
    ]
    assert (body["stage"], body["owner"], body["sla_due_at"]) == ("sal", "rep@accord.test", None)


def test_detail_keeps_the_leads_own_timeline_field(world, api):
    # Given a lead whose buying timeline (BANT) is known
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "timeline": "Q3 2026"}, acting_user=world.marketer, at=MONDAY_10
    )
    assert api(world.marketer).get("/leads").json()["items"][0]["timeline"] == "Q3 2026"

    # When the lead is read on its own
    body = api(world.marketer).get(f"/leads/{lead.pk}").json()

    # Then the buying timeline keeps its name; the history is under "events"
    assert body["timeline"] == "Q3 2026"
    assert isinstance(body["events"], list)


# --- GET /reports/funnel ------------------------------------------------------------------------


def test_funnel_counts_the_cohort_by_source(world, api):
    # Given in March one webinar lead qualified and accepted, one ads lead that stayed a lead,
    # and in April a lead outside the period
    lead = _capture(
        world, "vp@bigco.example", 0, **{k: v for k, v in QUALIFIABLE.items() if k != "email"}, source="webinar"
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    services.lead_accept(lead_id=lead.pk, acting_user=world.rep, at=MONDAY_10 + timedelta(hours=1))
    _capture(world, "ads@small.example", 1, source="ads")
    _capture(world, "april@small.example", 60 * 24 * 31, source="ads")

    # When the funnel for March is asked for by source
    response = api(world.executive).get("/reports/funnel", **{"from": "2026-03-01", "to": "2026-03-31", "by": "source"})

    # Then each source has its row and "All" sums them; beside each, February (the month
    # before a whole month), which had no leads: zero counts and nothing to divide, so each
    # count changed by March's count and no conversion has a change
    assert response.status_code == 200
    no_conversion = {"sal_to_sql": None, "sql_to_customer": None}
    nothing = dict.fromkeys(["lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_customer", "lead_to_customer"])
    zeros = {"leads": 0, "mql": 0, "sal": 0, "sql": 0, "customer": 0, "recycled": 0, "disqualified": 0}
    ads = {"leads": 1, "mql": 0, "sal": 0, "sql": 0, "customer": 0, "recycled": 0, "disqualified": 0}
    webinar = {"leads": 1, "mql": 1, "sal": 1, "sql": 0, "customer": 0, "recycled": 0, "disqualified": 0}
    total = {"leads": 2, "mql": 1, "sal": 1, "sql": 0, "customer": 0, "recycled": 0, "disqualified": 0}
    february = {"previous": {**zeros, "conversion": nothing}}
    assert response.json() == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "by": "source",
        "compare": "previous",
        "compare_from": "2026-02-01",
        "compare_to": "2026-02-28",
        "rows": [
            {
                "group": "ads",
                **ads,
                "conversion": {"lead_to_mql": 0.0, "mql_to_sal": None, **no_conversion, "lead_to_customer": 0.0},
                **february,
                "change": {**ads, "conversion": nothing},
            },
            {
                "group": "webinar",
                **webinar,
                "conversion": {
                    "lead_to_mql": 1.0,
                    "mql_to_sal": 1.0,
                    "sal_to_sql": 0.0,
                    "sql_to_customer": None,
                    "lead_to_customer": 0.0,
                },
                **february,
                "change": {**webinar, "conversion": nothing},
            },
            {
                "group": "All",
                **total,
                "conversion": {
                    "lead_to_mql": 0.5,
                    "mql_to_sal": 1.0,
                    "sal_to_sql": 0.0,
                    "sql_to_customer": None,
                    "lead_to_customer": 0.0,
                },
                **february,
                "change": {**total, "conversion": nothing},
            },
        ],
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"from": "2026-13-01", "to": "2026-03-31"}, "from", id="month-13"),
        pytest.param({"from": "yesterday", "to": "2026-03-31"}, "from", id="words"),
        pytest.param({"from": "2026-03-01", "to": "2026-02-30"}, "to", id="february-30"),
        pytest.param({"to": "2026-03-31"}, "from", id="missing-from"),
        pytest.param({"from": "2026-03-01"}, "to", id="missing-to"),
        pytest.param({"from": "2026-03-31", "to": "2026-03-01"}, "to", id="to-before-from"),
        pytest.param({"from": "2026-03-01", "to": "2026-03-31", "by": "weather"}, "by", id="unknown-by"),
        pytest.param({"from": "2026-03-01", "to": "2026-03-31", "compare": "week"}, "compare", id="unknown-compare"),
    ],
)
def test_funnel_rejects_bad_periods_and_groupings(world, api, params, field):
    response = api(world.executive).get("/reports/funnel", **params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("by", ["campaign", None])
def test_funnel_groups_by_campaign_or_not_at_all(world, api, by):
    lead = _capture(world, "vp@bigco.example", 0, campaign="webinar-1")
    params = {"from": "2026-03-02", "to": "2026-03-02"} | ({"by": by} if by else {})

    rows = api(world.marketer).get("/reports/funnel", **params).json()["rows"]

    expected_groups = ["webinar-1", "All"] if by else ["All"]
    assert [(row["group"], row["leads"]) for row in rows] == [(group, 1) for group in expected_groups]
    assert lead.campaign.code == "webinar-1"
