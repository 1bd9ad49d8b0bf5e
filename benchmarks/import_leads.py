"""The lead import benchmark: `accord.imports.services.import_run` of N generated leads
(dedupe, typing, accounts, scoring, qualification, routing, history) against the floor,
a plain bulk insert of the same rows into the same tables, measured in the same run.

    python benchmarks/import_leads.py                        1,000,000 leads on SQLite
    python benchmarks/import_leads.py --database postgres    the same on PostgreSQL
    python benchmarks/import_leads.py --leads 20000          a smoke run (seconds)

Steps, each on a freshly migrated database with the benchmark organisation
(bench_db.setup: two teams of three reps, territories, a default team):
1. import the N leads, timed per chunk (the progress callback), peak RSS of the process;
2. the floor: the same file into crm_lead / crm_leadevent / crm_account on another fresh
   database, executemany (SQLite) or COPY (PostgreSQL), no checks;
3. three files of --small new leads each into an empty database, then into the database
   of step 1 (which holds the N leads); then the first of them again into the empty one,
   which must report every row unchanged.

Prints a table and writes benchmarks/results/import-leads-<database>.json. Exits 1 only
when a correctness check fails; the bars are reported, never enforced.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from capture_load import git, machine_info, reset_postgres  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
ACCORD = str(ROOT / ".venv" / "bin" / "accord")


class Database:
    """One benchmark database: a temp ACCORD_HOME for SQLite, or a PostgreSQL database whose
    name contains 'bench'. The first is migrated and given the organisation; the others
    are copies of it (a file copy, or CREATE DATABASE … TEMPLATE), which saves the
    password hashing of every user."""

    def __init__(self, kind: str, name: str, workdir: Path, url: str, template: "Database | None" = None):
        self.kind = kind
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))}
        self.home = workdir / name
        self.env.update(ACCORD_HOME=str(self.home), ACCORD_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
        if template is not None and kind == "sqlite":
            shutil.copytree(template.home, self.home)
            return
        self.home.mkdir(parents=True, exist_ok=True)
        if kind == "postgres":
            parts = urlsplit(url)
            self.name = f"{parts.path.lstrip('/')}_{name}"
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.name}"))
            if template is not None:
                _postgres_copy(self.env["DATABASE_URL"], template.name)
                return
            reset_postgres(self.env["DATABASE_URL"])
        subprocess.run([ACCORD, "migrate"], env=self.env, check=True, capture_output=True, cwd=ROOT)
        self.step("org")

    def step(self, *args: str) -> dict:
        done = subprocess.run(
            [PYTHON, str(HERE / "import_steps.py"), *args], env=self.env, capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"step {args[0]} failed")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_copy(url: str, template: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def generate(data_dir: Path, *, leads: int, seed: int, first: int = 0, name: str = "leads.csv") -> Path:
    path = data_dir / name
    if not path.exists():
        subprocess.run(
            [PYTHON, str(HERE / "gen_import_data.py"), "--leads", str(leads), "--seed", str(seed),
             "--first-lead", str(first), "--out", str(data_dir), "--leads-file", name],
            check=True,
        )  # fmt: skip
    return path


def deciles(chunks: list[list[float]], column: int = 1) -> tuple[float, float]:
    """Seconds (wall, or CPU with column=2) per 1,000 rows in the chunks holding the first
    and the last 10% of the rows."""
    chunks = [(c[0], c[column]) for c in chunks]
    total = sum(rows for rows, _ in chunks)
    tenth = max(1, total // 10)

    def rate(ordered) -> float:
        rows = seconds = 0
        for n, s in ordered:
            rows, seconds = rows + n, seconds + s
            if rows >= tenth:
                break
        return 1000 * seconds / rows

    return rate(chunks), rate(list(reversed(chunks)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/accord_bench_import")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="rows of the small imports (default 10,000)")
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="where generated files are kept and reused")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite databases")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    began = time.time()
    workdir = Path(tempfile.mkdtemp(prefix=f"acc-bench-leads-{args.database}-"))
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"acc-bench-data-{args.seed}-{args.leads}"
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"generating data in {data_dir} …", file=sys.stderr)
    big = generate(data_dir, leads=args.leads, seed=args.seed)
    smalls = [
        generate(data_dir, leads=args.small, seed=args.seed, first=args.leads + n * args.small, name=f"small-{n}.csv")
        for n in range(3)
    ]
    try:
        print("template database …", file=sys.stderr)
        template = Database(args.database, "template", workdir, args.database_url)
        print(f"import of {args.leads:,} leads …", file=sys.stderr)
        main_db = Database(args.database, "main", workdir, args.database_url, template)
        imported = main_db.step("import", "leads", str(big), str(args.chunk_rows))
        after = main_db.step("counts")

        print("floor …", file=sys.stderr)
        floor_db = Database(args.database, "floor", workdir, args.database_url, template)
        extra_events = after["lead_events"] - after["leads"]
        template_accounts = template.step("counts")["accounts"]
        accounts = after["accounts"] - template_accounts
        floor = floor_db.step("floor", "leads", str(big), str(extra_events), str(accounts), str(args.leads))
        floor_counts = floor_db.step("counts")

        print(
            f"{args.small:,}-lead imports: empty database, then the one holding {after['leads']:,} …", file=sys.stderr
        )
        empty_db = Database(args.database, "empty", workdir, args.database_url, template)
        into_empty = [empty_db.step("import", "leads", str(p), str(args.chunk_rows)) for p in smalls]
        into_full = [main_db.step("import", "leads", str(p), str(args.chunk_rows)) for p in smalls]
        again = empty_db.step("import", "leads", str(smalls[0]), str(args.chunk_rows))

        # The floor of the same small files: is a plain insert itself slower into the full database?
        print("floor of the small imports …", file=sys.stderr)
        small_counts = empty_db.step("counts")
        small_extra = (small_counts["lead_events"] - small_counts["leads"]) // len(smalls)
        small_accounts = (small_counts["accounts"] - template_accounts) // len(smalls)
        floor_empty_db = Database(args.database, "floor-empty", workdir, args.database_url, template)
        small_floor_args = (str(small_extra), str(small_accounts), str(args.small))
        floor_into_empty = [floor_empty_db.step("floor", "leads", str(p), *small_floor_args) for p in smalls]
        floor_into_full = [floor_db.step("floor", "leads", str(p), *small_floor_args) for p in smalls]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    first, last = deciles(imported["chunks"])
    first_cpu, last_cpu = deciles(imported["chunks"], 2)
    empty_s = statistics.median(r["seconds"] for r in into_empty)
    full_s = statistics.median(r["seconds"] for r in into_full)
    ratio = imported["seconds"] / floor["seconds"]
    checks = {
        "every row created": imported["summary"]["created"] == args.leads == after["leads"],
        "nothing rejected": imported["summary"]["rejected"] == 0,
        "floor wrote as many leads, events and accounts": (
            floor_counts["leads"],
            floor_counts["lead_events"],
            floor_counts["accounts"],
        )
        == (after["leads"], after["lead_events"], after["accounts"]),
        "every MQL routed": after["stages"].get("mql", 0) == after["mql_with_owner"],
        "small imports all created": all(r["summary"]["created"] == args.small for r in into_empty + into_full),
        "re-import finds every row unchanged": again["summary"]["unchanged"] == args.small
        and again["summary"]["created"] == again["summary"]["updated"] == 0,
    }
    bars = {
        "1M under 60 s": imported["seconds"] < 60,
        "within 3x of the floor": ratio <= 3,
        "last 10% <= 1.3x first 10%": last <= 1.3 * first,
        "small import into full <= 1.3x into empty": full_s <= 1.3 * empty_s,
        "peak memory under 1 GB": imported["peak_rss_mib"] < 1024,
    }
    result = {
        "benchmark": "import-leads",
        "database": args.database,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(began)),
        "wall_s": round(time.time() - began, 1),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_accord_files": git("status", "--porcelain", "--", "accord").splitlines(),
        "machine": machine_info(),
        "parameters": {"leads": args.leads, "small": args.small, "chunk_rows": args.chunk_rows, "seed": args.seed},
        "import": imported | {"rows_per_s": round(args.leads / imported["seconds"]),
                              "first_10pct_s_per_1000": round(first, 4), "last_10pct_s_per_1000": round(last, 4),
                              "first_10pct_cpu_s_per_1000": round(first_cpu, 4),
                              "last_10pct_cpu_s_per_1000": round(last_cpu, 4)},
        "floor": floor | {"rows_per_s": round(args.leads / floor["seconds"])},
        "ratio_to_floor": round(ratio, 2),
        "small_into_empty": [r["seconds"] for r in into_empty],
        "small_into_full": [r["seconds"] for r in into_full],
        "small_into_empty_cpu": [r["cpu_s"] for r in into_empty],
        "small_into_full_cpu": [r["cpu_s"] for r in into_full],
        "load_average_after": os.getloadavg(),
        "small_reimport": again["summary"],
        "small_floor_into_empty": [r["seconds"] for r in floor_into_empty],
        "small_floor_into_full": [r["seconds"] for r in floor_into_full],
        "counts_after_import": after,
        "floor_counts": floor_counts,
        "checks": checks,
        "bars": bars,
    }  # fmt: skip
    out = args.json or HERE / "results" / f"import-leads-{args.database}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print_table(result)
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if all(checks.values()) else 1


def print_table(r: dict) -> None:
    imp, fl, p = r["import"], r["floor"], r["parameters"]
    s = imp["summary"]
    print(f"\nImport of {p['leads']:,} leads — {r['database']}, chunks of {p['chunk_rows']:,}")
    print("| run | rows | seconds | CPU s | rows/s | peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| floor (plain bulk insert) | {p['leads']:,} | {fl['seconds']:.1f} | {fl['cpu_s']:.1f} "
        f"| {fl['rows_per_s']:,} "
        f"| {fl['peak_rss_mib']:,.0f} |"
    )
    print(
        f"| **import_run** | {p['leads']:,} | **{imp['seconds']:.1f}** | {imp['cpu_s']:.1f} | {imp['rows_per_s']:,} "
        f"| {imp['peak_rss_mib']:,.0f} |"
    )
    print(
        f"(load average at the end: {', '.join(f'{x:.1f}' for x in r['load_average_after'])} on "
        f"{r['machine']['cpu_count']} cores: wall times include waiting for a core; CPU s do not)"
    )
    print(
        f"\nratio to floor {r['ratio_to_floor']:.2f}×; first 10% {imp['first_10pct_s_per_1000'] * 1000:.1f} ms "
        f"per 1,000 rows, last 10% {imp['last_10pct_s_per_1000'] * 1000:.1f} ms "
        f"({imp['last_10pct_s_per_1000'] / imp['first_10pct_s_per_1000']:.2f}×)"
    )
    print(f"summary: {s}")
    empty, full = r["small_into_empty"], r["small_into_full"]
    print(
        f"{p['small']:,} leads into an empty database: {', '.join(f'{x:.2f}' for x in empty)} s; "
        f"into the one holding {r['counts_after_import']['leads']:,}: {', '.join(f'{x:.2f}' for x in full)} s "
        f"(medians {statistics.median(full) / statistics.median(empty):.2f}×)"
    )
    if "small_floor_into_empty" in r:
        empty, full = r["small_floor_into_empty"], r["small_floor_into_full"]
        print(
            f"the floor of the same files: {', '.join(f'{x:.2f}' for x in empty)} s into an empty database, "
            f"{', '.join(f'{x:.2f}' for x in full)} s into the floor's full one "
            f"(medians {statistics.median(full) / statistics.median(empty):.2f}×)"
        )
    print("\n| bar | met |\n| --- | --- |")
    for name, met in r["bars"].items():
        print(f"| {name} | {'yes' if met else '**no**'} |")
    failed = [name for name, ok in r["checks"].items() if not ok]
    print(f"\ncorrectness checks: {'all passed' if not failed else 'FAILED: ' + ', '.join(failed)}")


if __name__ == "__main__":
    raise SystemExit(main())
