"""Data for the browser tests, built through the services as the app itself would."""

from datetime import datetime, timedelta

from django.utils import timezone

from accord.crm import services
from accord.crm.models import Lead
from accord.routing.models import SlaClock
from tests.conftest import QUALIFIABLE


def qualify(world, *, at: datetime | None = None, download_at: datetime | None = None, **overrides) -> Lead:
    """Capture a lead at `at` and record a content download at `download_at` (default: `at`):
    30 fit + 20 engagement = 50 ≥ 50, so it becomes an MQL and is routed then (Germany →
    EMEA, round-robin: rep, other_rep, rep, …). No time given means now."""
    lead, _ = services.lead_capture(data={**QUALIFIABLE, **overrides}, acting_user=world.marketer, at=at)
    services.touchpoint_record(
        lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=download_at or at
    )
    return Lead.objects.get(pk=lead.pk)


def due_in(lead: Lead, delta: timedelta) -> None:
    """Put the lead's running SLA deadline `delta` from now, plus 30 seconds of slack, so the
    inbox shows a countdown of exactly `delta` (whole minutes) for the next 30 seconds.
    Business hours make the real deadline depend on the day the tests run."""
    updated = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).update(
        due_at=timezone.now() + delta + timedelta(seconds=30)
    )
    assert updated == 1
