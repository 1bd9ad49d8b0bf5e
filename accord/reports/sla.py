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
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When

from accord.core.bulk import UTC_DATETIME, frame_of, frame_of_lists
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


# One clock column of the frames below: (SlaClock field, type).
CLOCK_FIELDS = {
    "clock": ("id", pl.Int64),
    "key": ("lead_id", pl.Int64),
    "rep_id": ("rep_id", pl.Int64),
    "team_id": ("team_id", pl.Int64),
    "started_at": ("started_at", UTC_DATETIME),
    "due_at": ("due_at", UTC_DATETIME),
    "stopped_at": ("stopped_at", UTC_DATETIME),
    "outcome": ("outcome", pl.String),
    "hours": ("open_business_hours", pl.Float64),
}
REJECTED_STAGES = (Stage.RECYCLED, Stage.DISQUALIFIED)
# A stage event that rejects a hand-off: a person sent the lead back from mql or sal.
REJECTION = Q(from_stage__in=[Stage.MQL, Stage.SAL], to_stage__in=REJECTED_STAGES, actor__isnull=False)


def _followed(end: datetime) -> Q:
    """A clock stopped before `end` by a follow-up."""
    return Q(stopped_at__isnull=False, stopped_at__lt=end, outcome__in=FOLLOW_UPS)


def judged_result(end: datetime) -> Case:
    """A clock's one outcome by `end` (see the module's docstring), worked out by the
    database: its place in OUTCOMES (`result_names` turns it into the name)."""
    stopped = Q(stopped_at__isnull=False, stopped_at__lt=end)
    in_time = Q(stopped_at__lte=F("due_at"))
    return Case(
        When(_followed(end) & in_time, then=Value(0)),
        When(_followed(end), then=Value(1)),
        When(stopped & Q(outcome=SlaClock.Outcome.REASSIGNED) & in_time, then=Value(3)),
        When(due_at__lt=end, then=Value(2)),
        default=Value(4),
        output_field=IntegerField(),
    )


def result_names(column: str = "result") -> pl.Expr:
    """`judged_result`'s numbers as the outcomes' names."""
    return pl.col(column).replace_strict(range(len(OUTCOMES)), OUTCOMES, return_dtype=pl.String)


def judged_clocks(start: datetime, end: datetime, columns: list[str], **narrow) -> pl.DataFrame:
    """The SLA clocks started in [start, end) (and matching `narrow`, field lookups): the
    `columns` named in CLOCK_FIELDS, then `result` (`judged_result`) and `follow_up_hours`
    (the business hours to a follow-up made by the end, null for the rest) — both worked
    out by the database, which then sends two values instead of the four they come from."""
    hours = Case(When(_followed(end), then=F("open_business_hours")), default=None, output_field=FloatField())
    fields = {name: CLOCK_FIELDS[name] for name in columns}
    frame = frame_of(
        SlaClock.objects.filter(started_at__gte=start, started_at__lt=end, **narrow)
        .order_by()
        .annotate(judged_result=judged_result(end), judged_hours=hours)
        .values_list(*(field for field, _ in fields.values()), "judged_result", "judged_hours"),
        [*fields, "result", "follow_up_hours"],
        {**{name: dtype for name, (_, dtype) in fields.items()}, "result": pl.Int64, "follow_up_hours": pl.Float64},
    )
    return frame.with_columns(result_names())


def _windows(clocks: pl.DataFrame, starts: pl.DataFrame, end: datetime) -> pl.DataFrame:
    """`clocks` with `until`: where each hand-off's window ends — where the lead's next
    hand-off starts (the first of `starts`, key and started_at, strictly later) or with the
    period, whichever comes first."""
    later = starts.select("key", pl.col("started_at").alias("next_start")).sort("next_start")
    return (
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
        .with_columns(pl.min_horizontal(pl.col("next_start").fill_null(end), pl.lit(end, UTC_DATETIME)).alias("until"))
        .drop("_on", "next_start")
    )


def _flags(clocks: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """`clocks` with accepted / rejected / recycled: whether its lead reached `sal`, or was
    rejected (a REJECTION event: recycled or disqualified), within its window. `events`:
    key, at and to_stage of the period's `sal` and REJECTION events."""
    within = clocks.select("clock", "key", "started_at", "until").join(events, on="key")
    within = within.filter((pl.col("at") >= pl.col("started_at")) & (pl.col("at") < pl.col("until")))
    flags = within.group_by("clock").agg(
        (pl.col("to_stage") == Stage.SAL.value).any().alias("accepted"),
        pl.col("to_stage").is_in([Stage.RECYCLED.value, Stage.DISQUALIFIED.value]).any().alias("rejected"),
        (pl.col("to_stage") == Stage.RECYCLED.value).any().alias("recycled"),
    )
    return clocks.join(flags, on="clock", how="left").with_columns(
        pl.col("accepted", "rejected", "recycled").fill_null(False)
    )


def _stage_events(start: datetime, end: datetime, condition: Q, **narrow) -> pl.DataFrame:
    """key, at, id and to_stage of the stage events in [start, end) matching `condition`
    (a year's: hundreds of thousands, read as lists)."""
    return frame_of_lists(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.STAGE, occurred_at__gte=start, occurred_at__lt=end, **narrow)
        .filter(condition)
        .order_by()
        .values_list("lead_id", "occurred_at", "id", "to_stage"),
        ["key", "at", "id", "to_stage"],
        {"key": pl.Int64, "at": UTC_DATETIME, "id": pl.Int64, "to_stage": pl.String},
    )


