"""`accord report attribution` and `accord report influence` over the March of
tests/api/test_attribution_api.py, whose numbers are worked out in its docstring; run
in-process against the test database.

The side-by-side values of March's leads (3 conversions, value 3) per group, from there:

              first  last  linear  u_shaped  w_shaped  full_path  time_decay  markov
(no touch)     1     1     1       1         1         1          1           1
ads-1          1     2     1.5     1.5       1.5       1.5        5/3         4/3
webinar-1      1     0     0.5     0.5       0.5       0.5        1/3         2/3

u_shaped, w_shaped and full_path: Ann's journey has two touches, T1 first and her capture
at her creation; no deal, so the other roles are left out and the two take half each, as
linear gives; Bob's one touch takes all of him. The rows go by the first column, most first,
then by group: all three have 1, so "(no touch)", "ads-1", "webinar-1".
"""

import csv
import json
import re

import pytest
from click.testing import CliRunner

from accord.attribution.journeys import CONVERSIONS
from accord.attribution.positions import MODELS
from accord.attribution.report import ALL_MODELS
from accord.cli import ATTRIBUTION_CONVERSIONS, ATTRIBUTION_MODELS, main
from tests.api.test_attribution_api import journeys  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, [*args])


def cells(line: str) -> list[str]:
    """A table line's cells: columns are two spaces apart at least, names have one."""
    return re.split(r"\s{2,}", line.strip())


def test_the_choices_are_the_services(db):
    assert (ATTRIBUTION_MODELS, ATTRIBUTION_CONVERSIONS) == (ALL_MODELS, CONVERSIONS)


def test_the_table_puts_every_model_side_by_side(world, journeys):  # noqa: F811
    result = run("report", "attribution", *MARCH)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Attribution 2026-03-01 – 2026-03-31: lead by campaign, 3 conversion(s), value 3.00, 1 without a touch"
    )
    assert lines[1] == "Look-back 90 days, time decay half-life 7 days, Markov order 1"
    assert lines[2].split("  ")[-1].strip() == "Markov chain"
    assert [cells(line) for line in lines[3:]] == [
        ["(no touch)", *["1.00"] * 8],
        ["ads-1", "1.00", "2.00", "1.50", "1.50", "1.50", "1.50", "1.67", "1.33"],
        ["webinar-1", "1.00", "0.00", "0.50", "0.50", "0.50", "0.50", "0.33", "0.67"],
        ["All", *["3.00"] * 8],
    ]


def test_markov_alone_shows_its_removal_effects(world, journeys):  # noqa: F811
    """ads-1: 4/3 = 1.3333 conversions, 4/9 = 44.4% of 3, removal effect 100%; webinar-1:
    2/3, 2/9 = 22.2%, 50%; "(no touch)": 1 of 3 = 33.3%, no removal effect (—)."""
    lines = run("report", "attribution", *MARCH, "--model", "markov").stdout.splitlines()

    assert lines[2] == "Markov chain (order 1)"
    assert [cells(line) for line in lines[4:]] == [
        ["ads-1", "paid_search", "1.3333", "1.33", "44.4%", "100.0%", "100.0%"],
        ["(no touch)", "1.0000", "1.00", "33.3%", "—", "—"],  # no channel
        ["webinar-1", "webinar", "0.6667", "0.67", "22.2%", "50.0%", "50.0%"],
        ["All", "3.0000", "3.00", "100.0%"],
    ]


def test_the_csv_of_one_model_and_of_all(world, journeys):  # noqa: F811
    linear = run("report", "attribution", *MARCH, "--model", "linear", "--format", "csv")
    every = run("report", "attribution", *MARCH, "--format", "csv", "--by", "channel")

    assert linear.exit_code == 0, linear.output
    assert linear.stdout.splitlines() == [
        "group,name,channel,conversions,value,share",
        "ads-1,Spring ads,paid_search,1.5,1.5,0.5",
        f"(no touch),(no touch),,1.0,1.0,{1.0 / 3.0!r}",  # 1 of 3
        f"webinar-1,Webinar 1,webinar,0.5,0.5,{0.5 / 3.0!r}",
    ]
    rows = list(csv.DictReader(every.stdout.splitlines()))
    assert list(rows[0]) == ["group", "name", "channel", *MODELS, "markov"]
    # By channel the groups are the channels; the same shares as by campaign.
    assert [(row["group"], row["first"], row["last"], row["linear"]) for row in rows] == [
        ("(no touch)", "1.0", "1.0", "1.0"),
        ("paid_search", "1.0", "2.0", "1.5"),
        ("webinar", "1.0", "0.0", "0.5"),
    ]
    assert float(rows[1]["time_decay"]) == pytest.approx(5 / 3)


