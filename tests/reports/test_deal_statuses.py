"""Deals' statuses read from their history (`accord.reports.deals`), over histories written
by hand — the cases the reading has to get right. Times UTC, 2026; March is
[1 Mar 00:00, 1 Apr 00:00).

D1  1,000  created 1 Mar 10:00, won 10 Mar, reopened 14 Mar, lost 20 Mar       (reopened)
D2  2,000  created 2 Feb, won 5 Mar, lost 25 Mar (no reopening between)        (won then lost)
D3  3,000  created 3 Mar 09:00; won and reopened at the same instant,
           20 Mar 12:00, the reopening written second                           (same instant)
D4  4,000  created 1 Feb, won at 1 Apr 00:00 exactly                            (at the end bound)
D5  5,000  created 20 Feb, won at 1 Mar 00:00 exactly                           (at the start bound)
D6  6,000  created 10 Mar, a sales stage change 12 Mar (no status change), still open
D7  7,000  created at 1 Apr 00:00 exactly

At the end of March (a change counts when it happened strictly before the moment):
  D1 lost, D2 lost, D3 open (the reopening is the later of the two at 20 Mar 12:00),
  D4 open (its win is not before 1 Apr 00:00), D5 won, D6 open, D7 not yet there.
  Open: D3 D4 D6. Closed in March and still closed: D1 lost (20 Mar), D2 lost (25 Mar),
  D5 won (1 Mar 00:00). Won in March: D5 alone.
On 15 Mar 00:00: D1 open again (reopened 14 Mar), D2 won, D3 D4 D6 open, D5 won:
  open D1 D3 D4 D6.
April: D4 won at 1 Apr 00:00, the period's first instant: won in April.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accord.crm.models import Opportunity, OpportunityEvent
from accord.reports import deals
from accord.reports.pipeline import pipeline_report

MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
APRIL = (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(db) -> dict[str, int]:
    """The seven deals of the module's docstring; {name: id}."""
    plans = {
        "D1": (1000, [("created", "open", at(3, 1)), ("won", "won", at(3, 10)), ("reopened", "open", at(3, 14)),
                      ("lost", "lost", at(3, 20))]),
        "D2": (2000, [("created", "open", at(2, 2)), ("won", "won", at(3, 5)), ("lost", "lost", at(3, 25))]),
        "D3": (3000, [("created", "open", at(3, 3, 9)), ("won", "won", at(3, 20, 12)),
                      ("reopened", "open", at(3, 20, 12))]),
        "D4": (4000, [("created", "open", at(2, 1)), ("won", "won", at(4, 1, 0))]),
        "D5": (5000, [("created", "open", at(2, 20)), ("won", "won", at(3, 1, 0))]),
        "D6": (6000, [("created", "open", at(3, 10)), ("stage", "open", at(3, 12))]),
        "D7": (7000, [("created", "open", at(4, 1, 0))]),
    }  # fmt: skip
    ids = {}
    for name, (amount, events) in plans.items():
        deal = Opportunity.objects.create(name=name, amount=Decimal(amount), created_at=events[0][2])
        ids[name] = deal.pk
        for kind, status, moment in events:  # written in this order: ids follow it
            OpportunityEvent.objects.create(
                opportunity=deal, kind=kind, status=status, amount=Decimal(amount), occurred_at=moment
            )
    return ids


def names(history: dict[str, int], ids) -> list[str]:
    by_id = {pk: name for name, pk in history.items()}
    return sorted(by_id[pk] for pk in ids)


def test_statuses_at_the_end_of_march(history):
    last = deals.last_status(deals.status_history(MARCH[1]))
    by_id = {pk: name for name, pk in history.items()}
    statuses = {by_id[pk]: status for pk, status in last.select("opportunity", "status").iter_rows()}
    # D7 was created at the very end: not there yet; the stage change of D6 is no status.
    assert statuses == {"D1": "lost", "D2": "lost", "D3": "open", "D4": "open", "D5": "won", "D6": "open"}


def test_open_at_the_end_of_march(history):
    assert names(history, deals.open_at(MARCH[1])) == ["D3", "D4", "D6"]


def test_closed_in_march(history):
    closed = deals.closed_in(*MARCH)
    by_id = {pk: name for name, pk in history.items()}
    rows = closed.select("opportunity", "status", "closed_at").iter_rows()
    assert sorted((by_id[pk], status, moment) for pk, status, moment in rows) == [
        ("D1", "lost", at(3, 20)),
        ("D2", "lost", at(3, 25)),
        ("D5", "won", at(3, 1, 0)),
    ]


def test_won_in_march_and_in_april(history):
    march = deals.won_deals(*MARCH)
    assert names(history, march["opportunity"]) == ["D5"]
    assert march["won_at"].to_list() == [at(3, 1, 0)]
    assert march["amount"].to_list() == [5000.0]
    april = deals.won_deals(*APRIL)
    # D4 won at 1 Apr 00:00, April's first instant.
    assert names(history, april["opportunity"]) == ["D4"]


def test_open_at_each_moment_matches_open_at(history):
    moments = [at(3, 15, 0), MARCH[1]]
    each = deals.open_at_each(moments, deals.status_history(MARCH[1]))
    for moment, expected in zip(moments, [["D1", "D3", "D4", "D6"], ["D3", "D4", "D6"]], strict=True):
        found = each.filter(each["moment"] == moment)["opportunity"]
        assert names(history, found) == expected
        assert names(history, deals.open_at(moment)) == expected


def test_pipeline_by_month_of_march(history):
    report = pipeline_report(date_from=MARCH[0].date(), date_to=datetime(2026, 3, 31).date(), by="month")
    (row,) = report.rows
    # Created in March: D1 D3 D6 = 1,000 + 3,000 + 6,000; open at its end D3 D4 D6 =
    # 3,000 + 4,000 + 6,000; won D5 (5,000); lost D1 D2.
    assert (row.group, row.counts) == ("2026-03", {"created": 3, "open": 3, "won": 1, "lost": 2})
    assert row.amounts == {"created_amount": 10000.0, "open_amount": 13000.0, "won_revenue": 5000.0}
    # D5: created 20 Feb 10:00, won 1 Mar 00:00 — 8 days and 14 hours = 8.58 days.
    assert row.median_cycle_days == 8.58
    assert report.total.counts == row.counts
