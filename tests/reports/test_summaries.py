"""The funnel's and velocity's summaries (`reports.summaries`) over histories written event
by event, with times in March 2026 (UTC): what each lead's rows hold, an event recorded
late with a time in the past, a lead recycled and qualified again, and that refreshing
twice, refreshing bit by bit and rebuilding from nothing all give the same rows."""

from datetime import UTC, date, datetime

import pytest

from accord.crm.models import Lead, LeadEvent
from accord.reports.funnel import funnel_report
from accord.reports.models import LeadMilestones, LeadStay, SummaryWatermark
from accord.reports.summaries import summaries_rebuild, summaries_refresh
from accord.reports.velocity import velocity_report

pytestmark = pytest.mark.django_db

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
DAY = 86_400_000_000  # microseconds


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def lead(name: str, created: datetime, stage: str = "lead") -> Lead:
    made = Lead.objects.create(email=f"{name}@example.com", stage=stage, created_at=created)
    LeadEvent.objects.create(lead=made, kind="created", to_stage=stage, occurred_at=created)
    return made


def move(made: Lead, from_stage: str, to_stage: str, at: datetime) -> LeadEvent:
    return LeadEvent.objects.create(lead=made, kind="stage", from_stage=from_stage, to_stage=to_stage, occurred_at=at)


def stays(made: Lead) -> list[tuple]:
    """(stage, ended, days) of each of the lead's stays and arrivals at customer."""
    rows = LeadStay.objects.filter(lead=made).order_by("ended_at", "stage")
    return [(stage, ended, held / DAY) for stage, ended, held in rows.values_list("stage", "ended_at", "microseconds")]


def milestones(made: Lead) -> tuple | None:
    return LeadMilestones.objects.filter(lead=made).values_list("step", "recycled", "disqualified").first()


def every_row() -> tuple[set, set]:
    return (
        set(LeadMilestones.objects.values_list("lead_id", "created_at", "step", "recycled", "disqualified")),
        set(LeadStay.objects.values_list("lead_id", "stage", "since", "ended_at", "microseconds")),
    )


def test_a_lead_recycled_and_qualified_again_has_two_mql_stays():
    # created 1 Mar 10:00 → mql 3 Mar 10:00 (lead: 2 days) → recycled 4 Mar 22:00 (mql: 1.5)
    # → mql 10 Mar 10:00 (recycled: not measured) → sal 11 Mar 04:00 (mql: 18 h = 0.75)
    # → sql 12 Mar 04:00 (sal: 1) → customer 20 Mar 04:00 (sql: 8; creation → customer:
    # 19 days less 6 hours = 18.75).
    made = lead("r", utc(1, 10))
    move(made, "lead", "mql", utc(3, 10))
    move(made, "mql", "recycled", utc(4, 22))
    move(made, "recycled", "mql", utc(10, 10))
    move(made, "mql", "sal", utc(11, 4))
    move(made, "sal", "sql", utc(12, 4))
    move(made, "sql", "customer", utc(20, 4))

    assert summaries_refresh() == 1

    assert stays(made) == [
        ("lead", utc(3, 10), 2.0),
        ("mql", utc(4, 22), 1.5),
        ("mql", utc(11, 4), 0.75),
        ("sal", utc(12, 4), 1.0),
        ("lead_to_customer", utc(20, 4), 18.75),
        ("sql", utc(20, 4), 8.0),
    ]
    assert milestones(made) == (4, True, False)
    assert SummaryWatermark.objects.get().last_event_id == LeadEvent.objects.latest("id").pk


def test_a_lead_that_reached_nothing_has_no_milestones_and_a_disqualified_one_has():
    quiet = lead("q", utc(1, 10))
    out = lead("d", utc(2, 10))
    move(out, "lead", "disqualified", utc(5, 10))

    summaries_refresh()

    assert milestones(quiet) is None
    assert milestones(out) == (0, False, True)
    assert stays(out) == [("lead", utc(5, 10), 3.0)]


