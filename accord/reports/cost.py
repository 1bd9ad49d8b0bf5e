"""The cost report: what each campaign (or channel) cost in a period beside what it
brought — leads, MQLs, SQLs, opportunities, customers, won revenue — and so what each of
those cost, and the return on the cost.

- `cost`: the campaign's entries in the cost ledger (`CampaignCost`, append-only) of every
  month the period overlaps, each month prorated by the share of its days inside the
  period: a whole month counts fully, 1–15 March 15/31 of March's entries. To the cent,
  half up.
- `budget`: the campaign's budget (its whole budget, not prorated), for reference.
- `leads`: leads created in the period with the campaign; `mqls`, `sqls`, `customers`: the
  stage events to mql, sql and customer in the period of the campaign's leads, whenever
  those leads were created — a lead that qualifies twice (recycled, then qualified again)
  counts twice, and so does a lead made a customer again after its deal was reopened; the
  way back to sql of a reopened deal is no new SQL; `opportunities`: deals created in the
  period whose lead has the campaign; `won_revenue`: the amounts of the deals won in the
  period and still won at its end (`reports.deals.won_deals`) whose lead has the campaign.
  Deals without a lead (imported on their own) belong to no campaign and are left out.
- `cost_per_<count>`: cost / count to the cent, None when the count is 0; `return`: won
  revenue / cost to four places, None when nothing was spent.

A campaign with nothing in the period — no cost, no lead, no stage event, no deal — is
left out; the leads without a campaign make a "(no campaign)" row, which has no cost. The
total adds the rows up (its cost is the sum of the rows' cents, so the column adds up);
its cost per lead divides all the cost by all the leads, those without a campaign too.

A lead's campaign is `Lead.campaign` as it is now (a later capture naming another campaign
moves the lead, and its past counts with it); everything else is read from append-only
records. The rows are read as lists off covering indexes and counted per campaign with
Polars (see `_period_counts`); cost is summed per campaign and month in the database.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl
from django.db.models import Q, Sum

from accord.campaigns.models import Campaign, CampaignCost
from accord.campaigns.policies import require_can_read_costs
from accord.core.bulk import frame_of, values_in
from accord.core.errors import InvalidInput
from accord.crm.models import Lead, LeadEvent, Opportunity, Stage
from accord.people.models import User
from accord.reports.deals import won_deals
from accord.reports.selectors import period_bounds
from accord.reports.summaries import listed, unlisted

GROUPS = ("campaign", "channel")
COUNTS = ("leads", "mqls", "sqls", "opportunities", "customers")
STAGE_COUNTS = {Stage.MQL.value: "mqls", Stage.SQL.value: "sqls", Stage.CUSTOMER.value: "customers"}
PER = {"leads": "cost_per_lead", "mqls": "cost_per_mql", "sqls": "cost_per_sql",
       "opportunities": "cost_per_opportunity", "customers": "cost_per_customer"}  # fmt: skip
# A deal reopened takes its lead back to sql: the lead is not qualified anew, so that event
# is not an SQL (crm.services marks it with this action).
REOPENED = "reopen"
NO_CAMPAIGN = "(no campaign)"
NO_CHANNEL = "(none)"
TOTAL = "All"
CENT = Decimal("0.01")
RETURN_PLACES = Decimal("0.0001")


def _cents(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(slots=True)
class CostRow:
    group: str  # the campaign's code, the channel, "(no campaign)" or "All"
    name: str  # the campaign's name (a channel's row: the channel)
    channel: str | None
    budget: Decimal | None
    cost: Decimal | None  # None: not a campaign, nothing to cost (the "(no campaign)" row)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    won_revenue: Decimal = Decimal("0.00")

    def cost_per(self, count: str) -> Decimal | None:
        if self.cost is None or not self.counts[count]:
            return None
        return (self.cost / self.counts[count]).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def return_on_cost(self) -> Decimal | None:
        if not self.cost:
            return None
        return (self.won_revenue / self.cost).quantize(RETURN_PLACES, rounding=ROUND_HALF_UP)

    def add(self, other: "CostRow") -> None:
        """Fold `other` into this row (a channel's campaigns, the total)."""
        if other.budget is not None:
            self.budget = (self.budget or Decimal("0.00")) + other.budget
        if other.cost is not None:
            self.cost = (self.cost or Decimal("0.00")) + other.cost
        for name in COUNTS:
            self.counts[name] += other.counts[name]
        self.won_revenue += other.won_revenue

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "name": self.name,
            "channel": self.channel,
            "budget": _number(self.budget),
            "cost": _number(self.cost),
            **self.counts,
            "won_revenue": float(self.won_revenue),
            **{PER[name]: _number(self.cost_per(name)) for name in COUNTS},
            "return": _number(self.return_on_cost),
        }


