"""The cohort funnel: the leads created in a period and how many of them have reached each
stage so far, stage-to-stage conversion, per group of leads (`reports.groups`) — with the
same numbers for a comparison period beside them and the change.

Counted from the append-only lead events: the cohort and the stages its leads reached are
read through the cursor (`frame_of`) and counted with Polars, set-based."""

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from accord.core.bulk import frame_of
from accord.crm.models import Lead, LeadEvent, Stage
from accord.reports.groups import group_check, group_labels, group_value
from accord.reports.selectors import ComparedReport, change, comparison_period, period_bounds, rate

FUNNEL_STEPS = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER)
SIDE_EXITS = (Stage.RECYCLED, Stage.DISQUALIFIED)
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


def _cohort(start: datetime, end: datetime, by: str | None) -> tuple[dict, dict]:
    """The counts of the leads created in [start, end): {group value: counts} under `by`
    (empty without), and the counts of them all. One read of the cohort and one of the
    stages its leads ever reached (distinct lead and stage), counted with Polars."""
    cohort = Lead.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if by:
        leads = frame_of(cohort.values_list("id", group_value(by)), ["key", "value"], {"key": pl.Int64})
    else:
        leads = frame_of(cohort.values_list("id"), ["key"], {"key": pl.Int64}).with_columns(value=pl.lit(None))
    reached = frame_of(
        LeadEvent.objects.filter(
            lead__created_at__gte=start, lead__created_at__lt=end, to_stage__in=[*FUNNEL_STEPS, *SIDE_EXITS]
        )
        .order_by()
        .values_list("lead_id", "to_stage")
        .distinct(),
        ["key", "to_stage"],
        {"key": pl.Int64, "to_stage": pl.String},
    )
    # The furthest step each lead reached (1 = mql … 4 = customer): it reached every one before.
    steps = {stage.value: number for number, stage in enumerate(FUNNEL_STEPS, 1)}
    per_lead = reached.group_by("key").agg(
        pl.col("to_stage").replace_strict(steps, default=0, return_dtype=pl.Int8).max().alias("step"),
        *((pl.col("to_stage") == stage.value).any().alias(stage.value) for stage in SIDE_EXITS),
    )
    frame = leads.join(per_lead, on="key", how="left").with_columns(
        pl.col("step").fill_null(0), *(pl.col(stage.value).fill_null(False) for stage in SIDE_EXITS)
    )
    counts = [
        pl.len().alias("leads"),
        *((pl.col("step") >= number).sum().alias(stage) for stage, number in steps.items()),
        *(pl.col(stage.value).sum().alias(stage.value) for stage in SIDE_EXITS),
    ]
    grouped = {}
    if by:
        grouped = {values.pop("value"): values for values in frame.group_by("value").agg(counts).iter_rows(named=True)}
    return grouped, frame.select(counts).row(0, named=True)


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
