"""The few database operations done in bulk (imports, rescoring), at the speed the
database allows: COPY on PostgreSQL, one prepared statement for many rows on SQLite.
Everything runs on Django's connection, inside the caller's transaction."""

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

SQLITE_PARAMS = 30_000  # below SQLite's default limit of 32,766 bound values
UTC_DATETIME = pl.Datetime("us", "UTC")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def memory_map_off() -> Iterator[None]:
    """Bulk writes on SQLite without the memory map that reports read through (settings:
    mmap_size). Every page an import touches would stay mapped into the process and count
    as its memory: a 1,000,000-lead import peaked at 1.2 GB with the map and under 0.5 GB
    without it, and ran faster. The connection's size comes back afterwards. Nothing to do
    on PostgreSQL."""
    if is_postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size={size}")


def values_in(values: Sequence[Any]) -> RawSQL | list:
    """A subquery of many values in one bound parameter, for `field__in=`: SQLite would
    refuse tens of thousands of separate parameters."""
    values = list(values)
    if not values:
        return []  # Django answers `__in=[]` with no rows, without asking the database
    if is_postgres():
        if isinstance(values[0], int):
            # Integers as one array literal: the driver would adapt a list item by item
            # (0.25 s for 60,000 ids, against 0.07 s for the text).
            return RawSQL("SELECT unnest(%s::bigint[])", ["{" + ",".join(map(str, map(int, values))) + "}"])
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


def _sqlite_datetime(column: pl.Expr) -> pl.Expr:
    """Aware UTC datetimes as Django's SQLite backend writes them: naive UTC text, with
    microseconds only when there are some."""
    whole = column.dt.strftime("%Y-%m-%d %H:%M:%S")
    micro = column.dt.microsecond()
    return pl.when(micro == 0).then(whole).otherwise(whole + pl.lit(".") + micro.cast(pl.String).str.zfill(6))


def _prepare(model: type[models.Model], frame: pl.DataFrame, *, given: bool = False) -> tuple[list[str], pl.DataFrame]:
    """Every concrete column of `model` but the primary key: from `frame` where it has the
    field (by attname), else the field's default — or, with `given`, only the frame's
    fields. JSON as text, datetimes per database."""
    columns, exprs = [], []
    postgres = is_postgres()
    for field in model._meta.concrete_fields:
        if field.primary_key or (given and field.attname not in frame.columns):
            continue
        name = field.attname
        if name in frame.columns:
            expr = pl.col(name)
            dtype = frame.schema[name]
            if isinstance(field, models.JSONField) and dtype != pl.String:
                raise TypeError(f"{model.__name__}.{name}: pass JSON as text")
            if isinstance(dtype, pl.Datetime) and not postgres:
                expr = _sqlite_datetime(expr)
            if isinstance(dtype, pl.Decimal) and not postgres:
                expr = expr.cast(pl.String)
            if isinstance(dtype, pl.Date) and not postgres:
                expr = expr.dt.strftime("%Y-%m-%d")
        else:
            default = field.get_default()
            if isinstance(field, models.JSONField):
                default = json.dumps(default)
            elif hasattr(default, "isoformat"):
                raise TypeError(f"{model.__name__}.{name}: give a value for every row")
            expr = pl.lit(None) if default is None else pl.lit(default)
        columns.append(field.column)
        exprs.append(expr.alias(field.column))
    return columns, frame.select(exprs)


def insert_frame(model: type[models.Model], frame: pl.DataFrame, *, skip_existing: bool = False) -> int:
    """Insert one row per frame row. Returns the number of rows inserted: with
    `skip_existing`, a row that a unique constraint says is already there (or earlier in
    the frame) is left out instead of failing the transaction."""
    if frame.height == 0:
        return 0
    columns, prepared = _prepare(model, frame)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    if is_postgres():
        with connection.cursor() as cursor:
            target = table
            if skip_existing:  # COPY cannot skip conflicts: through a temporary table
                target = connection.ops.quote_name(f"_insert_{model._meta.db_table}")
                cursor.execute(f"DROP TABLE IF EXISTS {target}")
                cursor.execute(f"CREATE TEMPORARY TABLE {target} AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608
            with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in prepared.iter_rows():
                    copy.write_row(row)
            if not skip_existing:
                return frame.height
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} ON CONFLICT DO NOTHING")  # noqa: S608
            inserted = cursor.rowcount
            cursor.execute(f"DROP TABLE {target}")
            return inserted
    raw = connection.connection.cursor()
    placeholders = ", ".join("?" * len(columns))
    skip = " ON CONFLICT DO NOTHING" if skip_existing else ""
    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders}){skip}", prepared.iter_rows())  # noqa: S608
    return raw.rowcount if skip_existing else frame.height


def ids_by(model: type[models.Model], field: str, values: Iterable[Any]) -> dict[Any, int]:
    """{value: id} for the rows whose `field` is one of `values`."""
    values = [v for v in set(values) if v is not None]
    if not values:
        return {}
    found = model.objects.filter(**{f"{field}__in": values_in(values)}).values_list(field, "id")
    return dict(found.iterator(chunk_size=10_000))


def update_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """UPDATE model SET … WHERE id = … for each frame row: an `id` column and the fields to
    set (by attname), prepared per column as `insert_frame` prepares them. Returns the
    number of rows."""
    if frame.height == 0:
        return 0
    columns, prepared = _prepare(model, frame.drop("id"), given=True)
    prepared = prepared.with_columns(frame["id"])
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", prepared.rows())  # noqa: S608
    return frame.height


