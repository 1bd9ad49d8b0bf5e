"""How a row is written. Rows hold real values (numbers, booleans, datetimes, decimals,
dicts, None); each format turns them into text once, here, for the web and the command
line alike."""

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Spreadsheets run text cells that start with = + - @ as formulas (some after skipping a
    leading tab or carriage return); a leading quote keeps them text. Numbers are left alone:
    -15.0 is a number, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sorted(value: Any) -> Any:
    """Nested objects with their keys sorted: PostgreSQL's jsonb does not keep key order, so
    without this the same data would give a different file on each database."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return _json_text(_sorted(value))
    return csv_safe(value)


class _Line:
    """A file for `csv.writer` that hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A header line, then one line per row (CRLF-terminated, as RFC 4180 asks)."""
    writer = csv.writer(_Line())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _json_value(value: Any) -> Any:
    if value == "":
        return None  # a blank text field is missing, as an absent foreign key is
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)  # 14 digits at most: a double reads back as the same amount
    return _sorted(value)


def jsonl_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """One JSON object per line, keys in column order; no header."""
    for row in rows:
        record = {column: _json_value(value) for column, value in zip(columns, row, strict=True)}
        yield _json_text(record) + "\n"


WRITERS = {"csv": csv_lines, "jsonl": jsonl_lines}
