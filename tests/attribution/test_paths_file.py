"""Reading a path-level file: the package's format, UTF-8 with or without a byte-order
mark; every problem named by line and column, and nothing read in part."""

import pytest

from accord.attribution.paths import read_paths
from accord.core.errors import InvalidInput

HEADER = "path;total_conversions;total_conversion_value;total_null\n"


def write(tmp_path, text: str, encoding: str = "utf-8"):
    file = tmp_path / "paths.csv"
    file.write_bytes(text.encode(encoding))
    return file


def test_reads_channels_trimmed_and_counts(tmp_path):
    file = write(tmp_path, "\ufeff" + HEADER + "email >  search>webinar;2;150.5;8\nsearch;0;;3\n")

    journeys = read_paths(file)

    assert journeys.frame.rows() == [(["email", "search", "webinar"], 2, 150.5, 8), (["search"], 0, 0.0, 3)]
    assert (journeys.conversions, journeys.value) == (2, 150.5)


def test_value_and_nulls_may_be_left_out(tmp_path):
    journeys = read_paths(write(tmp_path, "path;total_conversions\na > b;3\n"))

    assert journeys.frame.rows() == [(["a", "b"], 3, 0.0, 0)]


def test_every_problem_is_listed_with_its_line_and_column(tmp_path):
    file = write(tmp_path, HEADER + "a > b;1;10;0\na >  > b;x;-5;2\n;1;;z\n")

    with pytest.raises(InvalidInput) as refused:
        read_paths(file)

    message = refused.value.message
    assert message.splitlines() == [
        "5 problem(s), nothing attributed:",
        "line 3, path: an empty channel name (nothing between '>') ('a >  > b')",
        "line 3, total_conversion_value: negative ('-5')",
        "line 3, total_conversions: not a whole number ('x')",
        "line 4, path: an empty channel name (nothing between '>') (None)",
        "line 4, total_null: not a whole number ('z')",
    ]
    assert refused.value.field == "path"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("channels;conversions\na;1\n", "path", "the header lacks path, total_conversions"),
        (HEADER, "path", "no rows"),
    ],
)
def test_a_file_without_the_columns_or_rows_is_refused(tmp_path, text, field, words):
    with pytest.raises(InvalidInput) as refused:
        read_paths(write(tmp_path, text))

    assert refused.value.field == field
    assert words in refused.value.message


def test_text_that_is_not_utf8_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as refused:
        read_paths(write(tmp_path, HEADER + "Événement;1;1;0\n", encoding="cp1252"))

    assert refused.value.field == "file"
    assert refused.value.message == "paths.csv: not UTF-8 text (byte 57)."
