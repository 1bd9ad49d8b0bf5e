"""The writers: how each kind of value becomes CSV text or JSON, and the formula rule."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.exports.formats import csv_lines, csv_safe, jsonl_lines

COLUMNS = ("id", "name", "amount", "won", "closed_on", "at", "data", "missing")
ROW = (
    7,
    "Bigco",
    Decimal("12500.50"),
    True,
    date(2026, 6, 30),
    datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    {"b": [{"z": 1, "y": 2}], "a": "x"},
    None,
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-1+1", "'-1+1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Bigco", "Bigco"),
        ("a=b", "a=b"),
        ("", ""),
        (-15.0, -15.0),
        (-3, -3),
        (None, None),
    ],
)
def test_csv_safe_quotes_text_a_spreadsheet_would_run(value, written):
    assert csv_safe(value) == written


def test_csv_writes_a_header_then_text_for_every_type():
    lines = list(csv_lines(COLUMNS, [ROW, (8, "-x", Decimal("0.00"), False, None, None, {}, "")]))

    assert lines == [
        "id,name,amount,won,closed_on,at,data,missing\r\n",
        '7,Bigco,12500.50,true,2026-06-30,2026-03-02T10:00:00+00:00,"{""a"":""x"",""b"":[{""y"":2,""z"":1}]}",\r\n',
        "8,'-x,0.00,false,,,{},\r\n",
    ]


def test_csv_of_no_rows_is_the_header():
    assert list(csv_lines(COLUMNS, [])) == ["id,name,amount,won,closed_on,at,data,missing\r\n"]


def test_jsonl_writes_one_object_per_line_with_real_types():
    lines = list(jsonl_lines(COLUMNS, [ROW, (8, "-x", Decimal("0.00"), False, None, None, {}, "")]))

    assert lines == [
        '{"id":7,"name":"Bigco","amount":12500.5,"won":true,"closed_on":"2026-06-30",'
        '"at":"2026-03-02T10:00:00+00:00","data":{"a":"x","b":[{"y":2,"z":1}]},"missing":null}\n',
        '{"id":8,"name":"-x","amount":0.0,"won":false,"closed_on":null,"at":null,"data":{},"missing":null}\n',
    ]


def test_jsonl_keeps_text_as_it_is():
    # JSON is read by programs, not spreadsheets: no quote is added, and unicode stays readable
    (line,) = jsonl_lines(("name",), [("=Müller",)])

    assert line == '{"name":"=Müller"}\n'
