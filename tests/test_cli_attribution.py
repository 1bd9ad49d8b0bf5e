"""`accord attribution paths`: a path-level file in, credit per channel out (table, CSV,
JSON); the numbers are those worked out in tests/attribution/test_path_models.py."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main

FILE = "path;total_conversions;total_conversion_value;total_null\na > b;1;100;0\nb;0;0;1\na;0;0;1\n"


@pytest.fixture
def paths(tmp_path):
    file = tmp_path / "paths.csv"
    file.write_text(FILE)
    return str(file)


def run(*args: str):
    return CliRunner().invoke(main, ["attribution", "paths", *args])


def test_linear_as_csv(paths):
    result = run(paths, "--model", "linear", "--format", "csv")

    # The one conversion (100) has two touches: half each.
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["channel,conversions,value", "a,0.5,50.0", "b,0.5,50.0"]


def test_markov_as_json_with_removal_effects_and_transitions(paths):
    result = run(paths, "--model", "markov", "--order", "1", "--format", "json")

    # Removal effects a 1/2, b 1: credit a 1/3, b 2/3 of one conversion worth 100.
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["model"], answer["order"], answer["total_conversions"]) == ("markov", 1, 1)
    assert [(row["channel"], round(row["conversions"], 12), round(row["value"], 9)) for row in answer["channels"]] == [
        ("b", round(2 / 3, 12), round(200 / 3, 9)),
        ("a", round(1 / 3, 12), round(100 / 3, 9)),
    ]
    assert [round(row["removal_effect"], 12) for row in answer["channels"]] == [1.0, 0.5]
    assert {"from": "(start)", "to": "b", "probability": pytest.approx(1 / 3)} in answer["transitions"]


def test_the_table_shows_markov_removal_effects(paths):
    result = run(paths, "--model", "markov")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:] == [
        "b                0.6667             66.67         100.00%         100.00%",
        "a                0.3333             33.33          50.00%          50.00%",
    ]


def test_a_bad_file_exits_2_naming_line_and_column(tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text("path;total_conversions\na;-1\n")

    result = run(str(file), "--model", "first")

    assert result.exit_code == 2
    assert "line 2, total_conversions: negative ('-1')" in result.stderr


def test_an_order_beyond_four_is_a_usage_error(paths):
    assert run(paths, "--model", "markov", "--order", "5").exit_code == 2
