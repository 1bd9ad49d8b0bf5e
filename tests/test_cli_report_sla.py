"""`accord report sla` over the March of tests/reports/test_sla_scorecard.py, whose numbers
are worked out there; run in-process against the test database."""

import csv
import io
import json

from click.testing import CliRunner

from accord.cli import main
from tests.reports.test_sla_scorecard import march  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, ["report", "sla", *args])


def test_csv_by_rep(world, march):  # noqa: F811
    result = run(*MARCH, "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "group", "group_id", "handed_over", "on_time", "late", "ignored", "reassigned", "waiting", "accepted",
        "rejected", "recycled", "on_time_rate", "median_hours", "p90_hours",
    ]  # fmt: skip
    assert rows[1] == [
        "Rita Rep",
        str(world.rep.pk),
        "7",
        "4",
        "1",
        "1",
        "0",
        "1",
        "3",
        "1",
        "1",
        "0.6667",
        "3.5",
        "5.19",
    ]
    assert rows[2][:3] == ["am-rep@accord.test", str(world.americas_rep.pk), "0"]
    assert rows[-1][:3] == ["All", "", "7"]
    assert len(rows) == 5


def test_json_and_table(world, march):  # noqa: F811
    as_json = json.loads(run(*MARCH, "--by", "team", "--format", "json").stdout)
    table = run(*MARCH).stdout

    assert [(row["group"], row["handed_over"]) for row in as_json["rows"]] == [("EMEA", 7)]
    assert as_json["marketing"]["delivered"] == 7
    assert "Rita Rep" in table
    assert "Marketing: 7 MQLs delivered of 10 committed (70.0%); 3 accepted by sales (42.9%)." in table


def test_a_backwards_period_fails_naming_the_field(world):
    result = run("--from", "2026-03-31", "--to", "2026-03-01")

    assert result.exit_code == 1
    assert "Error: to: 'to' is before 'from'." in result.output
