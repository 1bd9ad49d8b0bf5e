"""Pipeline and revenue: the deals created, open, won and lost in a period, win rate, won
revenue, average deal size and the median sales cycle — by owner, team, source, campaign
or month; and marketing-sourced against sales-sourced deals side by side.

Deals' statuses come from their append-only history (`accord.reports.deals`), so a past
period keeps its numbers when a deal is reopened later. Deals imported without a lead
count everywhere; grouped by source or campaign they form their own "(no lead)" row, and
they are sales-sourced.

- `created`: deals created in the period (and their amount);
- `open`: deals open at the period's end (and their amount);
- `won`, `lost`: deals whose last close before the period's end falls in the period;
- `win_rate` = won / (won + lost); `average_deal` = won revenue / won;
- `median_cycle_days`: of the deals won, the median of (won − created), in days.
"""

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from accord.core.bulk import UTC_DATETIME, frame_of, values_in
from accord.core.errors import InvalidInput
from accord.crm.models import LeadEvent, Opportunity, OpportunityEvent, Stage
from accord.reports import deals
from accord.reports.selectors import NONE_LABEL, period_bounds, quantile, quantile_of, rate, two_decimals

GROUPS = ("owner", "team", "source", "campaign", "month")
SIDES = ("marketing", "sales")
NO_LEAD = "(no lead)"
COUNTS = ("created", "open", "won", "lost")
AMOUNTS = ("created_amount", "open_amount", "won_revenue")
DAY = 86_400


@dataclass(slots=True)
class PipelineRow:
    group: str
    counts: dict[str, int]
    amounts: dict[str, float]
    median_cycle_days: float | None

    @property
    def win_rate(self) -> float | None:
        return rate(self.counts["won"], self.counts["won"] + self.counts["lost"])

    @property
    def average_deal(self) -> float | None:
        return round(self.amounts["won_revenue"] / self.counts["won"], 2) if self.counts["won"] else None

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            **self.counts,
            **self.amounts,
            "win_rate": self.win_rate,
            "average_deal": self.average_deal,
            "median_cycle_days": self.median_cycle_days,
        }


@dataclass(slots=True)
class Pipeline:
    date_from: date
    date_to: date
    by: str | None
    rows: list[PipelineRow]
    total: PipelineRow

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
        }


def _measures(start: datetime, end: datetime, history: pl.DataFrame) -> pl.DataFrame:
    """One row per (deal, measure) of [start, end): measure is created, open, won or lost;
    `at` is when it was created, the period's end, or when it closed. `history` is
    `deals.status_history(end)`."""
    created = history.filter((pl.col("kind") == OpportunityEvent.Kind.CREATED.value) & (pl.col("at") >= start))
    last = deals.last_status(history)
    closed = last.filter((pl.col("status") != Opportunity.Status.OPEN.value) & (pl.col("at") >= start))
    still_open = last.filter(pl.col("status") == Opportunity.Status.OPEN.value)
    at_end = pl.lit(end, UTC_DATETIME)
    return pl.concat(
        [
            created.select("opportunity", pl.lit("created").alias("measure"), "at"),
            still_open.select("opportunity", pl.lit("open").alias("measure"), at_end.alias("at")),
            closed.select("opportunity", pl.col("status").alias("measure"), "at"),
        ]
    )


LEAD_FIELDS = {"source": "source", "campaign": "campaign__code"}


def _lead_groups(frame: pl.DataFrame) -> pl.DataFrame:
    """The deals' leads' source or campaign code (`lead_value`) as `group`: "(no lead)"
    without a lead."""
    return frame.with_columns(
        pl.when(pl.col("lead").is_null())
        .then(pl.lit(NO_LEAD))
        .when(pl.col("lead_value").is_null() | (pl.col("lead_value") == ""))
        .then(pl.lit(NONE_LABEL))
        .otherwise(pl.col("lead_value"))
        .alias("group")
    )


def _grouped(measures: pl.DataFrame, by: str | None, attributes: pl.DataFrame | None = None) -> pl.DataFrame:
    """`measures` with each deal's attributes (`deals.deals_frame`, read unless given) and
    its `group` under `by`."""
    if attributes is None:
        attributes = deals.deals_frame(measures["opportunity"].unique().to_list(), LEAD_FIELDS.get(by or ""))
    frame = measures.join(attributes, on="opportunity")
    if by in ("owner", "team"):
        return frame.with_columns(pl.col(by).alias("group"))
    if by in ("source", "campaign"):
        return _lead_groups(frame)
    if by == "month":
        return frame.with_columns(pl.col("at").dt.strftime("%Y-%m").alias("group"))
    return frame.with_columns(pl.lit("All").alias("group"))


def _row(group: str, frame: pl.DataFrame) -> PipelineRow:
    count = dict(frame.group_by("measure").len().iter_rows())
    amount = dict(frame.group_by("measure").agg(pl.col("amount").sum()).iter_rows())
    won = frame.filter(pl.col("measure") == "won")
    cycle = (
        ((won["at"] - won["created_at"]).dt.total_seconds() / DAY) if won.height else pl.Series([], dtype=pl.Float64)
    )
    return PipelineRow(
        group=group,
        counts={name: count.get(name, 0) for name in COUNTS},
        amounts={
            "created_amount": round(amount.get("created", 0.0), 2),
            "open_amount": round(amount.get("open", 0.0), 2),
            "won_revenue": round(amount.get("won", 0.0), 2),
        },
        median_cycle_days=quantile(cycle, 0.5),
    )


