"""Typing and checking a chunk of rows in bulk (Polars): every cell of every row is
checked by column-wide expressions, and a bad cell becomes a `RowError` naming its line,
its column and why. Rows with any error are set aside; the rest come out typed."""

import json
from dataclasses import dataclass, field

import polars as pl
from django_countries import countries

from accord.crm.services import MAX_COMPANY_SIZE
from accord.imports.mapping import Plan
from accord.imports.reader import Chunk, RowError
from accord.imports.schema import FIELDS, Field, Type

LINE = "_line"
CUSTOM = "_custom"

# Django's validate_email grammar for the common dot-atom form, lower-cased.
_EMAIL = (
    r"^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)(?:[a-z0-9-]{1,62}[a-z0-9])$"
)
_TRUE = ("true", "yes", "y", "1", "t", "x", "checked", "on")
_FALSE = ("false", "no", "n", "0", "f", "unchecked", "off")
# Tried in order when the mapping names no date format. Times without an offset are in
# the mapping's timezone.
_AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
MAX_AMOUNT = 10**12


def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name in countries:
        table[code.lower()] = code
        table[str(name).lower()] = code
        if alpha3 := countries.alpha3(code):
            table[alpha3.lower()] = code
    table.update(
        {
            "usa": "US",
            "united states of america": "US",
            "uk": "GB",
            "great britain": "GB",
            "united states": "US",
            "turkey": "TR",
            "ivory coast": "CI",
            "cape verde": "CV",
            "swaziland": "SZ",
            "burma": "MM",
            "macedonia": "MK",
            "czechia": "CZ",
            "england": "GB",
            "russia": "RU",
            "south korea": "KR",
            "korea": "KR",
            "vietnam": "VN",
            "czech republic": "CZ",
            "the netherlands": "NL",
            "holland": "NL",
        }
    )
    return table


@dataclass(slots=True)
class Lookups:
    """What converting needs from the database, loaded once per import."""

    users: dict[str, int] = field(default_factory=dict)  # lower(email) and lower(full name) → id
    countries: dict[str, str] = field(default_factory=_country_table)


@dataclass(slots=True)
class Converted:
    frame: pl.DataFrame  # _line, then one typed column per field present
    errors: list[RowError]


def lookup(expr: pl.Expr, table: dict, dtype: pl.DataType) -> pl.Expr:
    """`expr` translated through `table`; values it does not hold become null."""
    pairs = list(table.items())  # one snapshot: the import's writer may add users meanwhile
    if not pairs:
        return pl.lit(None, dtype)
    keys, values = zip(*pairs, strict=True)
    return expr.replace_strict(list(keys), list(values), default=None, return_dtype=dtype)


