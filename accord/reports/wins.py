"""The wins feed: every deal won in a period with what came before it and the people behind
it — the campaigns that touched its lead and their owners, the touchpoints, the rep who
accepted the lead (the SDR) and the deal's owner (the AE) — and a weekly digest of it by
email. "Celebrate wins together."

Which deals a period won is `deals.won_deals`' rule: a deal reopened after its win is not a
win until it closes won again, and then counts where it did. For each win:

- the AE: the deal's owner, as `won_deals` names it;
- the SDR: the actor of the lead's last stage event to `sal` at or before the deal was
  created — who accepted the lead. None when nobody did (an imported history) or the AE
  did (converting an MQL accepts it on the way): then the AE alone is shown;
- the touchpoints: the lead's touchpoints at or before the win — a count per type, the
  first and the last (by time, then by id);
- the campaigns: the distinct campaigns of those touchpoints, plus the lead's own campaign
  (the one it came in through), in the order they first reached the lead (the lead's own
  at the lead's creation), each with its owner — the campaign owner credited;
- marketing credit: at least one campaign before the win.

A deal imported without a lead has no touchpoints, campaigns or SDR: its AE alone.

Everything is read from records that are never rewritten (the deals' history, the lead
events, the touchpoints), so a past period gives the same feed tomorrow. Names, amounts and
campaigns are the current ones, as in every deal report.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection
from django.template.loader import render_to_string

from accord.campaigns.models import Campaign
from accord.core.bulk import UTC_DATETIME, frame_of, is_postgres, values_in
from accord.core.errors import InvalidInput
from accord.core.tasks import enqueue_on_commit
from accord.crm.models import Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.crm.policies import visible_leads
from accord.people.models import User
from accord.reports import deals
from accord.reports.selectors import period_bounds, rate

NO_OWNER = deals.NO_OWNER
FEED_PATH = "/reports/wins/"

DETAIL_SCHEMA = {
    "opportunity": pl.Int64,
    "name": pl.String,
    "account": pl.String,
    "first_name": pl.String,
    "last_name": pl.String,
    "company": pl.String,
    "lead_campaign": pl.Int64,
    "lead_created_at": UTC_DATETIME,
}
TOUCH_SCHEMA = {
    "lead": pl.Int64,
    "touch": pl.Int64,
    "type": pl.String,
    "channel": pl.String,
    "campaign_id": pl.Int64,
    "at": UTC_DATETIME,
}
ACCEPT_SCHEMA = {"lead": pl.Int64, "at": UTC_DATETIME, "event": pl.Int64, "actor": pl.Int64}
CAMPAIGN_SCHEMA = {
    "campaign_id": pl.Int64,
    "code": pl.String,
    "campaign_name": pl.String,
    "campaign_channel": pl.String,
    "campaign_owner": pl.Int64,
}


@dataclass(slots=True, frozen=True)
class Person:
    id: int | None  # None: an owner named by an import who is not a user
    name: str

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name}


@dataclass(slots=True)
class CampaignCredit:
    code: str
    name: str
    channel: str
    owner: Person | None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "channel": self.channel,
            "owner": self.owner.as_dict() if self.owner else None,
        }


@dataclass(slots=True)
class Touch:
    type: str
    channel: str
    campaign: str | None  # the campaign's code
    at: datetime

    def as_dict(self) -> dict:
        return {"type": self.type, "channel": self.channel, "campaign": self.campaign, "at": self.at.isoformat()}


@dataclass(slots=True)
class Win:
    opportunity: int
    name: str
    amount: float
    won_at: datetime
    account: str | None  # the deal's account, else its lead's company
    lead_id: int | None
    lead_name: str | None
    ae: Person
    sdr: Person | None
    campaigns: list[CampaignCredit]
    touch_counts: dict[str, int]  # per touchpoint type, at or before the win
    first_touch: Touch | None
    last_touch: Touch | None
    lead_link: bool = True  # whether the reader may open the lead (see `wins_feed_for`)

    @property
    def touchpoints(self) -> int:
        return sum(self.touch_counts.values())

    @property
    def marketing_credit(self) -> bool:
        return bool(self.campaigns)

    @property
    def campaign_owners(self) -> list[str]:
        """The owners credited, each once, in the campaigns' order."""
        return list(dict.fromkeys(c.owner.name for c in self.campaigns if c.owner))

    def as_dict(self) -> dict:
        lead = None
        if self.lead_id is not None:
            lead = {"id": self.lead_id if self.lead_link else None, "name": self.lead_name}
        return {
            "opportunity": self.opportunity,
            "name": self.name,
            "amount": self.amount,
            "won_at": self.won_at.isoformat(),
            "account": self.account,
            "lead": lead,
            "ae": self.ae.as_dict(),
            "sdr": self.sdr.as_dict() if self.sdr else None,
            "marketing_credit": self.marketing_credit,
            "campaigns": [campaign.as_dict() for campaign in self.campaigns],
            "touchpoints": {
                "count": self.touchpoints,
                "by_type": self.touch_counts,
                "first": self.first_touch.as_dict() if self.first_touch else None,
                "last": self.last_touch.as_dict() if self.last_touch else None,
            },
        }


