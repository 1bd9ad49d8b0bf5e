"""`accord report rejections` over the history of tests/reports/test_rejections.py, whose
numbers are worked out there; run in-process against the test database."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from tests.reports.test_rejections import history  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, ["report", "rejections", *args])


def test_csv_by_source(history):  # noqa: F811
    result = run(*MARCH, "--by", "source", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "group", "handed_over", "rejected", "rejection_rate", "recycled", "disqualified", "deal_lost",
        "won", "won_rate", "top_reasons", "feedback_count", "average_rating", "top_problems",
    ]  # fmt: skip
    # ads: H1 H2 H3 H5 H6 H7, with all four ratings (L1: 2 and 1, L2: 5, L3: 1 → 2.25)
    assert rows[1] == [
        "ads", "6", "3", "0.5", "2", "1", "0", "1", "0.1667",
        "no_budget (1); no_need (1); wrong_contact (1)", "4", "2.25", "no_budget (2); bad_data (1); no_need (1)",
    ]  # fmt: skip
    assert rows[2] == ["webinar", "2", "1", "0.5", "0", "0", "1", "0", "0.0", "competitor (1)", "0", "", ""]
    assert rows[3][:9] == ["All", "8", "4", "0.5", "2", "1", "1", "1", "0.125"]
    assert len(rows) == 4


def test_json_is_the_report(history):  # noqa: F811
    result = run(*MARCH, "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["from"], report["to"], report["by"]) == ("2026-03-01", "2026-03-31", None)
    assert [(r["group"], r["handed_over"], r["rejected"]) for r in report["rows"]] == [("All", 8, 4)]
    assert report["months"] == [{"month": "2026-03", "handed_over": 8, "rejected": 4, "rejection_rate": 0.5}]


def test_the_table_for_people(history):  # noqa: F811
    result = run("--from", "2026-02-01", "--to", "2026-03-31", "--by", "campaign")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Hand-offs 2026-02-01 – 2026-03-31 by campaign"
    # February adds L5's first hand-off (no campaign), recycled by its rep: not_ready.
    # Ratings: (none) holds L2's 5 and L3's 1 → 3.00; webinar-1 L1's 2 and 1 → 1.50.
    assert lines[2].split() == ["(none)", "7", "3", "42.9%", "1", "14.3%", "3.00", "no_need", "(1);", "not_ready",
                                "(1);", "wrong_contact", "(1)"]  # fmt: skip
    assert lines[3].split()[:7] == ["webinar-1", "2", "2", "100.0%", "0", "0.0%", "1.50"]
    assert lines[4].split()[:7] == ["All", "9", "5", "55.6%", "1", "11.1%", "2.25"]
    assert lines[-2:] == [
        "2026-02       1 handed over       1 rejected  100.0%",
        "2026-03       8 handed over       4 rejected   50.0%",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-03-31", "--to", "2026-03-01"], "Error: to: 'to' is before 'from'.\n"),
    ],
)
def test_a_bad_period_fails_naming_the_field(db, args, message):
    result = run(*args)

    assert result.exit_code == 1
    assert result.stderr == message


def test_an_unknown_grouping_is_refused(db):
    result = run(*MARCH, "--by", "weather")

    assert result.exit_code == 2
    assert "'weather' is not one of" in result.stderr
