"""`accord report funnel` and `accord report velocity` over the histories of
tests/reports/test_funnel_compared.py and tests/reports/test_velocity.py, whose numbers are
worked out there; run in-process against the test database."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from tests.reports.test_funnel_compared import cohorts  # noqa: F401 — the hand-built history
from tests.reports.test_velocity import journeys  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]
MEASURES = ("leads", "mql", "sal", "sql", "customer", "recycled", "disqualified",
            "lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_customer", "lead_to_customer")  # fmt: skip
FUNNEL_HEADER = ",".join(("group", *MEASURES, *(f"previous_{m}" for m in MEASURES), *(f"change_{m}" for m in MEASURES)))
VELOCITY_MEASURES = tuple(
    f"{stage}_{time}"
    for stage in ("subscriber", "lead", "mql", "sal", "sql", "lead_to_customer")
    for time in ("count", "median_days", "p90_days")
)


def run(*args: str):
    return CliRunner().invoke(main, ["report", *args])


def test_funnel_csv_by_team_beside_february(world, cohorts):  # noqa: F811
    result = run("funnel", *MARCH, "--by", "team", "--format", "csv")

    # The EMEA, (none), Americas and All rows of test_funnel_compared, flat: this period's
    # counts and conversions, February's, then the change; blank where nothing to divide.
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        FUNNEL_HEADER,
        "EMEA,2,2,1,0,0,1,0,1.0,0.5,0.0,,0.0,1,1,0,0,0,0,0,1.0,0.0,,,0.0,1,1,1,0,0,1,0,0.0,0.5,,,0.0",
        "(none),1,0,0,0,0,0,0,0.0,,,,0.0,1,0,0,0,0,0,0,0.0,,,,0.0,0,0,0,0,0,0,0,0.0,,,,0.0",
        "Americas,1,1,1,1,0,0,0,1.0,1.0,1.0,0.0,0.0,0,0,0,0,0,0,0,,,,,,1,1,1,1,0,0,0,,,,,",
        "All,4,3,2,1,0,1,0,0.75,0.6667,0.5,0.0,0.0,2,1,0,0,0,0,0,0.5,0.0,,,0.0,2,2,2,1,0,1,0,0.25,0.6667,,,0.0",
    ]


def test_funnel_csv_without_comparison_is_the_period_alone(world, cohorts):  # noqa: F811
    result = run("funnel", *MARCH, "--compare", "none", "--format", "csv")

    assert result.stdout.splitlines() == [
        ",".join(("group", *MEASURES)),
        "All,4,3,2,1,0,1,0,0.75,0.6667,0.5,0.0,0.0",
    ]


def test_funnel_json_and_table(world, cohorts):  # noqa: F811
    as_json = json.loads(run("funnel", *MARCH, "--by", "owner", "--format", "json").stdout)
    table = run("funnel", *MARCH, "--by", "owner").stdout.splitlines()

    assert [(row["group"], row["leads"], row["previous"]["leads"]) for row in as_json["rows"]] == [
        ("(none)", 2, 1),
        ("am-rep@accord.test", 1, 0),
        ("Rita Rep", 1, 1),
        ("All", 4, 2),
    ]
    assert table[0] == "Funnel 2026-03-01 – 2026-03-31 by owner, beside 2026-02-01 – 2026-02-28"
    rita = table.index(next(line for line in table if line.startswith("Rita Rep")))
    # Rita Rep: 1 lead, mql, sal → 100%, 100%, 0%, —, 0%; February (F1) 100%, 0%, —, —, 0%;
    # change 1.0 − 1.0 = 0 pts, 1.0 − 0 = +100 pts, then none, 0 − 0 = 0 pts.
    assert table[rita].split()[2:] == ["1", "1", "1", "0", "0", "0", "0", "100.0%", "100.0%", "0.0%", "—", "0.0%"]
    assert table[rita + 1].split() == [
        "previous",
        "1",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "100.0%",
        "0.0%",
        "—",
        "—",
        "0.0%",
    ]
    assert table[rita + 2].split() == ["change", "0", "0", "+1", "0", "0", "0", "0", "0.0", "pts", "+100.0", "pts",
                                       "—", "—", "0.0", "pts"]  # fmt: skip


def test_velocity_csv_of_the_day_after_the_clock_change(world, journeys):  # noqa: F811
    """30 March against 29 March, when no stay ended: B's MQL stay of 47 hours (1.96 days)
    is all there is; February's columns are zeros, the change one stay and no median."""
    result = run("velocity", "--from", "2026-03-30", "--to", "2026-03-30", "--format", "csv")

    nothing, mql = "0,,", "1,1.96,1.96"
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        ",".join(
            (
                "group",
                *VELOCITY_MEASURES,
                *(f"previous_{m}" for m in VELOCITY_MEASURES),
                *(f"change_{m}" for m in VELOCITY_MEASURES),
            )
        ),
        ",".join(("All", nothing, nothing, mql, nothing, nothing, nothing, *[nothing] * 6, *[nothing] * 2, "1,,")
                 + (nothing,) * 3),
    ]  # fmt: skip


def test_velocity_json_and_table(world, journeys):  # noqa: F811
    as_json = json.loads(run("velocity", *MARCH, "--by", "source", "--format", "json").stdout)
    table = run("velocity", *MARCH, "--compare", "none").stdout.splitlines()

    assert [(row["group"], row["mql"]["count"]) for row in as_json["rows"]] == [
        ("ads", 3), ("webinar", 1), ("(none)", 0), ("All", 4),
    ]  # fmt: skip
    assert as_json["rows"][-1]["change"]["mql"] == {"count": 2, "median_days": -0.15, "p90_days": -0.41}
    assert table[0] == "Velocity 2026-03-01 – 2026-03-31 (days: median, 90th percentile)"
    assert table[2:] == [
        "All",
        "  subscriber               1      2.25      2.25",
        "  lead                     3      0.00      2.40",
        "  mql                      4      1.60      2.34",
        "  sal                      2     13.42     22.68",
        "  sql                      1     16.00     16.00",
        "  lead_to_customer         1     22.08     22.08",
    ]


@pytest.mark.parametrize("command", ["funnel", "velocity"])
def test_a_backwards_period_exits_2_naming_the_field(db, command):
    result = run(command, "--from", "2026-03-31", "--to", "2026-03-01")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: to: 'to' is before 'from'.\n"


@pytest.mark.parametrize("command", ["funnel", "velocity"])
@pytest.mark.parametrize(("option", "value"), [("--by", "weather"), ("--compare", "week")])
def test_an_unknown_grouping_or_comparison_is_a_usage_error(db, command, option, value):
    result = run(command, *MARCH, option, value)

    assert result.exit_code == 2
    assert f"'{value}' is not one of" in result.stderr
