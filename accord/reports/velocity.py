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
percentile interpolate linearly between the nearest ranks (`selectors.quantile_of`), to two
decimals.

Counted from the append-only lead events through their summary (`reports.summaries`,
brought up to date first), which holds every stay and arrival at `customer` with its length
in microseconds: the period's are read from one index, their quantiles taken with Polars."""

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from django.db.models import F, Min

from accord.core.bulk import frame_of, frame_of_lists, values_in
from accord.crm.models import Lead
from accord.reports.groups import group_check, group_labels, group_value
from accord.reports.models import LeadStay
from accord.reports.selectors import (
    ComparedReport,
    change,
    comparison_period,
    period_bounds,
    quantile_of,
    two_decimals,
)
from accord.reports.summaries import (
    GROUP_KEYS,
    LEAD_TO_CUSTOMER,
    STAY_STAGES,
    listed,
    summaries_refresh,
    unlisted,
    with_group_values,
)

STAGES = STAY_STAGES
MEASURES = (*STAGES, LEAD_TO_CUSTOMER)
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


def durations_frame(start: datetime, end: datetime, by: str | None = None) -> pl.DataFrame:
    """`measure` and `days`: one row per stay in a stage of STAGES that ended in [start,
    end), and one per lead that reached `customer` in it (its first arrival in the period)
    — with `by`, each lead's group value (`groups.group_value`) as `value`.

    Read from the stays' summary (`reports.summaries`), with the group of each stay's lead
    (`_stays_grouped`): the stays' microseconds as one list of numbers per stage, far fewer
    values through the database driver than a row per stay; the arrivals a row per lead."""
    if by:
        stays = _stays_grouped(start, end, by)
    else:  # from the stays' covering index alone
        stays = _stays(
            LeadStay.objects.filter(stage__in=STAGES, ended_at__gte=start, ended_at__lt=end)
            .values(measure=F("stage"))
            .annotate(microseconds=listed("microseconds")),
            [],
        )
    arrivals = _first_arrivals(start, end, by)
    if by:  # an empty frame's group column has no type of its own: the other one's
        if arrivals.height == 0:
            arrivals = arrivals.cast({"value": stays.schema["value"]})
        elif stays.height == 0:
            stays = stays.cast({"value": arrivals.schema["value"]})
    return pl.concat([stays, arrivals], how="vertical_relaxed")


def _days() -> pl.Expr:
    return (pl.col("microseconds") / MICROSECONDS_A_DAY).alias("days")


def _stays(lists, group: list[str]) -> pl.DataFrame:
    """The stays of a queryset of (group…, measure, microseconds as a list), a row each.
    A stay ends after it begins, so its `since` is before the period's end too."""
    columns = [*group, "measure", "microseconds"]
    frame = frame_of(lists.order_by().values_list(*columns), columns, {"microseconds": pl.String})
    return (
        frame.select(*group, "measure", unlisted("microseconds"))
        .explode("microseconds", empty_as_null=False)
        .select(*group, "measure", _days())
    )


def _stays_grouped(start: datetime, end: datetime, by: str) -> pl.DataFrame:
    """The stays with their lead's group value: per stage, the stays' leads and
    microseconds as two lists off the stays' covering index alone; then what groups those
    leads, looked up in id order (the lead table read once from start to end, not a random
    lookup per stay in the order the stays come) — for a group keyed by a number
    (`summaries.GROUP_KEYS`) the keys as lists, then each key's group value; else the value
    itself (text: a row per lead)."""
    lists = frame_of(
        LeadStay.objects.filter(stage__in=STAGES, ended_at__gte=start, ended_at__lt=end)
        .order_by()
        .values(measure=F("stage"))
        .annotate(lead=listed("lead_id"), microseconds=listed("microseconds"))
        .values_list("measure", "lead", "microseconds"),
        ["measure", "lead", "microseconds"],
        {},
    )
    stays = lists.select("measure", unlisted("lead"), unlisted("microseconds")).explode(
        "lead", "microseconds", empty_as_null=False
    )
    leads = Lead.objects.filter(pk__in=values_in(stays["lead"].unique().sort().to_list())).order_by()
    if by in GROUP_KEYS:
        keys = frame_of_lists(
            leads.values_list("id", GROUP_KEYS[by]), ["lead", "key"], {"lead": pl.Int64, "key": pl.Int64}
        )
        values = with_group_values(keys, by).select("lead", "value")
    else:
        values = frame_of(
            leads.annotate(value=group_value(by)).values_list("id", "value"), ["lead", "value"], {"lead": pl.Int64}
        )
    return stays.join(values, on="lead").select("value", "measure", _days())


def _first_arrivals(start: datetime, end: datetime, by: str | None) -> pl.DataFrame:
    """The leads that reached `customer` in the period, a row each: a lead's arrivals share
    its creation, so the first one in the period is the shortest."""
    group = {"value": group_value(by)} if by else {}
    arrivals = Lead.objects.filter(
        stays__stage=LEAD_TO_CUSTOMER, stays__ended_at__gte=start, stays__ended_at__lt=end, stays__since__lt=end
    )
    firsts = frame_of(
        arrivals.order_by()
        .values("id", **group)
        .annotate(microseconds=Min("stays__microseconds"))
        .values_list("id", *group, "microseconds"),
        ["key", *group, "microseconds"],
        {"microseconds": pl.Int64},
    )
    return firsts.select(*group, pl.lit(LEAD_TO_CUSTOMER).alias("measure"), _days())


def _measured(durations: pl.DataFrame, by: list[str]) -> dict:
    """{(group value…, measure): Durations} of `durations`, per group `by` and measure: the
    counts and quantiles of every group in one Polars aggregation, not a partition of the
    frame per group and measure."""
    stats = durations.group_by(*by, "measure").agg(
        pl.len().alias("count"),
        quantile_of(pl.col("days"), 0.5).alias("median"),
        quantile_of(pl.col("days"), 0.9).alias("p90"),
    )
    return {
        (*keys, measure): Durations(count, two_decimals(median), two_decimals(p90))
        for *keys, measure, count, median, p90 in stats.iter_rows()
    }


def _row(group: str, measured: dict, *value) -> VelocityRow:
    """The row of `group` (its value in `measured`, if grouped): None counted where a
    measure had nothing."""
    return VelocityRow(group, {name: measured.get((*value, name)) or Durations(0, None, None) for name in MEASURES})


def velocity_report(*, date_from: date, date_to: date, by: str | None = None, compare: str = "previous") -> Velocity:
    """The stays that ended in [date_from, date_to] (UTC days, inclusive) per stage, and the
    days to customer, per group (most stays first) and in total ("All"); each row with the
    same group's numbers in the comparison period (`selectors.comparison_period`; none
    counted where the group had none then) and the change. A group with stays only in the
    comparison period has no row: the total holds them."""
    group_check(by)
    period = comparison_period(date_from, date_to, compare)
    summaries_refresh()
    now = durations_frame(*period_bounds(date_from, date_to), by)
    before = durations_frame(*period_bounds(*period), by) if period else None
    rows = {}
    if by:
        values = now["value"].unique().to_list()
        labels, measured = group_labels(by, values), _measured(now, ["value"])
        rows = {value: _row(labels[value], measured, value) for value in values}
    total = _row("All", _measured(now, []))
    if before is not None:
        if by:
            earlier = _measured(before, ["value"])
            for value, row in rows.items():
                row.previous = _row(row.group, earlier, value)
        total.previous = _row("All", _measured(before, []))
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