def _clock_starts(start: datetime, end: datetime, **narrow) -> pl.DataFrame:
    """key and started_at of the clocks started in [start, end) matching `narrow`."""
    return frame_of(
        SlaClock.objects.filter(started_at__gte=start, started_at__lt=end, **narrow)
        .order_by()
        .values_list("lead_id", "started_at"),
        ["key", "started_at"],
        {"key": pl.Int64, "started_at": UTC_DATETIME},
    )


def handoffs_frame(start: datetime, end: datetime, **narrow) -> pl.DataFrame:
    """One row per SLA clock started in [start, end) (of the rep or team `narrow` names, as
    `rep_id=…` or `team_id=…`): who, when, and its one outcome (above) plus accepted /
    rejected / recycled; sorted by start."""
    clocks = judged_clocks(start, end, list(CLOCK_FIELDS), **narrow)
    # One rep's or team's leads (a subquery): their next hand-off may be someone else's.
    mine = SlaClock.objects.filter(started_at__gte=start, started_at__lt=end, **narrow).order_by().values("lead_id")
    where = {"lead_id__in": mine} if narrow else {}
    starts = _clock_starts(start, end, **where) if narrow else clocks
    if narrow:  # their leads' events, looked up lead by lead
        events = _stage_events(start, end, Q(to_stage=Stage.SAL) | REJECTION, **where)
    else:  # the period's, apart: the (to_stage, occurred_at, kind, lead, id) index alone answers the first
        events = pl.concat([_stage_events(start, end, Q(to_stage=Stage.SAL)), _stage_events(start, end, REJECTION)])
    return _flags(_windows(clocks, starts, end), events).sort("started_at", "clock")


def _grouped_handoffs(start: datetime, end: datetime, column: str, events: pl.DataFrame) -> pl.DataFrame:
    """`handoffs_frame`'s counts and hours, by `column` (rep_id or team_id), read lean: of
    the clocks, only what the scorecard counts; `events` as in `_flags` (others ignored)."""
    clocks = judged_clocks(start, end, ["key", column, "started_at"]).with_row_index("clock")
    events = events.filter(pl.col("to_stage") != Stage.MQL.value).select("key", "at", "to_stage")
    return _flags(_windows(clocks, clocks, end), events)


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


def marketing_side(start: datetime, end: datetime, events: pl.DataFrame | None = None) -> MarketingSide:
    """MQLs delivered in the period and how many of them sales accepted (reached `sal`
    before the lead's next hand-off or the end of the period). `events`: the period's
    stage events to `mql` and `sal` (`_stage_events`; others ignored), read if not given."""
    if events is None:
        events = _stage_events(start, end, Q(to_stage__in=[Stage.MQL, Stage.SAL]))
    # Per lead, in order, each `mql` opens a hand-off and its `sal`s follow it: a hand-off
    # was accepted if the event right after its `mql` (the same lead's) is a `sal`.
    events = events.filter(pl.col("to_stage").is_in([Stage.MQL.value, Stage.SAL.value])).sort("key", "at", "id")
    mql, sal = pl.col("to_stage") == Stage.MQL.value, pl.col("to_stage") == Stage.SAL.value
    accepted = sal & mql.shift(1) & (pl.col("key") == pl.col("key").shift(1))
    counts = events.select(mql.sum().alias("delivered"), accepted.sum().alias("accepted"))
    return MarketingSide(
        delivered=int(counts["delivered"][0]),
        commitment=commitment_for(start, end),
        accepted=int(counts["accepted"][0] or 0),
    )


def sla_scorecard(*, date_from: date, date_to: date, by: str = "rep") -> Scorecard:
    """The scorecard of the hand-offs in [date_from, date_to] (UTC days), per rep or team,
    with a total row. By rep, every active sales rep has a row, with zeros if no lead
    reached them (on leave, say): nobody is missing from the table."""
    if by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    column = f"{by}_id"
    # One read of the period's stage events serves both sides; two queries, as the
    # (to_stage, occurred_at, kind, lead, id) index alone answers the first.
    events = pl.concat(
        [_stage_events(start, end, Q(to_stage__in=[Stage.MQL, Stage.SAL])), _stage_events(start, end, REJECTION)]
    )
    handoffs = _grouped_handoffs(start, end, column, events)
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
        marketing=marketing_side(start, end, events),
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
    # One group's clocks are read alone (the lead's next hand-off, whoever's, still counts).
    handoffs = handoffs_frame(start, end, **({} if group_id is None else {f"{by}_id": group_id}))
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
