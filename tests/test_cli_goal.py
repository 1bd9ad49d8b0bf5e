"""`accord goal set` and `accord report goal` over the history of tests/reports/test_goal.py,
whose numbers are worked out there."""

import csv
import io

from click.testing import CliRunner

from accord.cli import main
from accord.reports.models import RevenueGoal
from tests.reports.test_goal import history  # noqa: F401 — the hand-built history

Q2 = ["--from", "2026-04-01", "--to", "2026-06-30"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_set_then_report(world, history):  # noqa: F811
    made = run("goal", "set", *Q2, "--revenue", "60000", "--lookback", "3", "--by", world.executive.email)
    assert made.exit_code == 0, made.output
    assert "Revenue goal 2026-04-01 – 2026-06-30 for the company: 60,000.00 EUR" in made.output

    result = run("report", "goal", *Q2, "--today", "2026-04-30", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1] == ["revenue", "", "", "60000.0", "9000.0", "19780.22", str(round(9_000 / 19_780.22, 4))]
    assert rows[6] == ["leads", "lead_to_mql", "0.5", "20.0", "4", "6.59", str(round(4 / 6.59, 4))]

    table = run("report", "goal", *Q2, "--today", "2026-04-30").stdout
    mqls = next(line for line in table.splitlines() if line.startswith("mqls"))
    assert mqls.split() == ["mqls", "0.8", "10", "2", "3.30", "60.6%"]


def test_refused_and_bad_input_write_nothing(world, history):  # noqa: F811
    refused = run("goal", "set", *Q2, "--revenue", "60000", "--by", world.rep.email)
    assert refused.exit_code == 1
    assert "sets the revenue goal" in refused.output

    bad = run("goal", "set", *Q2, "--revenue", "many", "--by", world.admin.email)
    assert bad.exit_code == 1
    assert "revenue: 'many' is not an amount; write it like 1234.50." in bad.output
    assert not RevenueGoal.objects.exists()


def test_no_goal(world, history):  # noqa: F811
    result = run("report", "goal", *Q2)
    assert result.exit_code == 1
    assert "No revenue goal for 2026-04-01 – 2026-06-30." in result.output
