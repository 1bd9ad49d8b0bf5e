"""Deals as they stood at any moment, read from their append-only history.

A deal's status at a moment is the status its last history entry before that moment left
it in: created and reopened leave it open; won and lost close it. A deal "won in a period"
is one whose last such entry before the period's end is a win inside the period — so a deal
won in March and reopened in April counts in March's report and not in April's; one won,
reopened and won again in March counts once.

Amounts and owners are the deal's own (its current amount, its owner — a user, or the name
an import gave when the owner is not one), not a copy from the time: correcting a deal's
amount corrects every report it is in.
"""

from datetime import datetime

import polars as pl
from django.db.models import FloatField
from django.db.models.functions import Cast

from accord.core.bulk import UTC_DATETIME, frame_of, frame_of_lists, values_in
from accord.crm.models import Opportunity, OpportunityEvent
from accord.people.models import Team, User

NO_OWNER = "(no owner)"
NO_TEAM = "(no team)"
STATUS_SCHEMA = {"opportunity": pl.Int64, "at": UTC_DATETIME, "id": pl.Int64, "kind": pl.String, "status": pl.String}
DEAL_SCHEMA = {
    "opportunity": pl.Int64,
    "lead": pl.Int64,
    "owner_id": pl.Int64,
    "owner_name": pl.String,
    "amount": pl.Float64,
    "created_at": UTC_DATETIME,
}


def status_history(end: datetime, start: datetime | None = None) -> pl.DataFrame:
    """The status changes (created, won, lost, reopened) before `end` — from `start` on,
    if given — sorted in the order they happened."""
    events = OpportunityEvent.objects.filter(kind__in=OpportunityEvent.STATUS_KINDS, occurred_at__lt=end)
    if start is not None:
        events = events.filter(occurred_at__gte=start)
    return frame_of_lists(
        events.order_by().values_list("opportunity_id", "occurred_at", "id", "kind", "status"),
        list(STATUS_SCHEMA),
        STATUS_SCHEMA,
    ).sort("opportunity", "at", "id")


def last_status(history: pl.DataFrame) -> pl.DataFrame:
    """Each deal's last status change in `history` (sorted as `status_history` sorts it):
    opportunity, status and at. The last row of each deal's run of rows, found by comparing
    each row with the next rather than by grouping."""
    last = pl.col("opportunity").ne_missing(pl.col("opportunity").shift(-1))
    return history.filter(last).select("opportunity", "status", "at")


def closed_in(start: datetime, end: datetime) -> pl.DataFrame:
    """The deals closed in [start, end) and still closed at `end`: opportunity, status
    (won or lost) and closed_at, the moment of that last close."""
    last = last_status(status_history(end, start))
    return last.filter(pl.col("status") != Opportunity.Status.OPEN.value).rename({"at": "closed_at"})


def open_at(moment: datetime, history: pl.DataFrame | None = None) -> pl.Series:
    """The ids of the deals open at `moment`: created before it and, if ever closed, reopened
    since. `history` is a `status_history` reaching at least that far, to reuse one read."""
    history = status_history(moment) if history is None else history.filter(pl.col("at") < moment)
    last = last_status(history)
    return last.filter(pl.col("status") == Opportunity.Status.OPEN.value)["opportunity"]


def open_at_each(moments: list[datetime], history: pl.DataFrame) -> pl.DataFrame:
    """The deals open at each of `moments` (`open_at` for each, from one `status_history`
    reaching at least the latest): opportunity and moment. A change is a deal's last before
    a moment when it happened before the moment and the deal's next change did not; the
    deal is open at that moment when that change left it open."""
    same_deal = pl.col("opportunity").shift(-1) == pl.col("opportunity")
    spans = history.with_columns(pl.when(same_deal).then(pl.col("at").shift(-1)).alias("until")).filter(
        pl.col("status") == Opportunity.Status.OPEN.value
    )
    parts = [
        spans.filter((pl.col("at") < moment) & (pl.col("until").is_null() | (pl.col("until") >= moment))).select(
            "opportunity", pl.lit(moment, UTC_DATETIME).alias("moment")
        )
        for moment in moments
    ]
    if not parts:
        return pl.DataFrame(schema={"opportunity": pl.Int64, "moment": UTC_DATETIME})
    return pl.concat(parts)


def deals_frame(ids, lead_field: str | None = None) -> pl.DataFrame:
    """The deals `ids` with what reports group and sum them by: lead, owner (id and the name
    shown: the user's name or email, else the owner named by an import), the owner's team,
    amount and creation time — and, given `lead_field` (a Lead field, e.g. "source" or
    "campaign__code"), that field of the deal's lead as `lead_value`, in the same read."""
    ids = sorted(set(ids))
    # The amount as a float from the database: PostgreSQL's numeric would come as a Python
    # Decimal per row, slow to build and to convert (the same float either way).
    fields = ["pk", "lead_id", "owner_id", "owner_name", Cast("amount", FloatField()), "created_at"]
    schema = dict(DEAL_SCHEMA)
    if lead_field is not None:
        fields.append(f"lead__{lead_field}")
        schema["lead_value"] = pl.String
    deals = frame_of(
        Opportunity.objects.filter(pk__in=values_in(ids)).order_by().values_list(*fields), list(schema), schema
    )
    owners = deals["owner_id"].drop_nulls().unique().to_list()
    users = User.objects.filter(pk__in=values_in(owners)).values_list(
        "pk", "first_name", "last_name", "email", "team_id"
    )
    people = pl.DataFrame(
        [(pk, f"{first} {last}".strip() or email, team) for pk, first, last, email, team in users],
        schema={"owner_id": pl.Int64, "owner_user": pl.String, "team_id": pl.Int64},
        orient="row",
    )
    teams = pl.DataFrame(
        list(Team.objects.values_list("pk", "name")), schema={"team_id": pl.Int64, "team": pl.String}, orient="row"
    )
    return (
        deals.join(people, on="owner_id", how="left")
        .join(teams, on="team_id", how="left")
        .with_columns(
            pl.coalesce(
                pl.col("owner_user"), pl.when(pl.col("owner_name") != "").then(pl.col("owner_name")), pl.lit(NO_OWNER)
            ).alias("owner"),
            pl.col("team").fill_null(NO_TEAM),
        )
        .drop("owner_user", "owner_name")
    )


def won_deals(start: datetime, end: datetime) -> pl.DataFrame:
    """The deals won in [start, end) and still won at `end`: opportunity, lead (null for a
    deal imported without one), owner_id, owner, team_id, team, amount, created_at, won_at."""
    won = closed_in(start, end).filter(pl.col("status") == Opportunity.Status.WON.value)
    return deals_frame(won["opportunity"].to_list()).join(
        won.select("opportunity", pl.col("closed_at").alias("won_at")), on="opportunity"
    )
