"""Which rows the command line exports: all of a kind (the operator who runs `accord`
sees everything), optionally those created or occurred within UTC days — the same days
the funnel report counts in."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet

from accord.core.errors import InvalidInput
from accord.exports.rows import EXPORTS


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def export_queryset(*, kind: str, date_from: date | None = None, date_to: date | None = None) -> QuerySet:
    """Every row of `kind` whose time falls in [date_from, date_to] (inclusive; either end
    open when omitted), oldest id first so a re-import meets rows in the order they came."""
    if kind not in EXPORTS:
        raise InvalidInput(f"Unknown export '{kind}'; one of {', '.join(EXPORTS)}.", field="kind")
    if date_from and date_to and date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    spec = EXPORTS[kind]
    rows = spec.model.objects.all()
    if date_from:
        rows = rows.filter(**{f"{spec.date_field}__gte": _day_start(date_from)})
    if date_to:
        rows = rows.filter(**{f"{spec.date_field}__lt": _day_start(date_to + timedelta(days=1))})
    return rows.order_by("id")
