"""`accord report refresh-summaries [--rebuild]` over two leads written event by event (times
in March 2026, UTC); run in-process against the test database."""

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.crm.models import Lead, LeadEvent
from accord.reports.models import LeadMilestones, LeadStay, SummaryWatermark

DAY = 86_400_000_000  # microseconds

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, ["report", "refresh-summaries", *args])


def history() -> list[Lead]:
    """a: created 1 Mar 10:00, mql 3 Mar 10:00 (a 2-day lead stay); b: created 2 Mar 10:00."""
    a = Lead.objects.create(email="a@example.com", created_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    b = Lead.objects.create(email="b@example.com", created_at=datetime(2026, 3, 2, 10, tzinfo=UTC))
    for made in (a, b):
        LeadEvent.objects.create(lead=made, kind="created", to_stage="lead", occurred_at=made.created_at)
    LeadEvent.objects.create(
        lead=a, kind="stage", from_stage="lead", to_stage="mql", occurred_at=datetime(2026, 3, 3, 10, tzinfo=UTC)
    )
    return [a, b]


def test_refresh_reads_the_new_events_once():
    a, _ = history()

    first, second = run(), run()

    assert (first.exit_code, first.stdout) == (0, "Leads recomputed: 2\n")
    assert (second.exit_code, second.stdout) == (0, "Leads recomputed: 0\n")
    assert list(LeadStay.objects.values_list("lead_id", "stage", "microseconds")) == [(a.pk, "lead", 2 * DAY)]
    assert list(LeadMilestones.objects.values_list("lead_id", "step")) == [(a.pk, 1)]
    assert SummaryWatermark.objects.get().last_event_id == LeadEvent.objects.latest("id").pk


def test_rebuild_summarises_every_lead_again():
    a, _ = history()
    run()

    result = run("--rebuild")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Leads summarised: 2\n"
    assert list(LeadStay.objects.values_list("lead_id", "stage", "microseconds")) == [(a.pk, "lead", 2 * DAY)]
    assert list(LeadMilestones.objects.values_list("lead_id", "step")) == [(a.pk, 1)]
