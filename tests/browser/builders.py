"""Data for the browser tests, built through the services as the app itself would."""

from datetime import timedelta

from django.utils import timezone

from accord.crm.models import Lead
from accord.routing.models import SlaClock


def due_in(lead: Lead, delta: timedelta) -> None:
    """Put the lead's running SLA deadline `delta` from now, plus 30 seconds of slack, so the
    inbox shows a countdown of exactly `delta` (whole minutes) for the next 30 seconds.
    Business hours make the real deadline depend on the day the tests run."""
    updated = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).update(
        due_at=timezone.now() + delta + timedelta(seconds=30)
    )
    assert updated == 1
