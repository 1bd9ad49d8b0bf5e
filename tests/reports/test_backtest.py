"""The backtest report over a history built by hand; every number is worked out below.

The active version is tests.conftest TEST_DOCUMENT (v2): fit 20 for 50+ employees and 10
for a VP title; a content download 20; threshold 50; contact and need required; a demo
request fast-tracks. The draft (v3) is the same with a threshold of 15 and no fast track.

lead  details                          history (March 2026)                        v2 MQL at      v3 MQL at
A     VP, 120 employees, need (fit 30) captured 2nd 10:00, download 3rd 10:00:      3rd 10:00      2nd 10:00
                                       MQL → accepted → deal won 1,000.00
B     engineer, 10 employees, need     captured 4th, download 5th 10:00             never (20)     5th 10:00 (20)
C     engineer, 10 employees, no need  captured 6th, demo request 7th: fast track,  7th 10:00      never (no need,
                                       recycled by the rep                                          5 < 15)
D     VP, 120 employees, need          captured Feb 20th with a download: MQL       Feb 20th       Feb 20th
      (before the period)              then, deal won 500.00 in March
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Lead
from accord.definitions.models import LeadDefinition
from accord.reports.backtest import backtest_report, history_load
from tests.conftest import QUALIFIABLE, TEST_DOCUMENT

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def scene(world):
    def capture(email, when, **extra):
        lead, _ = services.lead_capture(
            data={**QUALIFIABLE, "email": email, **extra}, acting_user=world.marketer, at=when
        )
        return lead

    def touch(lead, kind, when):
        services.touchpoint_record(lead_id=lead.pk, type=kind, acting_user=world.marketer, at=when)
        return Lead.objects.get(pk=lead.pk)

    engineer = {"title": "Engineer", "company_size": 10}
    a = touch(capture("a@bigco.example", at(2)), "content_download", at(3))
    services.lead_accept(lead_id=a.pk, acting_user=a.owner, at=at(3, hour=11))
    deal = services.opportunity_create(lead_id=a.pk, acting_user=a.owner, amount="1000", at=at(4))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=a.owner, won=True, at=at(20))
    b = touch(capture("b@bigco.example", at(4), **engineer), "content_download", at(5))
    c = touch(capture("c@bigco.example", at(6), **engineer, need=""), "demo_request", at(7))
    services.lead_reject(lead_id=c.pk, acting_user=c.owner, reason="not_ready", action="recycle", at=at(8))
    d = touch(capture("d@bigco.example", at(20, month=2)), "content_download", at(20, month=2))
    deal = services.opportunity_create(lead_id=d.pk, acting_user=d.owner, amount="500", at=at(21, month=2))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=d.owner, won=True, at=at(10))
    assert [Lead.objects.get(pk=x.pk).stage for x in (a, b, c, d)] == ["customer", "lead", "recycled", "customer"]
    draft = LeadDefinition.objects.create(
        version=3,
        document={**TEST_DOCUMENT, "thresholds": {"mql": 15}, "fast_track_types": []},
    )
    return {"a": a, "b": b, "c": c, "d": d, "draft": draft}


def months(count_march: int, commitment: int) -> list[dict]:
    return [{"month": "2026-03", "mqls": count_march, "commitment": commitment}]


def test_the_draft_beside_the_active_version_and_what_happened(scene, definition):
    report = backtest_report(scene["draft"], **MARCH)

    # Active v2: A and C qualify in March; A accepted, reached a deal and won 1,000; C did not.
    # Won leads created in March: A only, and v2 qualified it → recall 1.
    active = {
        "definition_id": definition.pk,
        "version": 2,
        "name": "Test",
        "status": "active",
        "mql_count": 2,
        "accepted": 1,
        "accepted_rate": 0.5,
        "opportunities": 1,
        "opportunity_rate": 0.5,
        "won": 1,
        "win_rate": 1.0,
        "precision": 0.5,
        "won_revenue": "1000.00",
        "recall": 1.0,
        "won_leads_created_in_period": 1,
        "by_fast_track": 1,
        "by_month": months(2, 10),
    }
    assert report["active"] == active
    # Draft v3: A (at its capture) and B qualify in March; C does not (need missing, no fast track).
    assert report["version"] == active | {
        "definition_id": scene["draft"].pk,
        "version": 3,
        "name": "",
        "status": "draft",
        "by_fast_track": 0,
    }
    # What happened: the MQL stage events of March were A's and C's.
    assert report["actual"] == {
        k: v for k, v in active.items() if k not in ("definition_id", "version", "name", "status")
    } | {
        "by_fast_track": 0,
        "by_month": months(2, None),
    }
    # v3 gains B (nothing came of it) and loses C (recycled, never accepted); keeps A.
    nothing = {
        "mql_count": 1,
        "accepted": 0,
        "accepted_rate": 0.0,
        "opportunities": 0,
        "opportunity_rate": 0.0,
        "won": 0,
        "win_rate": None,
        "precision": 0.0,
        "won_revenue": "0.00",
    }
    assert report["changes"] == {"gained": nothing, "lost": nothing, "kept": 1}
    assert (report["leads_considered"], report["touchpoints_considered"]) == (4, 4)


def test_february_counts_the_lead_qualified_then(scene, definition):
    report = backtest_report(definition, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))

    # Only D existed in February: an MQL on the 20th, won (500.00, closed in March).
    assert (report["version"]["mql_count"], report["version"]["won_revenue"]) == (1, "500.00")
    assert report["version"]["by_month"] == [{"month": "2026-02", "mqls": 1, "commitment": 10}]
    assert report["changes"] == {"gained": report["changes"]["gained"], "lost": report["changes"]["lost"], "kept": 1}
    assert report["changes"]["gained"]["mql_count"] == report["changes"]["lost"]["mql_count"] == 0


def test_one_history_serves_several_versions(scene, definition):
    history = history_load(date(2026, 3, 1), date(2026, 3, 31))

    first = backtest_report(scene["draft"], **MARCH, history=history)
    again = backtest_report(scene["draft"], **MARCH)

    assert first == again


def test_a_period_that_ends_before_it_starts_is_refused(scene, definition):
    with pytest.raises(InvalidInput) as refused:
        backtest_report(definition, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert refused.value.field == "to"
