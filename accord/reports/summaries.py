"""The funnel's and velocity's summaries of the lead events: per lead, the furthest funnel
step it reached and whether it was ever recycled or disqualified (`LeadMilestones`); every
stay in a stage that ended, and every arrival at `customer` (`LeadStay`).

They are derived, never edited: `summaries_refresh` reads the events written since the last
refresh (the watermark, an event id) and recomputes every lead they touch from that lead's
whole history — delete and insert, set-based — in one transaction with the watermark. So an
event recorded with a time in the past moves the stays around it, and a second run changes
nothing. Reports refresh first, so they always count every committed event.

PostgreSQL takes event ids before their transactions commit: an event can become visible
after one with a higher id. The ids missing below the newest one read are kept as gaps and
read again by each refresh, until they appear or every transaction that could hold them has
ended (then they were rolled back). SQLite has one writer at a time and gives a new row an
id above every row there, so it never leaves such a gap."""

from collections.abc import Callable
from datetime import datetime

import polars as pl
from django.db import connection, transaction
from django.db.models import Max, Q, StringAgg, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accord.core.bulk import UTC_DATETIME, frame_of, insert_frame, is_postgres, values_in
from accord.crm.models import Lead, LeadEvent, Stage
from accord.reports.groups import group_value
from accord.reports.models import LeadMilestones, LeadStay, SummaryWatermark

FUNNEL_STEPS = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER)
SIDE_EXITS = (Stage.RECYCLED, Stage.DISQUALIFIED)
STAY_STAGES = (Stage.SUBSCRIBER.value, Stage.LEAD.value, Stage.MQL.value, Stage.SAL.value, Stage.SQL.value)
LEAD_TO_CUSTOMER = "lead_to_customer"
LEADS_AT_ONCE = 50_000  # leads recomputed per step: bounds the memory a large refresh needs

EVENT_COLUMNS = ["key", "at", "id", "kind", "from_stage", "to_stage"]
EVENT_TYPES = {
    "key": pl.Int64,
    "at": UTC_DATETIME,
    "id": pl.Int64,
    "kind": pl.String,
    "from_stage": pl.String,
    "to_stage": pl.String,
}


def _events(leads: Q) -> pl.DataFrame:
    """The events the summaries are made of, of the leads `leads` selects: created and stage
    events (the stays), and any event into a funnel step or side exit (the milestones)."""
    wanted = Q(kind__in=[LeadEvent.Kind.CREATED, LeadEvent.Kind.STAGE]) | Q(to_stage__in=[*FUNNEL_STEPS, *SIDE_EXITS])
    return frame_of(
        LeadEvent.objects.filter(leads, wanted)
        .order_by()
        .values_list("lead_id", "occurred_at", "id", "kind", "from_stage", "to_stage"),
        EVENT_COLUMNS,
        EVENT_TYPES,
    )


def milestones_frame(events: pl.DataFrame) -> pl.DataFrame:
    """One row per lead that ever reached a funnel step or a side exit: `step` the furthest
    (it reached every step before: converting an MQL accepts it on the way), with the lead's
    creation time."""
    steps = {stage.value: number for number, stage in enumerate(FUNNEL_STEPS, 1)}
    reached = (
        events.group_by("key")
        .agg(
            pl.col("to_stage").replace_strict(steps, default=0, return_dtype=pl.Int16).max().alias("step"),
            (pl.col("to_stage") == Stage.RECYCLED.value).any().alias("recycled"),
            (pl.col("to_stage") == Stage.DISQUALIFIED.value).any().alias("disqualified"),
        )
        .filter((pl.col("step") > 0) | pl.col("recycled") | pl.col("disqualified"))
    )
    created = frame_of(
        Lead.objects.filter(pk__in=values_in(reached["key"].to_list())).order_by().values_list("id", "created_at"),
        ["key", "created_at"],
        {"key": pl.Int64, "created_at": UTC_DATETIME},
    )
    return reached.join(created, on="key").select(
        pl.col("key").alias("lead_id"), "created_at", "step", "recycled", "disqualified"
    )


