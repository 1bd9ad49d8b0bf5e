"""Who may call which endpoint, written out as a table from the rules in accord/crm/policies.py:

- 401: no token, a malformed, revoked or inactive user's token (even an admin's);
- 403: the wrong role, or a rep or manager who may see the object but not work it;
- 404: the object is not visible to the caller (a rep of another team);
- 2xx: allowed.

Every refused request must leave the database exactly as it was.
"""

from datetime import date

import pytest

from accord.campaigns.models import CampaignCost
from accord.campaigns.services import campaign_cost_record
from accord.crm import services
from accord.crm.models import Stage
from accord.definitions import services as definition_services
from accord.definitions.models import LeadDefinition
from accord.people.services import token_create, token_revoke
from accord.reports.compensation import policy_create
from accord.reports.goal import goal_set
from accord.reports.models import CompensationPolicy
from tests.api.conftest import ACTORS, UNAUTHORIZED, assert_nothing_changed, client_with_header, db_state
from tests.api.test_definitions import definitions_state
from tests.conftest import MONDAY_10, TEST_DOCUMENT

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}
GOAL_PERIOD = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}

# method, path (formatted with the scene), body or query (formatted likewise)
ENDPOINTS = {
    "capture_lead": (
        "POST",
        "/leads",
        {"email": "newcomer@prospect.example", "first_name": "Nia", "company": "Prospect"},
    ),
    "list_leads": ("GET", "/leads", {}),
    "get_lead": ("GET", "/leads/{lead}", {}),
    "accept_lead": ("POST", "/leads/{lead}/accept", {}),
    "reject_lead": (
        "POST",
        "/leads/{lead}/reject",
        {"reason": "not_ready", "note": "Next quarter", "action": "recycle"},
    ),
    "assign_lead": ("POST", "/leads/{lead}/assign", {"owner": "other@accord.test", "note": "Covering"}),
    "log_activity": ("POST", "/leads/{lead}/activities", {"type": "call", "note": "Left a voicemail"}),
    "record_touchpoint": ("POST", "/touchpoints", {"lead_id": "{lead}", "type": "page_view"}),
    "create_opportunity": ("POST", "/opportunities", {"lead_id": "{lead}", "amount": 5000}),
    "list_opportunities": ("GET", "/opportunities", {}),
    "get_opportunity": ("GET", "/opportunities/{opportunity}", {}),
    "set_stage": ("POST", "/opportunities/{opportunity}/stage", {"sales_stage": "Proposal"}),
    "close_opportunity": ("POST", "/opportunities/{opportunity}/close", {"won": True}),
    "reopen_opportunity": ("POST", "/opportunities/{opportunity}/reopen", {"note": "The customer came back"}),
    "list_sales_stages": ("GET", "/sales-stages", {}),
    "funnel": ("GET", "/reports/funnel", PERIOD),
    "velocity": ("GET", "/reports/velocity", {**PERIOD, "by": "owner"}),
    "sla_scorecard": ("GET", "/reports/sla", PERIOD),
    "sla_leads": ("GET", "/reports/sla/leads", {**PERIOD, "measure": "handed_over"}),
    "pipeline": ("GET", "/reports/pipeline", {**PERIOD, "by": "owner"}),
    "sourcing": ("GET", "/reports/sourcing", PERIOD),
    "dashboard": ("GET", "/reports/dashboard", PERIOD),
    "set_goal": ("POST", "/goals", {**PERIOD, "revenue": "1000", "team": "EMEA"}),
    "list_goals": ("GET", "/goals", {}),
    "goal": ("GET", "/reports/goal", PERIOD),
    "wins": ("GET", "/reports/wins", PERIOD),
}

