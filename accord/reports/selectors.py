"""What every report shares: rates, quantiles, a period's bounds and the period set beside
it. Reports read the append-only lead events, never the leads' current stage, so a past
period gives the same answer tomorrow as today."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import polars as pl
from django.utils import timezone

from accord.core.errors import InvalidInput

NONE_LABEL = "(none)"


def rate(numerator: int, denominator: int) -> float | None:
    """A share to four decimals, as every report gives it; None where nothing was counted."""
    return round(numerator / denominator, 4) if denominator else None


def quantile_of(column: pl.Expr, q: float) -> pl.Expr:
    """The q-quantile of `column` (of each group, in an aggregation): linear interpolation
    between the closest ranks, as numpy's default. Reports give it with `two_decimals`."""
    return column.quantile(q, interpolation="linear")


def two_decimals(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def quantile(values: pl.Series, q: float) -> float | None:
    """`quantile_of` one series, two decimals; None of nothing."""
    if values.len() == 0:
        return None
    return two_decimals(values.to_frame("values").select(quantile_of(pl.col("values"), q)).item())


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    start = datetime.combine(date_from, time.min, tzinfo=timezone.UTC)
    return start, datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=timezone.UTC)


COMPARISONS = ("previous", "year", "none")


def _year_earlier(day: date) -> date:
    """The same date a year earlier; 29 February becomes 28 February."""
    return day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


@dataclass(slots=True)
class ComparedReport:
    """A report's rows over a period, grouped `by`, each with the same numbers for the
    comparison period when there is one (the funnel, velocity)."""

    date_from: date
    date_to: date
    by: str | None
    compare: str
    compare_from: date | None
    compare_to: date | None
    rows: list  # per group, then the total named "All"; each row has as_dict()

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
            "compare": self.compare,
            "compare_from": self.compare_from.isoformat() if self.compare_from else None,
            "compare_to": self.compare_to.isoformat() if self.compare_to else None,
            "rows": [row.as_dict() for row in self.rows],
        }


def comparison_period(date_from: date, date_to: date, compare: str) -> tuple[date, date] | None:
    """The period a report sets beside [date_from, date_to] (inclusive days):

    - `previous`: exactly a calendar month → the month before; exactly a calendar quarter →
      the quarter before; exactly a calendar year → the year before; any other span → as
      many days, ending the day before `date_from`;
    - `year`: the same dates a year earlier (29 February → 28 February);
    - `none`: None, nothing beside it."""
    if compare not in COMPARISONS:
        raise InvalidInput(f"Compare with one of: {', '.join(COMPARISONS)}.", field="compare")
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    if compare == "none":
        return None
    if compare == "year":
        return _year_earlier(date_from), _year_earlier(date_to)
    day_before = date_from - timedelta(days=1)
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    whole_months = date_from.day == 1 and (date_to + timedelta(days=1)).day == 1
    quarter, year = months == 3 and date_from.month % 3 == 1, months == 12 and date_from.month == 1
    if whole_months and (months == 1 or quarter or year):
        first = date_from
        for _ in range(months):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, day_before
    return date_from - timedelta(days=(date_to - date_from).days + 1), day_before


def change(current: float | None, previous: float | None, places: int = 4) -> float | None:
    """This period's value less the previous one's, rounded to `places`; None where either
    is missing. For a rate (a share), the difference in points as a share: 0.05 is +5 pts."""
    if current is None or previous is None:
        return None
    return round(current - previous, places)