def stays_frame(events: pl.DataFrame) -> pl.DataFrame:
    """The stays and arrivals at `customer` in the leads' histories (created and stage
    events in time order, ties by id). A stay runs from the event before a stage event to
    it, in the stage the stage event left; an arrival from the lead's first created event."""
    history = events.filter(pl.col("kind").is_in([LeadEvent.Kind.CREATED.value, LeadEvent.Kind.STAGE.value])).sort(
        "key", "at", "id"
    )
    microseconds = (pl.col("ended_at") - pl.col("since")).dt.total_microseconds().alias("microseconds")
    is_stage = pl.col("kind") == LeadEvent.Kind.STAGE.value
    stays = (
        history.with_columns(pl.col("at").shift(1).over("key").alias("since"))
        .filter(is_stage & pl.col("from_stage").is_in(STAY_STAGES) & pl.col("since").is_not_null())
        .select("key", pl.col("from_stage").alias("stage"), "since", pl.col("at").alias("ended_at"))
    )
    created = (
        history.filter(pl.col("kind") == LeadEvent.Kind.CREATED.value)
        .group_by("key")
        .agg(pl.col("at").min().alias("since"))
    )
    arrivals = (
        history.filter(is_stage & (pl.col("to_stage") == Stage.CUSTOMER.value))
        .join(created, on="key")
        .select("key", pl.lit(LEAD_TO_CUSTOMER).alias("stage"), "since", pl.col("at").alias("ended_at"))
    )
    return pl.concat([stays, arrivals]).select(
        pl.col("key").alias("lead_id"), "stage", "since", "ended_at", microseconds
    )


def _recompute(leads: Q, *, replace: bool = True) -> int:
    """The summary rows of the leads `leads` selects (by `lead_id`) made again from their
    events: deleted first when `replace`."""
    events = _events(leads)
    if replace:
        LeadMilestones.objects.filter(leads)._raw_delete(LeadMilestones.objects.db)
        LeadStay.objects.filter(leads)._raw_delete(LeadStay.objects.db)
    insert_frame(LeadMilestones, milestones_frame(events))
    return insert_frame(LeadStay, stays_frame(events))


