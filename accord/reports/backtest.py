"""Backtest: what a definition version would have done to the stored history of a period,
beside the active version and beside what actually happened.

A lead is an MQL of a version in the period when the first moment that version would
have qualified it (`definitions.backtest.first_qualified_at`: its creation or one of its
touchpoints, with today's attributes) falls in the period. For those leads the report
reads what sales actually did with them (the lead events and opportunities):

- `accepted_rate`    share of the MQLs that sales accepted (a stage event to sal, ever);
- `opportunity_rate` share that reached an opportunity;
- `win_rate`         won / reached an opportunity;
- `precision`        won / MQLs — how many of the leads it hands over become customers;
- `recall`           of the leads created in the period that were won, the share the
                     version qualified by the end of the period;
- `won_revenue`      the won amounts of its MQLs' opportunities;
- per month, the MQL count against the version's monthly commitment.

`changes` compares the version with the active one: the leads it gains and the leads it
loses, and how those performed. Periods are UTC days, `to` inclusive, as in every report.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl

from accord.core import bulk
from accord.core.errors import InvalidInput, NotAllowed, NotFound
from accord.crm.models import Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.crm.rescoring import ATTRIBUTE_FIELDS
from accord.definitions import policies
from accord.definitions.backtest import first_qualified_at
from accord.definitions.models import LeadDefinition
from accord.definitions.selectors import definition_active
from accord.definitions.services import document_validate
from accord.reports.selectors import period_bounds, rate

# The measures of a version's MQLs, in the order people read them: key, label, kind.
MEASURES = (
    ("mql_count", "MQLs", "count"),
    ("accepted_rate", "Accepted by sales", "rate"),
    ("opportunity_rate", "Reached an opportunity", "rate"),
    ("win_rate", "Win rate (won ÷ opportunities)", "rate"),
    ("precision", "Precision (won ÷ MQLs)", "rate"),
    ("recall", "Recall (won leads of the period it qualified)", "rate"),
    ("won", "Won", "count"),
    ("won_revenue", "Won revenue", "money"),
    ("by_fast_track", "Of which by fast track", "count"),
)


def measure_text(value, kind: str) -> str:
    """A measure as people read it: 12.5%, 1,000.00, 1,234; — when there is nothing to divide."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    return f"{value:,}"


UTC_DATETIME = bulk.UTC_DATETIME
MONEY = pl.Decimal(18, 2)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class History:
    """The stored history a backtest reads, loaded once for any number of versions."""

    leads: pl.DataFrame  # key, created_at, rule attributes
    touchpoints: pl.DataFrame  # key, type, occurred_at
    outcomes: pl.DataFrame  # key, accepted, opportunity, won, won_revenue, actual_mql_at
    start: datetime
    end: datetime  # exclusive
    # first_qualified_at per stored version: the suggestions compare many changed documents
    # with the same active version over one history.
    qualified: dict[int, pl.DataFrame] = field(default_factory=dict)

    def qualified_under(self, definition: LeadDefinition) -> pl.DataFrame:
        """When each lead first qualifies under `definition` (by the period's end)."""
        if definition.pk is not None and definition.pk in self.qualified:
            return self.qualified[definition.pk]
        found = first_qualified_at(definition.parsed, self.leads, self.touchpoints, end=self.end - _MICROSECOND)
        if definition.pk is not None and definition.status != LeadDefinition.Status.DRAFT:
            self.qualified[definition.pk] = found  # only versions that can no longer change
        return found


def history_load(date_from: date, date_to: date) -> History:
    """Leads created before the end of the period, their touchpoints up to it, and what
    became of them. Read with plain SQL into frames: an ORM object per row would cost
    more than the backtest itself."""
    start, end = period_bounds(date_from, date_to)
    lead_columns = ["id", "created_at", "email", *ATTRIBUTE_FIELDS]
    leads = bulk.frame_of(
        Lead.objects.filter(created_at__lt=end).values_list(*lead_columns, "campaign__code").order_by(),
        ["key", "created_at", "email", *ATTRIBUTE_FIELDS, "campaign"],
        {"key": pl.Int64, "created_at": UTC_DATETIME, "company_size": pl.Int64, "consent_email": pl.Boolean},
    ).with_columns(pl.col("email").str.split("@").list.last().fill_null("").alias("email_domain"))
    touchpoints = bulk.frame_of(
        Touchpoint.objects.filter(occurred_at__lt=end).values_list("lead_id", "type", "occurred_at").order_by(),
        ["key", "type", "occurred_at"],
        {"key": pl.Int64, "occurred_at": UTC_DATETIME},
    )
    accepted = LeadEvent.objects.filter(to_stage=Stage.SAL).values_list("lead_id").distinct().order_by()
    opportunities = bulk.frame_of(
        Opportunity.objects.filter(lead__isnull=False).values_list("lead_id", "status", "amount").order_by(),
        ["key", "status", "amount"],
        {"key": pl.Int64, "amount": MONEY},
    )
    mql_events = bulk.frame_of(
        LeadEvent.objects.filter(to_stage=Stage.MQL).values_list("lead_id", "occurred_at").order_by(),
        ["key", "occurred_at"],
        {"key": pl.Int64, "occurred_at": UTC_DATETIME},
    )
    outcomes = (
        leads.select("key")
        .join(
            opportunities.group_by("key").agg(
                pl.lit(True).alias("opportunity"),
                (pl.col("status") == Opportunity.Status.WON).any().alias("won"),
                pl.col("amount").filter(pl.col("status") == Opportunity.Status.WON).sum().alias("won_revenue"),
            ),
            on="key",
            how="left",
        )
        .join(
            bulk.frame_of(accepted, ["key"], {"key": pl.Int64}).with_columns(pl.lit(True).alias("accepted")),
            on="key",
            how="left",
        )
        .join(mql_events.group_by("key").agg(pl.col("occurred_at").min().alias("actual_mql_at")), on="key", how="left")
        .with_columns(
            pl.col("accepted", "opportunity", "won").fill_null(False),
            pl.col("won_revenue").fill_null(Decimal("0.00")),
        )
    )
    return History(leads=leads, touchpoints=touchpoints, outcomes=outcomes, start=start, end=end)