@dataclass(slots=True)
class WinsSummary:
    wins: int
    revenue: float
    marketing_credited: int  # wins with at least one campaign before them

    @property
    def marketing_share(self) -> float | None:
        return rate(self.marketing_credited, self.wins)

    def as_dict(self) -> dict:
        return {
            "wins": self.wins,
            "revenue": self.revenue,
            "marketing_credited": self.marketing_credited,
            "marketing_share": self.marketing_share,
        }


@dataclass(slots=True)
class WeekCount:
    week: date  # its Monday
    wins: int
    marketing_credited: int

    def as_dict(self) -> dict:
        return {"week": self.week.isoformat(), "wins": self.wins, "marketing_credited": self.marketing_credited}


@dataclass(slots=True)
class WinsFeed:
    date_from: date
    date_to: date
    summary: WinsSummary
    rows: list[Win]  # newest win first
    weeks: list[WeekCount]  # every week (Monday to Sunday) the period touches, in order

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "summary": self.summary.as_dict(),
            "rows": [row.as_dict() for row in self.rows],
            "weeks": [week.as_dict() for week in self.weeks],
        }


def _user_names(ids) -> dict[int, str]:
    """{id: the name shown}: the user's full name, else their email (as deals name owners)."""
    users = User.objects.filter(pk__in=values_in(sorted(set(ids)))).values_list(
        "pk", "first_name", "last_name", "email"
    )
    return {pk: f"{first} {last}".strip() or email for pk, first, last, email in users}


def _details(ids: list[int]) -> pl.DataFrame:
    """The deals' names, accounts and what the feed shows of their leads."""
    return frame_of(
        Opportunity.objects.filter(pk__in=values_in(ids))
        .order_by()
        .values_list(
            "pk",
            "name",
            "account__name",
            "lead__first_name",
            "lead__last_name",
            "lead__company",
            "lead__campaign_id",
            "lead__created_at",
        ),
        list(DETAIL_SCHEMA),
        DETAIL_SCHEMA,
    )


# The won leads' touchpoints up to each lead's last win, read by joining the touchpoints to
# the (lead, bound) pairs, passed as one parameter or two: SQLite's json_each of [lead, bound]
# pairs, materialised once (reading the bound off the document per touchpoint parses it
# every time), PostgreSQL's unnest of two arrays. The bound is the stored text on SQLite
# ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC), compared as text as Django compares it; written
# with all six digits of the microseconds it sorts at or after every form of the same
# instant, so no touchpoint at the bound is missed. Datetimes are selected raw and
# converted by Polars, as `core.bulk.frame_of` does.
TOUCHES_UNTIL_SQL = {
    "sqlite": (
        "WITH bound(lead, until) AS MATERIALIZED ("
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s)) "
        "SELECT t.lead_id, t.id, t.type, t.channel, t.campaign_id, +t.occurred_at "
        "FROM bound CROSS JOIN {table} t WHERE t.lead_id = bound.lead AND t.occurred_at <= bound.until"
    ),
    "postgresql": (
        "SELECT t.lead_id, t.id, t.type, t.channel, t.campaign_id, "
        "(EXTRACT(EPOCH FROM t.occurred_at) * 1000000)::bigint "
        "FROM unnest(%s::bigint[], %s::timestamptz[]) AS bound(lead, until) "
        "JOIN {table} t ON t.lead_id = bound.lead AND t.occurred_at <= bound.until"
    ),
}


