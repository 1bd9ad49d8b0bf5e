"""The wins feed benchmark: `accord.reports.wins.wins_feed` over a week, a month, a quarter
and a year of a database holding N leads (two years of them) and M touchpoints.

    python benchmarks/wins_feed.py                                   SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/wins_feed.py --database postgres               needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/wins_feed.py --leads 100000 --touchpoints 1000000
    python benchmarks/wins_feed.py --reuse /tmp/bench-1m              build once into that directory, then reuse it

The history is the cost report benchmark's (`cost_report.build`: 200 campaigns, 85% of the
leads with one, 30% MQL, 8% SQL with a deal, 3% won, touchpoints spread over the leads'
first six months), plus the acceptance the feed names the SDR by: a stage event to `sal`
an hour before each deal, by one of 20 reps. The database is fresh (SQLite: a temp dir;
PostgreSQL: drops and re-creates `accord_bench_wins`), or with --reuse DIR one built before
and kept there (see `cost_report.py`: the two benchmarks can share it). Timed: the feed of
each period (median of --repeat runs after one warm-up, wall and this process's CPU, with the
load average). Prints a table and writes benchmarks/results/wins-feed-<database>.json.
"""

import json
import sys
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from capture_load import git, machine_info  # noqa: E402
from cost_report import history_database, reuse_option, timed_with_cpu  # noqa: E402
from report_bench import HOUR_US, command_line, median  # noqa: E402

PERIODS = {
    "week (2–8 Mar 2026)": (date(2026, 3, 2), date(2026, 3, 8)),
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
}


def accept_before_deals(seed: int) -> int:
    """A stage event to sal an hour before each deal, by one of 20 reps (the deals' owners are
    left empty, so every acceptance names an SDR)."""
    from django.db import transaction

    from accord.core.bulk import insert_frame
    from accord.crm.models import LeadEvent, Opportunity
    from accord.people.models import Role, User

    reps = User.objects.bulk_create(
        [
            User(email=f"sdr{i}@bench.example", role=Role.SALES_REP, first_name="Sdr", last_name=str(i))
            for i in range(20)
        ]
    )
    deals = pl.DataFrame(
        list(Opportunity.objects.values_list("lead_id", "created_at")),
        schema={"lead_id": pl.Int64, "created_at": pl.Datetime("us", "UTC")},
        orient="row",
    )
    actors = np.random.default_rng(seed).choice([rep.pk for rep in reps], deals.height)
    accepts = deals.select(
        "lead_id",
        pl.lit("stage").alias("kind"),
        pl.lit("mql").alias("from_stage"),
        pl.lit("sal").alias("to_stage"),
        pl.Series("actor_id", actors),
        (pl.col("created_at") - pl.duration(microseconds=HOUR_US)).alias("occurred_at"),
    )
    with transaction.atomic():
        return insert_frame(LeadEvent, accepts)


def main(argv=None) -> int:
    reuse, rest = reuse_option(argv)
    args = command_line(__doc__, rest)
    target = args.json or HERE / "results" / f"wins-feed-{args.database}.json"

    def acceptances() -> int:
        return accept_before_deals(args.seed)

    written = history_database(args, reuse, "wins", acceptances)
    from accord.reports.wins import wins_feed

    results = []
    for label, (date_from, date_to) in PERIODS.items():
        feed, runs, cpus, load = timed_with_cpu(partial(wins_feed, date_from=date_from, date_to=date_to), args.repeat)
        results.append(
            {
                "period": label,
                "wins": feed.summary.wins,
                "marketing_credited": feed.summary.marketing_credited,
                "touchpoints": sum(row.touchpoints for row in feed.rows),
                "with_sdr": sum(row.sdr is not None for row in feed.rows),
                "runs_s": [round(r, 3) for r in runs],
                "median_s": median(runs),
                "cpu_s": median(cpus),
                "load": load,
            }
        )
    outcome = {
        "benchmark": "wins-feed",
        "database": args.database,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "machine": machine_info(),
        "parameters": vars(args) | {"json": str(target), "reuse": str(reuse) if reuse else None},
        "written": written,
        "reports": results,
        "bar_under_1_s": all(r["median_s"] < 1 for r in results),
    }
    print(f"\nwins feed on {args.database}: {written['leads']:,} leads, {written['touchpoints']:,} touchpoints, "
          f"{written['opportunities']:,} deals")  # fmt: skip
    print(f"{'period':<28} {'wins':>7} {'credited':>9} {'touches':>9} {'SDR':>7} {'median s':>9} {'cpu s':>6}  load")
    for r in results:
        print(
            f"{r['period']:<28} {r['wins']:>7,} {r['marketing_credited']:>9,} {r['touchpoints']:>9,} "
            f"{r['with_sdr']:>7,} {r['median_s']:>9.3f} {r['cpu_s']:>6.2f}  {' '.join(map(str, r['load']))}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(outcome, indent=2) + "\n")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
