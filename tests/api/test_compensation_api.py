"""GET /api/v1/reports/compensation and /api/v1/compensation/policies over the March of
tests/reports/test_compensation.py, whose numbers are worked out there."""

import pytest

from accord.reports.models import CompensationPolicy
from tests.reports.test_compensation import march, policies  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
RITA = {
    "rep": "Rita Rep",
    "email": "rep@accord.test",
    "handed_over": 9,
    "on_time": 4,
    "late": 2,
    "ignored": 2,
    "reassigned": 0,
    "waiting": 1,
    "won": 2,
    "reward": "42.50",
    "penalty": "9.00",
    "bonus": "250.00",
    "total": "283.50",
    "without_policy": 0,
}


def test_a_manager_reads_the_reps_of_their_team(world, march, policies, api):  # noqa: F811
    response = api(world.manager).get("/reports/compensation", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["currency"]) == ("2026-03-01", "2026-03-31", "EUR")
    assert [row["rep"] for row in body["rows"]] == ["other@accord.test", "Rita Rep"]
    rita = body["rows"][1]
    assert rita == {**RITA, "rep_id": world.rep.pk, "policy_versions": [policies["P2"].pk, policies["P3"].pk]}
    assert (body["rows"][0]["handed_over"], body["rows"][0]["total"]) == (0, "0.00")
    assert body["total"] == {**rita, "rep": "All", "rep_id": None, "email": ""}
    assert [(p["id"], p["reward_on_time"], p["penalty_ignored"], p["bonus_won"]) for p in body["policies"]] == [
        (policies["P2"].pk, "10.00", "4.00", "100.00"),
        (policies["P3"].pk, "12.50", "5.00", "150.00"),
    ]
    assert body["policies"][1]["created_by"] == "exec@accord.test"


def test_a_rep_reads_their_own_row_and_its_total(world, march, api):  # noqa: F811
    body = api(world.rep).get("/reports/compensation", **MARCH).json()

    assert [row["rep"] for row in body["rows"]] == ["Rita Rep"]
    assert body["total"]["total"] == "283.50"
    other = api(world.other_rep).get("/reports/compensation", **MARCH).json()
    assert ([row["rep"] for row in other["rows"]], other["total"]["total"], other["policies"]) == (
        ["other@accord.test"],
        "0.00",
        [],
    )


@pytest.mark.parametrize("who", ["marketer", "marketing_lead"])
def test_marketing_may_not_read_sales_pay(world, march, api, who):  # noqa: F811
    assert api(getattr(world, who)).get("/reports/compensation", **MARCH).status_code == 403
    assert api(getattr(world, who)).get("/compensation/policies").status_code == 403


def test_a_backwards_period_names_the_field(world, api):
    response = api(world.executive).get("/reports/compensation", **{"from": "2026-03-31", "to": "2026-03-01"})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "to", "message": "'to' is before 'from'."}]


def test_the_history_is_newest_first(world, policies, api):  # noqa: F811
    response = api(world.rep).get("/compensation/policies")

    assert response.status_code == 200
    assert [(p["id"], p["effective_from"], p["created_at"]) for p in response.json()] == [
        (policies["P3"].pk, "2026-03-16", "2026-03-10T09:00:00Z"),
        (policies["P2"].pk, "2026-03-01", "2026-02-20T09:00:00Z"),
        (policies["P1"].pk, "2026-03-01", "2026-02-15T09:00:00Z"),
    ]


def test_an_executive_adds_a_version(world, api):
    response = api(world.executive).post(
        "/compensation/policies",
        {
            "reward_on_time": 12.5,
            "penalty_ignored": "5",
            "bonus_won": "150.00",
            "effective_from": "2026-04-01",
            "currency": "gbp",
            "note": "Q2",
        },
    )

    assert response.status_code == 201
    body = response.json()
    stored = CompensationPolicy.objects.get()
    assert body == {
        "id": stored.pk,
        "reward_on_time": "12.50",
        "penalty_ignored": "5.00",
        "bonus_won": "150.00",
        "currency": "GBP",
        "effective_from": "2026-04-01",
        "note": "Q2",
        "created_by": "exec@accord.test",
        "created_at": body["created_at"],
    }
    assert stored.created_by == world.executive


GOOD = {"reward_on_time": "10", "penalty_ignored": "4", "bonus_won": "100", "effective_from": "2026-04-01"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"reward_on_time": "-1"}, "reward_on_time", id="negative-reward"),
        pytest.param({"penalty_ignored": -0.5}, "penalty_ignored", id="negative-penalty"),
        pytest.param({"bonus_won": "1000000000"}, "bonus_won", id="bonus-1e9"),
        pytest.param({"bonus_won": "ten"}, "bonus_won", id="bonus-not-a-number"),
        pytest.param({"reward_on_time": "0.005"}, "reward_on_time", id="reward-fraction-of-a-cent"),
        pytest.param({"currency": "EURO"}, "currency", id="currency-four-letters"),
        pytest.param({"effective_from": "next month"}, "effective_from", id="day-not-a-date"),
        pytest.param({"effective_from": None}, "effective_from", id="day-missing"),
        pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(world, api, changes, field):
    response = api(world.admin).post("/compensation/policies", {**GOOD, **changes})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not CompensationPolicy.objects.exists()
