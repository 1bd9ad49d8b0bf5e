"""The shared revenue goal, over a history built by hand.

Look-back: January – March 2026 (the goal is Q2 with 3 months of look-back).
  10 leads created 5 January, 5 of them qualify (MQL) the same day;
  4 of the MQLs become deals on 2 February (10,000, 14,000, 2,000 and 9,000);
  won 1 March (10,000) and 2 March (14,000), lost 3 March (2,000); the 9,000 one stays open.
Rates: average deal 24,000 / 2 = 12,000; win rate 2 / 3; opportunities per SQL 4 / 4;
MQL → SQL 4 / 5; lead → MQL 5 / 10.

Goal: 60,000 in Q2 (1 April – 30 June, 91 days). Targets, each rounded up:
  deals 60,000 / 12,000 = 5; opportunities 5 / (2/3) = 7.5 → 8; SQLs 8 / 1 = 8;
  MQLs 8 / 0.8 = 10; leads 10 / 0.5 = 20.

April (paced on 30 April, 30 of 91 days): 4 leads created 2 April, 2 of them MQLs, one
becomes a 5,000 deal on 10 April; the open 9,000 deal is won on 20 April.
  expected to date = target × 30 / 91: revenue 19,780.22, deals 1.65, opportunities 2.64,
  SQLs 2.64, MQLs 3.30, leads 6.59.
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput, NotAllowed
from accord.crm import services
from accord.crm.models import Lead
from accord.reports.goal import goal_current, goal_plan, goal_set, months_before
from accord.reports.models import RevenueGoal
from tests.conftest import qualify

Q2 = {"date_from": date(2026, 4, 1), "date_to": date(2026, 6, 30)}


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(world, definition):
    definition.activated_at = datetime(2025, 12, 1, tzinfo=UTC)
    definition.save(update_fields=["activated_at"])
    world.other_rep.is_out_of_office = True
    world.other_rep.save(update_fields=["is_out_of_office"])

    def lead(name: str, at: datetime, qualifies: bool) -> Lead:
        if qualifies:
            made = qualify(world, at=at, email=f"{name}@bigco.example")
        else:
            made, _ = services.lead_capture(data={"email": f"{name}@small.example"}, acting_user=world.marketer, at=at)
        assert (made.stage == "mql") == qualifies, name
        return made

    qualified = [lead(f"q{i}", utc(1, 5), True) for i in range(5)]
    for i in range(5):
        lead(f"n{i}", utc(1, 5), False)
    deals = [
        services.opportunity_create(lead_id=q.pk, acting_user=world.rep, amount=amount, at=utc(2, 2))
        for q, amount in zip(qualified, (10_000, 14_000, 2_000, 9_000), strict=False)
    ]
    services.opportunity_close(opportunity_id=deals[0].pk, acting_user=world.rep, won=True, at=utc(3, 1))
    services.opportunity_close(opportunity_id=deals[1].pk, acting_user=world.rep, won=True, at=utc(3, 2))
    services.opportunity_close(
        opportunity_id=deals[2].pk, acting_user=world.rep, won=False, reason="no_budget", at=utc(3, 3)
    )
    april = [lead(f"a{i}", utc(4, 2), i < 2) for i in range(4)]
    services.opportunity_create(lead_id=april[0].pk, acting_user=world.rep, amount=5_000, at=utc(4, 10))
    services.opportunity_close(opportunity_id=deals[3].pk, acting_user=world.rep, won=True, at=utc(4, 20))
    return world


def steps(plan) -> list[tuple]:
    return [(s["name"], s["rate"], s["target"], s["actual"], s["expected_to_date"], s["pace"]) for s in plan["steps"]]


def test_the_revenue_goal_becomes_funnel_targets_and_paces_them(history):
    goal = goal_set(acting_user=history.executive, revenue="60000", lookback_months=3, **Q2)

    plan = goal_plan(goal, today=date(2026, 4, 30)).as_dict()

    assert (plan["lookback_from"], plan["lookback_to"]) == ("2026-01-01", "2026-03-31")
    assert (plan["elapsed_days"], plan["total_days"], plan["missing"]) == (30, 91, [])
    assert steps(plan) == [
        ("revenue", None, 60_000.0, 9_000.0, 19_780.22, round(9_000 / 19_780.22, 4)),
        ("deals", 12_000.0, 5.0, 1, 1.65, round(1 / 1.65, 4)),
        ("opportunities", 0.6667, 8.0, 1, 2.64, round(1 / 2.64, 4)),
        ("sqls", 1.0, 8.0, 1, 2.64, round(1 / 2.64, 4)),
        ("mqls", 0.8, 10.0, 2, 3.3, round(2 / 3.3, 4)),
        ("leads", 0.5, 20.0, 4, 6.59, round(4 / 6.59, 4)),
    ]


def test_before_the_period_nothing_is_expected_yet_and_after_it_everything(history):
    goal = goal_set(acting_user=history.executive, revenue="60000", lookback_months=3, **Q2)

    before = goal_plan(goal, today=date(2026, 3, 15)).as_dict()
    assert (before["elapsed_days"], steps(before)[0][3:5]) == (0, (0.0, 0.0))
    after = goal_plan(goal, today=date(2026, 8, 1)).as_dict()
    assert (after["elapsed_days"], steps(after)[0][4]) == (91, 60_000.0)


def test_a_team_without_history_says_which_rate_is_missing(history):
    goal = goal_set(acting_user=history.executive, revenue="10000", team="Americas", lookback_months=3, **Q2)

    plan = goal_plan(goal, today=date(2026, 4, 30)).as_dict()

    assert plan["missing"] == ["average_deal"]
    assert [s["target"] for s in plan["steps"]] == [10_000.0, None, None, None, None, None]


def test_the_team_goal_counts_the_teams_leads_and_deals(history):
    goal = goal_set(acting_user=history.manager, revenue="60000", team="emea", lookback_months=3, **Q2)

    assert goal.team == history.emea
    assert steps(goal_plan(goal, today=date(2026, 4, 30)).as_dict())[1][:3] == ("deals", 12_000.0, 5.0)


def test_setting_it_again_replaces_it(history):
    goal_set(acting_user=history.executive, revenue="60000", **Q2)
    goal = goal_set(acting_user=history.admin, revenue="75000.5", **Q2)

    assert RevenueGoal.objects.count() == 1
    assert (str(goal.revenue), goal.set_by, goal.lookback_months) == ("75000.50", history.admin, 6)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"revenue": "0"}, "revenue"),
        ({"revenue": "lots"}, "revenue"),
        ({"revenue": "1e12"}, "revenue"),
        ({"lookback_months": 0}, "lookback_months"),
        ({"lookback_months": 37}, "lookback_months"),
        ({"currency": "EURO"}, "currency"),
        ({"team": "Atlantis"}, "team"),
        ({"date_to": date(2026, 3, 31)}, "to"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(history, changes, field):
    with pytest.raises(InvalidInput) as error:
        goal_set(acting_user=history.executive, **{"revenue": "1000", **Q2, **changes})
    assert error.value.field == field
    assert not RevenueGoal.objects.exists()


@pytest.mark.parametrize(
    ("persona", "team", "allowed"),
    [
        ("executive", None, True),
        ("admin", "Americas", True),
        ("manager", "EMEA", True),
        ("manager", "Americas", False),
        ("manager", None, False),
        ("rep", "EMEA", False),
        ("marketing_lead", None, False),
    ],
)
def test_who_sets_the_goal(history, persona, team, allowed):
    user = getattr(history, persona)
    if allowed:
        goal_set(acting_user=user, revenue="1000", team=team, **Q2)
        assert RevenueGoal.objects.count() == 1
        return
    with pytest.raises(NotAllowed):
        goal_set(acting_user=user, revenue="1000", team=team, **Q2)
    assert not RevenueGoal.objects.exists()


def test_the_home_page_goal_is_the_teams_then_the_companys(history):
    year = goal_set(
        acting_user=history.executive, revenue="200000", date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)
    )
    quarter = goal_set(acting_user=history.executive, revenue="60000", **Q2)
    team = goal_set(acting_user=history.executive, revenue="50000", team="EMEA", **Q2)

    assert goal_current(history.rep, date(2026, 5, 1)) == team
    assert goal_current(history.americas_rep, date(2026, 5, 1)) == quarter
    assert goal_current(history.marketer, date(2026, 2, 1)) == year
    assert goal_current(history.marketer, date(2027, 1, 1)) is None


def test_months_before():
    assert months_before(date(2026, 4, 1), 3) == date(2026, 1, 1)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 31), 12) == date(2025, 3, 31)
