"""The executive dashboard over a February and a March built by hand through the services.

The test definition gives 4 business hours to follow up and commits marketing to 10 MQLs a
month; it is active from 1 January. Other Rep is on leave, so every German lead goes to Rita
Rep (09:00–17:00 Europe/London, UTC+0 in February and early March). Campaign webinar-1
cost 500.00 in February and 1,000.00 in March. Times UTC, 2026:

L1  webinar-1  MQL Mon  9 Feb 10:00; converted 11:00 (deal 4,000.00, accepted on the way:
               on time, 1.0 h); lost Fri 20 Feb
L2  webinar-1  MQL Tue 10 Feb 10:00; nobody follows it up: ignored in February
L3  webinar-1  MQL Mon  2 Mar 10:00; converted 12:00 (deal 10,000.00: on time, 2.0 h);
               won Fri 20 Mar 12:00 — a cycle of exactly 18 days
L4  webinar-1  MQL Tue  3 Mar 10:00, due 14:00; accepted 16:00: late, 6.0 h
L5  no campaign MQL Wed 4 Mar 10:00; converted 11:00 (deal 6,000.00: on time, 1.0 h), open
L6  no campaign captured Thu 5 Mar, never qualifies

March beside February:
revenue    won 10,000.00 (0.00); deals won 1 (0); win rate won / closed = 1/1 = 1.0
           (February: 0/1 = 0.0); average deal 10,000.00 (—); median cycle 18.0 d (—);
           open at the end L5's 6,000.00 (February's end: L1 lost, 0.00); marketing-sourced
           share of won revenue 10,000 / 10,000 = 1.0 (February: nothing won, —)
funnel     leads created 4: L3 L4 L5 L6 (February 2: L1 L2); reached MQL 3 (2); reached SQL
           L3 L5 = 2 (L1 = 1); customers L3 = 1 (0); lead → customer 1/4 = 0.25 (0/2 = 0.0)
hand-off   MQLs delivered 3 (2); of the commitment 3/10 = 0.3 (2/10 = 0.2); accepted by sales
           3/3 = 1.0 (L1 of L1, L2: 1/2 = 0.5); handed over 3 (2); on time L3 L5 of 3 =
           0.6667 (1/2 = 0.5); ignored 0 (1); median hours of 1.0, 2.0, 6.0 = 2.0 (1.0)
cost       1,000.00 (500.00); SQLs L3 L5 = 2, so 500.00 per SQL (L1: 500.00 / 1 = 500.00);
           return 10,000 / 1,000 = 10.0 (0 / 500 = 0.0)

Changes: won revenue +10,000 (good); cost +500 (more spent: bad); cost per SQL ±0 (flat);
ignored −1 (good); median hours +1.0 (slower: bad); win rate +1.0 (100 points, good).
"""

from datetime import UTC, date, datetime

import pytest
from django_tasks_db.models import DBTaskResult

from accord.campaigns.services import campaign_cost_record
from accord.core.errors import InvalidInput
from accord.crm import services
from accord.reports import goal
from accord.reports.dashboard import (
    ROW_COLUMNS,
    change_text,
    dashboard,
    dashboard_snapshot,
    dashboard_snapshot_store,
    figure_text,
    report_rows,
)
from accord.reports.tasks import dashboard_refresh
from tests.conftest import QUALIFIABLE, qualify

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(world, definition):
    definition.activated_at = utc(1, 1)
    definition.save(update_fields=["activated_at"])
    world.other_rep.is_out_of_office = True
    world.other_rep.save(update_fields=["is_out_of_office"])
    for month, amount in (("2026-02", "500.00"), ("2026-03", "1000.00")):
        campaign_cost_record(
            acting_user=world.marketer, campaign_code="webinar-1", month=month, amount=amount, at=utc(11, 1)
        )

    def mql(name: str, at: datetime, campaign: str | None = "webinar-1"):
        extra = {"campaign": campaign} if campaign else {}
        lead = qualify(world, at=at, email=f"{name}@bigco.example", **extra)
        assert (lead.stage, lead.owner) == ("mql", world.rep), name
        return lead

    def convert(lead, at: datetime, amount: int):
        return services.opportunity_create(lead_id=lead.pk, acting_user=world.rep, amount=amount, at=at)

    def close(deal, at: datetime, won: bool):
        services.opportunity_close(
            opportunity_id=deal.pk, acting_user=world.rep, won=won, reason=None if won else "no_budget", at=at
        )

    close(convert(mql("l1", utc(2, 9)), utc(2, 9, 11), 4_000), utc(2, 20), won=False)
    mql("l2", utc(2, 10))
    close(convert(mql("l3", utc(3, 2)), utc(3, 2, 12), 10_000), utc(3, 20, 12), won=True)
    l4 = mql("l4", utc(3, 3))
    services.lead_accept(lead_id=l4.pk, acting_user=world.rep, at=utc(3, 3, 16))
    convert(mql("l5", utc(3, 4), campaign=None), utc(3, 4, 11), 6_000)
    services.lead_capture(data={**QUALIFIABLE, "email": "l6@bigco.example"}, acting_user=world.marketer, at=utc(3, 5))


