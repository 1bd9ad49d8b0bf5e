"""Races that must not lose or double data. Each thread has its own database connection;
on PostgreSQL they truly run at once, on SQLite the IMMEDIATE transactions queue them."""

import threading
from collections import Counter

import pytest
from django.db import connection

from accord.crm import services
from accord.crm.models import Lead, LeadEvent
from accord.people.models import Role, Team, Territory, User
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_parallel(calls) -> list:
    """Start every call at the same moment (barrier) and return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # reported to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_captures_of_one_email_make_one_lead(world):
    emails = ["Race@Same.example", "race@same.example", " RACE@same.example"] * 3

    results = run_in_parallel(
        [
            lambda e=e, i=i: services.lead_capture(
                data={"email": e, "first_name": f"R{i}", "company": "Same"}, acting_user=world.marketer
            )
            for i, e in enumerate(emails)
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Lead.objects.count() == 1
    assert [created for _, created in results].count(True) == 1
    assert LeadEvent.objects.filter(kind="created").count() == 1


def _team_with_reps(capacities: list[int]) -> tuple[Team, list[User]]:
    team = Team.objects.create(name="Race team")
    Territory.objects.create(name="Race land", team=team, countries=["NL"], priority=1)
    reps = [
        User.objects.create(email=f"rr{i}@accord.test", role=Role.SALES_REP, team=team, capacity=capacity)
        for i, capacity in enumerate(capacities)
    ]
    return team, reps


def test_parallel_qualifications_assign_each_lead_once_with_fair_turns(world):
    _, reps = _team_with_reps([2, 1, 1])
    leads = [
        services.lead_capture(data={**QUALIFIABLE, "email": f"p{i}@bigco.example", "country": "NL"}, acting_user=None)[
            0
        ]
        for i in range(12)
    ]

    results = run_in_parallel(
        [
            lambda lead=lead: services.touchpoint_record(
                lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10
            )
            for lead in leads
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert SlaClock.objects.count() == 12
    assert LeadEvent.objects.filter(kind="assigned").count() == 12
    # Weights 2:1:1 give exactly 6:3:3 over three full cycles of the total weight 4.
    per_rep = Counter(Lead.objects.values_list("owner__email", flat=True))
    assert per_rep == {reps[0].email: 6, reps[1].email: 3, reps[2].email: 3}


def test_parallel_touchpoints_on_one_lead_route_it_once(world):
    _team_with_reps([1, 1])
    lead, _ = services.lead_capture(data={**QUALIFIABLE, "country": "NL"}, acting_user=None)

    results = run_in_parallel(
        [
            lambda: services.touchpoint_record(lead_id=lead.pk, type="demo_request", acting_user=world.marketer)
            for _ in range(6)
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert SlaClock.objects.filter(lead=lead).count() == 1
    assert LeadEvent.objects.filter(lead=lead, kind="assigned").count() == 1
    assert LeadEvent.objects.filter(lead=lead, kind="stage", to_stage="mql").count() == 1
    assert lead.touchpoints.count() == 6
