"""Journeys from Accord's own records: the conversions of a period and, for each, the touches
before it that may share its credit.

A **conversion** is, by what is attributed:

- `lead`: a lead created in the period (at its creation);
- `mql`: a lead that became marketing qualified in the period, once, at the first time it
  did so in the period (a lead recycled and qualified again in the same period counts once);
- `opportunity` and `pipeline`: a deal created in the period (weighing 1, or its amount);
- `revenue`: a deal won in the period and still won at its end, weighing its amount
  (`reports.deals.won_deals`: a deal won, reopened and won again counts once).

Its **journey** is the touchpoints of the people involved in the look-back window: from
`lookback_days` before the conversion up to the conversion itself, never after. For a lead
or an MQL that is the lead's own touchpoints; for a deal it is account-based — every
contact of the deal's account (or its lead's alone, when the deal has no account). A
conversion with no touchpoint in its window is kept, as "no touch".

The roles some models give touches come from the moments of the conversion: the lead's
creation (the deal's lead, for a deal), the deal's creation and its win.

For the Markov model, which also learns from journeys that did not convert, a **journey
without conversion** is a person (a lead; an account, or a lead without one, for deals)
with touchpoints in the period who did not convert in it: its path is those touchpoints.
For `lead` there is none: every touchpoint belongs to a lead, and a lead touched in the
period but created before it had converted already. The chain learns from converting
paths alone.

Every touch is credited to a **group**: its campaign (by campaign; "(no campaign)" without
one) or its channel (by channel: the touchpoint's own channel, else its campaign's, else
"(none)").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast

from accord.campaigns.models import Campaign
from accord.core.bulk import UTC_DATETIME, datetime_from_raw, frame_of, is_postgres, raw_datetime_sql, values_in
from accord.core.errors import InvalidInput
from accord.crm.models import Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.reports.deals import won_deals

CONVERSIONS = ("lead", "mql", "opportunity", "pipeline", "revenue")
MONEY = frozenset({"pipeline", "revenue"})  # weighed by amount; the others count 1 each
DEAL_CONVERSIONS = frozenset({"opportunity", "pipeline", "revenue"})
GROUPS = ("campaign", "channel")
DEFAULT_LOOKBACK_DAYS = 90
MAX_LOOKBACK_DAYS = 3650
NO_TOUCH = "(no touch)"
NO_CAMPAIGN = "(no campaign)"
NO_CHANNEL = "(none)"

CONVERSION_SCHEMA = {
    "conversion": pl.Int64,
    "converted_at": UTC_DATETIME,
    "lead_created_at": UTC_DATETIME,
    "opportunity_created_at": UTC_DATETIME,
    "closed_at": UTC_DATETIME,
    "value": pl.Float64,
}
TOUCH_SCHEMA = {"conversion": pl.Int64, "at": UTC_DATETIME, "order": pl.Int64, "group": pl.String}
READ_SCHEMA = {
    "lead": pl.Int64,
    "order": pl.Int64,
    "at": UTC_DATETIME,
    "campaign_id": pl.Int64,
    "channel": pl.String,
}


@dataclass(frozen=True, slots=True)
class Journeys:
    """`conversions`: one row per conversion (`CONVERSION_SCHEMA`); `touches`: the touches
    of their journeys (`TOUCH_SCHEMA`, in no set order; none after its conversion or before its window);
    `groups`: `group`, `name`, `channel` of every group a touch names; `unconverted`: the
    paths that did not convert (`subject`, `at`, `order`, `group`), read only when asked."""

    conversion: str
    by: str
    conversions: pl.DataFrame
    touches: pl.DataFrame
    groups: pl.DataFrame
    unconverted: pl.DataFrame | None


def journeys_check(conversion: str, by: str, lookback_days: int) -> None:
    if conversion not in CONVERSIONS:
        raise InvalidInput(f"The conversion is one of {', '.join(CONVERSIONS)}.", field="conversion")
    if by not in GROUPS:
        raise InvalidInput(f"Attribution is by {' or '.join(GROUPS)}.", field="by")
    if not 0 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise InvalidInput(
            f"The look-back window is 0 to {MAX_LOOKBACK_DAYS} days (got {lookback_days}).", field="lookback_days"
        )


def journeys_read(
    start: datetime,
    end: datetime,
    *,
    conversion: str,
    by: str,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    unconverted: bool = False,
) -> Journeys:
    """The conversions in [start, end) and their journeys (see the module's docstring); with
    `unconverted`, also the paths that did not convert, for the Markov model."""
    journeys_check(conversion, by, lookback_days)
    window = timedelta(days=lookback_days)
    if conversion in DEAL_CONVERSIONS:
        conversions, members = _deal_conversions(start, end, conversion)
        leads = values_in(members["lead"].unique().to_list())
    else:
        conversions, leads = _lead_conversions(start, end, conversion)
        members = pl.DataFrame({"conversion": conversions["conversion"], "lead": conversions["conversion"]})
    moments = conversions.select("conversion", "converted_at")
    if conversion == "lead":  # the leads read are the conversions: their captures come with them
        captures = conversions.filter(pl.col("campaign_id").is_not_null() | (pl.col("channel") != "")).select(
            pl.col("conversion").alias("lead"), (-pl.col("conversion")).alias("order"),
            pl.col("converted_at").alias("at"), "campaign_id", "channel",
        )  # fmt: skip
        conversions = conversions.drop("campaign_id", "channel")
        touched = pl.concat([_created_touches(leads, window), captures])
    else:
        captures = _captures(Lead.objects.filter(pk__in=leads, created_at__gte=start - window, created_at__lt=end))
        touched = pl.concat([_touches_within(_windows(members, moments, window)), captures])
    touches = (
        members.join(touched, on="lead")
        .join(moments, on="conversion")
        .filter((pl.col("at") <= pl.col("converted_at")) & (pl.col("at") >= pl.col("converted_at") - window))
    )
    touches, groups = _grouped(touches, by)
    paths = None
    if unconverted:
        paths, more = _grouped(_unconverted(start, end, conversion, members), by)
        groups = pl.concat([groups, more]).unique("group")
    return Journeys(conversion, by, conversions, touches.select(list(TOUCH_SCHEMA)), groups, paths)


def _lead_conversions(start: datetime, end: datetime, conversion: str) -> tuple[pl.DataFrame, object]:
    """The leads' conversions, and the leads to read their touches of: for `lead`, the
    period's leads (a queryset); for `mql`, a subquery of their ids."""
    if conversion == "lead":
        leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        frame = frame_of(
            leads.order_by().values_list("pk", "created_at", "campaign_id", "source"),
            ["conversion", "converted_at", "campaign_id", "channel"],
            {"conversion": pl.Int64, "campaign_id": pl.Int64, "channel": pl.String},
        ).with_columns(pl.col("converted_at").alias("lead_created_at"))
        # With each lead's campaign and source, for its capture (`journeys_read`).
        return _completed(frame).with_columns(frame.select("campaign_id", "channel")), leads
    qualified = LeadEvent.objects.filter(
        kind=LeadEvent.Kind.STAGE, to_stage=Stage.MQL, occurred_at__gte=start, occurred_at__lt=end
    ).order_by()
    events = frame_of(
        qualified.values_list("lead_id", "occurred_at", "lead__created_at"),
        ["conversion", "converted_at", "lead_created_at"],
        {"conversion": pl.Int64},
    )
    firsts = events.group_by("conversion").agg(pl.col("converted_at").min(), pl.col("lead_created_at").first())
    return _completed(firsts), qualified.values("lead_id")


def _completed(frame: pl.DataFrame) -> pl.DataFrame:
    """A lead's conversion, weighing 1, with every column: the moments it lacks as nulls."""
    given = {"value": pl.lit(1.0)}
    return frame.select(
        given.get(name, pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in CONVERSION_SCHEMA.items()
    )


DEAL_SCHEMA = {
    "conversion": pl.Int64,
    "lead": pl.Int64,
    "account": pl.Int64,
    "amount": pl.Float64,
    "opportunity_created_at": UTC_DATETIME,
    "lead_created_at": UTC_DATETIME,
}


def _deal_conversions(start: datetime, end: datetime, conversion: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The deals' conversions, and `members`: (conversion, lead) for every contact of each
    deal's account, or the deal's lead when it has no account."""
    fields = ("pk", "lead_id", "account_id", Cast("amount", FloatField()), "created_at", "lead__created_at")
    if conversion == "revenue":
        won = won_deals(start, end).select(pl.col("opportunity").alias("conversion"), pl.col("won_at"))
        deals = Opportunity.objects.filter(pk__in=values_in(won["conversion"].to_list()))
    else:
        won = None
        deals = Opportunity.objects.filter(created_at__gte=start, created_at__lt=end)
    frame = frame_of(deals.order_by().values_list(*fields), list(DEAL_SCHEMA), DEAL_SCHEMA)
    if won is not None:
        frame = frame.join(won, on="conversion")
        moments = {"converted_at": pl.col("won_at"), "closed_at": pl.col("won_at")}
    else:
        moments = {"converted_at": pl.col("opportunity_created_at"), "closed_at": pl.lit(None, UTC_DATETIME)}
    value = pl.col("amount") if conversion in MONEY else pl.lit(1.0)
    conversions = frame.select(
        "conversion",
        moments["converted_at"].alias("converted_at"),
        "lead_created_at",
        "opportunity_created_at",
        moments["closed_at"].alias("closed_at"),
        value.cast(pl.Float64).alias("value"),
    )
    accounts = frame["account"].drop_nulls().unique().to_list()
    contacts = frame_of(
        Lead.objects.filter(account_id__in=values_in(accounts)).order_by().values_list("pk", "account_id"),
        ["lead", "account"],
        {"lead": pl.Int64, "account": pl.Int64},
    )
    members = pl.concat(
        [
            frame.filter(pl.col("account").is_not_null())
            .select("conversion", "account")
            .join(contacts, on="account")
            .select("conversion", "lead"),
            frame.filter(pl.col("account").is_null() & pl.col("lead").is_not_null()).select("conversion", "lead"),
        ]
    )
    return conversions, members


def _touches(touchpoints) -> pl.DataFrame:
    """The touchpoints of a queryset (READ_SCHEMA), read as CSV like the journeys' touches:
    the Markov chain's unconverted paths read every touch of the period (6 million rows for
    a year of 10,000,000)."""
    selected = touchpoints.order_by().values("lead_id", "id", "occurred_at", "campaign_id", "channel")
    sql, params = selected.query.sql_with_params()
    source = f"({sql}) AS t"
    if is_postgres():
        columns = f"t.lead_id, t.id, {raw_datetime_sql('t.occurred_at')}, t.campaign_id, t.channel"
        return _postgres_csv_rows(f"SELECT {columns} FROM {source}", list(params))  # noqa: S608
    return _sqlite_csv_rows(f"FROM {source}", list(params))


def _windows(members: pl.DataFrame, moments: pl.DataFrame, window: timedelta) -> pl.DataFrame:
    """Per lead of a journey: `lo`, `hi`, the earliest and latest instant one of its touches
    can count (its first conversion less the window; its last conversion), padded by a
    second so the SQL filter, which compares whole seconds, keeps a superset: the exact
    filter stays in `journeys_read`. In lead order, so the index is walked forwards."""
    second = timedelta(seconds=1)
    return (
        members.join(moments, on="conversion")
        .group_by("lead")
        .agg(
            (pl.col("converted_at").min() - window - second).alias("lo"),
            (pl.col("converted_at").max() + second).alias("hi"),
        )
        .sort("lead")
    )


def _touches_within(windows: pl.DataFrame) -> pl.DataFrame:
    """The touchpoints of each lead of `windows` within its own [lo, hi]: the database
    filters each lead's touches by its window (the `touchpoint_lead_journey` index), so a year's
    deals send only their journeys' touches to Python, not every touch of the period."""
    if windows.is_empty():
        return pl.DataFrame(schema=READ_SCHEMA)
    if is_postgres():
        params = [
            "{" + ",".join(map(str, windows["lead"].to_list())) + "}",
            "{" + ",".join(windows["lo"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_list()) + "}",
            "{" + ",".join(windows["hi"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_list()) + "}",
        ]
        source = "unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS w(lead, lo, hi)"
        return _touches_joined(source, params, lead="w.lead", lo="w.lo", hi="w.hi")
    text = windows.select(
        pl.format(
            '[{},"{}","{}"]',
            "lead",
            pl.col("lo").dt.strftime("%Y-%m-%d %H:%M:%S"),
            pl.col("hi").dt.strftime("%Y-%m-%d %H:%M:%S"),
        ).str.join(",")
    ).item()
    source = "json_each(%s) AS w"
    return _touches_joined(source, ["[" + text + "]"], lead="w.value ->> 0", lo="w.value ->> 1", hi="w.value ->> 2")


def _created_touches(leads, window: timedelta) -> pl.DataFrame:
    """The touchpoints of each lead of the queryset `leads` from `window` before its creation
    to its creation (a second either side: the exact filter stays in `journeys_read`) — the
    journeys of lead conversions, joined in the database to the leads themselves rather than
    sent to it as half a million windows."""
    sql, params = leads.order_by().values("id", "created_at").query.sql_with_params()
    seconds = int(window.total_seconds()) + 1
    source = f"({sql}) AS w"
    if is_postgres():
        lo, hi = f"w.created_at - make_interval(secs => {seconds})", "w.created_at + interval '1 second'"
    else:  # text comparable with the stored datetimes (SQLite's `datetime` keeps whole seconds)
        lo, hi = f"datetime(w.created_at, '-{seconds} seconds')", "datetime(w.created_at, '+1 seconds')"
    return _touches_joined(source, list(params), lead="w.id", lo=lo, hi=hi)


def _touches_joined(source: str, params: list, *, lead: str, lo: str, hi: str) -> pl.DataFrame:
    """The touchpoints of the leads of the SQL `source`, each with `lo` <= occurred_at <= `hi`
    (SQL over `source`'s columns): for each lead of the source, one range of the
    `touchpoint_lead_journey` index, which holds every column read, so no row of the table
    is visited. SQLite keeps that order with `CROSS JOIN`. PostgreSQL would rather hash the
    leads and scan every touchpoint (6.3 s against 2.1 s for a year of lead journeys over
    10,000,000 touchpoints), so there each lead's range is a `LATERAL` subquery, which
    `OFFSET 0` keeps from being merged back into a join. (The SQL is this module's own text;
    values go as parameters.)"""
    if is_postgres():
        columns = f"t.lead_id, t.id, {raw_datetime_sql('t.occurred_at')}, t.campaign_id, t.channel"
        scan = f"FROM crm_touchpoint t WHERE t.lead_id = {lead} AND t.occurred_at >= {lo} AND t.occurred_at <= {hi}"
        lateral = f"SELECT t.* FROM {source} CROSS JOIN LATERAL (SELECT {columns} {scan} OFFSET 0) t"  # noqa: S608
        return _postgres_csv_rows(lateral, params)
    joined = (
        f"FROM {source} CROSS JOIN crm_touchpoint t ON t.lead_id = {lead} "
        f"WHERE t.occurred_at >= {lo} AND t.occurred_at <= {hi}"
    )
    return _sqlite_csv_rows(joined, params)


def _postgres_csv_rows(sql: str, params: list) -> pl.DataFrame:
    """The touchpoints `sql` selects, copied out by PostgreSQL as CSV (`COPY ... TO STDOUT`)
    and parsed by Polars, for the reason `_sqlite_csv_rows` gives (a year of lead journeys:
    3.1 s through `fetchall`, 2.2 s as CSV, before building the frame). The occurred_at
    column is the epoch microseconds `raw_datetime_sql` selects."""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        data = b"".join(copy)
    if not data:
        return pl.DataFrame(schema=READ_SCHEMA)
    frame = pl.read_csv(
        data,
        has_header=False,
        new_columns=list(READ_SCHEMA),
        schema={"lead": pl.Int64, "order": pl.Int64, "at": pl.Int64, "campaign_id": pl.Int64, "channel": pl.String},
    )
    # channel is never NULL: an unquoted empty field is an empty text
    return frame.with_columns(datetime_from_raw(pl.col("at"), pl.Int64).alias("at"), pl.col("channel").fill_null(""))


def _sqlite_csv_rows(joined: str, params: list) -> pl.DataFrame:
    """The touchpoints of `joined` as one CSV text built by SQLite and parsed by Polars: a
    million rows as Python tuples cost more than SQLite's whole read (about half the CPU of
    a year's lead journeys). Text values are quoted with `'` (SQLite's `quote`)."""
    line = "t.lead_id || ',' || t.id || ',' || t.occurred_at || ',' || ifnull(t.campaign_id, '') || ',' || quote(t.channel)"  # noqa: E501
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT group_concat({line}, char(10)) {joined}", params)
        text = cursor.fetchone()[0]
    if not text:
        return pl.DataFrame(schema=READ_SCHEMA)
    frame = pl.read_csv(
        text.encode(),
        has_header=False,
        new_columns=list(READ_SCHEMA),
        schema={"lead": pl.Int64, "order": pl.Int64, "at": pl.String, "campaign_id": pl.Int64, "channel": pl.String},
        quote_char="'",
    )
    return frame.with_columns(datetime_from_raw(pl.col("at"), pl.String).alias("at"))


def _captures(leads) -> pl.DataFrame:
    """Each lead's capture as a touch: at its creation, of its campaign, its source as the
    channel; ordered before the touchpoints of the same instant (a negative `order`). A lead
    with neither campaign nor source tells nothing of how it came, and has none."""
    captured = leads.exclude(campaign__isnull=True, source="")
    names = ["lead", "at", "campaign_id", "channel"]
    frame = frame_of(captured.order_by().values_list("pk", "created_at", "campaign_id", "source"), names, READ_SCHEMA)
    return frame.select("lead", (-pl.col("lead")).alias("order"), *names[1:])


def _unconverted(start: datetime, end: datetime, conversion: str, members: pl.DataFrame) -> pl.DataFrame:
    """The paths of the people with touchpoints in [start, end) who did not convert in it:
    `subject` (a lead; for deals, an account, or a lead without one, as a negative number
    so the two cannot meet), and the touches. None for `lead`: a lead touched in the period
    but created before it converted already, and is no journey that failed."""
    if conversion == "lead":
        return pl.DataFrame(schema={"subject": pl.Int64, **READ_SCHEMA})
    touches = pl.concat(
        [
            _touches(Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=end)),
            _captures(Lead.objects.filter(created_at__gte=start, created_at__lt=end)),
        ]
    )
    converted = members["lead"].unique().implode()
    if conversion not in DEAL_CONVERSIONS:
        return touches.with_columns(pl.col("lead").alias("subject")).filter(~pl.col("lead").is_in(converted))
    accounts = frame_of(
        Lead.objects.filter(pk__in=values_in(touches["lead"].unique().to_list()), account__isnull=False)
        .order_by()
        .values_list("pk", "account_id"),
        ["lead", "account"],
        {"lead": pl.Int64, "account": pl.Int64},
    )
    touches = touches.join(accounts, on="lead", how="left")
    touches = touches.with_columns(pl.coalesce(pl.col("account"), -pl.col("lead")).alias("subject"))
    # A person whose account (or own lead) converted is no unconverted journey.
    gone = touches.filter(pl.col("lead").is_in(converted))["subject"].unique().implode()
    return touches.filter(~pl.col("subject").is_in(gone))


def _grouped(touches: pl.DataFrame, by: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`touches` with their `group` (campaign code or channel), and the groups named."""
    ids = touches["campaign_id"].drop_nulls().unique().to_list()
    campaigns = frame_of(
        Campaign.objects.filter(pk__in=values_in(ids)).order_by().values_list("pk", "code", "name", "channel"),
        ["campaign_id", "code", "name", "campaign_channel"],
        {"campaign_id": pl.Int64},
    )
    touches = touches.join(campaigns, on="campaign_id", how="left")
    if by == "campaign":
        group = pl.col("code").fill_null(NO_CAMPAIGN)
        named = campaigns.select(pl.col("code").alias("group"), "name", pl.col("campaign_channel").alias("channel"))
        named = pl.concat([named, pl.DataFrame({"group": [NO_CAMPAIGN], "name": [NO_CAMPAIGN], "channel": [None]})])
    else:
        own = pl.when(pl.col("channel") != "").then(pl.col("channel"))
        theirs = pl.when(pl.col("campaign_channel") != "").then(pl.col("campaign_channel"))
        group = pl.coalesce(own, theirs, pl.lit(NO_CHANNEL))
        named = None
    touches = touches.with_columns(group.alias("group"))
    if named is None:
        channels = touches["group"].unique()
        named = pl.DataFrame({"group": channels, "name": channels, "channel": channels})
    groups = named.cast(pl.String).filter(pl.col("group").is_in(touches["group"].unique().implode()))
    return touches, groups
