"""What sales sends back: of the leads marketing handed over in a period, how many sales
rejected, grouped by where they came from, who had them and why — and what became of the
recycled ones later.

A hand-off is a stage event to `mql` in the period (UTC days, `to` inclusive). A lead
handed over twice in the period counts twice: each hand-off is judged on its own. What
follows a hand-off, up to the lead's next hand-off, decides its outcome:

- `rejected`   the first of: a stage event from mql or sal to recycled or disqualified
               by a user (`lead_reject`; imports and automatic moves have no actor), or
               from sql to recycled — the deal was lost (`opportunity_close`, or a lost
               deal an import brought in) — with the reason code the event carries;
- `won`        a stage event to customer.

Rejections are counted whenever they happen, so a recent period's rate still grows while
sales works its leads. As every report, this reads the lead events, never a lead's
current stage; the groups are the lead's attributes as stored today (the events do not
record them), and `rule` reads the lead's stored qualification explanation.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from django.db.models import QuerySet

from accord.core.bulk import UTC_DATETIME, frame_of
from accord.core.errors import InvalidInput
from accord.crm.models import Lead, LeadEvent, LeadFeedback, Stage
from accord.definitions.policies import require_can_analyse
from accord.people.models import User
from accord.reports.selectors import NONE_LABEL, period_bounds, rate

GROUPS = ("source", "campaign", "industry", "company_size", "country", "rep", "rule", "reason")
# Company-size bands (employees): label, from, below. A size of 0 falls in the first.
SIZE_BANDS = (("1–49", None, 50), ("50–249", 50, 250), ("250–999", 250, 1000), ("1000+", 1000, None))
UNKNOWN_SIZE = "unknown"
NOT_REJECTED = "(not rejected)"
OUTCOMES = ("recycled", "disqualified", "deal_lost")
TOP = 3  # reasons and problems listed per group


def size_band(size: pl.Expr) -> pl.Expr:
    """The band label of a column of company sizes."""
    band = pl.when(size.is_null()).then(pl.lit(UNKNOWN_SIZE))
    for label, _, below in SIZE_BANDS[:-1]:
        band = band.when(size < below).then(pl.lit(label))
    return band.otherwise(pl.lit(SIZE_BANDS[-1][0]))


def _blank_to_null(name: str) -> pl.Expr:
    return pl.when(pl.col(name) != "").then(pl.col(name)).alias(name)


def top_rule(qualification: dict[str, Any] | None) -> str | None:
    """The fit or negative rule that added the most points to the lead's score (ties: the
    first listed). Negative points are below any fit rule's, so a negative rule is named
    only when no fit rule matched."""
    rules = [r for r in (qualification or {}).get("rules", []) if r.get("kind") in ("fit", "negative")]
    return max(rules, key=lambda rule: rule["points"])["rule"] if rules else None


def months_between(start: datetime, end: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while datetime(year, month, 1, tzinfo=start.tzinfo) < end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- loading ----------------------------------------------------------------------------


def _frame(rows: Iterable[tuple], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def lead_events(leads: QuerySet, *, since: datetime) -> pl.DataFrame:
    """The stage and assignment events of `leads` (a queryset of lead ids) from `since`,
    in the order they happened, numbered by `seq` (which also breaks ties in time)."""
    events = (
        LeadEvent.objects.filter(
            lead_id__in=leads, occurred_at__gte=since, kind__in=[LeadEvent.Kind.STAGE, LeadEvent.Kind.ASSIGNED]
        )
        .order_by("lead_id", "occurred_at", "id")
        .values_list(
            "lead_id", "occurred_at", "kind", "from_stage", "to_stage", "reason", "actor__email", "data__owner"
        )
    )
    schema = {
        "key": pl.Int64,
        "at": UTC_DATETIME,
        "kind": pl.String,
        "from_stage": pl.String,
        "to_stage": pl.String,
        "reason": pl.String,
        "actor": pl.String,
        "owner": pl.String,
    }
    # Through the ORM: it decodes the JSON `owner` (the cursor would give SQLite's JSON text).
    return _frame(events, schema).with_row_index("seq")


def first_after(left: pl.DataFrame, right: pl.DataFrame, *, seq: str, until: str | None = None) -> pl.DataFrame:
    """Each row of `left` with the first row of `right` of the same lead after it (by
    `seq`), and before its `until` when that is set; `right`'s columns are null where none
    is. Both frames come in `lead_events` order."""
    joined = left.join_asof(
        right, left_on="seq", right_on=seq, by="key", strategy="forward", coalesce=False, check_sortedness=False
    )
    found = pl.col(seq).is_not_null()
    if until is not None:
        found &= pl.col(until).is_null() | (pl.col(seq) < pl.col(until))
    columns = [name for name in right.columns if name != "key"]
    return joined.with_columns(pl.when(found).then(pl.col(name)).alias(name) for name in columns)


def handed_over(start: datetime, end: datetime) -> QuerySet:
    """The ids of the leads handed over in [start, end), as a subquery."""
    return LeadEvent.objects.filter(
        kind=LeadEvent.Kind.STAGE, to_stage=Stage.MQL, occurred_at__gte=start, occurred_at__lt=end
    ).values("lead_id")


def handoffs_load(date_from: date, date_to: date, *, with_rule: bool = False) -> pl.DataFrame:
    """One row per hand-off in the period: `key` (lead id), `handed_at`, `month`, the
    group columns (`source`, `campaign`, `industry`, `company_size` (band), `country`,
    `rep`, `reason`, and `rule` when asked for) and what followed: `rejected`, `outcome`
    (recycled, disqualified or deal_lost), `won`."""
    start, end = period_bounds(date_from, date_to)
    handed = handed_over(start, end)
    events = lead_events(handed, since=start)
    stage = pl.col("kind") == LeadEvent.Kind.STAGE.value
    handoffs = (
        events.filter(stage & (pl.col("to_stage") == Stage.MQL.value))
        .with_columns(pl.col("seq").shift(-1).over("key").alias("next_handoff"))
        .filter(pl.col("at") < end)
        .select("key", "seq", pl.col("at").alias("handed_at"), "next_handoff")
    )
    deal_lost = stage & (pl.col("from_stage") == Stage.SQL.value) & (pl.col("to_stage") == Stage.RECYCLED.value)
    sent_back = (
        stage
        & pl.col("from_stage").is_in([Stage.MQL.value, Stage.SAL.value])
        & pl.col("to_stage").is_in([Stage.RECYCLED.value, Stage.DISQUALIFIED.value])
        & pl.col("actor").is_not_null()
    )
    rejections = events.filter(sent_back | deal_lost).select(
        "key",
        pl.col("seq").alias("rejected_seq"),
        pl.when(deal_lost).then(pl.lit("deal_lost")).otherwise(pl.col("to_stage")).alias("outcome"),
        _blank_to_null("reason"),
        pl.col("actor").alias("rejected_by"),
    )
    wins = events.filter(stage & (pl.col("to_stage") == Stage.CUSTOMER.value)).select(
        "key", pl.col("seq").alias("won_seq")
    )
    owners = events.filter((pl.col("kind") == LeadEvent.Kind.ASSIGNED.value) & pl.col("owner").is_not_null()).select(
        "key", pl.col("seq").alias("owner_seq"), "owner"
    )
    for found, seq in ((rejections, "rejected_seq"), (wins, "won_seq"), (owners, "owner_seq")):
        handoffs = first_after(handoffs, found, seq=seq, until="next_handoff")
    attributes = frame_of(
        Lead.objects.filter(pk__in=handed)
        .order_by()
        .values_list("id", "source", "campaign__code", "industry", "company_size", "country"),
        ["key", "source", "campaign", "industry", "size", "country"],
        {
            "key": pl.Int64,
            "source": pl.String,
            "campaign": pl.String,
            "industry": pl.String,
            "size": pl.Int64,
            "country": pl.String,
        },
    ).with_columns(size_band(pl.col("size")).alias("company_size"))
    result = handoffs.join(attributes.drop("size"), on="key", how="left").select(
        "key",
        "handed_at",
        pl.col("handed_at").dt.strftime("%Y-%m").alias("month"),
        *(_blank_to_null(name) for name in ("source", "campaign", "industry", "country")),
        "company_size",
        pl.coalesce("owner", "rejected_by").alias("rep"),
        "reason",
        pl.col("rejected_seq").is_not_null().alias("rejected"),
        "outcome",
        pl.col("won_seq").is_not_null().alias("won"),
    )
    if with_rule:
        qualifications = Lead.objects.filter(pk__in=handed).order_by().values_list("id", "qualification")
        rules = _frame(
            ((key, top_rule(qualification)) for key, qualification in qualifications),
            {"key": pl.Int64, "rule": pl.String},
        )
        result = result.join(rules, on="key", how="left")
    return result.sort("handed_at", "key")


def feedback_load(leads: QuerySet) -> pl.DataFrame:
    """Every user's feedback on `leads` (a queryset of lead ids): `key`, `rating`, `problems`."""
    rows = LeadFeedback.objects.filter(lead_id__in=leads).order_by().values_list("lead_id", "rating", "problems")
    return _frame(rows, {"key": pl.Int64, "rating": pl.Int64, "problems": pl.List(pl.String)})