def _touches_until(bounds: pl.DataFrame) -> pl.DataFrame:
    """TOUCH_SCHEMA rows of the touchpoints of each lead of `bounds` (lead, until) at or
    before its `until`, in one query."""
    if bounds.is_empty():
        return pl.DataFrame(schema=TOUCH_SCHEMA)
    until = bounds["until"].dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
    if is_postgres():
        params = [
            "{" + ",".join(map(str, bounds["lead"])) + "}",
            "{" + ",".join(f'"{moment}+00"' for moment in until) + "}",
        ]
    else:
        params = [json.dumps(list(zip(bounds["lead"].to_list(), until.to_list(), strict=True)))]
    with connection.cursor() as cursor:
        cursor.execute(TOUCHES_UNTIL_SQL[connection.vendor].format(table=Touchpoint._meta.db_table), params)
        rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema=TOUCH_SCHEMA)
    frame = pl.DataFrame(rows, schema=list(TOUCH_SCHEMA), orient="row", infer_schema_length=None)
    at = pl.col("at")
    at = (
        at.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", time_unit="us")
        if frame["at"].dtype == pl.String
        else at.cast(pl.Int64).cast(UTC_DATETIME)
    )
    return frame.with_columns(at, *(pl.col(name).cast(dtype) for name, dtype in TOUCH_SCHEMA.items() if name != "at"))


def _touches(wins: pl.DataFrame) -> pl.DataFrame:
    """One row per (win, touchpoint of its lead at or before the win), in one query: each
    lead's touchpoints are read up to its last win in the period, not to the period's end
    (most of a won lead's touchpoints come after its win)."""
    bounds = wins.filter(pl.col("lead").is_not_null()).group_by("lead").agg(pl.col("won_at").max().alias("until"))
    return (
        wins.select("opportunity", "lead", "won_at")
        .join(_touches_until(bounds), on="lead")
        .filter(pl.col("at") <= pl.col("won_at"))
        .sort("opportunity", "at", "touch")
    )


def _sdrs(wins: pl.DataFrame, end: datetime) -> pl.DataFrame:
    """opportunity → sdr_id: who accepted the lead last at or before the deal was created,
    unless that was the deal's owner."""
    lead_ids = wins["lead"].drop_nulls().unique().to_list()
    accepts = frame_of(
        LeadEvent.objects.filter(
            lead_id__in=values_in(lead_ids), kind=LeadEvent.Kind.STAGE, to_stage=Stage.SAL, occurred_at__lt=end
        )
        .order_by()
        .values_list("lead_id", "occurred_at", "id", "actor_id"),
        list(ACCEPT_SCHEMA),
        ACCEPT_SCHEMA,
    )
    last = (
        wins.select("opportunity", "lead", "created_at", "owner_id")
        .join(accepts, on="lead")
        .filter(pl.col("at") <= pl.col("created_at"))
        .sort("opportunity", "at", "event")
        .group_by("opportunity", maintain_order=True)
        .last()
    )
    return last.select(
        "opportunity", pl.when(pl.col("actor").ne_missing(pl.col("owner_id"))).then("actor").alias("sdr_id")
    )


def _credits(wins: pl.DataFrame, touches: pl.DataFrame) -> pl.DataFrame:
    """One row per (win, campaign credited), in the order the campaigns reached the lead."""
    touched = touches.filter(pl.col("campaign_id").is_not_null()).select("opportunity", "campaign_id", "at")
    own = wins.filter(pl.col("lead_campaign").is_not_null()).select(
        "opportunity", pl.col("lead_campaign").alias("campaign_id"), pl.col("lead_created_at").alias("at")
    )
    firsts = pl.concat([touched, own]).group_by("opportunity", "campaign_id").agg(pl.col("at").min())
    campaigns = frame_of(
        Campaign.objects.filter(pk__in=values_in(firsts["campaign_id"].unique().to_list()))
        .order_by()
        .values_list("pk", "code", "name", "channel", "owner_id"),
        list(CAMPAIGN_SCHEMA),
        CAMPAIGN_SCHEMA,
    )
    return firsts.join(campaigns, on="campaign_id").sort("opportunity", "at", "code")


def _weeks(date_from: date, date_to: date, wins: pl.DataFrame) -> list[WeekCount]:
    counted = {
        week: (count, credited)
        for week, count, credited in wins.group_by(pl.col("won_at").dt.truncate("1w").dt.date().alias("week"))
        .agg(pl.len(), pl.col("credited").sum())
        .iter_rows()
    }
    monday = date_from - timedelta(days=date_from.weekday())
    weeks = []
    while monday <= date_to:
        count, credited = counted.get(monday, (0, 0))
        weeks.append(WeekCount(monday, count, credited))
        monday += timedelta(days=7)
    return weeks


def _rows(frame: pl.DataFrame, *columns: str):
    """The rows of `frame`'s `columns` as tuples, converted a column at a time: several
    times faster than `iter_rows` for the thousands of wins of a year."""
    return zip(*(frame[column].to_list() for column in columns), strict=True)