def test_the_json_is_the_report(world, journeys):  # noqa: F811
    result = run(
        "report", "attribution", *MARCH, "--model", "first", "--conversion", "pipeline", "--order", "2",
        "--half-life-days", "3.5", "--lookback-days", "30", "--format", "json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {key: value for key, value in body.items() if key != "models"} == {
        "from": "2026-03-01", "to": "2026-03-31", "conversion": "pipeline", "by": "campaign", "lookback_days": 30,
        "half_life_days": 3.5, "order": 2, "total_conversions": 1, "total_value": 1000.0, "no_touch": 0,
    }  # fmt: skip
    # The deal's first touch in 30 days before 21 Mar is T2 (ads-1, 11 Mar): all of 1,000.
    assert [(row["group"], row["value"], row["share"]) for row in body["models"]["first"]] == [
        ("ads-1", 1000.0, 1.0),
        ("(no touch)", 0.0, 0.0),
        ("webinar-1", 0.0, 0.0),
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--model", "shapley", "Invalid value for '--model'"),
        ("--conversion", "customer", "Invalid value for '--conversion'"),
        ("--by", "source", "Invalid value for '--by'"),
        ("--order", "5", "Invalid value for '--order': 5 is not in the range 1<=x<=4."),
        ("--half-life-days", "0", "Invalid value for '--half-life-days': 0.0 is not in the range x>0."),
        ("--lookback-days", "3651", "Invalid value for '--lookback-days': 3651 is not in the range 0<=x<=3650."),
    ],
)
def test_a_bad_option_exits_2_naming_it(world, option, value, message):
    result = run("report", "attribution", *MARCH, option, value)

    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr


@pytest.mark.parametrize("command", ["attribution", "influence"])
def test_a_backwards_period_exits_2_naming_the_field(world, command):
    result = run("report", command, "--from", "2026-03-31", "--to", "2026-03-01")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: to: 'to' is before 'from'.\n"


def test_a_nan_half_life_is_refused_by_the_service(world):
    """NaN passes the option's range (no comparison with it holds) but not the model."""
    result = run("report", "attribution", *MARCH, "--half-life-days", "nan")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: half_life_days: ")


# Influence: D (1,000, won) touched by ads-1 (T2, 10 days before) and webinar-1 (T3, 1 day).
DECAYED = 1000 / (1 + 2 ** (9 / 7))  # ads-1's time-decay share: 2^(−10/7) / (2^(−10/7) + 2^(−1/7))


def test_influence_table(world, journeys):  # noqa: F811
    lines = run("report", "influence", *MARCH).stdout.splitlines()

    assert lines[0] == (
        "Pipeline influence 2026-03-01 – 2026-03-31 (look-back 90 days): 1 deal(s), 1,000.00; "
        "touched by a campaign: 1 (1,000.00)"
    )
    assert lines[1].split() == ["deals", "amount", "won", "won", "amount", "%", "deals", "%", "amount", *MODELS]
    assert [line.split() for line in lines[2:]] == [
        ["ads-1", "1", "1,000.00", "1", "1,000.00", "100.0%", "100.0%", "1,000.00", "0.00", "500.00", "800.00",
         "666.67", "666.67", f"{DECAYED:,.2f}"],
        ["webinar-1", "1", "1,000.00", "1", "1,000.00", "100.0%", "100.0%", "0.00", "1,000.00", "500.00", "200.00",
         "333.33", "333.33", f"{1000 - DECAYED:,.2f}"],
    ]  # fmt: skip


def test_influence_csv_and_json(world, journeys):  # noqa: F811
    as_csv = run("report", "influence", *MARCH, "--format", "csv")
    as_json = json.loads(run("report", "influence", *MARCH, "--lookback-days", "5", "--format", "json").stdout)

    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(as_csv.stdout.splitlines()))
    assert list(rows[0]) == [
        "group", "name", "channel", "opportunities", "amount", "won", "won_amount", "share_of_opportunities",
        "share_of_amount", *(f"attributed_{model}" for model in MODELS),
    ]  # fmt: skip
    assert [(row["group"], row["opportunities"], row["won"], row["attributed_first"]) for row in rows] == [
        ("ads-1", "1", "1", "1000.0"),
        ("webinar-1", "1", "1", "0.0"),
    ]
    assert float(rows[0]["attributed_time_decay"]) == pytest.approx(DECAYED)
    # 5 days before 21 Mar 12:00 reaches back to 16 Mar: T3 (20 Mar) alone, webinar-1 alone.
    assert (as_json["from"], as_json["lookback_days"], as_json["influenced_amount"]) == ("2026-03-01", 5, 1000.0)
    assert [(row["group"], row["attributed"]["first"]) for row in as_json["campaigns"]] == [("webinar-1", 1000.0)]


def test_a_period_without_conversions(world, journeys):  # noqa: F811
    """January has nothing: the "(no touch)" row at 0 and no share of a total of 0 (—)."""
    january = ["--from", "2026-01-01", "--to", "2026-01-31"]
    every = run("report", "attribution", *january).stdout.splitlines()
    markov = run("report", "attribution", *january, "--model", "markov").stdout.splitlines()
    influence = run("report", "influence", *january).stdout.splitlines()

    assert every[0].endswith(": lead by campaign, 0 conversion(s), value 0.00, 0 without a touch")
    assert [cells(line) for line in every[3:]] == [["(no touch)", *["0.00"] * 8], ["All", *["0.00"] * 8]]
    assert [cells(line) for line in markov[4:]] == [
        ["(no touch)", "0.0000", "0.00", "—", "—", "—"],
        ["All", "0.0000", "0.00", "—"],
    ]
    assert influence[0].endswith(": 0 deal(s), 0.00; touched by a campaign: 0 (0.00)")
    assert len(influence) == 2  # the title and the header
