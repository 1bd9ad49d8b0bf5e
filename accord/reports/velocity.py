"""Velocity: how long leads stay in each stage, per group of leads (`reports.groups`), with
the same numbers for a comparison period beside them and the change.

A *stay* is the time a lead spent in one stage: from the event that put it there — its
`created` event for the stage it was created in (imports write one too, at the lead's
creation time), else the stage event into the stage — to the stage event that took it out.
A period counts the stays that ended in it, in `subscriber`, `lead`, `mql`, `sal` and `sql`;
a lead recycled and qualified again has two `mql` stays. `lead_to_customer` is the time
from a lead's creation to its reaching `customer`, for the leads that reached it in the
period (the first time in the period).

Days are elapsed time, seconds / 86,400: weekends count, and a daylight-saving change makes
no day 23 or 25 hours long, since the events are instants in UTC. Median and 90th
percentile interpolate linearly between the nearest ranks (`selectors.quantile`), to two
decimals.

Read from the append-only lead events through the cursor (`frame_of`) and computed with
Polars over the whole frame: the period's stage events, the history of the leads they
moved, and each event's predecessor (a shift over the lead)."""

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from accord.core.bulk import UTC_DATETIME, frame_of, values_in
from accord.crm.models import Lead, LeadEvent, Stage
from accord.reports.groups import group_check, group_labels, group_value
from accord.reports.selectors import ComparedReport, change, comparison_period, period_bounds, quantile

STAGES = (Stage.SUBSCRIBER.value, Stage.LEAD.value, Stage.MQL.value, Stage.SAL.value, Stage.SQL.value)
MEASURES = (*STAGES, "lead_to_customer")
MICROSECONDS_A_DAY = 86_400 * 1_000_000


@dataclass(slots=True)
class Durations:
    """The stays (or leads, for `lead_to_customer`) counted, and their median and 90th
    percentile in days; None without any."""

    count: int
    median_days: float | None
    p90_days: float | None

    def as_dict(self) -> dict:
        return {"count": self.count, "median_days": self.median_days, "p90_days": self.p90_days}

    def change(self, previous: "Durations") -> dict:
        return {
            "count": self.count - previous.count,
            "median_days": change(self.median_days, previous.median_days, 2),
            "p90_days": change(self.p90_days, previous.p90_days, 2),
        }


@dataclass(slots=True)
class VelocityRow:
    group: str
    times: dict[str, Durations]  # per name of MEASURES
    previous: "VelocityRow | None" = None  # the same group in the comparison period

    @property
    def count(self) -> int:
        """The stays counted (what orders the groups)."""
        return sum(self.times[name].count for name in STAGES)

    def measures(self) -> dict:
        return {name: self.times[name].as_dict() for name in MEASURES}

    def change(self) -> dict:
        return {name: self.times[name].change(self.previous.times[name]) for name in MEASURES}

    def as_dict(self) -> dict:
        """`previous` and `change` only when the report compares."""
        if self.previous is None:
            return {"group": self.group, **self.measures()}
        return {"group": self.group, **self.measures(), "previous": self.previous.measures(), "change": self.change()}


class Velocity(ComparedReport):
    rows: list[VelocityRow]


def durations_frame(start: datetime, end: datetime) -> pl.DataFrame:
    """`key` (the lead), `measure` and `days`: one row per stay in a stage of STAGES that
    ended in [start, end), and one per lead that reached `customer` in it."""
    moved = (
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STAGE,
            to_stage__in=Stage.values,  # every stage: lets the (to_stage, occurred_at) index find the period
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .order_by()
        .values("lead_id")
    )
    history = frame_of(
        LeadEvent.objects.filter(
            lead_id__in=moved, kind__in=[LeadEvent.Kind.CREATED, LeadEvent.Kind.STAGE], occurred_at__lt=end
        )
        .order_by()
        .values_list("lead_id", "occurred_at", "id", "kind", "from_stage", "to_stage"),
        ["key", "at", "id", "kind", "from_stage", "to_stage"],
        {
            "key": pl.Int64,
            "at": UTC_DATETIME,
            "id": pl.Int64,
            "kind": pl.String,
            "from_stage": pl.String,
            "to_stage": pl.String,
        },
    ).sort("key", "at", "id")
    days = ((pl.col("at") - pl.col("since")).dt.total_microseconds() / MICROSECONDS_A_DAY).alias("days")
    left_in_period = (pl.col("kind") == LeadEvent.Kind.STAGE.value) & (pl.col("at") >= pl.lit(start, UTC_DATETIME))
    stays = (
        history.with_columns(pl.col("at").shift(1).over("key").alias("since"))
        .filter(left_in_period & pl.col("from_stage").is_in(STAGES) & pl.col("since").is_not_null())
        .select("key", pl.col("from_stage").alias("measure"), days)
    )
    created = (
        history.filter(pl.col("kind") == LeadEvent.Kind.CREATED.value)
        .group_by("key")
        .agg(pl.col("at").min().alias("since"))
    )
    customers = (
        history.filter(left_in_period & (pl.col("to_stage") == Stage.CUSTOMER.value))
        .group_by("key")
        .agg(pl.col("at").min())
        .join(created, on="key")
        .select("key", pl.lit("lead_to_customer").alias("measure"), days)
    )
    return pl.concat([stays, customers])


