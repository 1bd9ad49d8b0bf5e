"""The SLA scorecard: how sales followed up on the leads marketing handed over, per rep or
team, for a period — and marketing's side, the qualified leads delivered against the
definition's monthly commitment and the share sales accepted.

Everything is read from records that do not change once written: the SLA clocks (started
at a hand-off, stopped once by the first follow-up, with the business hours that took)
and the append-only lead events. "By the end of the period" is part of every definition,
so a past period gives the same answer tomorrow as today.

For each hand-off (a clock started in the period), exactly one of:
- `on_time`: followed up (accepted, rejected, an activity logged, converted) before the
  end of the period and no later than the deadline;
- `late`: followed up before the end of the period, after the deadline;
- `ignored`: no follow-up by the end of the period, the deadline passed — including a lead
  taken away (reassigned) after its deadline passed without a follow-up;
- `reassigned`: taken away before its deadline, with no follow-up;
- `waiting`: no follow-up yet at the end of the period, and not due before it.

And, counted apart: `accepted` (the lead reached `sal` before the next hand-off of the
lead or the end of the period), `rejected` (sent back by a person: recycled or
disqualified) and `recycled` (the rejected that went back to nurture).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from django.db.models import Q

from accord.core.bulk import UTC_DATETIME, frame_of, values_in
from accord.core.errors import InvalidInput, NotAllowed
from accord.crm.models import LeadEvent, Stage
from accord.definitions.models import LeadDefinition
from accord.people.models import Role, Team, User
from accord.reports.selectors import period_bounds, quantile, rate
from accord.routing.models import SlaClock

GROUPS = ("rep", "team")
OUTCOMES = ("on_time", "late", "ignored", "reassigned", "waiting")
FOLLOW_UPS = (
    SlaClock.Outcome.ACCEPTED,
    SlaClock.Outcome.REJECTED,
    SlaClock.Outcome.ACTIVITY,
    SlaClock.Outcome.CONVERTED,
)
MEASURES = ("handed_over", *OUTCOMES, "accepted", "rejected", "recycled")
NO_TEAM = "(no team)"


@dataclass(slots=True)
class ScorecardRow:
    group: str
    group_id: int | None
    counts: dict[str, int]
    median_hours: float | None  # business hours to the first follow-up
    p90_hours: float | None

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.counts["on_time"], self.counts["on_time"] + self.counts["late"] + self.counts["ignored"])

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "group_id": self.group_id,
            **self.counts,
            "on_time_rate": self.on_time_rate,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
        }


@dataclass(slots=True)
class MarketingSide:
    delivered: int  # leads that became MQLs in the period (each time they did)
    commitment: float  # the definitions' monthly commitments, prorated to the period's days
    accepted: int  # of those, accepted by sales before the end of the period

    @property
    def delivered_rate(self) -> float | None:
        return rate(self.delivered, self.commitment)

    @property
    def accepted_rate(self) -> float | None:
        return rate(self.accepted, self.delivered)

    def as_dict(self) -> dict:
        return {
            "delivered": self.delivered,
            "commitment": self.commitment,
            "delivered_rate": self.delivered_rate,
            "accepted": self.accepted,
            "accepted_rate": self.accepted_rate,
        }


@dataclass(slots=True)
class Scorecard:
    date_from: date
    date_to: date
    by: str
    rows: list[ScorecardRow]
    total: ScorecardRow
    marketing: MarketingSide

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
            "marketing": self.marketing.as_dict(),
        }


def handoffs_frame(start: datetime, end: datetime) -> pl.DataFrame:
    """One row per SLA clock started in [start, end): who, when, and its one outcome (above)
    plus accepted / rejected / recycled."""
    clocks = frame_of(
        SlaClock.objects.filter(started_at__gte=start, started_at__lt=end)
        .order_by()
        .values_list(
            "id", "lead_id", "rep_id", "team_id", "started_at", "due_at", "stopped_at", "outcome", "open_business_hours"
        ),
        ["clock", "key", "rep_id", "team_id", "started_at", "due_at", "stopped_at", "outcome", "hours"],
        {
            "clock": pl.Int64,
            "key": pl.Int64,
            "rep_id": pl.Int64,
            "team_id": pl.Int64,
            "started_at": UTC_DATETIME,
            "due_at": UTC_DATETIME,
            "stopped_at": UTC_DATETIME,
            "outcome": pl.String,
            "hours": pl.Float64,
        },
    )
    # Each hand-off's window ends where the lead's next one starts (or with the period).
    later = frame_of(
        SlaClock.objects.filter(lead_id__in=values_in(clocks["key"].unique().to_list()), started_at__gte=start)
        .order_by()
        .values_list("lead_id", "started_at"),
        ["key", "next_start"],
        {"key": pl.Int64, "next_start": UTC_DATETIME},
    ).sort("next_start")
    clocks = (
        clocks.sort("started_at")
        .join_asof(
            later.with_columns(pl.col("next_start").alias("_on")),
            left_on="started_at",
            right_on="_on",
            by="key",
            strategy="forward",
            allow_exact_matches=False,
            check_sortedness=False,  # sorted above; Polars cannot check it within groups
        )
        .drop("_on")
        .with_columns(pl.min_horizontal(pl.col("next_start").fill_null(end), pl.lit(end, UTC_DATETIME)).alias("until"))
    )
    events = frame_of(
        LeadEvent.objects.filter(
            lead_id__in=values_in(clocks["key"].unique().to_list()),
            kind=LeadEvent.Kind.STAGE,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .filter(
            Q(to_stage=Stage.SAL)
            | Q(
                from_stage__in=[Stage.MQL, Stage.SAL],
                to_stage__in=[Stage.RECYCLED, Stage.DISQUALIFIED],
                actor__isnull=False,
            )
        )
        .order_by()
        .values_list("lead_id", "occurred_at", "to_stage"),
        ["key", "at", "to_stage"],
        {"key": pl.Int64, "at": UTC_DATETIME, "to_stage": pl.String},
    )
    within = clocks.select("clock", "key", "started_at", "until").join(events, on="key")
    within = within.filter((pl.col("at") >= pl.col("started_at")) & (pl.col("at") < pl.col("until")))
    flags = within.group_by("clock").agg(
        (pl.col("to_stage") == Stage.SAL.value).any().alias("accepted"),
        pl.col("to_stage").is_in([Stage.RECYCLED.value, Stage.DISQUALIFIED.value]).any().alias("rejected"),
        (pl.col("to_stage") == Stage.RECYCLED.value).any().alias("recycled"),
    )
    stopped = pl.col("stopped_at").is_not_null() & (pl.col("stopped_at") < end)
    followed = stopped & pl.col("outcome").is_in([o.value for o in FOLLOW_UPS])
    taken = stopped & (pl.col("outcome") == SlaClock.Outcome.REASSIGNED.value)
    outcome = (
        pl.when(followed & (pl.col("stopped_at") <= pl.col("due_at")))
        .then(pl.lit("on_time"))
        .when(followed)
        .then(pl.lit("late"))
        .when(taken & (pl.col("stopped_at") <= pl.col("due_at")))
        .then(pl.lit("reassigned"))
        .when(pl.col("due_at") < end)
        .then(pl.lit("ignored"))
        .otherwise(pl.lit("waiting"))
    )
    return (
        clocks.join(flags, on="clock", how="left")
        .with_columns(
            outcome.alias("result"),
            pl.when(followed).then(pl.col("hours")).alias("follow_up_hours"),
            pl.col("accepted", "rejected", "recycled").fill_null(False),
        )
        .sort("started_at", "clock")
    )


def _row(group: str, group_id: int | None, handoffs: pl.DataFrame) -> ScorecardRow:
    results = dict(handoffs.group_by("result").len().iter_rows())
    counts = {"handed_over": handoffs.height, **{name: results.get(name, 0) for name in OUTCOMES}}
    for name in ("accepted", "rejected", "recycled"):
        counts[name] = int(handoffs[name].sum())
    hours = handoffs["follow_up_hours"].drop_nulls()
    return ScorecardRow(group, group_id, counts, quantile(hours, 0.5), quantile(hours, 0.9))


def commitment_for(start: datetime, end: datetime) -> float:
    """The monthly MQL commitment of the version active on each day of [start, end) (at the
    day's start, UTC), a day counting 1/(days in its month) of its month's commitment."""
    versions = [
        (definition.activated_at, definition.retired_at, definition.parsed.sla.mql_commitment_per_month)
        for definition in LeadDefinition.objects.filter(activated_at__isnull=False, activated_at__lt=end)
        .exclude(retired_at__lt=start)
        .order_by("activated_at")
    ]
    total, day = 0.0, start
    while day < end:
        active = [c for since, until, c in versions if since <= day and (until is None or until > day)]
        if active:
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            total += active[-1] / (following - day.replace(day=1)).days
        day += timedelta(days=1)
    return round(total, 2)


def marketing_side(start: datetime, end: datetime) -> MarketingSide:
    """MQLs delivered in the period and how many of them sales accepted (reached `sal`
    before the lead's next hand-off or the end of the period)."""
    events = frame_of(
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STAGE, to_stage__in=[Stage.MQL, Stage.SAL], occurred_at__gte=start, occurred_at__lt=end
        )
        .order_by()
        .values_list("lead_id", "occurred_at", "id", "to_stage"),
        ["key", "at", "id", "to_stage"],
        {"key": pl.Int64, "at": UTC_DATETIME, "id": pl.Int64, "to_stage": pl.String},
    ).sort("key", "at", "id")
    events = events.with_columns(
        (pl.col("to_stage") == Stage.MQL.value).cum_sum().over("key").alias("handoff"),
    )
    per_handoff = (
        events.filter(pl.col("handoff") > 0)
        .group_by("key", "handoff")
        .agg((pl.col("to_stage") == Stage.SAL.value).any().alias("accepted"))
    )
    return MarketingSide(
        delivered=per_handoff.height,
        commitment=commitment_for(start, end),
        accepted=int(per_handoff["accepted"].sum()) if per_handoff.height else 0,
    )


def sla_scorecard(*, date_from: date, date_to: date, by: str = "rep") -> Scorecard:
    """The scorecard of the hand-offs in [date_from, date_to] (UTC days), per rep or team,
    with a total row. By rep, every active sales rep has a row, with zeros if no lead
    reached them (on leave, say): nobody is missing from the table."""
    if by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    handoffs = handoffs_frame(start, end)
    column = f"{by}_id"
    ids = set(handoffs[column].drop_nulls().to_list())
    if by == "rep":
        ids |= set(User.objects.filter(role=Role.SALES_REP, is_active=True).values_list("pk", flat=True))
        names = {user.pk: user.get_full_name() or user.email for user in User.objects.filter(pk__in=ids)}
    else:
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [_row(names[pk], pk, handoffs.filter(pl.col(column) == pk)) for pk in ids]
    if handoffs[column].null_count():
        rows.append(_row(NO_TEAM, None, handoffs.filter(pl.col(column).is_null())))
    rows.sort(key=lambda row: (-row.counts["handed_over"], row.group.casefold()))
    return Scorecard(
        date_from=date_from,
        date_to=date_to,
        by=by,
        rows=rows,
        total=_row("All", None, handoffs),
        marketing=marketing_side(start, end),
    )


def sla_drill(
    *, date_from: date, date_to: date, measure: str, by: str = "rep", group_id: int | None = None
) -> pl.DataFrame:
    """The hand-offs behind one number of the scorecard: `measure` (one of MEASURES) of the
    rep or team `group_id` (None: all, or those without a team when grouping by team)."""
    if measure not in MEASURES:
        raise InvalidInput(f"Measure is one of: {', '.join(MEASURES)}.", field="measure")
    if by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    handoffs = handoffs_frame(start, end)
    if group_id is not None:
        handoffs = handoffs.filter(pl.col(f"{by}_id") == group_id)
    if measure in OUTCOMES:
        handoffs = handoffs.filter(pl.col("result") == measure)
    elif measure != "handed_over":
        handoffs = handoffs.filter(pl.col(measure))
    return handoffs.select(
        "clock", "key", "rep_id", "team_id", "started_at", "due_at", "stopped_at", "result", "follow_up_hours"
    )


def _narrowed(user: User, by: str) -> int | None:
    """The one group a sales rep may read: their own row (or team's); None for the rest,
    who read every row."""
    if user.role != Role.SALES_REP:
        return None
    return user.pk if by == "rep" else (user.team_id or 0)


def sla_scorecard_for(*, acting_user: User, date_from: date, date_to: date, by: str = "rep") -> Scorecard:
    """The scorecard for a person: everyone signed in reads it — it is the number both
    teams agreed to be measured by — but a sales rep sees only their own row (or their
    team's) beside the total."""
    card = sla_scorecard(date_from=date_from, date_to=date_to, by=by)
    only = _narrowed(acting_user, by)
    if only is not None:
        card.rows = [row for row in card.rows if row.group_id == only]
    return card


def sla_drill_for(
    *, acting_user: User, date_from: date, date_to: date, measure: str, by: str = "rep", group_id: int | None = None
) -> pl.DataFrame:
    """`sla_drill` for a person; a sales rep drills only into their own row (or team's)."""
    only = _narrowed(acting_user, by)
    if only is not None and group_id != only:
        raise NotAllowed("A sales rep sees the leads behind their own numbers only.")
    return sla_drill(date_from=date_from, date_to=date_to, measure=measure, by=by, group_id=group_id)


# One flat row per group, for CSV files and terminals (web and command line alike).
ROW_COLUMNS = (
    "group", "group_id", *MEASURES, "on_time_rate", "median_hours", "p90_hours",
)  # fmt: skip


def report_rows(card: Scorecard) -> list[tuple]:
    return [tuple(row.as_dict()[name] for name in ROW_COLUMNS) for row in [*card.rows, card.total]]
