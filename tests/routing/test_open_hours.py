"""A stopped SLA clock keeps the business hours it ran, in the rep's schedule at the time:
the scorecard's time to follow-up is read from it, not recomputed."""

import importlib
from datetime import UTC, datetime, time

from django.apps import apps

from accord.crm import services
from accord.crm.models import Lead
from accord.routing.models import SlaClock
from tests.conftest import QUALIFIABLE


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _handed_over(world, at: datetime) -> Lead:
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=at)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
    return Lead.objects.get(pk=lead.pk)


def test_the_hours_are_stored_when_the_clock_stops_and_stay(world):
    # Friday 6 March 16:00 London (UTC+0): one hour Friday, then Monday 09:00–10:30.
    lead = _handed_over(world, utc(6, 16))
    services.lead_accept(lead_id=lead.pk, acting_user=lead.owner, at=utc(9, 10, 30))
    lead.owner.work_start = time(10)  # a later change of schedule does not rewrite the past
    lead.owner.save(update_fields=["work_start"])

    clock = SlaClock.objects.get(lead=lead)
    assert (clock.outcome, clock.open_business_hours) == ("accepted", 2.5)


def test_clocks_stopped_before_the_field_existed_get_their_hours(world):
    lead = _handed_over(world, utc(2, 10))
    services.lead_accept(lead_id=lead.pk, acting_user=lead.owner, at=utc(2, 13, 15))
    SlaClock.objects.update(open_business_hours=None)
    migration = importlib.import_module("accord.routing.migrations.0002_clock_open_business_hours")

    migration.open_hours_of_stopped_clocks(apps, None)

    assert list(SlaClock.objects.values_list("open_business_hours", flat=True)) == [3.25]
