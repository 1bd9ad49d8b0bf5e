"""The summaries' watermark on PostgreSQL, where an event's id is taken before its
transaction commits: an event can become visible after one with a higher id. Two
connections: one holds its event uncommitted while the other commits a later one and
refreshes. SQLite has one writer at a time, so there is no such order to test there."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from accord.crm.models import Lead, LeadEvent
from accord.reports.models import LeadStay, SummaryWatermark
from accord.reports.summaries import summaries_refresh

DAY = 86_400_000_000  # microseconds

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ids committed out of order need PostgreSQL"),
]

CREATED = datetime(2026, 3, 1, 10, tzinfo=UTC)


def lead(name: str) -> Lead:
    made = Lead.objects.create(email=f"{name}@example.com", created_at=CREATED)
    LeadEvent.objects.create(lead=made, kind="created", to_stage="lead", occurred_at=CREATED)
    return made


def qualify(made: Lead, day: int) -> LeadEvent:
    at = datetime(2026, 3, day, 10, tzinfo=UTC)
    return LeadEvent.objects.create(lead=made, kind="stage", from_stage="lead", to_stage="mql", occurred_at=at)


class Held:
    """`write()` in a transaction of another connection, left open until `end()`."""

    def __init__(self, write):
        self.written, self._done, self._release = [], threading.Event(), threading.Event()
        self._rollback = False
        self._thread = threading.Thread(target=self._run, args=(write,))
        self._thread.start()
        assert self._done.wait(10)

    def _run(self, write):
        try:
            with transaction.atomic():
                self.written.append(write())
                self._done.set()
                self._release.wait(10)
                transaction.set_rollback(self._rollback)
        finally:
            connection.close()

    def end(self, *, rollback: bool = False) -> None:
        self._rollback = rollback
        self._release.set()
        self._thread.join()


def stays() -> dict[str, list]:
    return {
        email: list(LeadStay.objects.filter(lead__email=email).values_list("stage", "microseconds"))
        for email in ("a@example.com", "b@example.com")
    }


def gaps() -> list[list[int]]:
    return [gap[:2] for gap in SummaryWatermark.objects.get().gaps]


def test_an_event_committed_after_a_later_one_is_read_by_the_next_refresh():
    a, b = lead("a"), lead("b")
    summaries_refresh()
    held = Held(lambda: qualify(a, 3))  # takes its id first …
    later = qualify(b, 5)  # … this one commits first
    held_id = held.written[0].pk
    assert later.pk > held_id

    summaries_refresh()

    assert stays() == {"a@example.com": [], "b@example.com": [("lead", 4 * DAY)]}
    assert gaps() == [[held_id, held_id]]
    assert SummaryWatermark.objects.get().last_event_id == later.pk

    held.end()
    assert summaries_refresh() == 1

    # a: created 1 Mar 10:00, qualified 3 Mar 10:00: a 2-day lead stay.
    assert stays() == {"a@example.com": [("lead", 2 * DAY)], "b@example.com": [("lead", 4 * DAY)]}
    assert gaps() == []


def test_an_id_whose_transaction_rolled_back_is_given_up_once_it_ended():
    a, b = lead("a"), lead("b")
    summaries_refresh()
    held = Held(lambda: qualify(a, 3))
    qualify(b, 5)
    held_id = held.written[0].pk
    summaries_refresh()

    summaries_refresh()  # still running: the gap stays open
    assert gaps() == [[held_id, held_id]]

    held.end(rollback=True)
    summaries_refresh()

    assert gaps() == []
    assert stays() == {"a@example.com": [], "b@example.com": [("lead", 4 * DAY)]}
