"""The goal, pipeline and sourcing endpoints over the histories of tests/reports/test_goal.py
and tests/reports/test_pipeline.py, whose numbers are worked out there."""

from accord.reports.models import RevenueGoal
from tests.reports.test_goal import history  # noqa: F401 — the goal's hand-built history
from tests.reports.test_pipeline import deals  # noqa: F401 — the pipeline's hand-built deals

Q2 = {"from": "2026-04-01", "to": "2026-06-30"}
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_set_the_goal_and_read_its_plan(world, history, api):  # noqa: F811
    made = api(world.executive).post("/goals", {**Q2, "revenue": "60000", "lookback_months": 3})
    assert made.status_code == 201, made.content

    body = api(world.other_rep).get("/reports/goal", **Q2, today="2026-04-30").json()

    assert (body["from"], body["team"], body["revenue"], body["elapsed_days"], body["total_days"]) == (
        "2026-04-01",
        None,
        60_000.0,
        30,
        91,
    )
    assert [(s["name"], s["target"], s["actual"]) for s in body["steps"]] == [
        ("revenue", 60_000.0, 9_000.0),
        ("deals", 5.0, 1.0),
        ("opportunities", 8.0, 1.0),
        ("sqls", 8.0, 1.0),
        ("mqls", 10.0, 2.0),
        ("leads", 20.0, 4.0),
    ]
    listed = api(world.marketer).get("/goals").json()
    assert [(g["from"], g["revenue"]) for g in listed] == [("2026-04-01", 60_000.0)]


def test_no_goal_is_404(world, history, api):  # noqa: F811
    response = api(world.rep).get("/reports/goal", **Q2)
    assert (response.status_code, response.json()["detail"]) == (404, "No revenue goal for 2026-04-01 – 2026-06-30.")


def test_a_bad_goal_names_the_field_and_writes_nothing(world, history, api):  # noqa: F811
    response = api(world.admin).post("/goals", {**Q2, "revenue": "60000", "lookback_months": 99})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "lookback_months", "message": "Look back 1 to 36 months."}]
    assert not RevenueGoal.objects.exists()


def test_a_manager_sets_only_their_teams_goal(world, history, api):  # noqa: F811
    refused = api(world.manager).post("/goals", {**Q2, "revenue": "1000", "team": "Americas"})
    assert refused.status_code == 403
    assert not RevenueGoal.objects.exists()
    assert api(world.manager).post("/goals", {**Q2, "revenue": "1000", "team": "EMEA"}).status_code == 201


def test_pipeline_by_owner(world, deals, api):  # noqa: F811
    body = api(world.marketer).get("/reports/pipeline", **MARCH, by="owner").json()

    assert [(r["group"], r["won"], r["won_revenue"]) for r in body["rows"]] == [
        ("Rita Rep", 2, 14_000.0),
        ("Sam Seller", 1, 8_000.0),
        ("am-rep@accord.test", 0, 0.0),
    ]
    assert (body["total"]["win_rate"], body["total"]["average_deal"]) == (0.6, 7_333.33)


def test_sourcing(world, deals, api):  # noqa: F811
    body = api(world.executive).get("/reports/sourcing", **MARCH).json()

    assert [(r["group"], r["created"], r["win_rate"], r["median_cycle_days"]) for r in body["rows"]] == [
        ("marketing", 3, 0.6667, 20.5),
        ("sales", 2, 0.5, 30.0),
    ]


def test_reopen_through_the_api(world, deals, api):  # noqa: F811
    response = api(world.rep).post(f"/opportunities/{deals['D1'].pk}/reopen", {"note": "Wrong order form"})

    assert (response.status_code, response.json()["status"]) == (200, "open")
    again = api(world.rep).post(f"/opportunities/{deals['D1'].pk}/reopen", {})
    assert again.status_code == 409
