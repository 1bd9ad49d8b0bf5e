"""`accord report dashboard` over the February and March of tests/reports/test_dashboard.py,
whose numbers are worked out there."""

import csv
import io
import json

from click.testing import CliRunner

from accord.cli import main
from tests.reports.test_dashboard import history  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, ["report", "dashboard", *args])


def test_table(history):  # noqa: F811
    result = run(*MARCH)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Dashboard 2026-03-01 – 2026-03-31, beside 2026-02-01 – 2026-02-28"
    won = next(line for line in lines if line.strip().startswith("Won revenue"))
    assert won.split() == ["Won", "revenue", "10,000.00", "0.00", "+10,000.00"]
    on_time = next(line for line in lines if "Followed up on time" in line)
    assert on_time.split()[-4:] == ["66.7%", "50.0%", "+16.7", "pts"]
    ignored = next(line for line in lines if line.strip().startswith("Ignored"))
    assert ignored.split() == ["Ignored", "0", "1", "−1"]


def test_json_and_csv(history):  # noqa: F811
    as_json = json.loads(run(*MARCH, "--compare", "none", "--format", "json").stdout)
    assert (as_json["compare_from"], as_json["sections"][1]["figures"][0]) == (
        None,
        {
            "key": "leads",
            "label": "New leads",
            "kind": "count",
            "report": "funnel",
            "value": 4,
            "previous": None,
            "change": None,
            "trend": None,
            "better": "up",
        },
    )
    rows = list(csv.reader(io.StringIO(run(*MARCH, "--format", "csv").stdout)))
    assert ["cost", "cost_per_sql", "Cost per SQL", "money", "500.0", "500.0", "0.0", "flat", "", ""] in rows


def test_a_bad_period_exits_2_naming_the_option(db):
    result = run("--from", "2026-03-31", "--to", "2026-03-01")
    assert result.exit_code == 2
    assert "to: 'to' is before 'from'." in result.stderr
