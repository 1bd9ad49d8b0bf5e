"""GET /api/v1/definitions/suggestions and POST /definitions/suggestions/apply over the
history of tests/reports/test_suggestions.py, whose numbers are worked out there."""

import pytest

from accord.definitions.models import DefinitionEvent, LeadDefinition, Signatory
from tests.reports.test_suggestions import EXCLUDE_ADS, scene  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
APPLY = {**MARCH, "key": "source:ads", "min_leads": 3}


def test_the_period_suggests_excluding_ads(world, scene, definition, api):  # noqa: F811
    response = api(world.marketing_lead).get("/definitions/suggestions", **MARCH, min_leads=3)

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["min_leads"], body["factor"]) == ("2026-03-01", "2026-03-31", 3, 1.5)
    (suggestion,) = body["items"]
    assert (suggestion["key"], suggestion["triggers"], suggestion["rule"]) == (
        "source:ads",
        ["rejection_rate", "never_won"],
        EXCLUDE_ADS,
    )
    assert (suggestion["handed_over"], suggestion["rejected"], suggestion["rejection_rate"]) == (3, 2, 0.6667)
    assert suggestion["overall"] == {"handed_over": 6, "rejection_rate": 0.3333, "won_rate": 0.1667}
    assert suggestion["before"] == {
        "mql_count": 6,
        "accepted_rate": 0.3333,
        "precision": 0.1667,
        "won_revenue": "1000.00",
    }
    assert suggestion["after"] == {"mql_count": 4, "accepted_rate": 0.5, "precision": 0.25, "won_revenue": "1000.00"}
    changes = suggestion["changes"]
    assert (changes["gained"]["mql_count"], changes["lost"]["mql_count"], changes["kept"]) == (0, 2, 4)


def test_the_defaults_need_twenty_hand_offs(world, scene, definition, api):  # noqa: F811
    body = api(world.admin).get("/definitions/suggestions", **MARCH).json()

    assert (body["min_leads"], body["factor"], body["items"]) == (20, 1.5, [])


def test_suggestions_is_not_taken_for_a_version_id(world, definition, api):
    # Registered before /{definition_id}: a missing period names "from", not "definition_id".
    response = api(world.admin).get("/definitions/suggestions")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["from", "to"]


def test_applying_makes_a_draft_based_on_the_active_version(world, scene, definition, api):  # noqa: F811
    response = api(world.marketing_lead).post("/definitions/suggestions/apply", APPLY)

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["status"], body["name"], body["based_on_id"], body["created_by"]) == (
        3,
        "draft",
        "Suggested: exclude source ads",
        definition.pk,
        "mlead@accord.test",
    )
    assert body["document"]["negative_rules"][-1] == EXCLUDE_ADS
    assert LeadDefinition.objects.get(status="active") == definition


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**APPLY, "key": "source:web"}, "key"),  # web is not suggested
        ({**APPLY, "min_leads": 4}, "key"),  # nothing is, with four
        ({**APPLY, "from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({**APPLY, "factor": 0}, "factor"),
        ({key: value for key, value in APPLY.items() if key != "key"}, "key"),
    ],
)
def test_a_suggestion_the_period_does_not_make_is_422(world, scene, definition, api, body, field):  # noqa: F811
    versions = LeadDefinition.objects.count()

    response = api(world.marketer).post("/definitions/suggestions/apply", body)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert LeadDefinition.objects.count() == versions


def _state() -> tuple[int, int]:
    return LeadDefinition.objects.count(), DefinitionEvent.objects.count()


@pytest.mark.parametrize(
    ("who", "read", "apply"),
    [
        (None, 401, 401),
        ("rep", 403, 403),
        ("americas_rep", 403, 403),
        ("executive", 403, 403),
        ("marketer", 200, 201),
        ("marketing_lead", 200, 201),
        ("manager", 200, 201),
        ("admin", 200, 201),
    ],
)
def test_who_may_read_and_apply_suggestions(world, scene, definition, api, who, read, apply):  # noqa: F811
    client = api(getattr(world, who) if who else None)
    before = _state()

    read_response = client.get("/definitions/suggestions", **MARCH, min_leads=3)
    assert read_response.status_code == read
    assert _state() == before

    apply_response = client.post("/definitions/suggestions/apply", APPLY)
    assert apply_response.status_code == apply
    if apply == 201:
        assert _state()[0] == before[0] + 1
    else:
        assert _state() == before


def test_a_rep_named_signatory_reads_suggestions_but_does_not_draft(world, scene, definition, api):  # noqa: F811
    Signatory.objects.create(user=world.rep, side="sales")
    before = _state()

    assert api(world.rep).get("/definitions/suggestions", **MARCH, min_leads=3).status_code == 200
    assert api(world.rep).post("/definitions/suggestions/apply", APPLY).status_code == 403
    assert _state() == before