# A datetime column read as what the database holds, for Polars to convert in bulk: the
# driver would otherwise build a Python datetime per value (several microseconds each) for
# Polars to turn back into numbers — most of the read, with millions of rows.
# SQLite: the stored text. Unary plus is its identity operator, which leaves no column type
# for the driver to convert by. PostgreSQL: microseconds since the epoch (exact: EXTRACT
# gives a numeric).
_RAW_DATETIME = {
    "sqlite": ("+%(expressions)s", models.TextField()),
    "postgresql": ("(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint", models.BigIntegerField()),
}


def _raw_datetimes(queryset) -> tuple[Any, set[int]]:
    """The same `values_list` with its datetime fields selected raw (`_RAW_DATETIME`), and
    the positions of those columns. Annotations it selects stay where they were."""
    query = queryset.query
    if not query.values_select:
        return queryset, set()
    template, output_field = _RAW_DATETIME[connection.vendor]
    columns, raw = [], set()
    for position, (alias, source) in enumerate(query.selected.items()):
        if not isinstance(source, int):  # an annotation, selected by its name
            columns.append(alias)
            continue
        name = query.values_select[source]
        if isinstance(query.resolve_ref(name).output_field, models.DateTimeField):
            columns.append(models.Func(models.F(name), template=template, output_field=output_field))
            raw.add(position)
        else:
            columns.append(name)
    return queryset.values_list(*columns), raw


def raw_datetime_sql(column: str) -> str:
    """SQL selecting the datetime `column` raw, as `frame_of` reads datetimes, for a query
    written by hand; `datetime_from_raw` turns what it returns into UTC datetimes."""
    return _RAW_DATETIME[connection.vendor][0] % {"expressions": column}


def datetime_from_raw(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return column.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", time_unit="us")
    return column.cast(pl.Int64).cast(UTC_DATETIME)


def frame_of(queryset, names: list[str], types: dict[str, pl.DataType]) -> pl.DataFrame:
    """A `values_list` queryset as a frame with columns `names`, read through the database
    cursor: no ORM conversion per row, which costs more than the work done with millions
    of rows. Datetime fields become UTC datetimes (`_RAW_DATETIME`); `types` casts the
    other columns."""
    queryset, raw = _raw_datetimes(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `__in` an empty list: Django knows there are no rows
        rows = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema={name: types.get(name, pl.String) for name in names})
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    casts = []
    for position, name in enumerate(names):
        column, dtype = pl.col(name), frame.schema[name]
        if position in raw:
            casts.append(datetime_from_raw(column, dtype).alias(name))
        elif name in types and dtype != types[name]:
            casts.append(column.cast(types[name]).alias(name))
    return frame.with_columns(casts) if casts else frame


def _listed(expression) -> models.Aggregate:
    """One text of `expression`'s values over the rows, "" for NULL (so the lists of a query's
    columns stay aligned: one aggregation reads the rows once, in one order, for all)."""
    return models.StringAgg(Coalesce(Cast(expression, models.TextField()), models.Value("")), models.Value(","))


def _listable(output_field: models.Field, name: str) -> None:
    """A comma never occurs in an integer or a datetime, and in text only where it is a code;
    a float's text would not keep every bit on SQLite (its CAST writes 15 digits)."""
    coded = not isinstance(output_field, models.CharField | models.TextField) or output_field.choices
    if isinstance(output_field, models.FloatField | models.DecimalField) or not coded:
        raise TypeError(f"{name}: only integers, datetimes and coded text (choices) can be read as lists")


def frame_of_lists(queryset, names: list[str], types: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame_of`'s frame, read another way: each column as one comma-separated text (the
    database joins the values; Polars splits them), so the driver converts a handful of
    strings instead of a Python object per value — about half the time of a read of
    hundreds of thousands of rows. For columns of integers, datetimes and coded text only
    (`_listable`; a NULL text reads as ""); the row order is the database's."""
    query = queryset.query
    aggregates, raw = {}, set()
    for position, (alias, source) in enumerate(query.selected.items()):
        name = alias if not isinstance(source, int) else query.values_select[source]
        output_field = query.resolve_ref(name).output_field
        _listable(output_field, names[position])
        expression = models.F(name)
        if isinstance(output_field, models.DateTimeField):
            template, raw_field = _RAW_DATETIME[connection.vendor]
            expression = models.Func(expression, template=template, output_field=raw_field)
            raw.add(position)
        aggregates[f"_listed_{position}"] = _listed(expression)
    try:
        texts = queryset.order_by().aggregate(**aggregates)
    except EmptyResultSet:
        texts = {}
    if not texts or texts["_listed_0"] is None:
        return pl.DataFrame(schema={name: types.get(name, pl.String) for name in names})
    frame = pl.DataFrame({name: [texts[f"_listed_{position}"]] for position, name in enumerate(names)})
    frame = frame.select(pl.col(names).str.split(",")).explode(names, empty_as_null=False)
    casts = []
    for position, name in enumerate(names):
        column = pl.col(name).replace("", None)
        if position in raw:
            casts.append(datetime_from_raw(column, pl.Int64 if is_postgres() else pl.String).alias(name))
        elif name in types and types[name] != pl.String:
            casts.append(column.cast(types[name]).alias(name))
    return frame.with_columns(casts) if casts else frame