def test_an_event_recorded_late_with_a_past_time_splits_the_stay_around_it():
    made = lead("b", utc(1, 10))
    move(made, "mql", "sal", utc(6, 10))
    summaries_refresh()
    # Without the qualification yet, the stay before acceptance runs from creation: 5 days.
    assert stays(made) == [("mql", utc(6, 10), 5.0)]
    assert milestones(made) == (2, False, False)

    # Recorded now (a higher id), it happened on 2 Mar: lead 1 Mar → 2 Mar, mql 2 → 6 Mar.
    move(made, "lead", "mql", utc(2, 10))
    assert summaries_refresh() == 1

    assert stays(made) == [("lead", utc(2, 10), 1.0), ("mql", utc(6, 10), 4.0)]
    assert milestones(made) == (2, False, False)


def test_a_lead_won_twice_counts_its_first_arrival_in_the_period():
    # created 1 Mar 00:00; customer 5 Mar 00:00 (4 days), reopened 6 Mar, customer again
    # 9 Mar 00:00 (8 days). Both arrivals are kept; March counts the lead once, 4 days.
    made = lead("w", datetime(2026, 3, 1, tzinfo=UTC), stage="sql")
    move(made, "sql", "customer", utc(5, 0))
    move(made, "customer", "sql", utc(6, 0))
    move(made, "sql", "customer", utc(9, 0))

    summaries_refresh()

    assert [row for row in stays(made) if row[0] == "lead_to_customer"] == [
        ("lead_to_customer", utc(5, 0), 4.0),
        ("lead_to_customer", utc(9, 0), 8.0),
    ]
    total = velocity_report(**MARCH, compare="none").rows[-1]
    assert total.times["lead_to_customer"].as_dict() == {"count": 1, "median_days": 4.0, "p90_days": 4.0}
    # 6 → 9 March, from the reopening: the second sql stay is 3 days; the first, 4 days.
    assert total.times["sql"].as_dict() == {"count": 2, "median_days": 3.5, "p90_days": 3.9}


def test_stage_events_without_a_created_event_start_no_stay_and_no_arrival():
    made = Lead.objects.create(email="x@example.com", stage="customer", created_at=utc(1, 10))
    move(made, "sql", "customer", utc(4, 10))

    summaries_refresh()

    assert stays(made) == []
    assert milestones(made) == (4, False, False)


def test_refreshing_again_changes_nothing():
    made = lead("i", utc(1, 10))
    move(made, "lead", "mql", utc(2, 10))
    summaries_refresh()
    before = every_row()

    assert summaries_refresh() == 0
    assert every_row() == before


def test_reports_refresh_first_and_count_new_events():
    made = lead("n", utc(1, 10))
    assert funnel_report(**MARCH)[-1].reached["mql"] == 0

    move(made, "lead", "mql", utc(2, 10))

    total = funnel_report(**MARCH)[-1]
    assert (total.leads, total.reached["mql"]) == (1, 1)
    assert velocity_report(**MARCH, compare="none").rows[-1].times["lead"].as_dict() == {
        "count": 1,
        "median_days": 1.0,
        "p90_days": 1.0,
    }


def test_a_rebuild_gives_the_rows_of_refreshes_made_along_the_way():
    a = lead("a", utc(1, 10))
    move(a, "lead", "mql", utc(2, 10))
    summaries_refresh()
    b = lead("b", utc(3, 10))
    move(a, "mql", "recycled", utc(4, 10))
    summaries_refresh()
    move(b, "lead", "mql", utc(8, 10))
    move(a, "lead", "mql", utc(3, 10))  # a past time, recorded last
    move(b, "mql", "disqualified", utc(9, 10))
    summaries_refresh()
    along_the_way = every_row()

    assert summaries_rebuild() == 2

    assert every_row() == along_the_way
    # a: lead 1 → 2 Mar; mql 2 → 3 Mar (then the late event: mql → mql, from "lead" as
    # recorded: a lead stay of 1 day); mql 3 → 4 Mar. b: lead 3 → 8, mql 8 → 9 Mar.
    assert stays(a) == [("lead", utc(2, 10), 1.0), ("lead", utc(3, 10), 1.0), ("mql", utc(4, 10), 1.0)]
    assert stays(b) == [("lead", utc(8, 10), 5.0), ("mql", utc(9, 10), 1.0)]
    assert (milestones(a), milestones(b)) == ((1, True, False), (1, False, True))
    assert summaries_refresh() == 0
