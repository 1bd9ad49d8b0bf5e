"""`accord report pipeline` and `accord report sourcing` over the deals of
tests/reports/test_pipeline.py, whose numbers are worked out there."""

import csv
import io
import json

from click.testing import CliRunner

from accord.cli import main
from tests.reports.test_pipeline import deals  # noqa: F401 — the hand-built deals

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]
HEADER = [
    "group", "created", "open", "won", "lost", "created_amount", "open_amount", "won_revenue", "win_rate",
    "average_deal", "median_cycle_days",
]  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(main, ["report", *args])


def test_pipeline_csv_by_owner(deals):  # noqa: F811
    result = run("pipeline", *MARCH, "--by", "owner", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        HEADER,
        ["Rita Rep", "3", "1", "2", "1", "19000.0", "6000.0", "14000.0", "0.6667", "7000.0", "20.5"],
        ["Sam Seller", "1", "0", "1", "0", "8000.0", "0.0", "8000.0", "1.0", "8000.0", "30.0"],
        ["am-rep@accord.test", "1", "0", "0", "1", "2000.0", "0.0", "0.0", "0.0", "", ""],
        ["All", "5", "1", "3", "2", "29000.0", "6000.0", "22000.0", "0.6", "7333.33", "23.0"],
    ]


def test_pipeline_json_and_table(deals):  # noqa: F811
    as_json = json.loads(run("pipeline", *MARCH, "--format", "json").stdout)
    assert (as_json["by"], as_json["total"]["won_revenue"]) == (None, 22_000.0)

    table = run("pipeline", *MARCH, "--by", "team").stdout
    assert "Pipeline 2026-03-01 – 2026-03-31 by team" in table
    emea = next(line for line in table.splitlines() if line.startswith("EMEA"))
    assert emea.split() == ["EMEA", "3", "1", "6,000.00", "2", "1", "66.7%", "14,000.00", "7,000.00", "20.5"]


def test_sourcing_table(deals):  # noqa: F811
    result = run("sourcing", *MARCH)

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert lines["marketing"] == ["3", "1", "6,000.00", "2", "1", "66.7%", "14,000.00", "7,000.00", "20.5"]
    assert lines["sales"] == ["2", "0", "0.00", "1", "1", "50.0%", "8,000.00", "8,000.00", "30"]


def test_a_bad_grouping_is_refused_by_name(deals):  # noqa: F811
    result = run("pipeline", *MARCH, "--by", "planet")

    assert result.exit_code == 2
    assert "--by" in result.output
