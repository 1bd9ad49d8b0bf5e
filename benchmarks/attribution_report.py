"""The attribution report benchmark: `accord.attribution.report.attribution_report` (each
rule-based model alone, the seven together, and the Markov chain) and `influence_report`
over a month, a quarter and a year of a database holding N leads (two years of them) and M
touchpoints, beside the floor: the time just to read the period's touchpoints.

    python benchmarks/attribution_report.py                          SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/attribution_report.py --database postgres      needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/attribution_report.py --leads 20000 --touchpoints 200000 --repeat 1
    python benchmarks/attribution_report.py --reuse /tmp/attribution-1m   build once into that directory, then reuse it

The history is the cost report benchmark's (`cost_report.build`: 200 campaigns in 9
channels, 85% of the leads with one, 30% MQL, 8% SQL with a deal, 3% won), with what the
attribution journeys read besides: 100,000 accounts (one per 10 leads) holding 40% of the
leads, about 4 contacts each, and each deal on its lead's account, so the deal conversions'
journeys are account-based; and touchpoints that name a campaign (60%, most on a few
campaigns) or only a channel, each from 60 days before its lead's creation (visits
stitched on when the person left their address: a quarter of the touches, so lead
conversions have journeys too) to 180 days after it. The database
is fresh (SQLite: a temp dir; PostgreSQL: drops and re-creates
`accord_bench_attribution`) unless `--reuse DIR` names one this script built before.

Timed (median of --repeat runs after one warm-up), for each conversion (lead, mql,
opportunity, pipeline, revenue): every rule-based model alone over the year; the seven
together over the month, the quarter and the year, by campaign and by channel; the Markov
chain alone by campaign; then the influence report; and, first, the floor: reading the
period's touchpoints (`lead_id, id, occurred_at, campaign_id, channel` over the period plus
the 90-day look-back) into Polars with `frame_of`, as the journeys do. Each row has this
process's CPU time per run and the load average. Prints a table and writes
benchmarks/results/attribution-report-<database>.json.
"""

import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cost_report import START, build  # noqa: E402
from report_bench import (  # noqa: E402
    ADMIN_URL,
    DAY_US,
    analyze,
    command_line,
    django_on_fresh_database,
    median,
    utc,
    write_run,
)

NAME = "attribution_report"
DATABASE = "accord_bench_attribution"
PERIODS = {
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
}
YEAR = "year (Jul 2025 – Jun 2026)"
CONVERSIONS = ("lead", "mql", "opportunity", "pipeline", "revenue")
RULES = ("first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay")
LOOKBACK_DAYS = 90
ACCOUNT_EVERY = 10  # leads per account
TOUCH_CHANNELS = ["", "", "", "email", "paid_search", "social", "organic_search", "direct", "referral"]
BAR_SECONDS = 10


def accounts_and_deals() -> dict:
    """100,000 accounts (one per ACCOUNT_EVERY leads); leads whose id is 0 or 1 modulo 5 (40%)
    on account (id / 5) mod A, so an account's ~4 contacts are spread over the two years;
    each deal on its lead's account."""
    from django.db import connection, transaction

    from accord.core.bulk import insert_frame
    from accord.crm.models import Account, Lead, Opportunity

    count = max(1, Lead.objects.count() // ACCOUNT_EVERY)
    frame = pl.DataFrame(
        {
            "name": [f"Account {i}" for i in range(count)],
            "domain": [f"account{i}.example" for i in range(count)],
            "created_at": utc(np.full(count, int(START.timestamp() * 1e6))),
        }
    )
    with transaction.atomic():
        insert_frame(Account, frame)
        first = Account.objects.order_by("pk").values_list("pk", flat=True).first()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE crm_lead SET account_id = {first} + (id / 5) % {count} WHERE id % 5 < 2"  # noqa: S608
            )
            on_account = cursor.rowcount
            cursor.execute(
                "UPDATE crm_opportunity SET account_id = "
                "(SELECT account_id FROM crm_lead WHERE crm_lead.id = crm_opportunity.lead_id)"
            )
    return {
        "accounts": count,
        "leads_on_accounts": on_account,
        "deals_on_accounts": Opportunity.objects.filter(account__isnull=False).count(),
    }