def _grouped(durations: pl.DataFrame, by: str) -> pl.DataFrame:
    """`durations` with each lead's group value (`groups.group_value`) as `value`."""
    leads = frame_of(
        Lead.objects.filter(pk__in=values_in(durations["key"].unique().to_list()))
        .order_by()
        .values_list("id", group_value(by)),
        ["key", "value"],
        {"key": pl.Int64},
    )
    return durations.join(leads, on="key", how="left")


def _durations(days: pl.Series) -> Durations:
    return Durations(days.len(), quantile(days, 0.5), quantile(days, 0.9))


def _row(group: str, durations: pl.DataFrame) -> VelocityRow:
    days = {measure: frame["days"] for (measure,), frame in durations.partition_by("measure", as_dict=True).items()}
    nothing = pl.Series("days", [], dtype=pl.Float64)
    return VelocityRow(group, {name: _durations(days.get(name, nothing)) for name in MEASURES})


def _per_value(durations: pl.DataFrame) -> dict:
    return {value: frame for (value,), frame in durations.partition_by("value", as_dict=True).items()}


def velocity_report(*, date_from: date, date_to: date, by: str | None = None, compare: str = "previous") -> Velocity:
    """The stays that ended in [date_from, date_to] (UTC days, inclusive) per stage, and the
    days to customer, per group (most stays first) and in total ("All"); each row with the
    same group's numbers in the comparison period (`selectors.comparison_period`; none
    counted where the group had none then) and the change. A group with stays only in the
    comparison period has no row: the total holds them."""
    group_check(by)
    period = comparison_period(date_from, date_to, compare)
    now = durations_frame(*period_bounds(date_from, date_to))
    before = durations_frame(*period_bounds(*period)) if period else None
    rows = {}
    if by:
        now = _grouped(now, by)
        labels = group_labels(by, now["value"].unique().to_list())
        rows = {value: _row(labels[value], frame) for value, frame in _per_value(now).items()}
    total = _row("All", now)
    if before is not None:
        earlier = _per_value(_grouped(before, by)) if by else {}
        for value, row in rows.items():
            row.previous = _row(row.group, earlier.get(value, before.clear()))
        total.previous = _row("All", before)
    ordered = sorted(rows.values(), key=lambda row: (-row.count, row.group.casefold()))
    return Velocity(
        date_from=date_from,
        date_to=date_to,
        by=by,
        compare=compare,
        compare_from=period[0] if period else None,
        compare_to=period[1] if period else None,
        rows=[*ordered, total],
    )


# One flat row per group, for CSV files (web and command line alike): count, median and
# 90th percentile of each measure; when compared, the previous period's and the change.
TIMES = ("count", "median_days", "p90_days")
ROW_COLUMNS = ("group", *(f"{name}_{time}" for name in MEASURES for time in TIMES))


def row_columns(velocity: Velocity) -> tuple[str, ...]:
    if velocity.compare_from is None:
        return ROW_COLUMNS
    return (*ROW_COLUMNS, *(f"previous_{name}" for name in ROW_COLUMNS[1:]), *(f"change_{n}" for n in ROW_COLUMNS[1:]))


def _flat(measures: dict) -> tuple:
    return tuple(measures[name][time] for name in MEASURES for time in TIMES)


def report_rows(velocity: Velocity) -> list[tuple]:
    if velocity.compare_from is None:
        return [(row.group, *_flat(row.measures())) for row in velocity.rows]
    return [
        (row.group, *_flat(row.measures()), *_flat(row.previous.measures()), *_flat(row.change()))
        for row in velocity.rows
    ]