# --- the report -------------------------------------------------------------------------


@dataclass(slots=True)
class RejectionRow:
    group: str
    handed_over: int
    rejected: int
    rejection_rate: float | None
    recycled: int  # sent back to nurture by sales
    disqualified: int
    deal_lost: int  # reached a deal, which was lost
    won: int
    won_rate: float | None
    top_reasons: list[dict] = field(default_factory=list)  # [{"code", "count"}], most given first
    feedback_count: int = 0
    average_rating: float | None = None
    top_problems: list[dict] = field(default_factory=list)  # [{"code", "count"}], most ticked first

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class MonthRow:
    month: str
    handed_over: int
    rejected: int
    rejection_rate: float | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class RejectionReport:
    date_from: date
    date_to: date
    by: str | None
    rows: list[RejectionRow]  # one per group, most handed over first, then "All"
    months: list[MonthRow]

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
            "rows": [row.as_dict() for row in self.rows],
            "months": [month.as_dict() for month in self.months],
        }


def _top(values: pl.Series) -> list[dict]:
    counts = values.drop_nulls().value_counts(name="count")
    ordered = counts.sort(["count", values.name], descending=[True, False]).head(TOP)
    return [{"code": code, "count": count} for code, count in ordered.iter_rows()]


def rejection_row(group: str, handoffs: pl.DataFrame, feedback: pl.DataFrame) -> RejectionRow:
    """The counts of one group of hand-offs, with the feedback given on their leads."""
    handed_over = handoffs.height
    rejected = int(handoffs["rejected"].sum())
    won = int(handoffs["won"].sum())
    outcomes = dict(handoffs["outcome"].drop_nulls().value_counts().iter_rows())
    given = feedback.filter(pl.col("key").is_in(handoffs["key"].unique().implode()))
    return RejectionRow(
        group=group,
        handed_over=handed_over,
        rejected=rejected,
        rejection_rate=rate(rejected, handed_over),
        **{outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        won=won,
        won_rate=rate(won, handed_over),
        top_reasons=_top(handoffs.filter(pl.col("rejected"))["reason"]),
        feedback_count=given.height,
        average_rating=round(given["rating"].mean(), 2) if given.height else None,
        top_problems=_top(given["problems"].explode(empty_as_null=True).alias("problem")),
    )


def group_rows(handoffs: pl.DataFrame, by: str, feedback: pl.DataFrame) -> list[RejectionRow]:
    """A row per value of the `by` column, most handed over first (ties by name)."""
    missing = NOT_REJECTED if by == "reason" else NONE_LABEL
    labelled = handoffs.with_columns(pl.col(by).fill_null(missing).alias("_group"))
    rows = [
        rejection_row(label, part, feedback)
        for (label,), part in labelled.partition_by("_group", as_dict=True, maintain_order=True).items()
    ]
    return sorted(rows, key=lambda row: (-row.handed_over, row.group))


def rejection_report(*, date_from: date, date_to: date, by: str | None = None) -> RejectionReport:
    """The leads handed over in [date_from, date_to] and how many sales rejected, per
    group of `by` (one of GROUPS) and then in total ("All"), with the trend per month."""
    if by is not None and by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    handoffs = handoffs_load(date_from, date_to, with_rule=by == "rule")
    feedback = feedback_load(handed_over(start, end))
    rows = group_rows(handoffs, by, feedback) if by else []
    rows.append(rejection_row("All", handoffs, feedback))
    per_month = {
        month: (count, rejected)
        for month, count, rejected in handoffs.group_by("month").agg(pl.len(), pl.col("rejected").sum()).iter_rows()
    }
    months = []
    for month in months_between(start, end):
        count, rejected = per_month.get(month, (0, 0))
        months.append(MonthRow(month, count, rejected, rate(rejected, count)))
    return RejectionReport(date_from=date_from, date_to=date_to, by=by, rows=rows, months=months)


def rejection_report_for(
    *, acting_user: User, date_from: date, date_to: date, by: str | None = None
) -> RejectionReport:
    """The report for a person: only those who negotiate the definition read it."""
    require_can_analyse(acting_user)
    return rejection_report(date_from=date_from, date_to=date_to, by=by)


# One flat row per group, for CSV files and terminals (web and command line alike).
ROW_COLUMNS = (
    "group", "handed_over", "rejected", "rejection_rate", "recycled", "disqualified", "deal_lost",
    "won", "won_rate", "top_reasons", "feedback_count", "average_rating", "top_problems",
)  # fmt: skip


def counts_text(counts: list[dict]) -> str:
    """[{"code": "no_budget", "count": 2}, …] → "no_budget (2); …"."""
    return "; ".join(f"{item['code']} ({item['count']})" for item in counts)


def report_rows(report: RejectionReport) -> list[tuple]:
    """The report's rows as ROW_COLUMNS, the top lists as text."""
    rows = []
    for row in report.rows:
        values = row.as_dict()
        values["top_reasons"] = counts_text(row.top_reasons)
        values["top_problems"] = counts_text(row.top_problems)
        rows.append(tuple(values[column] for column in ROW_COLUMNS))
    return rows


# --- what became of the recycled ones ---------------------------------------------------


@dataclass(slots=True)
class RequalifiedReport:
    date_from: date
    date_to: date
    recycled: int  # leads recycled in the period
    requalified: int  # of those, handed over again later
    accepted: int  # of the re-qualified, accepted after re-qualifying
    opportunities: int  # … reached a deal
    won: int  # … won

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "recycled": self.recycled,
            "requalified": self.requalified,
            "requalified_rate": rate(self.requalified, self.recycled),
            "accepted": self.accepted,
            "accepted_rate": rate(self.accepted, self.requalified),
            "opportunities": self.opportunities,
            "opportunity_rate": rate(self.opportunities, self.requalified),
            "won": self.won,
            "won_rate": rate(self.won, self.requalified),
        }


