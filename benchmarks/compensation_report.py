"""The compensation export benchmark: `accord.reports.compensation.compensation_report`
over a month, a quarter and a year of a database holding N leads (two years of them).

    python benchmarks/compensation_report.py                      SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/compensation_report.py --database postgres  needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/compensation_report.py --touchpoints 0      the report reads none: a quicker build

The database is fresh (SQLite: a temp dir; PostgreSQL: drops and re-creates
`accord_bench_compensation`), written in bulk and seeded: 40 reps in 4 teams; 30% of the
leads handed over (an MQL event and an SLA clock due 4 hours later: 60% accepted on time,
15% late, 5% recycled — and of those a third qualify again, with a second clock — the
rest never followed up); a tenth of the accepted converted (sql, a deal owned by the rep),
a third of those won (customer), and one win in 20 reopened a week later (customer → sql);
three policy versions. Timed: each report (median of --repeat runs after one warm-up).
Prints a table and writes benchmarks/results/compensation-report-<database>.json.
"""

import sys
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report_bench import (  # noqa: E402
    DAY_US,
    HOUR_US,
    built,
    command_line,
    django_on_fresh_database,
    median,
    timed,
    utc,
    write_run,
    write_touchpoints,
)

END = datetime(2026, 7, 1, tzinfo=UTC)
START = END - timedelta(days=730)
PERIODS = {
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
}


