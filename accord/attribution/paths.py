"""Path-level journeys, as the `channelattribution` package takes them: one row per
distinct path of channels with how many journeys along it converted, their conversion
value, and how many did not convert.

    path;total_conversions;total_conversion_value;total_null
    email > search > webinar;12;5400;88
    search;3;900;140

Channels are joined by `>`; spaces around a name are not part of it. `total_conversions`
is required; the value and the nulls are 0 when their column is absent or a cell is empty.
A file either reads whole or is refused with every problem listed by line and column."""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from accord.core.errors import InvalidInput

SEPARATOR = ">"
COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")
REQUIRED = ("path", "total_conversions")
MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Journeys:
    """`frame`: `channels` (list of names, in order), `conversions` (Int64), `value`
    (Float64) and `nulls` (Int64), one row per line of the file."""

    frame: pl.DataFrame

    @property
    def conversions(self) -> int:
        return int(self.frame["conversions"].sum())

    @property
    def value(self) -> float:
        return float(self.frame["value"].sum())


def journeys_of(paths: list[str], conversions: list[int], value: list[float], nulls: list[int]) -> Journeys:
    """Journeys given in memory, each path a `>`-joined string (for tests and callers that
    build paths themselves); checked like a file."""
    raw = pl.DataFrame(
        {
            "path": paths,
            "total_conversions": [str(number) for number in conversions],
            "total_conversion_value": [str(number) for number in value],
            "total_null": [str(number) for number in nulls],
        },
        schema=dict.fromkeys(COLUMNS, pl.String),
    )
    return _checked(raw, first_line=1)


def read_paths(file: Path) -> Journeys:
    """The journeys in `file` (`;`-separated, a header naming the columns, UTF-8 with or
    without a byte-order mark). Raises InvalidInput naming the line and column of each
    problem, and nothing is returned in part."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{file.name}: not UTF-8 text (byte {error.start}).", field="file") from error
    except OSError as error:
        raise InvalidInput(f"{file.name}: cannot be read ({error.strerror}).", field="file") from error
    try:
        raw = pl.read_csv(text.encode(), separator=";", infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise InvalidInput(f"{file.name}: not a ;-separated file with a header ({error}).", field="file") from error
    missing = [name for name in REQUIRED if name not in raw.columns]
    if missing:
        raise InvalidInput(
            f"{file.name}: the header lacks {', '.join(missing)} (columns: {';'.join(COLUMNS)}).", field=missing[0]
        )
    return _checked(raw.select([name for name in COLUMNS if name in raw.columns]), first_line=2)


def _checked(raw: pl.DataFrame, *, first_line: int) -> Journeys:
    # Spaces around each name dropped on the whole text once, then one split: cheaper than
    # trimming every name of a million lists.
    raw = raw.with_columns(
        *(pl.lit(None, pl.String).alias(name) for name in COLUMNS if name not in raw.columns)
    ).with_columns(
        pl.int_range(first_line, first_line + pl.len()).alias("line"),
        pl.col("path").fill_null("").str.replace_all(r" *> *", SEPARATOR).str.strip_chars(" ").alias("clean"),
    )
    frame = raw.select(
        "line",
        pl.col("clean").str.split(SEPARATOR).alias("channels"),
        pl.col("total_conversions").str.strip_chars().cast(pl.Int64, strict=False).alias("conversions"),
        pl.col("total_conversion_value").str.strip_chars().cast(pl.Float64, strict=False).alias("value"),
        pl.col("total_null").str.strip_chars().cast(pl.Int64, strict=False).alias("nulls"),
    )
    clean = pl.col("clean")
    empty_name = (
        (clean == "")
        | clean.str.contains(SEPARATOR * 2, literal=True)
        | clean.str.starts_with(SEPARATOR)
        | clean.str.ends_with(SEPARATOR)
    )
    given = {name: pl.col(name).str.strip_chars().fill_null("") != "" for name in COLUMNS}
    checks = [
        ("path", empty_name, "an empty channel name (nothing between '>')"),
        ("total_conversions", pl.col("conversions").is_null(), "not a whole number"),
        ("total_conversions", pl.col("conversions") < 0, "negative"),
        ("total_conversion_value", given["total_conversion_value"] & pl.col("value").is_null(), "not a number"),
        ("total_conversion_value", pl.col("value") < 0, "negative"),
        ("total_conversion_value", ~pl.col("value").is_finite(), "not a finite number"),
        ("total_null", given["total_null"] & pl.col("nulls").is_null(), "not a whole number"),
        ("total_null", pl.col("nulls") < 0, "negative"),
    ]
    both = raw.select(*COLUMNS, "clean").hstack(frame)
    problems = pl.concat(
        [
            both.filter(condition.fill_null(False)).select(
                "line", pl.lit(column).alias("column"), pl.lit(reason).alias("reason"), pl.col(column).alias("cell")
            )
            for column, condition, reason in checks
        ]
    ).sort("line", "column")
    if problems.height:
        _refuse(problems)
    if frame.height == 0:
        raise InvalidInput("No journeys: the file has a header and no rows.", field="path")
    frame = frame.drop("line").with_columns(pl.col("value").fill_null(0.0), pl.col("nulls").fill_null(0))
    return Journeys(frame)


def _refuse(problems: pl.DataFrame) -> None:
    lines = [
        f"line {line}, {column}: {reason} ({cell!r})"
        for line, column, reason, cell in problems.head(MAX_PROBLEMS).rows()
    ]
    more = problems.height - MAX_PROBLEMS
    if more > 0:
        lines.append(f"… and {more} more")
    raise InvalidInput(
        f"{problems.height} problem(s), nothing attributed:\n" + "\n".join(lines), field=problems["column"][0]
    )
