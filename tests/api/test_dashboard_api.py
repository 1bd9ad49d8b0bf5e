"""`GET /api/v1/reports/dashboard` over the February and March of
tests/reports/test_dashboard.py, whose numbers are worked out there."""

from datetime import date

from accord.reports.goal import goal_set
from tests.reports.test_dashboard import EXPECTED, history  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_every_figure_beside_february(world, history, api):  # noqa: F811
    body = api(world.other_rep).get("/reports/dashboard", **MARCH).json()

    assert (body["compare"], body["compare_from"], body["compare_to"], body["currency"]) == (
        "previous",
        "2026-02-01",
        "2026-02-28",
        "EUR",
    )
    figures = {f["key"]: (f["value"], f["previous"]) for section in body["sections"] for f in section["figures"]}
    assert figures == EXPECTED
    won = body["sections"][0]["figures"][0]
    assert (won["report"], won["change"], won["trend"], won["better"]) == ("pipeline", 10_000.0, "good", "up")
    assert body["goal"] is None


def test_the_goal_paced_as_of_today(world, history, api):  # noqa: F811
    goal_set(acting_user=world.executive, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), revenue=20_000)

    body = api(world.marketer).get("/reports/dashboard", **MARCH, compare="none", today="2026-03-20").json()

    # 20 of March's 31 days: the revenue target prorated 20,000 × 20 / 31 = 12,903.23; won
    # by then: L3's 10,000 (won on the 20th at 12:00, before the day's end)
    revenue = body["goal"]["steps"][0]
    assert (body["goal"]["today"], body["goal"]["elapsed_days"]) == ("2026-03-20", 20)
    assert (revenue["target"], revenue["expected_to_date"], revenue["actual"]) == (20_000.0, 12_903.23, 10_000.0)
    assert body["compare_from"] is None


def test_bad_input_names_the_field(world, api):
    response = api(world.executive).get("/reports/dashboard", **{"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "to", "message": "'to' is before 'from'."}]
    wrong = api(world.executive).get("/reports/dashboard", **MARCH, compare="decade")
    assert wrong.status_code == 422