def _rows(frame: pl.DataFrame) -> list[PipelineRow]:
    """`_row` of each group, computed for all groups at once (hundreds of campaigns)."""
    sums = frame.group_by("group", "measure").agg(pl.len().alias("count"), pl.col("amount").sum())
    cycles = (
        frame.filter(pl.col("measure") == "won")
        .group_by("group")
        .agg(quantile_of((pl.col("at") - pl.col("created_at")).dt.total_seconds() / DAY, 0.5).alias("median"))
    )
    counts: dict[str, dict[str, int]] = {}
    amounts: dict[str, dict[str, float]] = {}
    for group, measure, count, amount in sums.iter_rows():
        counts.setdefault(group, {})[measure] = count
        amounts.setdefault(group, {})[measure] = amount
    medians = {group: two_decimals(median) for group, median in cycles.iter_rows()}
    return [
        PipelineRow(
            group=group,
            counts={name: count.get(name, 0) for name in COUNTS},
            amounts={
                "created_amount": round(amounts[group].get("created", 0.0), 2),
                "open_amount": round(amounts[group].get("open", 0.0), 2),
                "won_revenue": round(amounts[group].get("won", 0.0), 2),
            },
            median_cycle_days=medians.get(group),
        )
        for group, count in counts.items()
    ]


def _month_ends(start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """(YYYY-MM, the moment that month's part of the period ends) for each month of it."""
    months, cursor = [], start
    while cursor < end:
        following = datetime(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1, tzinfo=cursor.tzinfo)
        months.append((f"{cursor:%Y-%m}", min(following, end)))
        cursor = following
    return months


def pipeline_report(*, date_from: date, date_to: date, by: str | None = None) -> Pipeline:
    """The pipeline of [date_from, date_to] (UTC days), per group of `by` (one of GROUPS, or
    None for the total alone), biggest won revenue first; by month, in calendar order, each
    month's open deals counted at that month's end."""
    if by is not None and by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    history = deals.status_history(end)
    measures = _measures(start, end, history)
    if by == "month":
        month_ends = _month_ends(start, end)
        month_of = pl.DataFrame(
            {"at": [moment for _, moment in month_ends], "month": [month for month, _ in month_ends]},
            schema={"at": UTC_DATETIME, "month": pl.String},
        )
        month_open = (
            deals.open_at_each([moment for _, moment in month_ends], history)
            .select("opportunity", pl.lit("open").alias("measure"), pl.col("moment").alias("at"))
            .join(month_of, on="at")
        )
        flows = measures.filter(pl.col("measure") != "open").with_columns(
            pl.col("at").dt.strftime("%Y-%m").alias("month")
        )
        monthly = pl.concat([flows, month_open])
        # One read of the deals for the months and the total alike.
        attributes = deals.deals_frame(pl.concat([monthly["opportunity"], measures["opportunity"]]).unique().to_list())
        frame = _grouped(monthly, None, attributes).with_columns(pl.col("month").alias("group"))
        by_month = {row.group: row for row in _rows(frame)}
        rows = [by_month.get(month) or _row(month, frame.clear()) for month, _ in _month_ends(start, end)]
        total = _row("All", _grouped(measures, None, attributes))
    else:
        frame = _grouped(measures, by)
        rows = (
            sorted(_rows(frame), key=lambda r: (-r.amounts["won_revenue"], -r.counts["created"], r.group)) if by else []
        )
        total = _row("All", frame)
    return Pipeline(date_from=date_from, date_to=date_to, by=by, rows=rows, total=total)


def sourcing_report(*, date_from: date, date_to: date) -> Pipeline:
    """Marketing-sourced against sales-sourced deals of [date_from, date_to], side by side,
    with the total. A deal is marketing-sourced when its lead had been handed over as an
    MQL (a stage event to mql) at or before the deal was created; any other deal — one made
    from a lead sales found itself, or imported without a lead — is sales-sourced."""
    start, end = period_bounds(date_from, date_to)
    frame = _grouped(_measures(start, end, deals.status_history(end)), None)
    lead_ids = frame["lead"].drop_nulls().unique().to_list()
    handed = frame_of(
        LeadEvent.objects.filter(lead_id__in=values_in(lead_ids), kind=LeadEvent.Kind.STAGE, to_stage=Stage.MQL)
        .order_by()
        .values_list("lead_id", "occurred_at"),
        ["lead", "mql_at"],
        {"lead": pl.Int64, "mql_at": UTC_DATETIME},
    )
    first = handed.group_by("lead").agg(pl.col("mql_at").min())
    frame = frame.join(first, on="lead", how="left").with_columns(
        pl.when(pl.col("mql_at") <= pl.col("created_at"))
        .then(pl.lit("marketing"))
        .otherwise(pl.lit("sales"))
        .alias("group")
    )
    parts = {side: frame.filter(pl.col("group") == side) for side in SIDES}
    return Pipeline(
        date_from=date_from,
        date_to=date_to,
        by="sourced",
        rows=[_row(side, parts[side]) for side in SIDES],
        total=_row("All", frame),
    )


# One flat row per group, for CSV files and terminals (web and command line alike).
ROW_COLUMNS = (
    "group", *COUNTS, *AMOUNTS, "win_rate", "average_deal", "median_cycle_days",
)  # fmt: skip


def report_rows(report: Pipeline) -> list[tuple]:
    return [tuple(row.as_dict()[name] for name in ROW_COLUMNS) for row in [*report.rows, report.total]]
