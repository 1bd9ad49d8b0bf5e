"""The funnel and velocity benchmark: `funnel_compared` and `velocity_report` over a month,
a quarter and a year (each beside the previous one), without groups and by each group of
`reports.groups` (source, campaign, channel, segment, country, team, owner), on a
database holding N leads (two years of them), and the summaries they read
(`accord.reports.summaries`): the first full refresh, and a refresh after 10,000 new events.

    python benchmarks/funnel_velocity.py                      SQLite, 1,000,000 leads
    python benchmarks/funnel_velocity.py --database postgres  needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/funnel_velocity.py --leads 100000

The history is the compensation benchmark's (`compensation_report.build`, without
touchpoints: the reports read none): every lead created, 30% handed over as MQLs, accepted,
recycled and qualified again, converted, won, a few wins reopened; then the leads get
what the reports group by (`spread_attributes`: 85% in one of 200 campaigns in 9 channels,
6 sources, 20 countries, every segment, a team and an owner for 30%). Timed: each report
(median of --repeat runs after one warm-up; a run includes the refresh a report does first,
with nothing new to read). Prints a table and writes benchmarks/results/funnel-velocity-<database>.json.
"""

import sys
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compensation_report import build  # noqa: E402
from report_bench import (  # noqa: E402
    DAY_US,
    analyze,
    built,
    command_line,
    django_on_fresh_database,
    median,
    timed,
    utc,
    write_run,
)

PERIODS = {
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
}
CAMPAIGNS = 200
NEW_EVENTS = 10_000


SOURCES = ("web", "webinar", "referral", "paid_search", "event", "partner")
COUNTRIES = "USGBDEFRESITNLSEBRINJPCAAUMXPLBECHATIEDK"  # 20 ISO codes, two letters each


def spread_attributes() -> int:
    """What the reports group by, spread over the leads by id: 85% in one of CAMPAIGNS
    campaigns (in 9 channels); a source of SOURCES; a country of COUNTRIES; a company size
    (1–4,999 employees, every segment); and for the 30% handed over (id % 10 < 3) the
    benchmark's teams and reps as team and owner. Returns how many leads have a campaign."""
    from django.db import connection

    from accord.campaigns.models import Campaign
    from accord.people.models import Role, Team, User

    channels = ("email", "paid_search", "social", "events", "content", "partner", "direct", "display", "webinar")
    Campaign.objects.bulk_create(
        Campaign(code=f"c{i:03d}", name=f"Campaign {i}", channel=channels[i % len(channels)]) for i in range(CAMPAIGNS)
    )
    first = Campaign.objects.order_by("pk").values_list("pk", flat=True).first()
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    reps = list(User.objects.filter(role=Role.SALES_REP).order_by("pk").values_list("pk", flat=True))
    # Fresh tables: the ids are consecutive, so the n-th team or rep is the first's id + n.
    assert teams == list(range(teams[0], teams[0] + len(teams)))
    assert reps == list(range(reps[0], reps[0] + len(reps)))
    source = "CASE id %% 6 " + " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(SOURCES)) + " END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE crm_lead SET source = {source}, "  # noqa: S608
            "country = substr(%s, CAST((id * 13) %% 20 AS integer) * 2 + 1, 2), "
            "company_size = 1 + (id * 7) %% 4999",
            [COUNTRIES],
        )
        cursor.execute(
            "UPDATE crm_lead SET team_id = %s + (id / 10) %% %s, owner_id = %s + (id / 10) %% %s WHERE id %% 10 < 3",
            [teams[0], len(teams), reps[0], len(reps)],
        )
        cursor.execute(
            "UPDATE crm_lead SET campaign_id = %s + (id * 7919) %% %s WHERE id %% 20 >= 3", [first, CAMPAIGNS]
        )
        return cursor.rowcount


def add_events(leads: int, seed: int) -> int:
    """NEW_EVENTS stage events on random leads, a day after the end of the history (what a
    busy day adds): lead → mql, back-dated into 2026 for one in ten."""
    from django.db import transaction

    from accord.core.bulk import insert_frame
    from accord.crm.models import LeadEvent

    rng = np.random.default_rng(seed + 1)
    at = int(datetime(2026, 7, 2, tzinfo=UTC).timestamp() * 1e6)
    back_dated = rng.random(NEW_EVENTS) < 0.10
    times = np.where(back_dated, at - rng.integers(1, 180, NEW_EVENTS) * DAY_US, at)
    events = pl.DataFrame(
        {
            "lead_id": rng.integers(1, leads + 1, NEW_EVENTS),
            "kind": "stage",
            "from_stage": "lead",
            "to_stage": "mql",
            "occurred_at": utc(times),
            "data": "{}",
        }
    )
    with transaction.atomic():
        return insert_frame(LeadEvent, events)


def seconds_of(call) -> tuple[float, object]:
    began = time.perf_counter()
    result = call()
    return round(time.perf_counter() - began, 3), result


def main(argv=None) -> int:
    args = command_line(__doc__, argv)
    django_on_fresh_database(args.database, "funnel_velocity")
    from accord.reports.funnel import funnel_compared
    from accord.reports.groups import GROUPS
    from accord.reports.summaries import summaries_refresh
    from accord.reports.velocity import velocity_report

    args.touchpoints = 0  # the reports read none

    def history() -> dict:
        written = build(args.leads, 0, args.seed)
        written.pop("touchpoints")
        return written | {"leads_in_campaigns": spread_attributes()}

    written, build_seconds = built(history)

    full_refresh_seconds, refreshed = seconds_of(summaries_refresh)
    print(f"First full refresh: {full_refresh_seconds:.1f} s, {refreshed:,} leads")
    analyze()

    results = []
    print(f"{'report':<9} {'period':<26} {'by':<9} {'median s':>9} {'min s':>7} {'rows':>5} {'counted':>9}")
    for name, (first, last) in PERIODS.items():
        for by in (None, *GROUPS):
            for report_name, report in (("funnel", funnel_compared), ("velocity", velocity_report)):
                call = partial(report, date_from=first, date_to=last, by=by)
                result, runs = timed(call, args.repeat)
                total = result.rows[-1]
                counted = total.leads if report_name == "funnel" else total.count
                results.append(
                    {
                        "report": report_name,
                        "period": name,
                        "from": first.isoformat(),
                        "to": last.isoformat(),
                        "compare": "previous",
                        "by": by,
                        "rows": len(result.rows),
                        "counted": counted,
                        "median_seconds": median(runs),
                        "min_seconds": round(min(runs), 3),
                    }
                )
                row = results[-1]
                print(
                    f"{report_name:<9} {name:<26} {by or '—':<9} {row['median_seconds']:>9.3f} "
                    f"{row['min_seconds']:>7.3f} {row['rows']:>5} {counted:>9,}"
                )

    add_events(args.leads, args.seed)
    incremental_seconds, recomputed = seconds_of(summaries_refresh)
    print(f"Refresh after {NEW_EVENTS:,} new events: {incremental_seconds:.3f} s, {recomputed:,} leads")
    write_run(
        args,
        "funnel_velocity",
        written,
        build_seconds,
        first_full_refresh_seconds=full_refresh_seconds,
        refresh_after_new_events={"events": NEW_EVENTS, "leads": recomputed, "seconds": incremental_seconds},
        results=results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
