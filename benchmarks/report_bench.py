"""What the report benchmarks (cost, wins, compensation, SLA scorecard, funnel and velocity,
dashboard, pipeline) share: the command line, a fresh database, Django ready on it, the
touchpoints written in bulk, the history's build timed with planner statistics after it,
timing a report (a warm-up, then the median of --repeat runs), and the run's JSON."""

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def command_line(description: str, argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args(argv)


def django_on_fresh_database(kind: str, name: str) -> None:
    """A new SQLite file in a temp dir, or PostgreSQL database `accord_bench_<name>` dropped
    and created again; Django set up and migrated on it."""
    os.environ["ACCORD_HOME"] = tempfile.mkdtemp(prefix=f"accord-bench-{name}-")
    if kind == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    else:
        import psycopg

        database = f"accord_bench_{name}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def analyze() -> None:
    """Planner statistics for what was just written, as a live database would have them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def utc(values: np.ndarray) -> pl.Series:
    """Microseconds since the epoch as UTC datetimes."""
    return pl.Series(values).cast(pl.Datetime("us", "UTC"))


def write_touchpoints(rng, keys: np.ndarray, created: np.ndarray, count: int, *, within_days: int = 180) -> int:
    """`count` marketing touchpoints on random leads (`keys`, created at `created` µs), each
    within `within_days` of its lead's creation; written in chunks of 2,000,000."""
    from django.db import transaction

    from accord.core.bulk import insert_frame
    from accord.crm.models import Touchpoint

    written, chunk = 0, 2_000_000
    for first in range(0, count, chunk):
        size = min(chunk, count - first)
        owner = rng.integers(0, len(keys), size)
        touches = pl.DataFrame(
            {
                "lead_id": keys[owner],
                "type": pl.Series(rng.choice(["page_view", "email_open", "form_fill"], size)),
                "occurred_at": utc(created[owner] + rng.integers(0, within_days * DAY_US, size)),
                "created_at": utc(created[owner]),
                "row_key": np.arange(first, first + size, dtype=np.int64),
            }
        )
        with transaction.atomic():
            written += insert_frame(Touchpoint, touches)
    return written


def timed(report: Callable, repeat: int):
    """`report()` once to warm up, then `repeat` times: (the last result, the seconds of each run)."""
    result = report()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = report()
        runs.append(time.perf_counter() - began)
    return result, runs


def median(runs: list[float]) -> float:
    return round(statistics.median(runs), 3)


def built(build: Callable[[], dict]) -> tuple[dict, float]:
    """`build()` (the history, returning the rows written per table) timed, planner
    statistics gathered after it, and a line saying what was written: (written, seconds)."""
    began = time.perf_counter()
    written = build()
    seconds = time.perf_counter() - began
    analyze()
    print(f"Built in {seconds:,.0f} s: " + ", ".join(f"{name} {count:,}" for name, count in written.items()))
    return written, seconds


def write_run(args: argparse.Namespace, name: str, written: dict, build_seconds: float, **measures) -> None:
    """A report benchmark's run as `results/<name>-<database>.json` (or --json): the
    options, what was built and how long that took, then `measures`."""
    write_result(
        args.json or HERE / "results" / f"{name.replace('_', '-')}-{args.database}.json",
        {
            "benchmark": name,
            "database": args.database,
            "leads": args.leads,
            "touchpoints": args.touchpoints,
            "written": written,
            "build_seconds": round(build_seconds, 1),
            "repeat": args.repeat,
            **measures,
        },
    )


def write_result(path: Path, payload: dict) -> None:
    """`payload` as the run's JSON at `path`, with the commit and the machine it ran on."""
    from capture_load import git, machine_info

    record = {**payload, "commit": git("rev-parse", "--short", "HEAD"), "machine": machine_info()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"Wrote {path}")