def wins_feed(*, date_from: date, date_to: date) -> WinsFeed:
    """The deals won in [date_from, date_to] (UTC days), newest win first, each with its AE,
    SDR, campaigns and touchpoints (see the module's docstring), the period's summary and
    the wins per week. A constant number of queries, whatever the number of wins."""
    start, end = period_bounds(date_from, date_to)
    wins = deals.won_deals(start, end)
    wins = wins.join(_details(wins["opportunity"].to_list()), on="opportunity", how="left")
    touches = _touches(wins)
    credits = _credits(wins, touches)
    wins = wins.join(_sdrs(wins, end), on="opportunity", how="left").with_columns(
        pl.col("opportunity").is_in(credits["opportunity"].implode()).alias("credited")
    )
    names = _user_names([*wins["sdr_id"].drop_nulls(), *credits["campaign_owner"].drop_nulls()])
    codes = dict(credits.select("campaign_id", "code").unique().iter_rows())

    def touched(ends: pl.DataFrame) -> dict[int, Touch]:
        rows = _rows(ends, "opportunity", "type", "channel", "campaign_id", "at")
        return {
            opportunity: Touch(kind, channel, codes.get(campaign), at)
            for opportunity, kind, channel, campaign, at in rows
        }

    by_win = touches.group_by("opportunity", maintain_order=True)
    firsts, lasts = touched(by_win.first()), touched(by_win.last())
    per_type = (
        touches.group_by("opportunity", "type")
        .len()
        .sort("opportunity", "type")
        .group_by("opportunity", maintain_order=True)
        .agg("type", "len")
    )
    counts = {
        opportunity: dict(zip(kinds, lengths, strict=True))
        for opportunity, kinds, lengths in _rows(per_type, "opportunity", "type", "len")
    }
    credited: dict[int, list[CampaignCredit]] = {}
    for opportunity, code, name, channel, owner in _rows(
        credits, "opportunity", "code", "campaign_name", "campaign_channel", "campaign_owner"
    ):
        credited.setdefault(opportunity, []).append(
            CampaignCredit(code, name, channel, Person(owner, names[owner]) if owner else None)
        )

    rows = []
    columns = ("opportunity", "sdr_id", "first_name", "last_name", "name", "amount", "won_at", "account", "company",
               "lead", "owner_id", "owner")  # fmt: skip
    newest_first = wins.sort("won_at", "opportunity", descending=True)
    for (
        opportunity,
        sdr,
        first,
        last,
        name,
        amount,
        won_at,
        account,
        company,
        lead,
        owner_id,
        owner,
    ) in _rows(newest_first, *columns):
        lead_name = f"{first or ''} {last or ''}".strip() or None
        rows.append(
            Win(
                opportunity=opportunity,
                name=name,
                amount=amount,
                won_at=won_at,
                account=account or company or None,
                lead_id=lead,
                lead_name=lead_name if lead is not None else None,
                ae=Person(owner_id, owner),
                sdr=Person(sdr, names[sdr]) if sdr is not None else None,
                campaigns=credited.get(opportunity, []),
                touch_counts=counts.get(opportunity, {}),
                first_touch=firsts.get(opportunity),
                last_touch=lasts.get(opportunity),
            )
        )
    summary = WinsSummary(
        wins=wins.height,
        revenue=round(float(wins["amount"].sum()), 2),
        marketing_credited=int(wins["credited"].sum()),
    )
    return WinsFeed(date_from, date_to, summary, rows, _weeks(date_from, date_to, wins))


def wins_feed_for(*, acting_user: User, date_from: date, date_to: date) -> WinsFeed:
    """The feed for a person. Everyone signed in reads it — it is for celebrating together,
    and shows names, amounts and campaigns only — but a win links to its lead only for
    those who may see the lead (`crm.policies`)."""
    feed = wins_feed(date_from=date_from, date_to=date_to)
    lead_ids = [row.lead_id for row in feed.rows if row.lead_id is not None]
    visible = set(
        visible_leads(acting_user, Lead.objects.filter(pk__in=values_in(lead_ids))).values_list("pk", flat=True)
    )
    for row in feed.rows:
        row.lead_link = row.lead_id in visible
    return feed


# One flat row per win, for CSV files and terminals (web and command line alike).
ROW_COLUMNS = ("won_at", "opportunity", "amount", "ae", "sdr", "campaigns", "campaign_owners", "touchpoints")