@dataclass(slots=True)
class CostReport:
    date_from: date
    date_to: date
    by: str
    rows: list[CostRow]
    total: CostRow

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "by": self.by,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
        }


def month_shares(date_from: date, date_to: date) -> dict[date, Fraction]:
    """Each month [date_from, date_to] overlaps (by its first day) → the share of its days
    inside the period: 1 for a whole month, 15/31 for 1–15 March."""
    shares = {}
    month = date_from.replace(day=1)
    while month <= date_to:
        following = (month + timedelta(days=32)).replace(day=1)
        first, last = max(month, date_from), min(following - timedelta(days=1), date_to)
        shares[month] = Fraction((last - first).days + 1, (following - month).days)
        month = following
    return shares


def campaign_costs_in(date_from: date, date_to: date) -> dict[int, Decimal]:
    """Each campaign's prorated cost over [date_from, date_to], to the cent. The database
    sums the entries per campaign and month; each of those sums is then prorated exactly."""
    shares = month_shares(date_from, date_to)
    totals = (
        CampaignCost.objects.filter(month__gte=min(shares), month__lte=max(shares))
        .values_list("campaign_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    exact: dict[int, Fraction] = defaultdict(Fraction)
    for campaign_id, month, total in totals:
        exact[campaign_id] += Fraction(total) * shares[month]
    return {campaign_id: _cents(value) for campaign_id, value in exact.items()}


def _lists(aggregated: dict[str, str | None]) -> pl.DataFrame:
    """Integer columns read as one comma-separated text each (`summaries.listed`; None for
    no rows) as a frame, a row per element ("" is null)."""
    if next(iter(aggregated.values())) is None:
        return pl.DataFrame(schema=dict.fromkeys(aggregated, pl.Int64))
    frame = pl.DataFrame({name: [text] for name, text in aggregated.items()})
    return frame.select(unlisted(name) for name in aggregated).explode(pl.all(), empty_as_null=False)


def _leads_of(queryset, lead: str = "lead_id") -> pl.DataFrame:
    """The `lead` of every row of `queryset`, read as one list (`lead`)."""
    return _lists(queryset.order_by().aggregate(lead=listed(lead)))


def _campaigns_of(leads: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """`known` (lead, campaign: the period's leads) with the campaign of every other lead of
    `leads`, read by primary key: most leads a period's events and deals are of were created
    in it, whose campaigns are read already."""
    missing = leads.select(pl.col("lead").unique()).join(known, on="lead", how="anti")["lead"].sort().to_list()
    others = frame_of(
        Lead.objects.filter(pk__in=values_in(missing)).order_by().values_list("pk", "campaign"),
        ["lead", "campaign"],
        {"lead": pl.Int64, "campaign": pl.Int64},
    )
    return pl.concat([known, others])


def _counted(leads: pl.DataFrame, campaigns: pl.DataFrame) -> dict[int | None, int]:
    """{campaign (None: none): rows of `leads`} — only campaigns with a row."""
    grouped = leads.join(campaigns, on="lead").group_by("campaign").len()
    return dict(grouped.iter_rows())


def won_revenue_by_campaign(deals: pl.DataFrame, campaigns: pl.DataFrame) -> dict[int | None, Decimal]:
    """Σ amount of the won deals `deals` (`deals.won_deals`), per campaign of their lead
    (None: a lead without a campaign; `campaigns`: lead → campaign); deals without a lead
    are left out. Summed in whole cents (the amounts have two places), so the sums do not
    depend on the order the rows come in."""
    sums = (
        deals.filter(pl.col("lead").is_not_null())
        .join(campaigns, on="lead")
        .group_by("campaign")
        .agg((pl.col("amount") * 100).round().cast(pl.Int64).sum().alias("cents"))
    )
    return {campaign: Decimal(cents).scaleb(-2) for campaign, cents in sums.iter_rows()}


def _period_counts(start: datetime, end: datetime) -> tuple[dict, dict]:
    """{campaign: COUNTS} of [start, end) and {campaign: won revenue}, the campaign None for
    leads without one; a campaign is a key only when something of it counted.

    Counted with Polars from lists read off the covering indexes (crm migration 0009): the
    period's leads with their campaigns from (created_at, campaign, team, id); the leads of
    its MQL and customer events from (to_stage, occurred_at, kind, lead, id); the SQLs'
    rows (for the data that marks a reopened deal's way back) and the deals. Each event or
    deal is given its lead's campaign from the period's leads, or — for a lead created
    before the period — by primary key. Joining each event to its lead in the database
    (a random read of the wide lead row) and grouping there took most of a year's time."""
    created = _lists(
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .aggregate(lead=listed("id"), campaign=listed("campaign_id"))
    )
    stages = LeadEvent.objects.filter(kind=LeadEvent.Kind.STAGE, occurred_at__gte=start, occurred_at__lt=end)
    events = {
        stage: _lists({"lead": leads})
        for stage, leads in stages.filter(to_stage__in=[stage for stage in STAGE_COUNTS if stage != Stage.SQL])
        .order_by()
        .values("to_stage")
        .annotate(leads=listed("lead_id"))
        .values_list("to_stage", "leads")
    }
    events[Stage.SQL.value] = _leads_of(
        stages.filter(to_stage=Stage.SQL).filter(Q(data__action__isnull=True) | ~Q(data__action=REOPENED))
    )
    deals = _leads_of(Opportunity.objects.filter(created_at__gte=start, created_at__lt=end, lead__isnull=False))
    won = won_deals(start, end)
    needed = pl.concat([*events.values(), deals, won.select(pl.col("lead").drop_nulls())])
    campaigns = _campaigns_of(needed, created)

    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for campaign, count in created.group_by("campaign").len().iter_rows():
        counts[campaign]["leads"] = count
    for stage, leads in events.items():
        for campaign, count in _counted(leads, campaigns).items():
            counts[campaign][STAGE_COUNTS[stage]] = count
    for campaign, count in _counted(deals, campaigns).items():
        counts[campaign]["opportunities"] = count
    return counts, won_revenue_by_campaign(won, campaigns)


def _campaign_rows(date_from: date, date_to: date) -> tuple[list[CostRow], CostRow | None]:
    """One row per campaign with anything in the period, and the "(no campaign)" row (None
    if no lead without a campaign did anything in the period)."""
    start, end = period_bounds(date_from, date_to)
    counts, revenue = _period_counts(start, end)
    costs = {campaign: cost for campaign, cost in campaign_costs_in(date_from, date_to).items() if cost}

    ids = ({*counts, *revenue, *costs}) - {None}
    rows = [
        CostRow(
            group=code,
            name=name,
            channel=channel or NO_CHANNEL,
            budget=budget,
            cost=costs.get(pk, Decimal("0.00")),
            counts=counts[pk],
            won_revenue=revenue.get(pk, Decimal("0.00")),
        )
        for pk, code, name, channel, budget in Campaign.objects.filter(pk__in=ids).values_list(
            "pk", "code", "name", "channel", "budget"
        )
    ]
    unattributed = None
    if None in counts or None in revenue:
        unattributed = CostRow(
            group=NO_CAMPAIGN,
            name=NO_CAMPAIGN,
            channel=None,
            budget=None,
            cost=None,
            counts=counts[None],
            won_revenue=revenue.get(None, Decimal("0.00")),
        )
    return rows, unattributed


def _by_channel(rows: list[CostRow]) -> list[CostRow]:
    channels: dict[str, CostRow] = {}
    for row in rows:
        channel = channels.setdefault(row.channel, CostRow(row.channel, row.channel, row.channel, None, None))
        channel.add(row)
    return list(channels.values())


def cost_report(*, date_from: date, date_to: date, by: str = "campaign") -> CostReport:
    """The cost report of [date_from, date_to] (UTC days, inclusive) per campaign or per
    channel (the campaign's channel, "(none)" when it has none): the most costly first, the
    "(no campaign)" row after them, then the total."""
    if by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")
    rows, unattributed = _campaign_rows(date_from, date_to)
    if by == "channel":
        rows = _by_channel(rows)
    rows.sort(key=lambda row: (-row.cost, -row.counts["leads"], row.group.casefold()))
    if unattributed is not None:
        rows.append(unattributed)
    total = CostRow(TOTAL, TOTAL, None, None, Decimal("0.00"))
    for row in rows:
        total.add(row)
    return CostReport(date_from=date_from, date_to=date_to, by=by, rows=rows, total=total)


def cost_report_for(*, acting_user: User, date_from: date, date_to: date, by: str = "campaign") -> CostReport:
    """The cost report for a person: everyone signed in reads all of it — what marketing
    spends per lead and per customer is a number both teams look at."""
    require_can_read_costs(acting_user)
    return cost_report(date_from=date_from, date_to=date_to, by=by)


# One flat row per group, for CSV files and terminals (web and command line alike).
ROW_COLUMNS = ("group", "name", "channel", "budget", "cost", *COUNTS, "won_revenue", *PER.values(), "return")


def report_rows(report: CostReport) -> list[tuple]:
    """The rows and the total as ROW_COLUMNS, money as decimals (two places) for exact CSV."""
    result = []
    for row in [*report.rows, report.total]:
        values = {
            "group": row.group,
            "name": row.name,
            "channel": row.channel,
            "budget": row.budget,
            "cost": row.cost,
            **row.counts,
            "won_revenue": row.won_revenue,
            **{PER[name]: row.cost_per(name) for name in COUNTS},
            "return": row.return_on_cost,
        }
        result.append(tuple(values[name] for name in ROW_COLUMNS))
    return result
