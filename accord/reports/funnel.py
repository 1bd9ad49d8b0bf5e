"""The cohort funnel: the leads created in a period and how many of them have reached each
stage so far, stage-to-stage conversion, per group of leads (`reports.groups`) — with the
same numbers for a comparison period beside them and the change.

Counted from the append-only lead events, through their summaries (`reports.summaries`,
brought up to date first): each lead's furthest step, counted in the database."""

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from django.db.models import Count, IntegerField, Q
from django.db.models.functions import Cast

from accord.core.bulk import frame_of
from accord.crm.models import Lead, Stage
from accord.reports.groups import group_check, group_labels, group_value
from accord.reports.models import LeadMilestones
from accord.reports.selectors import ComparedReport, change, comparison_period, period_bounds, rate
from accord.reports.summaries import (
    FUNNEL_STEPS,
    GROUP_KEYS,
    SIDE_EXITS,
    listed,
    summaries_refresh,
    unlisted,
    with_group_values,
)

COUNTS = ("leads", *(s.value for s in FUNNEL_STEPS), *(s.value for s in SIDE_EXITS))
CONVERSIONS = ("lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_customer", "lead_to_customer")


@dataclass(slots=True)
class FunnelRow:
    group: str
    leads: int
    reached: dict[str, int]
    exits: dict[str, int]
    conversion: dict[str, float | None] = field(default_factory=dict)
    previous: "FunnelRow | None" = None  # the same group in the comparison period

    def measures(self) -> dict:
        return {"leads": self.leads, **self.reached, **self.exits, "conversion": self.conversion}

    def change(self) -> dict:
        """Counts: this period's less the previous one's; conversions: the difference as a
        share (0.05 is 5 points up), None where either side has nothing to divide."""
        now, before = self.measures(), self.previous.measures()
        return {
            **{name: now[name] - before[name] for name in COUNTS},
            "conversion": {name: change(now["conversion"][name], before["conversion"][name]) for name in CONVERSIONS},
        }

    def as_dict(self) -> dict:
        """`previous` and `change` only when the report compares."""
        if self.previous is None:
            return {"group": self.group, **self.measures()}
        return {"group": self.group, **self.measures(), "previous": self.previous.measures(), "change": self.change()}


class Funnel(ComparedReport):
    rows: list[FunnelRow]


def _conversions(leads: int, reached: dict[str, int]) -> dict[str, float | None]:
    names = ["lead", *FUNNEL_STEPS]
    counts = [leads, *(reached[s] for s in FUNNEL_STEPS)]
    rates = {f"{a}_to_{b}": rate(cb, ca) for a, b, ca, cb in zip(names, names[1:], counts, counts[1:], strict=False)}
    rates["lead_to_customer"] = rate(reached[Stage.CUSTOMER], leads)
    return rates


def _row(group: str, values: dict) -> FunnelRow:
    reached_counts = {s.value: values[s.value] for s in FUNNEL_STEPS}
    return FunnelRow(
        group=group,
        leads=values["leads"],
        reached=reached_counts,
        exits={s.value: values[s.value] for s in SIDE_EXITS},
        conversion=_conversions(values["leads"], reached_counts),
    )


def _reached(prefix: str = "") -> dict:
    """How many reached each funnel step and side exit, counted over the milestones — or,
    with `prefix` "milestones__", over their leads."""
    return {
        **{s.value: Count("pk", filter=Q(**{f"{prefix}step__gte": n})) for n, s in enumerate(FUNNEL_STEPS, 1)},
        **{s.value: Count("pk", filter=Q(**{f"{prefix}{s.value}": True})) for s in SIDE_EXITS},
    }


def _cohort(start: datetime, end: datetime, by: str | None) -> tuple[dict, dict]:
    """The counts of the leads created in [start, end): {group value: counts} under `by`
    (empty without), and the counts of them all. Counted in the database: the cohort's leads
    from the leads, how many reached each step or side exit from their milestones
    (`reports.summaries`; a lead that reached none has no row) — each from one index when
    there are no groups."""
    cohort = Lead.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if not by:
        milestones = LeadMilestones.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
        return {}, {"leads": cohort.count(), **milestones.aggregate(**_reached())}
    if by in GROUP_KEYS:
        return _cohort_listed(start, end, by)
    leads = frame_of(
        cohort.values(value=group_value(by)).annotate(leads=Count("pk")).values_list("value", "leads"),
        ["value", "leads"],
        {"leads": pl.Int64},
    )
    reached = _reached("milestones__")
    reached_frame = frame_of(
        Lead.objects.filter(milestones__created_at__gte=start, milestones__created_at__lt=end)
        .order_by()
        .values(value=group_value(by))
        .annotate(**reached)
        .values_list("value", *reached),
        ["value", *reached],
        dict.fromkeys(reached, pl.Int64),
    )
    # Every lead with milestones is in the cohort, so in a group `leads` has.
    reached_frame = reached_frame.with_columns(pl.col("value").cast(leads.schema["value"]))
    frame = leads.join(reached_frame, on="value", how="left", nulls_equal=True).with_columns(
        pl.col(*reached).fill_null(0)
    )
    names = ["leads", *reached]
    grouped = {values.pop("value"): values for values in frame.select("value", *names).iter_rows(named=True)}
    return grouped, frame.select(pl.col(name).sum() for name in names).row(0, named=True)