# --- the report -------------------------------------------------------------------------


def _performance(mqls: pl.DataFrame) -> dict:
    """How a set of leads (with their outcomes) did."""
    count = mqls.height
    accepted = int(mqls["accepted"].sum()) if count else 0
    opportunity = int(mqls["opportunity"].sum()) if count else 0
    won = int(mqls["won"].sum()) if count else 0
    return {
        "mql_count": count,
        "accepted": accepted,
        "accepted_rate": rate(accepted, count),
        "opportunities": opportunity,
        "opportunity_rate": rate(opportunity, count),
        "won": won,
        "win_rate": rate(won, opportunity),
        "precision": rate(won, count),
        "won_revenue": str(mqls["won_revenue"].sum() if count else Decimal("0.00")),
    }


def _months(start: datetime, end: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while datetime(year, month, 1, tzinfo=start.tzinfo) < end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _version_result(definition: LeadDefinition | None, history: History, qualified: pl.DataFrame) -> dict:
    in_period = qualified.filter(pl.col("qualified_at").is_between(history.start, history.end, closed="left"))
    mqls = in_period.join(history.outcomes, on="key", how="left")
    by_month = dict(
        in_period.group_by(pl.col("qualified_at").dt.strftime("%Y-%m").alias("month")).agg(pl.len()).iter_rows()
    )
    won_cohort = history.outcomes.join(history.leads.select("key", "created_at"), on="key").filter(
        pl.col("won") & pl.col("created_at").is_between(history.start, history.end, closed="left")
    )
    caught = won_cohort.join(qualified.filter(pl.col("qualified_at").is_not_null()), on="key", how="inner").height
    commitment = definition.parsed.sla.mql_commitment_per_month if definition else None
    result = {
        **_performance(mqls),
        "recall": rate(caught, won_cohort.height),
        "won_leads_created_in_period": won_cohort.height,
        "by_fast_track": int(in_period["fast_track"].sum()) if in_period.height else 0,
        "by_month": [
            {"month": month, "mqls": by_month.get(month, 0), "commitment": commitment}
            for month in _months(history.start, history.end)
        ],
    }
    if definition is not None:
        result = {
            "definition_id": definition.pk,
            "version": definition.version,
            "name": definition.name,
            "status": definition.status,
            **result,
        }
    return result


def backtest_report(
    definition: LeadDefinition,
    *,
    date_from: date,
    date_to: date,
    against: LeadDefinition | None = None,
    history: History | None = None,
) -> dict:
    """`definition` over the period, beside `against` (default: the active version) and
    beside what actually happened, with the leads gained and lost."""
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    against = against or definition_active()
    history = history or history_load(date_from, date_to)
    candidate = history.qualified_under(definition)
    result = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "leads_considered": history.leads.height,
        "touchpoints_considered": history.touchpoints.height,
        "version": _version_result(definition, history, candidate),
    }
    actual = history.outcomes.select(
        "key", pl.col("actual_mql_at").alias("qualified_at"), pl.lit(False).alias("fast_track")
    )
    result["actual"] = _version_result(None, history, actual)
    if against is None:
        result["active"] = None
        result["changes"] = None
        return result
    baseline = candidate if against.pk == definition.pk else history.qualified_under(against)
    result["active"] = _version_result(against, history, baseline)
    mine = _in_period(candidate, history)
    theirs = _in_period(baseline, history)
    result["changes"] = {
        "gained": _performance(history.outcomes.filter(pl.col("key").is_in(mine - theirs))),
        "lost": _performance(history.outcomes.filter(pl.col("key").is_in(theirs - mine))),
        "kept": len(mine & theirs),
    }
    return result


def _in_period(qualified: pl.DataFrame, history: History) -> set[int]:
    keys = qualified.filter(pl.col("qualified_at").is_between(history.start, history.end, closed="left"))["key"]
    return set(keys.to_list())


def backtest_run(
    *,
    acting_user,
    date_from: date,
    date_to: date,
    definition_id: int | None = None,
    document: dict | None = None,
    against_id: int | None = None,
) -> dict:
    """A backtest asked for by a person: a stored version (`definition_id`) or a document
    not stored anywhere (`document`, e.g. a file), beside `against_id` or the active one.
    Only the people who negotiate the definition run them (they read all history)."""
    if not policies.can_backtest(acting_user):
        raise NotAllowed("Only the people who negotiate the lead definition run backtests.")
    if (definition_id is None) == (document is None):
        raise InvalidInput("Give a version or a document.", field="definition")
    if document is not None:
        definition = LeadDefinition(document=document_validate(document).model_dump(mode="json"), name="(file)")
    else:
        definition = LeadDefinition.objects.filter(pk=definition_id).first()
        if definition is None:
            raise NotFound(f"No lead definition with id {definition_id}.")
    against = None
    if against_id is not None:
        against = LeadDefinition.objects.filter(pk=against_id).first()
        if against is None:  # part of the request's input, not of the path
            raise InvalidInput(f"No lead definition with id {against_id}.", field="against")
    return backtest_report(definition, date_from=date_from, date_to=date_to, against=against)
