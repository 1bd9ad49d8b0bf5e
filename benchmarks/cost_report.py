"""The cost report benchmark: `accord.reports.cost.cost_report` over a month, a quarter and
a year of a database holding N leads (two years of them) and M touchpoints.

    python benchmarks/cost_report.py                          SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/cost_report.py --database postgres      needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/cost_report.py --leads 100000 --touchpoints 0
    python benchmarks/cost_report.py --reuse /tmp/bench-1m    build once into that directory, then reuse it

The database is fresh (SQLite: a temp dir; PostgreSQL: drops and re-creates
`accord_bench_cost`), written in bulk, seeded: 200 campaigns over 9 channels (one blank),
85% of the leads with a campaign (a few campaigns bring most), stage history like a real
funnel (every lead created; 30% MQL, a tenth of them twice; 8% SQL with a deal; 3% won),
and a cost entry per campaign and month plus a correction for one in ten. The report reads
no touchpoint; they are there so the tables and indexes are as large as the bar says.
--reuse DIR keeps it: the first run builds into DIR (SQLite: the file there; PostgreSQL: the
database, named in DIR/built.json) and later runs of the same sizes and seed time the reports
on it as it is — the wins feed benchmark (`wins_feed.py --reuse DIR`) shares it, adding its
acceptances once. Timed: each report (median of --repeat runs after one warm-up, wall and
this process's CPU, with the load average). Prints a table and writes
benchmarks/results/cost-report-<database>.json.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from capture_load import git, machine_info  # noqa: E402
from report_bench import (  # noqa: E402
    ADMIN_URL,
    DAY_US,
    analyze,
    command_line,
    django_on_fresh_database,
    median,
    utc,
    write_touchpoints,
)

END = datetime(2026, 7, 1, tzinfo=UTC)
START = END - timedelta(days=730)
CHANNELS = ["webinar", "paid_search", "events", "email", "social", "content", "partner", "direct", ""]
PERIODS = {
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
    "15 Feb – 15 Mar 2026 (prorated)": (date(2026, 2, 15), date(2026, 3, 15)),
}


def _times(rng, base_us: np.ndarray, low_days: int, high_days: int) -> np.ndarray:
    return base_us + rng.integers(low_days * DAY_US, high_days * DAY_US, len(base_us))


def build(leads: int, touchpoints: int, seed: int) -> dict:
    """Write the history in bulk (COPY on PostgreSQL); returns what was written."""
    from django.db import transaction

    from accord.campaigns.models import Campaign, CampaignCost
    from accord.core.bulk import insert_frame
    from accord.crm.models import Lead, LeadEvent, Opportunity, OpportunityEvent

    rng = np.random.default_rng(seed)
    campaigns = [
        Campaign(code=f"c{i:03d}", name=f"Campaign {i}", channel=CHANNELS[i % len(CHANNELS)], budget=10_000 + i * 100)
        for i in range(200)
    ]
    Campaign.objects.bulk_create(campaigns)
    campaign_ids = np.array([c.pk for c in campaigns], dtype=np.int64)

    start_us = int(START.timestamp() * 1e6)
    created = np.sort(start_us + rng.integers(0, int((END - START).total_seconds() * 1e6), leads))
    weights = 1 / np.arange(1, 201) ** 0.8
    campaign = campaign_ids[rng.choice(200, leads, p=weights / weights.sum())]
    with_campaign = rng.random(leads) < 0.85
    ids_start = 1
    lead_frame = pl.DataFrame(
        {
            "id": np.arange(ids_start, ids_start + leads, dtype=np.int64),
            "email": [f"p{i}@co{i % 5000}.example" for i in range(leads)],
            "campaign_id": pl.Series(np.where(with_campaign, campaign, 0)).replace(0, None),
            "stage": "lead",
            "stage_changed_at": utc(created),
            "created_at": utc(created),
            "updated_at": utc(created),
        }
    )
    keys = lead_frame["id"].to_numpy()
    mql = rng.random(leads) < 0.30
    twice = mql & (rng.random(leads) < 0.10)
    sql = mql & (rng.random(leads) < 0.27)
    won = sql & (rng.random(leads) < 0.375)
    mql_at = _times(rng, created, 0, 30)
    sql_at = _times(rng, mql_at, 1, 20)
    won_at = _times(rng, sql_at, 5, 60)

    def events(mask, kind, to_stage, at, from_stage=""):
        return pl.DataFrame(
            {
                "lead_id": keys[mask],
                "kind": kind,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "occurred_at": utc(at[mask]),
            }
        )

    every = np.ones(leads, dtype=bool)
    event_frame = pl.concat(
        [
            events(every, "created", "", created),
            events(mql, "stage", "mql", mql_at, "lead"),
            events(twice, "stage", "mql", _times(rng, mql_at, 40, 90), "recycled"),
            events(sql, "stage", "sql", sql_at, "sal"),
            events(won, "stage", "customer", won_at, "sql"),
        ]
    )
    deal_leads = keys[sql]
    deals = pl.DataFrame(
        {
            "id": np.arange(1, len(deal_leads) + 1, dtype=np.int64),
            "name": "Deal",
            "lead_id": deal_leads,
            "amount": pl.Series(rng.integers(1_000, 50_000, len(deal_leads)).astype(np.float64)).cast(
                pl.Decimal(14, 2)
            ),
            "status": pl.Series(np.where(won[sql], "won", "open")),
            "created_at": utc(sql_at[sql]),
            "closed_at": pl.Series(np.where(won[sql], won_at[sql], 0)).replace(0, None).cast(pl.Datetime("us", "UTC")),
        }
    )
    deal_events = pl.concat(
        [
            deals.select(
                pl.col("id").alias("opportunity_id"),
                pl.lit("created").alias("kind"),
                pl.lit("open").alias("status"),
                "amount",
                pl.col("created_at").alias("occurred_at"),
            ),
            deals.filter(pl.col("status") == "won").select(
                pl.col("id").alias("opportunity_id"),
                pl.lit("won").alias("kind"),
                pl.lit("won").alias("status"),
                "amount",
                pl.col("closed_at").alias("occurred_at"),
            ),
        ]
    )
    months = [date(2024 + (6 + m) // 12, (6 + m) % 12 + 1, 1) for m in range(24)]
    cost_campaign = np.repeat(campaign_ids, len(months))
    cost_month = np.tile(np.array(months, dtype="datetime64[D]"), len(campaign_ids))
    amount = rng.integers(500, 20_000, len(cost_campaign)).astype(np.float64)
    corrected = rng.random(len(cost_campaign)) < 0.10
    costs = pl.DataFrame(
        {
            "campaign_id": np.concatenate([cost_campaign, cost_campaign[corrected]]),
            "month": pl.Series(np.concatenate([cost_month, cost_month[corrected]])).cast(pl.Date),
            "amount": pl.Series(np.concatenate([amount, -np.floor(amount[corrected] / 10)])).cast(pl.Decimal(12, 2)),
            "created_at": utc(np.full(len(cost_campaign) + int(corrected.sum()), int(END.timestamp() * 1e6))),
        }
    )
    written = {}
    with transaction.atomic():
        written["leads"] = insert_frame(Lead, lead_frame)
        written["lead_events"] = insert_frame(LeadEvent, event_frame)
        written["opportunities"] = insert_frame(Opportunity, deals)
        written["opportunity_events"] = insert_frame(OpportunityEvent, deal_events)
        written["cost_entries"] = insert_frame(CampaignCost, costs)
    written["touchpoints"] = write_touchpoints(rng, keys, created, touchpoints)
    return written


def reuse_option(argv=None) -> tuple[Path | None, list[str]]:
    """--reuse DIR (see the module's docstring) and the other options, for `command_line`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--reuse", type=Path, default=None)
    known, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.reuse, rest


def _django_on(home: Path, database: str | None) -> None:
    os.environ["ACCORD_HOME"] = str(home)
    if database is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def history_database(args, reuse: Path | None, name: str, extra=None) -> dict:
    """Django on the benchmark's history: built fresh (`build`, then `extra()` if given, its
    rows added to what was written), or with `reuse` as --reuse says. Returns what was
    written, with the seconds the build took as `build_seconds`."""
    marker = reuse / "built.json" if reuse else None
    done = json.loads(marker.read_text()) if marker and marker.exists() else None
    sizes = {"database": args.database, "leads": args.leads, "touchpoints": args.touchpoints, "seed": args.seed}
    if done is not None:
        if {key: done[key] for key in sizes} != sizes:
            raise SystemExit(f"{marker} holds another build: {done}")
        _django_on(reuse, done.get("postgres_database"))
        print(f"Reusing {reuse} (built in {done['written']['build_seconds']:,.0f} s)", file=sys.stderr)
    else:
        if reuse and args.database == "sqlite":
            reuse.mkdir(parents=True, exist_ok=True)
            (reuse / "accord.sqlite3").unlink(missing_ok=True)
            _django_on(reuse, None)
        else:
            django_on_fresh_database(args.database, name)
        began = time.perf_counter()
        written = build(args.leads, args.touchpoints, args.seed)
        analyze()
        written["build_seconds"] = round(time.perf_counter() - began, 1)
        done = {**sizes, "written": written}
        if args.database == "postgres":
            done["postgres_database"] = f"accord_bench_{name}"
        print(f"wrote {written}", file=sys.stderr)
    if extra is not None and extra.__name__ not in done["written"]:
        began = time.perf_counter()
        done["written"][extra.__name__] = extra()
        analyze()
        done["written"]["build_seconds"] += round(time.perf_counter() - began, 1)
    if marker:
        marker.write_text(json.dumps(done, indent=2) + "\n")
    return done["written"]


def timed_with_cpu(report, repeat: int):
    """`report()` once to warm up, then `repeat` times: (the last result, the wall seconds
    and the CPU seconds of this process of each run, the load average after the runs)."""
    result = report()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = report()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, walls, cpus, [round(value, 2) for value in os.getloadavg()]


def main(argv=None) -> int:
    reuse, rest = reuse_option(argv)
    args = command_line(__doc__, rest)
    target = args.json or HERE / "results" / f"cost-report-{args.database}.json"
    written = history_database(args, reuse, "cost")
    from accord.reports.cost import cost_report

    results = []
    for label, (date_from, date_to) in PERIODS.items():
        for by in ("campaign", "channel"):
            report, runs, cpus, load = timed_with_cpu(
                lambda f=date_from, t=date_to, b=by: cost_report(date_from=f, date_to=t, by=b), args.repeat
            )
            total = report.total
            results.append(
                {
                    "period": label,
                    "by": by,
                    "rows": len(report.rows),
                    "leads": total.counts["leads"],
                    "mqls": total.counts["mqls"],
                    "customers": total.counts["customers"],
                    "cost": float(total.cost),
                    "runs_s": [round(r, 3) for r in runs],
                    "median_s": median(runs),
                    "cpu_s": median(cpus),
                    "load": load,
                }
            )
    outcome = {
        "benchmark": "cost-report",
        "database": args.database,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "machine": machine_info(),
        "parameters": vars(args) | {"json": str(target), "reuse": str(reuse) if reuse else None},
        "written": written,
        "reports": results,
        "bar_under_1_s": all(r["median_s"] < 1 for r in results),
    }
    print(f"\ncost report on {args.database}: {written['leads']:,} leads, {written['touchpoints']:,} touchpoints, "
          f"{written['lead_events']:,} lead events, {written['opportunities']:,} deals")  # fmt: skip
    print(f"{'period':<34} {'by':<9} {'rows':>5} {'leads':>9} {'MQLs':>8} {'median s':>9} {'cpu s':>6}  load")
    for r in results:
        print(
            f"{r['period']:<34} {r['by']:<9} {r['rows']:>5} {r['leads']:>9,} {r['mqls']:>8,} {r['median_s']:>9.3f} "
            f"{r['cpu_s']:>6.2f}  {' '.join(map(str, r['load']))}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(outcome, indent=2) + "\n")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