def _lists(aggregated: dict) -> pl.DataFrame:
    """The columns `listed` read (None for no rows), a row per element."""
    if aggregated["lead"] is None:
        return pl.DataFrame(schema=dict.fromkeys(aggregated, pl.Int64))
    frame = pl.DataFrame({name: [text] for name, text in aggregated.items()})
    return frame.select(unlisted(name) for name in aggregated).explode(pl.all(), empty_as_null=False)


def _cohort_listed(start: datetime, end: datetime, by: str) -> tuple[dict, dict]:
    """`_cohort` for a group keyed by a number (`summaries.GROUP_KEYS`): the cohort's leads
    with their keys, and its milestones, read as lists and counted with Polars. A lead's
    milestones carry its creation time, so they are read from their own narrow table and
    take their group from the cohort's leads — not by a lookup of each in the wide lead
    table."""
    key = GROUP_KEYS[by]
    leads = _lists(
        Lead.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(lead=listed("id"), key=listed(key))
    )
    reached = _lists(
        LeadMilestones.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
            lead=listed("lead_id"),
            step=listed("step"),
            **{s.value: listed(Cast(s.value, IntegerField())) for s in SIDE_EXITS},
        )
    )
    counts = [
        *((pl.col("step") >= n).sum().alias(s.value) for n, s in enumerate(FUNNEL_STEPS, 1)),
        *((pl.col(s.value) == 1).sum().alias(s.value) for s in SIDE_EXITS),
    ]
    names = ["leads", *(s.value for s in (*FUNNEL_STEPS, *SIDE_EXITS))]
    cohort = with_group_values(leads, by).select("lead", "value")
    per_value = (
        cohort.group_by("value")
        .agg(pl.len().alias("leads"))
        .join(reached.join(cohort, on="lead").group_by("value").agg(counts), on="value", how="left", nulls_equal=True)
        .select("value", pl.col(names).fill_null(0).cast(pl.Int64))
    )
    grouped = {values.pop("value"): values for values in per_value.iter_rows(named=True)}
    return grouped, {name: sum(values[name] for values in grouped.values()) for name in names}


def funnel_report(*, date_from: date, date_to: date, by: str | None = None) -> list[FunnelRow]:
    """Cohort funnel: the leads created in [date_from, date_to] (UTC days, inclusive), and how
    many of them have ever reached each stage — or a later one, since converting an MQL
    accepts it on the way. Rows per group (largest first), then a total row named "All"."""
    return funnel_compared(date_from=date_from, date_to=date_to, by=by, compare="none").rows


def funnel_compared(*, date_from: date, date_to: date, by: str | None = None, compare: str = "previous") -> Funnel:
    """`funnel_report`, each row with the same group's numbers in the comparison period
    (`selectors.comparison_period`; zeros where the group had no leads then) and the change.
    A group with leads only in the comparison period has no row: the total holds them."""
    group_check(by)
    period = comparison_period(date_from, date_to, compare)
    summaries_refresh()
    grouped, total = _cohort(*period_bounds(date_from, date_to), by)
    before, before_total = _cohort(*period_bounds(*period), by) if period else ({}, None)
    labels = group_labels(by, grouped) if by else {}
    rows = [_row(labels[value], counts) for value, counts in grouped.items()]
    total_row = _row("All", total)
    if period:
        nothing = dict.fromkeys(COUNTS, 0)
        for row, value in zip(rows, grouped, strict=True):
            row.previous = _row(row.group, before.get(value, nothing))
        total_row.previous = _row("All", before_total)
    rows.sort(key=lambda row: (-row.leads, row.group.casefold()))
    return Funnel(
        date_from=date_from,
        date_to=date_to,
        by=by,
        compare=compare,
        compare_from=period[0] if period else None,
        compare_to=period[1] if period else None,
        rows=[*rows, total_row],
    )


# One flat row per group, for CSV files (web and command line alike): the period's numbers,
# then — when compared — the previous period's and the change, prefixed.
ROW_COLUMNS = ("group", *COUNTS, *CONVERSIONS)


def row_columns(funnel: Funnel) -> tuple[str, ...]:
    if funnel.compare_from is None:
        return ROW_COLUMNS
    measures = (*COUNTS, *CONVERSIONS)
    return (*ROW_COLUMNS, *(f"previous_{name}" for name in measures), *(f"change_{name}" for name in measures))


def _flat(measures: dict) -> tuple:
    return (*(measures[name] for name in COUNTS), *(measures["conversion"][name] for name in CONVERSIONS))


def report_rows(funnel: Funnel) -> list[tuple]:
    if funnel.compare_from is None:
        return [(row.group, *_flat(row.measures())) for row in funnel.rows]
    return [
        (row.group, *_flat(row.measures()), *_flat(row.previous.measures()), *_flat(row.change()))
        for row in funnel.rows
    ]
