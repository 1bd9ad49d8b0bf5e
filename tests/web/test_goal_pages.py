"""The revenue goal page, setting the goal there, and the pacing panel on both teams' home
pages, over the history of tests/reports/test_goal.py (numbers worked out there).

The pages pace against the real today, so the goal here spans from 1 April 2026 to a year
after today: its targets come from January – March 2026 as in that test (60,000 → 5 deals,
8 opportunities, 8 SQLs, 10 MQLs, 20 leads), its actuals are all of April's."""

import csv
import io
from datetime import date, timedelta

from accord.reports.goal import goal_set
from accord.reports.models import RevenueGoal
from tests.reports.test_goal import history  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for


def period() -> dict:
    return {"date_from": date(2026, 4, 1), "date_to": date.today() + timedelta(days=365)}


def query() -> dict:
    return {key: value.isoformat() for key, value in period().items()}


def test_the_plan(world, history):  # noqa: F811
    goal_set(acting_user=world.executive, revenue="60000", lookback_months=3, **period())

    html = client_for(world, "marketing").get("/reports/goal/", query()).content.decode()

    deals = html[html.index('<th scope="row">Deals won</th>') :]
    assert deals.startswith(
        '<th scope="row">Deals won</th><td>Average deal</td><td class="num">12,000.00</td><td class="num">5</td>'
    )
    leads = html[html.index('<th scope="row">Leads</th>') :]
    assert leads.startswith(
        '<th scope="row">Leads</th><td>Lead → MQL</td><td class="num">50.0%</td><td class="num">20</td>'
    )
    assert '<svg role="img" aria-labelledby="goal-chart-title"' in html
    assert "Set the goal" not in html  # marketing reads it; an executive or admin sets it


def test_the_csv(world, history):  # noqa: F811
    goal_set(acting_user=world.executive, revenue="60000", lookback_months=3, **period())

    response = client_for(world, "owner").get("/reports/goal/", {**query(), "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["name", "rate_name", "rate", "target", "actual", "expected_to_date", "pace"]
    assert [row[:4] for row in rows[1:]] == [
        ["revenue", "", "", "60000.0"],
        ["deals", "average_deal", "12000.0", "5.0"],
        ["opportunities", "win_rate", "0.6667", "8.0"],
        ["sqls", "opportunities_per_sql", "1.0", "8.0"],
        ["mqls", "mql_to_sql", "0.8", "10.0"],
        ["leads", "lead_to_mql", "0.5", "20.0"],
    ]


def test_an_executive_sets_it_on_the_page(world, history):  # noqa: F811
    client = client_for(world, "executive")
    assert "Set the goal" in client.get("/reports/goal/", query()).content.decode()

    response = client.post(
        "/reports/goal/set/", {**query(), "team": "", "revenue": "60000", "lookback_months": "3", "currency": ""}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/reports/goal/?date_from=2026-04-01")
    goal = RevenueGoal.objects.get()
    assert (str(goal.revenue), goal.lookback_months, goal.team, goal.set_by) == ("60000.00", 3, None, world.executive)


def test_a_bad_revenue_is_shown_on_the_form_and_nothing_is_written(world, history):  # noqa: F811
    response = client_for(world, "admin").post(
        "/reports/goal/set/", {**query(), "team": "", "revenue": "-5", "lookback_months": "3"}
    )

    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0.01." in response.content.decode()
    assert not RevenueGoal.objects.exists()


def test_both_home_pages_pace_the_goal(world, history):  # noqa: F811
    goal_set(acting_user=world.executive, revenue="60000", lookback_months=3, **period())

    for persona, page in (("owner", "/inbox/"), ("marketing", "/leads/")):
        html = client_for(world, persona).get(page).content.decode()
        assert f"Shared goal 2026-04-01 – {period()['date_to']:%Y-%m-%d}" in html, persona
        assert '<th scope="row">MQLs</th><td class="num">2</td>' in html, persona


def test_no_goal_no_panel(world, history):  # noqa: F811
    assert "Shared goal" not in client_for(world, "owner").get("/inbox/").content.decode()
