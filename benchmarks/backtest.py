"""The backtest benchmark: when would each of N leads with M touchpoints first have
qualified under the starter definition (`accord.definitions.backtest.first_qualified_at`)?

    python benchmarks/backtest.py                          1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/backtest.py --leads 100000 --touchpoints 1000000

The history is generated in memory, seeded: two years of leads with the attribute mix of
the import benchmark's generator (sizes, titles, industries, free-mail domains), touchpoint
counts per lead skewed (most leads have a few, some many), types weighted like a real mix
(page views and email opens most, demo requests rare). Timed: the run (median of
--repeat runs, after one warm-up run that compiles the loop), beside the floor measured in
the same process — one Polars group-by over the same touchpoints (count and latest
per lead), the least a vectorised pass over them costs. Prints a table and writes
benchmarks/results/backtest.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")

from capture_load import git, machine_info  # noqa: E402

END = datetime(2026, 6, 30, tzinfo=UTC)
START = END - timedelta(days=730)
TYPES = ["page_view", "email_open", "email_click", "ad_click", "form_fill", "content_download", "webinar", "event",
         "demo_request"]  # fmt: skip
TYPE_WEIGHTS = [0.42, 0.28, 0.12, 0.06, 0.05, 0.04, 0.015, 0.01, 0.005]
TITLES = ["VP Sales", "Director of Marketing", "Head of Operations", "Engineer", "Analyst", "CEO", "Student", "Manager"]
INDUSTRIES = ["software", "financial services", "manufacturing", "healthcare", "retail", "education", "media"]
DOMAINS = ["gmail.com", "yahoo.com", "acme.example", "bigco.example", "corp.example", "hotmail.com"]


def history(leads: int, touchpoints: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    span_us = int((END - START).total_seconds() * 1e6)
    start_us = int(START.timestamp() * 1e6)
    created = start_us + rng.integers(0, span_us, leads)
    frame = pl.DataFrame(
        {
            "key": np.arange(leads, dtype=np.int64),
            "created_at": pl.Series(created).cast(pl.Datetime("us", "UTC")),
            "email": [f"p{i}@{DOMAINS[i % len(DOMAINS)]}" for i in range(leads)],
            "first_name": "Pat",
            "last_name": "Doe",
            "company": "Co",
            "title": pl.Series(rng.choice(TITLES, leads)),
            "industry": pl.Series(rng.choice(INDUSTRIES, leads)),
            "company_size": rng.lognormal(3.5, 1.5, leads).astype(np.int64),
            "need": pl.Series(rng.choice(["", "Forecasting"], leads, p=[0.6, 0.4])),
            "phone": pl.Series(rng.choice(["", "+49 30 1234"], leads)),
        }
    ).with_columns(pl.col("email").str.split("@").list.last().alias("email_domain"))
    # Skewed touches per lead: a Pareto-ish share of the touchpoints.
    weights = rng.pareto(1.5, leads) + 0.1
    owner = rng.choice(leads, touchpoints, p=weights / weights.sum())
    # Each touchpoint within 180 days after its lead's creation (some before, as anonymous visits).
    offset = rng.integers(-7 * 86_400_000_000, 180 * 86_400_000_000, touchpoints)
    touches = pl.DataFrame(
        {
            "key": owner.astype(np.int64),
            "type": pl.Series(rng.choice(TYPES, touchpoints, p=TYPE_WEIGHTS)),
            "occurred_at": pl.Series(created[owner] + offset).cast(pl.Datetime("us", "UTC")),
        }
    )
    return frame, touches


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "backtest.json")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from accord.definitions.backtest import first_qualified_at
    from accord.definitions.document import DefinitionDocument
    from accord.definitions.migrations import __path__ as migrations_path  # noqa: F401
    from accord.definitions.models import parse_document

    starter = _starter_document()
    document: DefinitionDocument = parse_document(json.dumps(starter, sort_keys=True))

    began = time.perf_counter()
    leads, touches = history(args.leads, args.touchpoints, args.seed)
    generated = time.perf_counter() - began
    print(f"generated {leads.height:,} leads, {touches.height:,} touchpoints in {generated:.1f} s", file=sys.stderr)

    warm = time.perf_counter()
    result = first_qualified_at(document, leads, touches, end=END)
    warm_up = time.perf_counter() - warm
    runs, cpu_runs = [], []
    for _ in range(args.repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = first_qualified_at(document, leads, touches, end=END)
        runs.append(time.perf_counter() - wall)
        cpu_runs.append(time.process_time() - cpu)
    floors = []
    for _ in range(args.repeat):
        wall = time.perf_counter()
        touches.group_by("key").agg(pl.len(), pl.col("occurred_at").max())
        floors.append(time.perf_counter() - wall)

    qualified = result.filter(pl.col("qualified_at").is_not_null())
    seconds, floor = statistics.median(runs), statistics.median(floors)
    outcome = {
        "benchmark": "backtest",
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "machine": machine_info(),
        "parameters": vars(args) | {"json": str(args.json)},
        "leads": leads.height,
        "touchpoints": touches.height,
        "first_run_s (compiles on first use)": round(warm_up, 3),
        "runs_s": [round(r, 3) for r in runs],
        "cpu_runs_s": [round(r, 3) for r in cpu_runs],
        "median_s": round(seconds, 3),
        "floor_group_by_s": round(floor, 3),
        "qualified": qualified.height,
        "by_fast_track": int(qualified["fast_track"].sum()),
        "bar_under_10_s": seconds < 10,
    }
    rows = [
        ("floor: one Polars group-by over the touchpoints", floor),
        ("first_qualified_at (starter definition)", seconds),
    ]
    print(f"\n{leads.height:,} leads, {touches.height:,} touchpoints; median of {args.repeat} runs")
    print(f"{'run':<52} {'seconds':>8}")
    for name, value in rows:
        print(f"{name:<52} {value:>8.2f}")
    print(f"\nqualified {qualified.height:,} ({outcome['by_fast_track']:,} by fast track); "
          f"first run {warm_up:.1f} s (compiling); bar < 10 s: {'met' if seconds < 10 else 'NOT met'}")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(outcome, indent=2) + "\n")
    return 0


def _starter_document() -> dict:
    import importlib

    starter = importlib.import_module("accord.definitions.migrations.0003_starter_definition")
    return starter.STARTER


if __name__ == "__main__":
    raise SystemExit(main())