def chunk_frame(chunk: Chunk, header: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame(chunk.rows, schema=[(name, pl.String) for name in header], orient="row")
    return frame.with_columns(pl.Series(LINE, chunk.lines, dtype=pl.Int64))


def _raw(plan: Plan, spec: Field, headers: set[str]) -> pl.Expr | None:
    """The cell as text: trimmed, empty → null, values translated, default filled in."""
    header = plan.header_for(spec.name)
    expr = None
    if header in headers:
        # Accord's own exports quote cells that a spreadsheet would run as a formula
        # ("'+49 30 1234"); reading them back removes that quote.
        expr = pl.col(header).str.strip_chars().str.replace(r"^'([=+\-@\t\r])", "$1")
        expr = pl.when(expr == "").then(None).otherwise(expr)
        if table := plan.values.get(spec.name):
            keys = list(table)
            expr = expr.str.to_lowercase().replace_strict(
                keys, [None if v is None else str(v) for v in table.values()], default=expr, return_dtype=pl.String
            )
    if spec.name in plan.defaults and plan.defaults[spec.name] not in (None, ""):
        default = pl.lit(str(plan.defaults[spec.name]))
        expr = default if expr is None else expr.fill_null(default)
    return expr


def _datetime(raw: pl.Expr, plan: Plan, *, date_only: bool = False) -> pl.Expr:
    zone = plan.timezone
    attempts: list[pl.Expr] = []
    if plan.date_formats:
        for fmt in plan.date_formats:
            if "%z" in fmt:
                attempts.append(raw.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us"))
            else:
                parsed = raw.str.to_datetime(fmt, strict=False, time_unit="us")
                attempts.append(parsed.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null"))
    else:
        for fmt in _AWARE_FORMATS:
            attempts.append(
                raw.str.replace(r"Z$", "+00:00").str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
            )
        for fmt in _NAIVE_FORMATS:
            parsed = raw.str.to_datetime(fmt, strict=False, time_unit="us")
            attempts.append(parsed.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null"))
        for fmt in _DATE_FORMATS:
            parsed = raw.str.to_date(fmt, strict=False).cast(pl.Datetime("us"))
            attempts.append(parsed.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null"))
    value = pl.coalesce([attempt.dt.convert_time_zone("UTC") for attempt in attempts])
    return value.dt.date() if date_only else value


def _check(spec: Field, raw: pl.Expr, plan: Plan, lookups: Lookups) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, reason or null) for one field."""
    present = raw.is_not_null()

    def failed(value: pl.Expr, reason: str) -> pl.Expr:
        return pl.when(present & value.is_null()).then(pl.lit(reason))

    match spec.type:
        case Type.TEXT:
            if spec.max_length:
                return raw, pl.when(raw.str.len_chars() > spec.max_length).then(
                    pl.lit(f"At most {spec.max_length} characters.")
                )
            return raw, pl.lit(None, pl.String)
        case Type.EMAIL:
            value = raw.str.to_lowercase()
            ok = value.str.contains(_EMAIL) & (value.str.len_chars() <= 254)
            return pl.when(ok).then(value), pl.when(present & ~ok).then(pl.lit("Not a valid email address."))
        case Type.COUNTRY:
            table = lookups.countries
            value = lookup(raw.str.to_lowercase(), table, pl.String)
            return value, failed(value, "Not a country name or ISO 3166 code.")
        case Type.INTEGER:
            number = raw.str.replace_all(r"[,\s_]", "").cast(pl.Float64, strict=False)
            ok = (number == number.floor()) & (number >= 0) & (number <= MAX_COMPANY_SIZE)
            value = pl.when(ok).then(number.cast(pl.Int64, strict=False))
            return value, failed(value, f"Not a whole number from 0 to {MAX_COMPANY_SIZE:,}.")
        case Type.AMOUNT:
            text = raw.str.replace_all(r"[\s$€£¥]|[A-Z]{3}", "")
            # "1234,50" (a decimal comma, no point) → "1234.50"; "1,234.50" → "1234.50".
            text = (
                pl.when(text.str.contains(r"^-?\d+,\d{1,2}$"))
                .then(text.str.replace(",", "."))
                .otherwise(text.str.replace_all(",", ""))
            )
            number = text.cast(pl.Decimal(16, 2), strict=False)
            ok = (number >= 0) & (number < MAX_AMOUNT)
            value = pl.when(ok).then(number)
            return value, failed(value, "Not an amount from 0 to below 1,000,000,000,000.")
        case Type.DATETIME:
            value = _datetime(raw, plan)
            formats = ", ".join(plan.date_formats) or "ISO 8601, e.g. 2024-05-01 or 2024-05-01T10:00:00Z"
            return value, failed(value, f"Not a date/time ({formats}).")
        case Type.DATE:
            value = _datetime(raw, plan, date_only=True)
            return value, failed(value, "Not a date (e.g. 2024-05-01).")
        case Type.BOOLEAN:
            lower = raw.str.to_lowercase()
            value = pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)
            return value, failed(value, "Not true or false (yes/no, 1/0).")
        case Type.CHOICE:
            lower = raw.str.to_lowercase()
            value = pl.when(lower.is_in(spec.choices)).then(lower)
            return value, failed(value, f"Not one of: {', '.join(spec.choices)}.")
        case Type.USER:
            table = lookups.users
            value = raw.str.to_lowercase().pipe(lookup, table, pl.Int64)
            return value, pl.lit(None, pl.String)  # unknown people are the writer's call
    raise AssertionError(f"unhandled type {spec.type}")


def _custom_json(headers: list[str]) -> pl.Expr:
    """Unmapped columns as a JSON object of their non-empty cells, built column-wise."""
    parts = []
    for header in headers:
        cell = pl.col(header).str.strip_chars().str.replace(r"^'([=+\-@\t\r])", "$1")
        pair = pl.struct(cell.alias(header)).struct.json_encode().str.slice(1).str.head(-1)
        parts.append(pl.when(cell != "").then(pair))
    body = pl.concat_str(parts, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.lit("{") + body + pl.lit("}")).alias(CUSTOM)


def chunk_convert(frame: pl.DataFrame, kind: str, plan: Plan, lookups: Lookups) -> Converted:
    headers = set(frame.columns)
    values: list[pl.Expr] = [pl.col(LINE)]
    reasons: list[tuple[str, pl.Expr, pl.Expr]] = []  # (field, raw, reason)
    for spec in FIELDS[kind]:
        raw = _raw(plan, spec, headers)
        if raw is None:
            continue
        value, reason = _check(spec, raw, plan, lookups)
        if spec.required:
            reason = pl.when(raw.is_null()).then(pl.lit("Required.")).otherwise(reason)
        values.append(value.alias(spec.name))
        if spec.type == Type.USER:
            values.append(raw.alias(f"{spec.name}__raw"))
        reasons.append((spec.name, raw, reason))
    if kind == "leads" and plan.columns and "custom" in plan.columns.values():
        values.append(pl.col(plan.header_for("custom")).alias("custom"))
    if kind == "leads" and plan.custom:
        values.append(_custom_json(plan.custom))
    checked = frame.select(
        *values,
        *(reason.alias(f"{name}__error") for name, _, reason in reasons),
        *(raw.alias(f"{name}__cell") for name, raw, _ in reasons),
    )
    errors: list[RowError] = []
    bad = pl.lit(False)
    for name, _, _ in reasons:
        column = f"{name}__error"
        failing = checked.filter(pl.col(column).is_not_null())
        if failing.height:
            header = plan.header_for(name)
            errors.extend(
                RowError(line, header, cell or "", reason)
                for line, cell, reason in failing.select(LINE, f"{name}__cell", column).iter_rows()
            )
        bad = bad | pl.col(column).is_not_null()
    good = checked.filter(~bad).drop([c for c in checked.columns if c.endswith(("__error", "__cell"))])
    if "custom" in good.columns:
        not_objects = _not_json_objects(good)
        header = plan.header_for("custom")
        errors.extend(
            RowError(line, header, cell, "Not a JSON object of custom attributes.") for line, cell in not_objects
        )
        good = good.filter(~pl.col(LINE).is_in([line for line, _ in not_objects]))
    return Converted(good, errors)


def _not_json_objects(frame: pl.DataFrame) -> list[tuple[int, str]]:
    """Cells of an exported `custom` column that are not a JSON object (a rare column:
    checked row by row)."""
    bad = []
    for line, cell in frame.select(LINE, "custom").iter_rows():
        if cell is None:
            continue
        try:
            ok = isinstance(json.loads(cell), dict)
        except ValueError:
            ok = False
        if not ok:
            bad.append((line, cell))
    return bad


def custom_merge(existing: dict, *encoded: str | None) -> dict:
    merged = dict(existing)
    for text in encoded:
        if text:
            merged.update(json.loads(text))
    return merged