def write_touchpoints(seed: int, count: int, *, before_days: int = 60, after_days: int = 180) -> int:
    """`count` touchpoints on random leads, each from `before_days` before its lead's creation
    (the visits of the person before they left their address, stitched on) to `after_days`
    after it: 60% with a campaign (most on a few, as the leads are), the channel blank on
    most of those (the campaign's counts) and set on the others; written in chunks of
    2,000,000."""
    from django.db import transaction

    from accord.campaigns.models import Campaign
    from accord.core.bulk import frame_of, insert_frame
    from accord.crm.models import Lead, Touchpoint

    rng = np.random.default_rng(seed + 7)
    leads = frame_of(
        Lead.objects.order_by("pk").values_list("pk", "created_at"), ["id", "created_at"], {"id": pl.Int64}
    )
    keys = leads["id"].to_numpy()
    created = leads["created_at"].dt.epoch("us").to_numpy()
    campaign_ids = np.array(Campaign.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64)
    weights = 1 / np.arange(1, len(campaign_ids) + 1) ** 0.8
    written, chunk = 0, 2_000_000
    for first in range(0, count, chunk):
        size = min(chunk, count - first)
        owner = rng.integers(0, len(keys), size)
        with_campaign = rng.random(size) < 0.60
        campaign = campaign_ids[rng.choice(len(campaign_ids), size, p=weights / weights.sum())]
        touches = pl.DataFrame(
            {
                "lead_id": keys[owner],
                "type": pl.Series(rng.choice(["page_view", "email_open", "form_fill"], size)),
                "channel": pl.Series(rng.choice(TOUCH_CHANNELS, size)),
                "campaign_id": pl.Series(np.where(with_campaign, campaign, 0)).replace(0, None),
                "occurred_at": utc(created[owner] + rng.integers(-before_days * DAY_US, after_days * DAY_US, size)),
                "created_at": utc(created[owner]),
                "row_key": np.arange(first, first + size, dtype=np.int64),
            }
        )
        with transaction.atomic():
            written += insert_frame(Touchpoint, touches)
    return written


def history(leads: int, touchpoints: int, seed: int) -> dict:
    """The whole history (see the module's docstring); the rows written per kind."""
    written = build(leads, 0, seed)
    written.pop("touchpoints", None)
    written |= accounts_and_deals()
    written["touchpoints"] = write_touchpoints(seed, touchpoints)
    return written


def django_on_database(args) -> tuple[dict, float]:
    """Django on a fresh database with the history built (timed, statistics gathered after
    it) — or, with --reuse DIR holding a `built.json` from an earlier run of the same sizes,
    on that one as it is. (what was written, seconds the build took)."""
    marker = args.reuse / "built.json" if args.reuse else None
    if marker and marker.exists():
        done = json.loads(marker.read_text())
        if (done["database"], done["leads"], done["touchpoints"]) != (args.database, args.leads, args.touchpoints):
            raise SystemExit(f"{marker} holds another build: {done}")
        os.environ["ACCORD_HOME"] = str(args.reuse)
        if args.database == "postgres":
            os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
        else:
            os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
        import django

        django.setup()
        print(f"Reusing {args.reuse} (built in {done['build_seconds']:,.0f} s)")
        return done["written"], done["build_seconds"]
    if args.reuse and args.database == "sqlite":
        # As django_on_fresh_database, in the directory to keep.
        args.reuse.mkdir(parents=True, exist_ok=True)
        (args.reuse / "accord.sqlite3").unlink(missing_ok=True)
        os.environ["ACCORD_HOME"] = str(args.reuse)
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    else:
        django_on_fresh_database(args.database, "attribution")
        if args.reuse:
            args.reuse.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    written = history(args.leads, args.touchpoints, args.seed)
    seconds = time.perf_counter() - began
    analyze()
    print(f"Built in {seconds:,.0f} s: " + ", ".join(f"{name} {count:,}" for name, count in written.items()))
    if marker:
        done = {
            "database": args.database,
            "leads": args.leads,
            "touchpoints": args.touchpoints,
            "seed": args.seed,
            "written": written,
            "build_seconds": round(seconds, 1),
        }
        marker.write_text(json.dumps(done, indent=2) + "\n")
    return written, seconds