def _oldest_other_transaction() -> tuple[datetime, datetime | None]:
    """PostgreSQL: the database's clock now, and when the oldest transaction running in this
    database (other than this one) began, None without one. A transaction that took an id
    had begun by then: once every transaction running when a gap was noticed has ended,
    nothing can still commit into it. (Sessions of another database role show no start
    unless the role may read their statistics: events are written by Accord's own role.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT clock_timestamp(), min(xact_start) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()


def _missing(first: int, last: int, found: pl.Series) -> list[tuple[int, int]]:
    """The runs of ids in [first, last] not in `found` (sorted, unique, within it)."""
    bounds = pl.concat([pl.Series([first - 1], dtype=pl.Int64), found, pl.Series([last + 1], dtype=pl.Int64)])
    runs = pl.DataFrame({"low": bounds.head(-1) + 1, "high": bounds.tail(-1) - 1}).filter(
        pl.col("low") <= pl.col("high")
    )
    return list(runs.iter_rows())


def _gaps_after(mark: SummaryWatermark, found: pl.Series, last: int) -> list[list]:
    """PostgreSQL: the gaps still open once `found` (the ids read past the watermark or in
    its gaps) is read, with the new ones below `last`, each `[first, last, noticed]`. A gap
    is closed when it appears, or when every transaction that was running when it was
    noticed has ended (it was rolled back)."""
    now, oldest = _oldest_other_transaction()
    found = found.sort()
    gaps = []
    for first, end, noticed in mark.gaps:
        if oldest is not None and oldest <= datetime.fromisoformat(noticed):
            within = found.filter((found >= first) & (found <= end))
            gaps += [[low, high, noticed] for low, high in _missing(first, end, within)]
    if last > mark.last_event_id:
        within = found.filter(found > mark.last_event_id)
        gaps += [[low, high, now.isoformat()] for low, high in _missing(mark.last_event_id + 1, last, within)]
    return gaps


def _watermark() -> SummaryWatermark:
    SummaryWatermark.objects.get_or_create(pk=1)
    return SummaryWatermark.objects.select_for_update().get(pk=1)


def _unread(mark: SummaryWatermark) -> Q:
    unread = Q(id__gt=mark.last_event_id)
    for first, last, *_ in mark.gaps:
        unread |= Q(id__gte=first, id__lte=last)
    return unread


def summaries_refresh() -> int:
    """Bring the summaries up to the committed events; returns the number of leads
    recomputed. With nothing new it only reads the watermark and one index; from nothing
    (the first refresh) it builds them as `summaries_rebuild` does."""
    known = SummaryWatermark.objects.filter(pk=1).values_list("last_event_id", "gaps").first()
    if known is not None and not known[1] and not LeadEvent.objects.filter(id__gt=known[0]).exists():
        return 0
    with transaction.atomic():
        mark = _watermark()
        if mark.last_event_id == 0 and not mark.gaps:
            return _build(mark)
        unread = frame_of(
            LeadEvent.objects.filter(_unread(mark)).order_by().values_list("id", "lead_id"),
            ["id", "key"],
            {"id": pl.Int64, "key": pl.Int64},
        )
        last = max(mark.last_event_id, unread["id"].max() or 0)
        if is_postgres():
            mark.gaps = _gaps_after(mark, unread["id"], last)
        lead_ids = unread["key"].unique().sort().to_list()
        for first in range(0, len(lead_ids), LEADS_AT_ONCE):
            _recompute(Q(lead_id__in=values_in(lead_ids[first : first + LEADS_AT_ONCE])))
        mark.last_event_id, mark.refreshed_at = last, timezone.now()
        mark.save()
    return len(lead_ids)


def _build(mark: SummaryWatermark, progress: Callable[[int, int], None] | None = None) -> int:
    """The summaries emptied and made from every event, a range of leads at a time (read
    by the events' (lead, time) index), the watermark moved past them; returns the number
    of leads."""
    LeadMilestones.objects.all()._raw_delete(LeadMilestones.objects.db)
    LeadStay.objects.all()._raw_delete(LeadStay.objects.db)
    # Taken before reading: an event committed meanwhile is read again by the next refresh.
    last = LeadEvent.objects.aggregate(last=Max("id"))["last"] or 0
    gaps = []
    if is_postgres():
        every_id = LeadEvent.objects.filter(id__lte=last).order_by().values_list("id")
        mark.gaps, mark.last_event_id = [], 0
        gaps = _gaps_after(mark, frame_of(every_id, ["id"], {"id": pl.Int64})["id"], last)
    ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), LEADS_AT_ONCE):
        low, high = ids[first], ids[min(first + LEADS_AT_ONCE, len(ids)) - 1]
        _recompute(Q(lead_id__gte=low, lead_id__lte=high), replace=False)
        if progress:
            progress(min(first + LEADS_AT_ONCE, len(ids)), len(ids))
    mark.last_event_id, mark.gaps, mark.refreshed_at = last, gaps, timezone.now()
    mark.save()
    return len(ids)


def summaries_rebuild(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty the summaries and build them again from every event; `progress(leads done,
    leads)` after each range of leads. Returns the number of leads."""
    with transaction.atomic():
        return _build(_watermark(), progress)


# Reading a period's rows grouped by a lead attribute. Joining every row to its campaign and
# sorting by the group in the database costs more than the counting: instead the lead column
# the group is a function of is read as one comma-separated list (numbers only, so a comma
# never occurs in a value), and the group of each key is taken off one lead that has it.
GROUP_KEYS = {
    "campaign": "campaign_id",
    "channel": "campaign_id",
    "team": "team_id",
    "owner": "owner_id",
    "segment": "company_size",
}


def listed(expression) -> StringAgg:
    """A number column of many rows as one text, "" for NULL (so the lists stay aligned)."""
    return StringAgg(Coalesce(Cast(expression, TextField()), Value("")), Value(","))


def unlisted(column: str) -> pl.Expr:
    return pl.col(column).str.split(",").cast(pl.List(pl.Int64), strict=False)


def with_group_values(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """`frame` (`lead`, `key`: the lead's GROUP_KEYS column) with each lead's group value
    (`groups.group_value(by)`) as `value`, read off one lead per key."""
    column = GROUP_KEYS[by]
    samples = frame.group_by("key").agg(pl.col("lead").first())["lead"].to_list()
    values = frame_of(
        Lead.objects.filter(pk__in=values_in(samples)).order_by().values_list(column, group_value(by)),
        ["key", "value"],
        {"key": pl.Int64},
    )
    return frame.join(values, on="key", how="left", nulls_equal=True)