def report_rows(feed: WinsFeed) -> list[tuple]:
    return [
        (
            row.won_at,
            row.opportunity,
            row.amount,
            row.ae.name,
            row.sdr.name if row.sdr else None,
            "; ".join(campaign.code for campaign in row.campaigns),
            "; ".join(row.campaign_owners),
            row.touchpoints,
        )
        for row in feed.rows
    ]


# --- the weekly digest ----------------------------------------------------------------


@dataclass(slots=True)
class Digest:
    week_start: date
    week_ending: date
    feed: WinsFeed
    subject: str
    text: str
    html: str

    @property
    def empty(self) -> bool:
        return not self.feed.rows


def last_week_ending(today: date) -> date:
    """The Sunday that ended the last whole week before `today` (on a Sunday: a week ago)."""
    return today - timedelta(days=today.weekday() + 1)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def win_lines(win: Win) -> tuple[str, list[str]]:
    """A win in words: a headline and the lines under it (the digest's text and HTML)."""
    headline = f"{win.name}: {_money(win.amount)}, won {win.won_at:%a} {win.won_at.day} {win.won_at:%b}" + (
        f" — {win.account}" if win.account else ""
    )
    people = f"AE {win.ae.name}" + (f", SDR {win.sdr.name}" if win.sdr else "")
    lines = [people]
    if win.campaigns:
        credits = ", ".join(f"{c.name} ({c.owner.name if c.owner else NO_OWNER})" for c in win.campaigns)
        lines.append(f"Campaigns: {credits}")
    if win.touchpoints:
        kinds = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in win.touch_counts.items())
        lines.append(f"Touchpoints before the win: {win.touchpoints} ({kinds})")
    return headline, lines


def wins_digest(week_ending: date) -> Digest:
    """Last week's wins in words, as text and HTML: the week is Monday to Sunday (UTC) and
    ends on `week_ending`, a Sunday."""
    if week_ending.weekday() != 6:
        raise InvalidInput(f"A week ends on a Sunday; {week_ending:%A %Y-%m-%d} is not one.", field="week_ending")
    week_start = week_ending - timedelta(days=6)
    feed = wins_feed(date_from=week_start, date_to=week_ending)
    summary = feed.summary
    period = f"{week_start:%Y-%m-%d} – {week_ending:%Y-%m-%d}"
    title = f"Wins of the week {period}"
    deals_text = f"{summary.wins} deal{'s' if summary.wins != 1 else ''}"
    subject = f"[Accord] {title}: " + (f"{deals_text}, {_money(summary.revenue)}" if feed.rows else "none")
    overview = (
        f"{deals_text} won, {_money(summary.revenue)} in revenue; {summary.marketing_credited} with marketing "
        f"credit ({_share(summary.marketing_share)})."
    )
    link = f"{FEED_PATH}?date_from={week_start.isoformat()}&date_to={week_ending.isoformat()}"
    wins = [win_lines(win) for win in feed.rows]
    text = "\n".join(
        [
            f"{title} (UTC)",
            "",
            overview,
            *(line for headline, lines in wins for line in ("", headline, *(f"  {detail}" for detail in lines))),
            "",
            f"The feed, with every touchpoint: {link}",
        ]
    )
    html = render_to_string(
        "reports/wins_digest.html", {"title": title, "overview": overview, "wins": wins, "link": link}
    )
    return Digest(week_start, week_ending, feed, subject, text + "\n", html)


def digest_recipients() -> list[str]:
    """Everyone who may sign in and has an email: the digest is for the whole team. There
    is no opt-out yet (it would be a preference on the user)."""
    return list(User.objects.filter(is_active=True).exclude(email="").order_by("email").values_list("email", flat=True))


def wins_digest_send(*, week_ending: date) -> int:
    """Email the digest of the week ending `week_ending` to every recipient, one message
    each (no one sees another's address), over one connection. A week without wins sends
    nothing. Returns the number of messages sent."""
    digest = wins_digest(week_ending)
    if digest.empty:
        return 0
    messages = []
    for email in digest_recipients():
        message = EmailMultiAlternatives(digest.subject, digest.text, settings.DEFAULT_FROM_EMAIL, [email])
        message.attach_alternative(digest.html, "text/html")
        messages.append(message)
    return mailers.default.send_messages(messages) or 0


def wins_digest_queue(*, week_ending: date) -> Digest:
    """Queue the sending of the week's digest for the worker (`reports.tasks`), unless the
    week has no wins. Returns the digest, to say what will go out."""
    digest = wins_digest(week_ending)
    if not digest.empty:
        from accord.reports.tasks import wins_digest_email  # the task imports this module

        enqueue_on_commit(wins_digest_email, week_ending.isoformat())
    return digest