def build(leads: int, touchpoints: int, seed: int) -> dict:
    """Write the history in bulk (COPY on PostgreSQL); returns the rows written per table."""
    from django.db import transaction

    from accord.core.bulk import insert_frame
    from accord.crm.models import Lead, LeadEvent, Opportunity
    from accord.people.models import Role, Team, User
    from accord.reports.compensation import policy_create
    from accord.routing.models import SlaClock

    rng = np.random.default_rng(seed)
    teams = [Team.objects.create(name=f"Team {i}") for i in range(4)]
    reps = [
        User.objects.create(email=f"rep{i}@bench.example", role=Role.SALES_REP, team=teams[i % 4]) for i in range(40)
    ]
    admin = User.objects.create(email="admin@bench.example", role=Role.ADMIN)
    for reward, effective_from in (("10", date(2024, 7, 1)), ("12.50", date(2025, 10, 1)), ("15", date(2026, 3, 16))):
        policy_create(
            acting_user=admin,
            reward_on_time=reward,
            penalty_ignored="4",
            bonus_won="100",
            effective_from=effective_from,
        )
    rep_ids = np.array([rep.pk for rep in reps], dtype=np.int64)
    team_of = {rep.pk: rep.team_id for rep in reps}

    keys = np.arange(1, leads + 1, dtype=np.int64)
    created = np.sort(int(START.timestamp() * 1e6) + rng.integers(0, 730 * DAY_US, leads))
    lead_frame = pl.DataFrame(
        {
            "id": keys,
            "email": [f"p{i}@co{i % 5000}.example" for i in range(leads)],
            "stage": "lead",
            "stage_changed_at": utc(created),
            "created_at": utc(created),
            "updated_at": utc(created),
        }
    )
    handed = rng.random(leads) < 0.30
    fate = rng.random(leads)  # < .60 on time, < .75 late, < .80 recycled, else never followed up
    rep = rep_ids[rng.integers(0, len(rep_ids), leads)]
    started = created + rng.integers(0, 30 * DAY_US, leads)
    stopped = np.where(
        fate < 0.60, started + rng.integers(0, 4 * HOUR_US, leads), started + rng.integers(5, 48, leads) * HOUR_US
    )
    outcome = np.select([fate < 0.75, fate < 0.80], ["accepted", "rejected"], "")
    again = handed & (fate >= 0.75) & (fate < 0.80) & (rng.random(leads) < 1 / 3)
    again_started = stopped + rng.integers(20, 60, leads) * DAY_US
    accepted = handed & (fate < 0.75)
    converted = accepted & (rng.random(leads) < 0.10)
    won = converted & (rng.random(leads) < 1 / 3)
    reopened = won & (rng.random(leads) < 0.05)
    converted_at = stopped + rng.integers(1, 20, leads) * DAY_US
    won_at = converted_at + rng.integers(5, 60, leads) * DAY_US

    def clocks(mask, start, stop, result) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "lead_id": keys[mask],
                "rep_id": rep[mask],
                "team_id": pl.Series([team_of[r] for r in rep[mask]], dtype=pl.Int64),
                "business_hours": 4.0,
                "started_at": utc(start[mask]),
                "due_at": utc(start[mask] + 4 * HOUR_US),
                "stopped_at": utc(np.where(result[mask] == "", 0, stop[mask])).replace(
                    datetime(1970, 1, 1, tzinfo=UTC), None
                ),
                "outcome": pl.Series(result[mask]),
            }
        )

    clock_frame = pl.concat(
        [clocks(handed, started, stopped, outcome), clocks(again, again_started, again_started, np.full(leads, ""))]
    )
    deal_leads = keys[converted]
    deal_ids = np.arange(1, len(deal_leads) + 1, dtype=np.int64)
    deal_of = np.zeros(leads + 1, dtype=np.int64)
    deal_of[deal_leads] = deal_ids
    deals = pl.DataFrame(
        {
            "id": deal_ids,
            "name": "Deal",
            "lead_id": deal_leads,
            "owner_id": rep[converted],
            "amount": pl.Series(np.full(len(deal_ids), 1000.0)).cast(pl.Decimal(14, 2)),
            "status": pl.Series(np.where(won[converted] & ~reopened[converted], "won", "open")),
            "created_at": utc(converted_at[converted]),
        }
    )

    def stage(mask, from_stage, to_stage, at, with_deal=False) -> pl.DataFrame:
        data = [f'{{"opportunity": {d}}}' for d in deal_of[keys[mask]]] if with_deal else "{}"
        return pl.DataFrame(
            {
                "lead_id": keys[mask],
                "kind": "stage",
                "from_stage": from_stage,
                "to_stage": to_stage,
                "occurred_at": utc(at[mask]),
                "data": data,
            }
        )

    event_frame = pl.concat(
        [
            pl.DataFrame({"lead_id": keys, "kind": "created", "occurred_at": utc(created), "data": "{}"}),
            stage(handed, "lead", "mql", started),
            stage(accepted, "mql", "sal", stopped),
            stage(handed & (outcome == "rejected"), "mql", "recycled", stopped),
            stage(again, "recycled", "mql", again_started),
            stage(converted, "sal", "sql", converted_at, with_deal=True),
            stage(won, "sql", "customer", won_at, with_deal=True),
            stage(reopened, "customer", "sql", won_at + 7 * DAY_US, with_deal=True),
        ],
        how="diagonal",
    ).with_columns(pl.col("from_stage", "to_stage").fill_null(""))
    written = {}
    with transaction.atomic():
        written["leads"] = insert_frame(Lead, lead_frame)
        written["lead_events"] = insert_frame(LeadEvent, event_frame)
        written["sla_clocks"] = insert_frame(SlaClock, clock_frame)
        written["opportunities"] = insert_frame(Opportunity, deals)
    written["touchpoints"] = write_touchpoints(rng, keys, created, touchpoints)
    return written


def main(argv=None) -> int:
    args = command_line(__doc__, argv)
    django_on_fresh_database(args.database, "compensation")
    from accord.reports.compensation import compensation_report

    written, build_seconds = built(lambda: build(args.leads, args.touchpoints, args.seed))

    results = []
    print(f"{'period':<28} {'median s':>9} {'min s':>7} {'hand-offs':>10} {'wins':>6} {'total':>14}")
    for name, (first, last) in PERIODS.items():
        report, seconds = timed(partial(compensation_report, date_from=first, date_to=last), args.repeat)
        total = report.total
        results.append(
            {
                "period": name,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "median_seconds": median(seconds),
                "min_seconds": round(min(seconds), 3),
                "handed_over": total.counts["handed_over"],
                "won": total.counts["won"],
                "total": str(total.amounts["total"]),
            }
        )
        row = results[-1]
        print(
            f"{name:<28} {row['median_seconds']:>9.3f} {row['min_seconds']:>7.3f} {row['handed_over']:>10,} "
            f"{row['won']:>6,} {row['total']:>14}"
        )
    write_run(args, "compensation_report", written, build_seconds, results=results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