EXPECTED = {  # key: (March, February)
    "won_revenue": (10_000.0, 0.0),
    "deals_won": (1, 0),
    "win_rate": (1.0, 0.0),
    "average_deal": (10_000.0, None),
    "median_cycle_days": (18.0, None),
    "open_pipeline": (6_000.0, 0.0),
    "marketing_sourced_share": (1.0, None),
    "leads": (4, 2),
    "reached_mql": (3, 2),
    "reached_sql": (2, 1),
    "customers": (1, 0),
    "lead_to_customer": (0.25, 0.0),
    "mqls_delivered": (3, 2),
    "delivered_rate": (0.3, 0.2),
    "accepted_rate": (1.0, 0.5),
    "handed_over": (3, 2),
    "on_time_rate": (0.6667, 0.5),
    "ignored": (0, 1),
    "median_hours": (2.0, 1.0),
    "cost": (1_000.0, 500.0),
    "cost_per_sql": (500.0, 500.0),
    "return": (10.0, 0.0),
}


def test_every_figure_of_march_beside_february(history):
    # When the dashboard of March is read beside the month before
    board = dashboard(**MARCH, compare="previous", today=date(2026, 4, 15))

    # Then each figure is the number worked out above, for both months
    assert (board.compare_from, board.compare_to) == (date(2026, 2, 1), date(2026, 2, 28))
    figures = {figure.key: (figure.value, figure.previous) for s in board.sections for figure in s.figures}
    assert figures == EXPECTED
    assert [s.key for s in board.sections] == ["revenue", "funnel", "handoff", "cost"]


def test_changes_say_which_way_is_good_news(history):
    board = dashboard(**MARCH, compare="previous", today=date(2026, 4, 15))

    def moved(key):
        figure = board.figure(key)
        return figure.change, figure.trend

    assert moved("won_revenue") == (10_000.0, "good")
    assert moved("cost") == (500.0, "bad")  # more spent
    assert moved("cost_per_sql") == (0.0, "flat")
    assert moved("ignored") == (-1, "good")  # fewer leads ignored
    assert moved("median_hours") == (1.0, "bad")  # slower to follow up
    assert moved("win_rate") == (1.0, "good")
    assert moved("average_deal") == (None, None)  # nothing won in February to compare


def test_without_a_comparison_only_the_period(history):
    board = dashboard(**MARCH, compare="none", today=date(2026, 4, 15))

    assert (board.compare_from, board.compare_to) == (None, None)
    assert board.figure("deals_won").value == 1
    assert {figure.previous for s in board.sections for figure in s.figures} == {None}
    assert {figure.trend for s in board.sections for figure in s.figures} == {None}


def test_the_company_goal_covering_the_period_is_paced_at_its_end(history, world):
    # Given a company goal for Q1 of 30,000 and, for EMEA only, a March goal
    goal.goal_set(acting_user=world.executive, date_from=date(2026, 1, 1), date_to=date(2026, 3, 31), revenue=30_000)
    goal.goal_set(
        acting_user=world.executive, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), revenue=9, team="EMEA"
    )

    # When March's dashboard is read on 15 April
    board = dashboard(**MARCH, compare="none", today=date(2026, 4, 15))

    # Then the company's goal is shown (a team's goal is not the company's), paced at the end
    # of March: day 90 of 90 (31 + 28 + 31), revenue won in Q1 = 10,000
    assert (board.goal.goal.date_from, board.goal.goal.team_id) == (date(2026, 1, 1), None)
    assert (board.goal.today, board.goal.elapsed_days, board.goal.total_days) == (date(2026, 3, 31), 90, 90)
    assert board.goal.steps[0].actual == 10_000.0
    # and read on 10 March, it is paced as of 10 March: day 69 of 90 (31 + 28 + 10)
    early = dashboard(**MARCH, compare="none", today=date(2026, 3, 10))
    assert (early.goal.today, early.goal.elapsed_days) == (date(2026, 3, 10), 69)


def test_no_goal_covering_the_period(history):
    assert dashboard(**MARCH, today=date(2026, 4, 15)).goal is None