def measured(call, repeat: int, warmup: int = 1) -> tuple[object, dict]:
    """`call()` `warmup` times, then `repeat` times: (the last result, the wall seconds of
    each run, their median, this process's CPU seconds per run, the load average after)."""
    for _ in range(warmup):
        call()
    runs, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = call()
        runs.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return result, {
        "runs_s": [round(r, 3) for r in runs],
        "median_s": median(runs),
        "cpu_s": median(cpu),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def read_touchpoints(first: date, last: date) -> pl.DataFrame:
    """The floor: the period's touchpoints, with the look-back window before it, read as the
    journeys read them (`frame_of`: the cursor's rows into Polars, datetimes in bulk)."""
    from accord.attribution.journeys import READ_SCHEMA
    from accord.core.bulk import frame_of
    from accord.crm.models import Touchpoint
    from accord.reports.selectors import period_bounds

    start, end = period_bounds(first, last)
    touchpoints = Touchpoint.objects.filter(
        occurred_at__gte=start - timedelta(days=LOOKBACK_DAYS), occurred_at__lt=end
    ).order_by()
    return frame_of(
        touchpoints.values_list("lead_id", "pk", "occurred_at", "campaign_id", "channel"),
        list(READ_SCHEMA),
        READ_SCHEMA,
    )


def cases(full: bool) -> list[dict]:
    """What to time, in order: the floor per period; every rule-based model alone over the
    year (by campaign); the seven together per period, by campaign and by channel; the Markov
    chain alone per period (by campaign); influence per period. Without `full`, the month is
    left out of the per-model and Markov rows."""
    rows = [{"kind": "floor", "period": period} for period in PERIODS]
    for conversion in CONVERSIONS:
        rows += [
            {"kind": "report", "period": YEAR, "conversion": conversion, "by": "campaign", "models": (model,)}
            for model in RULES
        ]
    for period in PERIODS:
        for conversion in CONVERSIONS:
            for by in ("campaign", "channel"):
                rows.append({"kind": "report", "period": period, "conversion": conversion, "by": by, "models": RULES})
    for period in PERIODS if full else (YEAR,):
        rows += [
            {"kind": "report", "period": period, "conversion": conversion, "by": "campaign", "models": ("markov",)}
            for conversion in CONVERSIONS
        ]
    rows += [{"kind": "influence", "period": period} for period in PERIODS]
    return rows


def run_case(case: dict, repeat: int, warmup: int) -> dict:
    from accord.attribution.report import attribution_report, influence_report

    first, last = PERIODS[case["period"]]
    if case["kind"] == "floor":
        frame, timing = measured(partial(read_touchpoints, first, last), repeat, warmup)
        return {**case, "rows": frame.height, **timing}
    if case["kind"] == "influence":
        report, timing = measured(
            partial(influence_report, date_from=first, date_to=last, lookback_days=LOOKBACK_DAYS), repeat, warmup
        )
        return {**case, "conversions": report.opportunities, "groups": len(report.rows), **timing}
    call = partial(
        attribution_report,
        date_from=first,
        date_to=last,
        conversion=case["conversion"],
        by=case["by"],
        models=case["models"],
        lookback_days=LOOKBACK_DAYS,
    )
    report, timing = measured(call, repeat, warmup)
    return {
        **case,
        "models": list(case["models"]),
        "conversions": report.conversions,
        "no_touch": report.no_touch,
        "groups": report.groups.height,
        **timing,
    }


def label(case: dict) -> str:
    if case["kind"] != "report":
        return case["kind"]
    models = case["models"]
    return "all 7 rule-based" if tuple(models) == RULES else ",".join(models)


def main(argv=None) -> int:
    extra, rest = _extra(argv)
    args = command_line(__doc__, rest)
    args.reuse, args.full, args.only, args.warmup = extra.reuse, extra.full, extra.only, extra.warmup
    written, build_seconds = django_on_database(args)
    if extra.build_only:
        return 0
    results = []
    print(
        f"{'period':<27} {'what':<17} {'conversion':<11} {'by':<8} {'conv.':>8} {'rows':>9} {'median s':>9} "
        f"{'cpu s':>7}  load"
    )
    for case in cases(args.full):
        if args.only and not any(word in json.dumps(case) for word in args.only.split("|")):
            continue
        row = run_case(case, args.repeat, args.warmup)
        results.append(row)
        print(
            f"{row['period']:<27} {label(row):<17} {row.get('conversion', ''):<11} {row.get('by', ''):<8} "
            f"{row.get('conversions', ''):>8} {row.get('rows', row.get('groups', '')):>9} "
            f"{row['median_s']:>9.3f} {row['cpu_s']:>7.2f}  {' '.join(map(str, row['load']))}",
            flush=True,
        )
    rules = [r for r in results if r["kind"] == "report" and "markov" not in r["models"]]
    bar = {
        "bar_seconds": BAR_SECONDS,
        "slowest_rule_based_s": max((r["median_s"] for r in rules), default=None),
        "bar_met": all(r["median_s"] < BAR_SECONDS for r in rules) if rules else None,
    }
    print(f"\nslowest rule-based report: {bar['slowest_rule_based_s']} s; under {BAR_SECONDS} s: {bar['bar_met']}")
    args.reuse = str(args.reuse) if args.reuse else None
    write_run(args, NAME, written, build_seconds, finished_at=datetime.now(UTC).isoformat(), results=results, **bar)
    return 0


def _extra(argv):
    """This benchmark's own options, beside report_bench's, and the rest: --reuse DIR (build
    once into DIR, then reuse it), --warmup N (untimed runs before the timed ones; default 1),
    --full (the month too for Markov), --only TEXTS (only the
    cases whose JSON holds one of the |-separated texts, e.g. '"kind": "floor"|"first", "last"'
    for the floor and the seven models together), --build-only."""
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--warmup", type=int, default=1)
    return parser.parse_known_args(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