def requalified_report(*, date_from: date, date_to: date) -> RequalifiedReport:
    """The leads recycled in [date_from, date_to] (a stage event to recycled, each lead
    counted once, from its first recycling in the period): how many qualified again later
    (a stage event to mql after it), and of those, how many were then accepted (to sal —
    or a later stage, as converting accepts on the way), reached a deal (sql) and won."""
    start, end = period_bounds(date_from, date_to)
    recycled = LeadEvent.objects.filter(
        kind=LeadEvent.Kind.STAGE, to_stage=Stage.RECYCLED, occurred_at__gte=start, occurred_at__lt=end
    ).values("lead_id")
    events = lead_events(recycled, since=start).filter(pl.col("kind") == LeadEvent.Kind.STAGE.value)
    firsts = (
        events.filter((pl.col("to_stage") == Stage.RECYCLED.value) & (pl.col("at") < end))
        .group_by("key")
        .agg(pl.col("seq").min())
        .sort("seq")
    )

    def reached(stages) -> pl.DataFrame:
        return events.filter(pl.col("to_stage").is_in([stage.value for stage in stages])).select(
            "key", pl.col("seq").alias("found")
        )

    requalified = (
        first_after(firsts, reached([Stage.MQL]), seq="found")
        .filter(pl.col("found").is_not_null())
        .select("key", pl.col("found").alias("seq"))
    )
    counts = []
    for stages in ([Stage.SAL, Stage.SQL, Stage.CUSTOMER], [Stage.SQL, Stage.CUSTOMER], [Stage.CUSTOMER]):
        counts.append(first_after(requalified, reached(stages), seq="found")["found"].is_not_null().sum())
    accepted, opportunities, won = counts
    return RequalifiedReport(
        date_from=date_from,
        date_to=date_to,
        recycled=firsts.height,
        requalified=requalified.height,
        accepted=accepted,
        opportunities=opportunities,
        won=won,
    )


def requalified_report_for(*, acting_user: User, date_from: date, date_to: date) -> RequalifiedReport:
    require_can_analyse(acting_user)
    return requalified_report(date_from=date_from, date_to=date_to)
