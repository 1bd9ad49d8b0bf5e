"""The executive dashboard benchmark: `accord.reports.dashboard.dashboard` and the page
`/reports/dashboard/` over a database holding N leads (two years of them).

    python benchmarks/dashboard.py                       SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/dashboard.py --database postgres   needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/dashboard.py --touchpoints 0       the dashboard reads none: a quicker build

The history is compensation_report.py's (40 reps, hand-offs with their SLA clocks, deals,
wins, reopened wins), with what the dashboard reads besides: each deal's status history
(created, won, reopened — from its lead's stage events), 20 campaigns holding 60% of the
leads, and a cost entry per campaign and month. Timed: the dashboard of a month, a quarter
and a year beside the previous period (median of --repeat runs after a warm-up); then the
page of the month as the executive opens it — recomputed on demand (cold), from a fresh
snapshot, and from an old one while its refresh waits for the worker: p50 and p95.
Prints a table and writes benchmarks/results/dashboard-<database>.json.
"""

import statistics
import sys
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from capture_load import percentile  # noqa: E402
from compensation_report import PERIODS, build  # noqa: E402
from report_bench import built, command_line, django_on_fresh_database, median, timed, write_run  # noqa: E402

CAMPAIGNS = 20
REQUESTS = 40
RECORDED = datetime(2026, 7, 1, tzinfo=UTC)


def deal_history_and_costs() -> dict:
    """Each deal's status history from its lead's stage events (sql: created; customer:
    won; customer → sql: reopened), campaigns on 60% of the leads, a cost a month each."""
    from django.db import connection, transaction

    from accord.campaigns.models import Campaign, CampaignCost
    from accord.crm.models import OpportunityEvent

    history = (
        "INSERT INTO crm_opportunityevent (opportunity_id, kind, status, amount, sales_stage, reason, note, "
        "occurred_at) SELECT o.id, %s, %s, o.amount, '', '', '', e.occurred_at "
        "FROM crm_leadevent e JOIN crm_opportunity o ON o.lead_id = e.lead_id "
        "WHERE e.kind = 'stage' AND e.from_stage = %s AND e.to_stage = %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(history, ["created", "open", "sal", "sql"])
        cursor.execute(history, ["won", "won", "sql", "customer"])
        cursor.execute(history, ["reopened", "open", "customer", "sql"])
        campaigns = Campaign.objects.bulk_create(
            Campaign(code=f"campaign-{i}", name=f"Campaign {i}", channel=("webinar", "paid_search", "events")[i % 3])
            for i in range(CAMPAIGNS)
        )
        first = campaigns[0].pk
        cursor.execute(
            f"UPDATE crm_lead SET campaign_id = {first} + (id % {CAMPAIGNS}) WHERE id % 10 < 6"  # noqa: S608
        )
        months = [date(2024 + (6 + m) // 12, (6 + m) % 12 + 1, 1) for m in range(24)]
        CampaignCost.objects.bulk_create(
            CampaignCost(
                campaign=campaign, month=month, amount=1000 + 10 * i, created_at=datetime(2026, 7, 1, tzinfo=UTC)
            )
            for i, campaign in enumerate(campaigns)
            for month in months
        )
    return {"opportunity_events": OpportunityEvent.objects.count(), "campaign_costs": CampaignCost.objects.count()}


def page_latencies(first: date, last: date, requests: int) -> dict[str, list[float]]:
    """The page of [first, last] as the executive opens it: `cold`, recomputed on demand
    (three times); `fresh`, `requests` looks at a fresh snapshot; `stale`, `requests` looks
    at an old snapshot while the refresh waits in the queue (the worker is not running)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from accord.people.models import Role, User

    executive = User.objects.create(email="exec@bench.example", role=Role.EXECUTIVE)
    client = Client()
    client.force_login(executive)
    query = {"date_from": first.isoformat(), "date_to": last.isoformat(), "compare": "previous"}

    def look(extra: dict | None = None) -> float:
        began = time.perf_counter()
        response = client.get("/reports/dashboard/", {**query, **(extra or {})})
        assert response.status_code == 200
        return time.perf_counter() - began

    cache.clear()
    latencies = {"cold": [look({"refresh": "1"}) for _ in range(3)], "fresh": [look() for _ in range(requests)]}
    settings.ACCORD_DASHBOARD_FRESH_SECONDS = 0
    latencies["stale"] = [look() for _ in range(requests)]
    settings.ACCORD_DASHBOARD_FRESH_SECONDS = 300
    return {name: sorted(values) for name, values in latencies.items()}


def main(argv=None) -> int:
    args = command_line(__doc__, argv)
    django_on_fresh_database(args.database, "dashboard")
    from django.conf import settings

    from accord.reports.dashboard import dashboard

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    written, build_seconds = built(lambda: build(args.leads, args.touchpoints, args.seed) | deal_history_and_costs())

    results = []
    print(f"{'period, beside the previous':<28} {'median s':>9} {'min s':>7} {'won':>8} {'new leads':>10}")
    for name, (first, last) in PERIODS.items():
        board, seconds = timed(partial(dashboard, date_from=first, date_to=last, compare="previous"), args.repeat)
        results.append(
            {
                "period": name,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "median_seconds": median(seconds),
                "min_seconds": round(min(seconds), 3),
                "deals_won": board.figure("deals_won").value,
                "leads": board.figure("leads").value,
            }
        )
        row = results[-1]
        print(
            f"{name:<28} {row['median_seconds']:>9.3f} {row['min_seconds']:>7.3f} {row['deals_won']:>8,} "
            f"{row['leads']:>10,}"
        )
    first, last = PERIODS["month (March 2026)"]
    page = {}
    for name, latencies in page_latencies(first, last, REQUESTS).items():
        page[name] = {
            "requests": len(latencies),
            "p50_seconds": round(statistics.median(latencies), 3),
            "p95_seconds": round(percentile(latencies, 95), 3),
            "max_seconds": round(latencies[-1], 3),
        }
        row = page[name]
        print(
            f"page, March beside February, {name:<5}: p50 {row['p50_seconds']:.3f} s, "
            f"p95 {row['p95_seconds']:.3f} s ({row['requests']} requests)"
        )
    write_run(args, "dashboard", written, build_seconds, results=results, page=page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