# fmt: off
MATRIX = {
    #                      anon malf revk inac owner mate mgr  omgr orep mkt  mlead exec admin
    "capture_lead":       (401, 401, 401, 401, 403, 403, 403, 403, 403, 201, 201, 403, 201),
    "list_leads":         (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "get_lead":           (401, 401, 401, 401, 200, 200, 200, 200, 404, 200, 200, 200, 200),
    "accept_lead":        (401, 401, 401, 401, 200, 403, 200, 403, 404, 403, 403, 403, 200),
    "reject_lead":        (401, 401, 401, 401, 200, 403, 200, 403, 404, 403, 403, 403, 200),
    "assign_lead":        (401, 401, 401, 401, 403, 403, 200, 403, 404, 403, 403, 403, 200),
    "log_activity":       (401, 401, 401, 401, 201, 403, 201, 403, 404, 403, 403, 403, 201),
    "record_touchpoint":  (401, 401, 401, 401, 403, 403, 403, 403, 403, 201, 201, 403, 201),
    "create_opportunity": (401, 401, 401, 401, 201, 403, 201, 403, 404, 403, 403, 403, 201),
    "list_opportunities": (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "get_opportunity":    (401, 401, 401, 401, 200, 200, 200, 200, 404, 200, 200, 200, 200),
    "set_stage":          (401, 401, 401, 401, 200, 403, 200, 403, 404, 403, 403, 403, 200),
    "close_opportunity":  (401, 401, 401, 401, 200, 403, 200, 403, 404, 403, 403, 403, 200),
    "reopen_opportunity": (401, 401, 401, 401, 200, 403, 200, 403, 404, 403, 403, 403, 200),
    "list_sales_stages":  (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "funnel":             (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "velocity":           (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "sla_scorecard":      (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "sla_leads":          (401, 401, 401, 401, 403, 403, 200, 200, 403, 200, 200, 200, 200),
    "pipeline":           (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "sourcing":           (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "dashboard":          (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "set_goal":           (401, 401, 401, 401, 403, 403, 201, 403, 403, 403, 403, 201, 201),
    "list_goals":         (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "goal":               (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "wins":               (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
}
# fmt: on

CASES = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in MATRIX.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]


def _fill(value, ids):
    if isinstance(value, str):
        formatted = value.format(**ids)
        return int(formatted) if formatted != value and formatted.isdigit() else formatted
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def call(client, endpoint: str, scene):
    method, path, data = ENDPOINTS[endpoint]
    ids = {"lead": scene.lead.pk, "opportunity": scene.opportunity.pk}
    path, data = _fill(path, ids), _fill(data, ids)
    return client.get(path, **data) if method == "GET" else client.post(path, data)


def assert_allowed_effect(endpoint: str, body: dict, scene) -> None:
    """A glance at what an allowed request did, so a 2xx that did nothing is caught too."""
    match endpoint:
        case "capture_lead":
            assert (body["email"], body["stage"]) == ("newcomer@prospect.example", Stage.LEAD)
        case "list_leads" | "list_opportunities":
            assert body["count"] == len(body["items"])
        case "get_lead":
            assert body["id"] == scene.lead.pk
        case "accept_lead":
            assert (body["id"], body["stage"], body["sla_due_at"]) == (scene.lead.pk, Stage.SAL, None)
        case "reject_lead":
            assert (body["id"], body["stage"], body["owner"]) == (scene.lead.pk, Stage.RECYCLED, None)
        case "assign_lead":
            assert (body["id"], body["stage"], body["owner"], body["team"]) == (
                scene.lead.pk,
                Stage.MQL,
                "other@accord.test",
                "EMEA",
            )
            assert body["sla_due_at"] is not None
        case "log_activity":
            assert (body["type"], body["note"], body["channel"]) == ("call", "Left a voicemail", "sales")
        case "record_touchpoint":
            assert body["id"] == scene.lead.pk
            assert isinstance(body["touchpoint_id"], int)
        case "create_opportunity":
            assert (body["lead_id"], body["amount"], body["status"]) == (scene.lead.pk, 5000.0, "open")
        case "get_opportunity":
            assert body["id"] == scene.opportunity.pk
        case "set_stage":
            assert (body["id"], body["sales_stage"], body["status"]) == (scene.opportunity.pk, "Proposal", "open")
        case "list_sales_stages":
            assert [stage["name"] for stage in body] == ["Discovery", "Demo", "Proposal", "Negotiation"]
        case "close_opportunity":
            assert (body["id"], body["status"]) == (scene.opportunity.pk, "won")
        case "funnel":
            assert (body["from"], body["to"], body["rows"][-1]["group"]) == ("2026-03-01", "2026-03-31", "All")
        case "velocity":
            assert (body["compare_from"], body["by"], body["rows"][-1]["group"]) == ("2026-02-01", "owner", "All")
        case "sla_scorecard":
            assert (body["from"], body["by"], body["total"]["group"]) == ("2026-03-01", "rep", "All")
        case "sla_leads":
            assert isinstance(body, list)
        case "reopen_opportunity":
            assert (body["id"], body["status"], body["closed_at"]) == (scene.opportunity.pk, "open", None)
        case "pipeline":
            assert (body["by"], body["total"]["group"], body["total"]["won"]) == ("owner", "All", 0)
        case "sourcing":
            assert [row["group"] for row in body["rows"]] == ["marketing", "sales"]
        case "dashboard":  # March beside February; the scene's one deal is open, nothing won
            assert (body["compare_from"], body["sections"][0]["figures"][1]["key"]) == ("2026-02-01", "deals_won")
            assert body["sections"][0]["figures"][1]["value"] == 0
        case "set_goal":
            assert (body["team"], body["revenue"], body["steps"][0]["target"]) == ("EMEA", 1000.0, 1000.0)
        case "list_goals" | "goal":
            goals = body if endpoint == "list_goals" else [body]
            assert [(g["from"], g["team"]) for g in goals] == [("2026-03-01", None)]
        case "wins":  # the scene's one deal is open: nothing won in March
            assert (body["from"], body["summary"]["wins"], body["rows"], len(body["weeks"])) == ("2026-03-01", 0, [], 6)


@pytest.mark.parametrize(("endpoint", "actor", "expected"), CASES)
def test_permission_matrix(world, scene, client_as, endpoint, actor, expected):
    # Given the scene and a caller
    client = client_as(actor)
    if endpoint == "reopen_opportunity":  # only a closed deal reopens
        services.opportunity_close(opportunity_id=scene.opportunity.pk, acting_user=scene.opportunity.owner, won=True)
    if endpoint in ("list_goals", "goal"):  # the company's goal of March
        goal_set(acting_user=world.admin, revenue="1000", **GOAL_PERIOD)
    before = db_state(scene)

    # When the caller hits the endpoint
    response = call(client, endpoint, scene)

    # Then the status is the one in the table
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if expected < 400:
        assert_allowed_effect(endpoint, body, scene)
        return
    # and a refusal is a {"detail": ...} body that changed nothing
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if expected == 401:
        assert body == UNAUTHORIZED
    assert_nothing_changed(before, scene)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer ", id="empty-token"),
        pytest.param("Bearer not-an-accord-token", id="no-prefix"),
        pytest.param("Bearer acc_", id="prefix-only"),
        pytest.param("Token {raw}", id="wrong-scheme"),
        pytest.param("Basic {raw}", id="basic-scheme"),
        pytest.param("{raw}", id="no-scheme"),
        pytest.param("Bearer {raw}x", id="valid-token-plus-a-character"),
        pytest.param("Bearer {raw_upper}", id="valid-token-upper-cased"),
    ],
)
def test_malformed_authorization_headers_are_401(scene, world, header):
    # Given a valid admin token, mangled
    _, raw = token_create(user_email=world.admin.email)
    client = client_with_header(header.format(raw=raw, raw_upper=raw.upper()))
    before = db_state(scene)

    # When it is used to accept the lead (an admin could)
    response = client.post(f"/leads/{scene.lead.pk}/accept")

    # Then it is refused as unauthenticated and nothing changes
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert_nothing_changed(before, scene)


def test_a_revoked_token_stops_working_while_the_users_other_tokens_still_work(scene, world, api):
    # Given the admin has two tokens
    revoked, raw = token_create(user_email=world.admin.email)
    other = api(world.admin)
    assert client_with_header(f"Bearer {raw}").get("/leads").status_code == 200

    # When one is revoked
    token_revoke(key_prefix=revoked.key_prefix)

    # Then only that one stops working
    assert client_with_header(f"Bearer {raw}").get("/leads").status_code == 401
    assert other.get("/leads").status_code == 200


# Who sees which leads and opportunities in the lists (emails of the leads; opportunities by lead email).
ALL_LEADS = {"vp@bigco.example", "buyer@deal.example", "cto@us.example"}
EMEA_LEADS = {"vp@bigco.example", "buyer@deal.example"}
VISIBLE = {
    #                 leads          opportunities
    "owner": (EMEA_LEADS, {"buyer@deal.example"}),
    "teammate": (EMEA_LEADS, {"buyer@deal.example"}),
    "manager": (ALL_LEADS, {"buyer@deal.example"}),
    "other_manager": (ALL_LEADS, {"buyer@deal.example"}),
    "other_rep": ({"cto@us.example"}, set()),
    "marketer": (ALL_LEADS, {"buyer@deal.example"}),
    "marketing_lead": (ALL_LEADS, {"buyer@deal.example"}),
    "executive": (ALL_LEADS, {"buyer@deal.example"}),
    "admin": (ALL_LEADS, {"buyer@deal.example"}),
}


@pytest.mark.parametrize(("actor", "expected"), VISIBLE.items(), ids=VISIBLE.keys())
def test_lists_show_only_what_the_caller_may_see(scene, client_as, actor, expected):
    # Given the scene's three leads and one opportunity
    client = client_as(actor)
    expected_leads, expected_opportunity_leads = expected
    lead_emails = {scene.lead.pk: "vp@bigco.example", scene.deal_lead.pk: "buyer@deal.example"}

    # When the caller lists leads and opportunities
    leads = client.get("/leads").json()
    opportunities = client.get("/opportunities").json()

    # Then each list holds exactly the visible ones, and count agrees
    assert {item["email"] for item in leads["items"]} == expected_leads
    assert leads["count"] == len(expected_leads)
    assert {lead_emails[item["lead_id"]] for item in opportunities["items"]} == expected_opportunity_leads
    assert opportunities["count"] == len(expected_opportunity_leads)


# --- lead definitions: the rules in accord/definitions/policies.py ----------------------
# Everyone signed in reads every version and explains any lead they see; admins, marketing,
# marketing leads and sales managers draft; marketing leads sign for marketing and sales
# managers for sales (an admin signs only if named); reps and executives only read.

DEFINITION_ENDPOINTS = {
    "list_definitions": ("GET", "/definitions", {}),
    "get_active_definition": ("GET", "/definitions/active", {}),
    "get_definition": ("GET", "/definitions/{proposed}", {}),
    "export_definition": ("GET", "/definitions/{active}/export", {}),
    "create_definition": ("POST", "/definitions", TEST_DOCUMENT),
    "import_definition": ("POST", "/definitions/import", TEST_DOCUMENT),
    "update_definition": ("PATCH", "/definitions/{draft}", {"name": "Renamed"}),
    "delete_definition": ("DELETE", "/definitions/{draft}", {}),
    "copy_definition": ("POST", "/definitions/{active}/copy", {}),
    "propose_definition": ("POST", "/definitions/{draft}/propose", {"comment": "Ready"}),
    "sign_definition": ("POST", "/definitions/{proposed}/sign", {}),
    "request_changes": ("POST", "/definitions/{proposed}/request-changes", {"comment": "Tighten the fit rules"}),
    "comment_definition": ("POST", "/definitions/{proposed}/comments", {"comment": "Looks right"}),
    "explain_lead": ("GET", "/leads/{lead}/explain", {}),
}

# fmt: off
DEFINITION_MATRIX = {
    #                          anon malf revk inac owner mate mgr  omgr orep mkt  mlead exec admin
    "list_definitions":       (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "get_active_definition":  (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "get_definition":         (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "export_definition":      (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "create_definition":      (401, 401, 401, 401, 403, 403, 201, 201, 403, 201, 201, 403, 201),
    "import_definition":      (401, 401, 401, 401, 403, 403, 201, 201, 403, 201, 201, 403, 201),
    "update_definition":      (401, 401, 401, 401, 403, 403, 200, 200, 403, 200, 200, 403, 200),
    "delete_definition":      (401, 401, 401, 401, 403, 403, 204, 204, 403, 204, 204, 403, 204),
    "copy_definition":        (401, 401, 401, 401, 403, 403, 201, 201, 403, 201, 201, 403, 201),
    "propose_definition":     (401, 401, 401, 401, 403, 403, 200, 200, 403, 200, 200, 403, 200),
    "sign_definition":        (401, 401, 401, 401, 403, 403, 200, 200, 403, 403, 200, 403, 403),
    "request_changes":        (401, 401, 401, 401, 403, 403, 200, 200, 403, 403, 200, 403, 403),
    "comment_definition":     (401, 401, 401, 401, 403, 403, 201, 201, 403, 201, 201, 403, 201),
    "explain_lead":           (401, 401, 401, 401, 200, 200, 200, 200, 404, 200, 200, 200, 200),
}
# fmt: on

DEFINITION_CASES = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in DEFINITION_MATRIX.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]
SIGNING_SIDE = {"marketing_lead": "marketing", "manager": "sales", "other_manager": "sales"}


@pytest.fixture
def versions(scene, world, definition) -> dict[str, int]:
    """v2 active (the `definition` fixture), v3 a draft, v4 proposed; ids by state."""
    draft = definition_services.definition_create(document=TEST_DOCUMENT, acting_user=world.marketer, at=MONDAY_10)
    proposed = definition_services.definition_create(document=TEST_DOCUMENT, acting_user=world.marketer, at=MONDAY_10)
    definition_services.definition_propose(definition_id=proposed.pk, acting_user=world.marketer, at=MONDAY_10)
    return {"active": definition.pk, "draft": draft.pk, "proposed": proposed.pk, "lead": scene.lead.pk}


def call_definition_endpoint(client, endpoint: str, ids: dict[str, int]):
    method, path, data = DEFINITION_ENDPOINTS[endpoint]
    path = path.format(**ids)
    if method == "GET":
        return client.get(path, **data)
    # ApiClient speaks GET and POST only; PATCH and DELETE go through its Django client.
    send = getattr(client.client, method.lower())
    return send(f"/api/v1{path}", data, content_type="application/json", headers=client.headers)


def assert_definition_effect(endpoint: str, actor: str, body: dict, ids: dict[str, int]) -> None:
    """A glance at what an allowed request did, so a 2xx that did nothing is caught too."""
    match endpoint:
        case "list_definitions":
            assert [item["version"] for item in body["items"]] == [4, 3, 2, 1]
        case "get_active_definition" | "export_definition":
            assert (body["version"], body["status"]) == (2, "active")
        case "get_definition":
            assert (body["id"], body["status"]) == (ids["proposed"], "proposed")
        case "create_definition" | "import_definition":
            assert (body["version"], body["status"], body["based_on_id"]) == (5, "draft", None)
        case "copy_definition":
            assert (body["version"], body["status"], body["based_on_id"]) == (5, "draft", ids["active"])
        case "update_definition":
            assert (body["id"], body["name"], body["status"]) == (ids["draft"], "Renamed", "draft")
        case "delete_definition":
            assert not LeadDefinition.objects.filter(pk=ids["draft"]).exists()
        case "propose_definition":
            assert (body["id"], body["status"]) == (ids["draft"], "proposed")
        case "sign_definition":
            assert (body["status"], body["activated"]) == ("proposed", False)
            assert [s["side"] for s in body["signatures"]] == [SIGNING_SIDE[actor]]
        case "request_changes":
            assert (body["id"], body["status"], body["signatures"]) == (ids["proposed"], "draft", [])
        case "comment_definition":
            assert (body["kind"], body["comment"]) == ("commented", "Looks right")
        case "explain_lead":
            assert (body["lead_id"], body["definition_version"], body["fit"]) == (ids["lead"], 2, 30)


@pytest.mark.parametrize(("endpoint", "actor", "expected"), DEFINITION_CASES)
def test_definition_permission_matrix(scene, versions, client_as, endpoint, actor, expected):
    # Given the scene, the three versions and a caller
    client = client_as(actor)
    before, definitions_before = db_state(scene), definitions_state()

    # When the caller hits the endpoint
    response = call_definition_endpoint(client, endpoint, versions)

    # Then the status is the one in the table
    assert response.status_code == expected, response.content
    if expected == 204:
        assert response.content == b""
        assert_definition_effect(endpoint, actor, {}, versions)
        return
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if expected < 400:
        assert_definition_effect(endpoint, actor, body, versions)
        return
    # and a refusal is a {"detail": ...} body that changed nothing
    assert set(body) == {"detail"}
    assert body["detail"]
    if expected == 401:
        assert body == UNAUTHORIZED
    assert definitions_state() == definitions_before
    assert_nothing_changed(before, scene)


# --- compensation: the rules in accord/reports/policies.py ------------------------------
# Sales pay: admins and executives read every rep, managers their teams' reps, a rep their
# own row; marketing reads nothing. Only admins and executives add a policy version.

COMPENSATION_ENDPOINTS = {
    "compensation_report": ("GET", "/reports/compensation", PERIOD),
    "list_compensation_policies": ("GET", "/compensation/policies", {}),
    "create_compensation_policy": (
        "POST",
        "/compensation/policies",
        {"reward_on_time": "12.50", "penalty_ignored": "5", "bonus_won": "150", "effective_from": "2026-04-01"},
    ),
}

# fmt: off
COMPENSATION_MATRIX = {
    #                              anon malf revk inac owner mate mgr  omgr orep mkt  mlead exec admin
    "compensation_report":        (401, 401, 401, 401, 200, 200, 200, 200, 200, 403, 403, 200, 200),
    "list_compensation_policies": (401, 401, 401, 401, 200, 200, 200, 200, 200, 403, 403, 200, 200),
    "create_compensation_policy": (401, 401, 401, 401, 403, 403, 403, 403, 403, 403, 403, 201, 201),
}
# fmt: on

COMPENSATION_CASES = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in COMPENSATION_MATRIX.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]
# The rows each reader gets for March (the scene hands leads to `rep` and `americas_rep`;
# `other_rep` is an EMEA rep with none).
COMPENSATION_ROWS = {
    "owner": {"rep@accord.test"},
    "teammate": {"other@accord.test"},
    "manager": {"rep@accord.test", "other@accord.test"},
    "other_manager": {"am-rep@accord.test"},
    "other_rep": {"am-rep@accord.test"},
    "executive": {"rep@accord.test", "other@accord.test", "am-rep@accord.test"},
    "admin": {"rep@accord.test", "other@accord.test", "am-rep@accord.test"},
}


def compensation_state() -> list[tuple]:
    return list(CompensationPolicy.objects.order_by("pk").values_list())


@pytest.mark.parametrize(("endpoint", "actor", "expected"), COMPENSATION_CASES)
def test_compensation_permission_matrix(scene, world, client_as, endpoint, actor, expected):
    # Given the scene, one policy version from 1 March and a caller
    first = policy_create(
        acting_user=world.admin,
        reward_on_time="10",
        penalty_ignored="4",
        bonus_won="100",
        effective_from=date(2026, 3, 1),
    )
    client = client_as(actor)
    before, policies_before = db_state(scene), compensation_state()

    # When the caller hits the endpoint
    method, path, data = COMPENSATION_ENDPOINTS[endpoint]
    response = client.get(path, **data) if method == "GET" else client.post(path, data)

    # Then the status is the one in the table
    assert response.status_code == expected, response.content
    body = response.json()
    if expected < 400:
        match endpoint:
            case "compensation_report":
                assert {row["email"] for row in body["rows"]} == COMPENSATION_ROWS[actor]
                assert body["total"]["rep"] == "All"
            case "list_compensation_policies":
                assert [policy["id"] for policy in body] == [first.pk]
            case "create_compensation_policy":
                assert (body["reward_on_time"], body["effective_from"]) == ("12.50", "2026-04-01")
                assert [policy[0] for policy in compensation_state()] == [first.pk, body["id"]]
        return
    # and a refusal is a {"detail": ...} body that changed nothing
    assert set(body) == {"detail"}
    assert body["detail"]
    if expected == 401:
        assert body == UNAUTHORIZED
    assert compensation_state() == policies_before
    assert_nothing_changed(before, scene)


# --- campaign costs: the rules in accord/campaigns/policies.py --------------------------
# Everyone signed in reads the cost report and a campaign's ledger; marketing, marketing
# leads and admins record costs (a refused entry writes nothing).

COST_ENDPOINTS = {
    "cost_report": ("GET", "/reports/cost", PERIOD),
    "list_campaign_costs": ("GET", "/campaigns/webinar-1/costs", {}),
    "record_campaign_cost": (
        "POST",
        "/campaigns/webinar-1/costs",
        {"month": "2026-03", "amount": "1200.00", "note": "Invoice 7"},
    ),
}

# fmt: off
COST_MATRIX = {
    #                        anon malf revk inac owner mate mgr  omgr orep mkt  mlead exec admin
    "cost_report":          (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "list_campaign_costs":  (401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "record_campaign_cost": (401, 401, 401, 401, 403, 403, 403, 403, 403, 201, 201, 403, 201),
}
# fmt: on

COST_CASES = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in COST_MATRIX.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]
COST_RECORDERS = {
    "marketer": "marketer@accord.test",
    "marketing_lead": "mlead@accord.test",
    "admin": "admin@accord.test",
}


def cost_state() -> list[tuple]:
    return list(CampaignCost.objects.order_by("pk").values_list())


@pytest.mark.parametrize(("endpoint", "actor", "expected"), COST_CASES)
def test_cost_permission_matrix(scene, world, client_as, endpoint, actor, expected):
    # Given the scene (three leads without a campaign, 2 March), 500.00 for webinar-1 in
    # March, and a caller
    first = campaign_cost_record(acting_user=world.marketer, campaign_code="webinar-1", month="2026-03", amount="500")
    client = client_as(actor)
    before, costs_before = db_state(scene), cost_state()

    # When the caller hits the endpoint
    method, path, data = COST_ENDPOINTS[endpoint]
    response = client.get(path, **data) if method == "GET" else client.post(path, data)

    # Then the status is the one in the table
    assert response.status_code == expected, response.content
    body = response.json()
    if expected < 400:
        match endpoint:
            case "cost_report":
                assert [(row["group"], row["cost"], row["leads"]) for row in body["rows"]] == [
                    ("webinar-1", 500.0, 0),
                    ("(no campaign)", None, 3),
                ]
            case "list_campaign_costs":
                assert [(entry["id"], entry["amount"]) for entry in body["entries"]] == [(first.pk, 500.0)]
            case "record_campaign_cost":
                assert (body["month"], body["amount"], body["created_by"]) == ("2026-03", 1200.0, COST_RECORDERS[actor])
                assert [entry[0] for entry in cost_state()] == [first.pk, body["id"]]
        return
    # and a refusal is a {"detail": ...} body that changed nothing
    assert set(body) == {"detail"}
    assert body["detail"]
    if expected == 401:
        assert body == UNAUTHORIZED
    assert cost_state() == costs_before
    assert_nothing_changed(before, scene)
