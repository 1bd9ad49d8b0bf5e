"""The touchpoint import benchmark: `import_run("touchpoints", …)` of M generated
touchpoints over N leads already imported (the leads are scored, so every lead touched is
rescored when the file is done), against the floor: the same rows plainly inserted into
crm_touchpoint (executemany on SQLite, COPY on PostgreSQL), in the same run.

    python benchmarks/import_touchpoints.py                          10,000,000 over 1,000,000 leads
    python benchmarks/import_touchpoints.py --database postgres
    python benchmarks/import_touchpoints.py --leads 20000 --touchpoints 200000   a smoke run

Prints a table and writes benchmarks/results/import-touchpoints-<database>.json.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from capture_load import git, machine_info  # noqa: E402
from import_leads import PYTHON, ROOT, Database, generate  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/accord_bench_import")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    began = time.time()
    workdir = Path(tempfile.mkdtemp(prefix=f"acc-bench-touchpoints-{args.database}-"))
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"acc-bench-data-{args.seed}-{args.leads}"
    data_dir.mkdir(parents=True, exist_ok=True)
    leads = generate(data_dir, leads=args.leads, seed=args.seed)
    touchpoints = data_dir / "touchpoints.csv"
    if not touchpoints.exists():
        subprocess.run(
            [PYTHON, str(HERE / "gen_import_data.py"), "--leads", str(args.leads), "--touchpoints",
             str(args.touchpoints), "--seed", str(args.seed), "--out", str(data_dir), "--leads-file", "unused.csv"],
            check=True,
        )  # fmt: skip
        (data_dir / "unused.csv").unlink()
    rows = sum(1 for _ in touchpoints.open("rb")) - 1
    try:
        template = Database(args.database, "template", workdir, args.database_url)
        main_db = Database(args.database, "main", workdir, args.database_url, template)
        print(f"leads ({args.leads:,}) …", file=sys.stderr)
        lead_import = main_db.step("import", "leads", str(leads), str(args.chunk_rows))
        print(f"touchpoints ({rows:,}) …", file=sys.stderr)
        imported = main_db.step("import", "touchpoints", str(touchpoints), str(args.chunk_rows))
        after = main_db.step("counts")
        floor_db = Database(args.database, "floor", workdir, args.database_url, template)
        floor_db.step("floor", "leads", str(leads), "0", "0", str(args.leads))
        print("floor …", file=sys.stderr)
        floor = floor_db.step("floor", "touchpoints", str(touchpoints), "0", "0", str(rows))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = imported["seconds"] / floor["seconds"]
    checks = {
        "every touchpoint created": imported["summary"]["created"] == rows == after["touchpoints"],
        "nothing rejected": imported["summary"]["rejected"] == 0,
        "no lead left unscored": after["unscored"] == 0,
        "every MQL routed": after["stages"].get("mql", 0) == after["mql_with_owner"],
    }
    bars = {"under 3 minutes": imported["seconds"] < 180, "peak memory under 1 GB": imported["peak_rss_mib"] < 1024}
    result = {
        "benchmark": "import-touchpoints",
        "database": args.database,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(began)),
        "wall_s": round(time.time() - began, 1),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_accord_files": git("status", "--porcelain", "--", "accord").splitlines(),
        "machine": machine_info(),
        "parameters": {"leads": args.leads, "touchpoints": rows, "chunk_rows": args.chunk_rows, "seed": args.seed},
        "lead_import": {k: lead_import[k] for k in ("seconds", "cpu_s", "summary", "peak_rss_mib")},
        "import": imported | {"rows_per_s": round(rows / imported["seconds"])},
        "floor": floor | {"rows_per_s": round(rows / floor["seconds"])},
        "ratio_to_floor": round(ratio, 2),
        "counts_after_import": after,
        "load_average_after": list(__import__("os").getloadavg()),
        "checks": checks,
        "bars": bars,
    }
    out = args.json or HERE / "results" / f"import-touchpoints-{args.database}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nImport of {rows:,} touchpoints over {args.leads:,} leads — {args.database}")
    print("| run | rows | seconds | CPU s | rows/s | peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in (("floor (plain bulk insert)", floor), ("**import_run**", imported)):
        print(
            f"| {name} | {rows:,} | {r['seconds']:.1f} | {r['cpu_s']:.1f} | {rows / r['seconds']:,.0f} "
            f"| {r['peak_rss_mib']:,.0f} |"
        )
    print(f"\nratio to floor {ratio:.2f}×; summary: {imported['summary']}")
    for name, met in bars.items():
        print(f"{name}: {'met' if met else 'NOT met'}")
    failed = [name for name, ok in checks.items() if not ok]
    print(f"correctness checks: {'all passed' if not failed else 'FAILED: ' + ', '.join(failed)}")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