def test_rows_for_csv_one_per_figure_then_the_goal(history, world):
    goal.goal_set(acting_user=world.executive, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), revenue=20_000)
    board = dashboard(**MARCH, compare="previous", today=date(2026, 4, 15))

    rows = report_rows(board)

    assert ROW_COLUMNS == (
        "section", "key", "label", "kind", "value", "previous", "change", "trend", "target", "pace",
    )  # fmt: skip
    assert rows[0] == ("revenue", "won_revenue", "Won revenue", "money", 10_000.0, 0.0, 10_000.0, "good", None, None)
    assert len([row for row in rows if row[0] != "goal"]) == len(EXPECTED)
    revenue_step = next(row for row in rows if row[1] == "goal_revenue")
    # 10,000 won against 20,000, the whole month elapsed: pace 10,000 / 20,000 = 0.5
    assert revenue_step == ("goal", "goal_revenue", "Goal: revenue", "money", 10_000.0, None, None, None, 20_000.0, 0.5)


def test_a_period_ending_before_it_starts_is_refused(db):
    with pytest.raises(InvalidInput) as refused:
        dashboard(date_from=date(2026, 3, 31), date_to=date(2026, 3, 1))
    assert refused.value.field == "to"


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.6667, "rate", "66.7%"),
        (10_000.0, "money", "10,000.00"),
        (3, "count", "3"),
        (18.0, "days", "18.00 d"),
        (2.5, "hours", "2.50 h"),
        (10.0, "ratio", "10.00×"),
        (None, "money", "—"),
    ],
)
def test_figure_text(value, kind, text):
    assert figure_text(value, kind) == text


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [(0.05, "rate", "+5.0 pts"), (-1, "count", "−1"), (0.0, "money", "±0.00"), (None, "rate", "—")],
)
def test_change_text(value, kind, text):
    assert change_text(value, kind) == text


# --- the page's snapshots ---------------------------------------------------------------


def test_a_snapshot_is_kept_while_fresh_and_recomputed_on_demand(history, world):
    first = dashboard_snapshot(**MARCH, today=date(2026, 4, 15))
    assert (first.refreshing, first.board.figure("leads").value) == (False, 4)

    # Given a fifth lead created in March after the snapshot was taken
    services.lead_capture(data={**QUALIFIABLE, "email": "l7@bigco.example"}, acting_user=world.marketer, at=utc(3, 6))

    # Then a fresh snapshot still shows 4 leads, as of when it was computed
    again = dashboard_snapshot(**MARCH, today=date(2026, 4, 15))
    assert (again.board.figure("leads").value, again.computed_at) == (4, first.computed_at)
    # and computing it now counts 5, which the next look shows
    assert (
        dashboard_snapshot_store(**MARCH, compare="previous", today=date(2026, 4, 15)).board.figure("leads").value == 5
    )
    assert dashboard_snapshot(**MARCH, today=date(2026, 4, 15)).board.figure("leads").value == 5


def test_an_old_snapshot_is_shown_while_the_worker_computes_the_next(history, world, settings):
    dashboard_snapshot(**MARCH, today=date(2026, 4, 15))
    services.lead_capture(data={**QUALIFIABLE, "email": "l7@bigco.example"}, acting_user=world.marketer, at=utc(3, 6))
    settings.ACCORD_DASHBOARD_FRESH_SECONDS = 0  # every snapshot is old

    # When the page looks twice
    shown = dashboard_snapshot(**MARCH, today=date(2026, 4, 15))
    dashboard_snapshot(**MARCH, today=date(2026, 4, 15))

    # Then it shows the old figures, and one computation — not two — is queued
    assert (shown.refreshing, shown.board.figure("leads").value) == (True, 4)
    queued = DBTaskResult.objects.filter(task_path="accord.reports.tasks.dashboard_refresh")
    assert [row.args_kwargs["args"] for row in queued] == [["2026-03-01", "2026-03-31", "previous", "2026-03-31"]]
    # When the worker runs it, the next look shows the five leads
    dashboard_refresh.call(*queued.get().args_kwargs["args"])
    settings.ACCORD_DASHBOARD_FRESH_SECONDS = 300
    assert dashboard_snapshot(**MARCH, today=date(2026, 4, 15)).board.figure("leads").value == 5


def test_a_snapshot_per_period_and_day_of_pacing(history):
    march = dashboard_snapshot(**MARCH, today=date(2026, 4, 15))
    february = dashboard_snapshot(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28), today=date(2026, 4, 15))
    unpaired = dashboard_snapshot(**MARCH, compare="none", today=date(2026, 4, 15))

    assert (march.board.figure("leads").value, february.board.figure("leads").value) == (4, 2)
    assert (march.board.compare, unpaired.board.compare) == ("previous", "none")
    with pytest.raises(InvalidInput):
        dashboard_snapshot(**MARCH, compare="decade")
