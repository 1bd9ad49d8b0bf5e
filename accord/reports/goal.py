"""The shared revenue goal: a revenue for a period (the company's, or one team's) turned
into funnel targets — revenue → deals → opportunities → SQLs → MQLs → leads — from the
conversion rates and the average deal size measured over the months before the period; and
the pacing of the actuals against those targets to date.

Rates are flows over the look-back window [start − N months, start):
- average deal = won revenue / deals won;
- win rate = deals won / deals closed (won + lost);
- opportunities per SQL = opportunities created / leads that reached sql (1 when every deal
  comes from a lead; more when deals are imported without one);
- MQL → SQL = leads that reached sql / leads that reached mql;
- lead → MQL = leads that reached mql / leads created.
Each target is the next one divided by its rate, rounded up to a whole number: there is no
such thing as 2.4 deals. A rate the history cannot give (nothing was closed, say) leaves
that target and those above it empty, and the plan says which rate is missing.

Pacing: each actual from the period's first day to `today` (inclusive) against the target
prorated by the days elapsed. For a team, leads, MQLs and SQLs are that team's leads and
deals are those its members own.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from accord.core.errors import InvalidInput, NotFound
from accord.core.text import parse_amount
from accord.crm.models import Lead, LeadEvent, OpportunityEvent, Stage
from accord.people.models import Team, User
from accord.reports import deals, policies
from accord.reports.models import RevenueGoal
from accord.reports.selectors import period_bounds, rate

STEPS = ("revenue", "deals", "opportunities", "sqls", "mqls", "leads")
MAX_LOOKBACK = 36


@dataclass(slots=True)
class Flows:
    leads: int
    mqls: int
    sqls: int
    opportunities: int
    won: int
    lost: int
    revenue: float


@dataclass(slots=True)
class PlanStep:
    name: str
    rate_name: str | None  # the rate that turns the step above into this one
    rate: float | None
    target: float | None
    actual: float
    expected: float | None  # the target prorated to `today`

    @property
    def pace(self) -> float | None:
        return rate(self.actual, self.expected) if self.expected else None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "rate_name": self.rate_name,
            "rate": self.rate,
            "target": self.target,
            "actual": self.actual,
            "expected_to_date": self.expected,
            "pace": self.pace,
        }


@dataclass(slots=True)
class GoalPlan:
    goal: RevenueGoal
    lookback_from: date
    lookback_to: date
    today: date
    elapsed_days: int
    total_days: int
    steps: list[PlanStep]
    missing: list[str]

    def as_dict(self) -> dict:
        goal = self.goal
        return {
            "id": goal.pk,
            "from": goal.date_from.isoformat(),
            "to": goal.date_to.isoformat(),
            "team": goal.team.name if goal.team_id else None,
            "revenue": float(goal.revenue),
            "currency": goal.currency,
            "lookback_months": goal.lookback_months,
            "lookback_from": self.lookback_from.isoformat(),
            "lookback_to": self.lookback_to.isoformat(),
            "today": self.today.isoformat(),
            "elapsed_days": self.elapsed_days,
            "total_days": self.total_days,
            "steps": [step.as_dict() for step in self.steps],
            "missing": self.missing,
        }


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


def flows(start: datetime, end: datetime, team_id: int | None = None) -> Flows:
    """What moved through the funnel in [start, end), for everyone or one team."""
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
    stages = LeadEvent.objects.filter(kind=LeadEvent.Kind.STAGE, occurred_at__gte=start, occurred_at__lt=end)
    created = OpportunityEvent.objects.filter(
        kind=OpportunityEvent.Kind.CREATED, occurred_at__gte=start, occurred_at__lt=end
    )
    if team_id is not None:
        leads = leads.filter(team_id=team_id)
        stages = stages.filter(lead__team_id=team_id)
        created = created.filter(opportunity__owner__team_id=team_id)
    closed = deals.closed_in(start, end)
    closed = closed.join(deals.deals_frame(closed["opportunity"].to_list()), on="opportunity")
    if team_id is not None:
        closed = closed.filter(pl.col("team_id") == team_id)
    won = closed.filter(pl.col("status") == "won")
    return Flows(
        leads=leads.count(),
        mqls=stages.filter(to_stage=Stage.MQL).count(),
        sqls=stages.filter(to_stage=Stage.SQL).count(),
        opportunities=created.count(),
        won=won.height,
        lost=closed.height - won.height,
        revenue=round(float(won["amount"].sum()), 2) if won.height else 0.0,
    )


def goal_plan(goal: RevenueGoal, *, today: date | None = None) -> GoalPlan:
    """The goal's funnel targets and their pacing at the end of `today` (UTC)."""
    today = today or timezone.now().date()
    lookback_from = months_before(goal.date_from, goal.lookback_months)
    history = flows(*period_bounds(lookback_from, goal.date_from - timedelta(days=1)), goal.team_id)
    through = min(max(today, goal.date_from - timedelta(days=1)), goal.date_to)
    total_days = (goal.date_to - goal.date_from).days + 1
    elapsed = (through - goal.date_from).days + 1
    actual = (
        flows(*period_bounds(goal.date_from, through), goal.team_id) if elapsed > 0 else Flows(0, 0, 0, 0, 0, 0, 0.0)
    )
    # (rate, numerator, denominator): targets divide by the exact ratio, shown to 4 decimals.
    ratios = [
        ("average_deal", history.revenue, history.won),
        ("win_rate", history.won, history.won + history.lost),
        ("opportunities_per_sql", history.opportunities, history.sqls),
        ("mql_to_sql", history.sqls, history.mqls),
        ("lead_to_mql", history.mqls, history.leads),
    ]
    actuals = [actual.revenue, actual.won, actual.opportunities, actual.sqls, actual.mqls, actual.leads]
    target: float | None = float(goal.revenue)
    missing: list[str] = []
    steps = [PlanStep("revenue", None, None, target, actuals[0], None)]
    for (name, numerator, denominator), step, value in zip(ratios, STEPS[1:], actuals[1:], strict=True):
        measured = (
            (round(numerator / denominator, 2) if name == "average_deal" else rate(numerator, denominator))
            if denominator
            else None
        )
        if target is not None and numerator and denominator:
            target = float(math.ceil(target * denominator / numerator - 1e-9))
        elif target is not None:
            missing.append(name)
            target = None
        steps.append(PlanStep(step, name, measured, target, value, None))
    for step in steps:
        if step.target is not None:
            step.expected = round(step.target * max(elapsed, 0) / total_days, 2)
    return GoalPlan(
        goal=goal,
        lookback_from=lookback_from,
        lookback_to=goal.date_from - timedelta(days=1),
        today=today,
        elapsed_days=max(elapsed, 0),
        total_days=total_days,
        steps=steps,
        missing=missing,
    )


def _team(name: str | None) -> Team | None:
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name.strip()).first()
    if team is None:
        raise InvalidInput(f"No team '{name}'.", field="team")
    return team


def goal_set(
    *,
    acting_user: User,
    date_from: date,
    date_to: date,
    revenue,
    team: str | None = None,
    lookback_months: int = 6,
    currency: str | None = None,
) -> RevenueGoal:
    """Set the revenue goal of a period for the company (no team) or a team; setting it
    again for the same period and team replaces it."""
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    amount = parse_amount(revenue, field="revenue", below=Decimal("1e12"), nonzero=True)
    if not isinstance(lookback_months, int) or not 1 <= lookback_months <= MAX_LOOKBACK:
        raise InvalidInput(f"Look back 1 to {MAX_LOOKBACK} months.", field="lookback_months")
    code = (currency or "").strip().upper()
    if code and (len(code) != 3 or not code.isalpha()):
        raise InvalidInput("A currency is a three-letter ISO 4217 code, e.g. EUR.", field="currency")
    chosen = _team(team)
    policies.require_can_set_goal(acting_user, chosen.pk if chosen else None)
    values = {"revenue": amount, "lookback_months": lookback_months, "set_by": acting_user, "set_at": timezone.now()}
    if code:
        values["currency"] = code
    with transaction.atomic():
        goal, _ = RevenueGoal.objects.select_for_update().update_or_create(
            date_from=date_from, date_to=date_to, team=chosen, defaults=values
        )
    return goal


def goal_get(*, date_from: date, date_to: date, team: str | None = None) -> RevenueGoal:
    goal = RevenueGoal.objects.filter(date_from=date_from, date_to=date_to, team=_team(team)).first()
    if goal is None:
        raise NotFound(f"No revenue goal for {date_from} – {date_to}" + (f" and team {team}." if team else "."))
    return goal


def goal_covering(day: date, team_id: int | None = None) -> RevenueGoal | None:
    """The revenue goal of a team (None: the company's) whose period holds `day`; of
    several, the shortest period (this month's before this year's), the latest set first."""
    covering = RevenueGoal.objects.filter(date_from__lte=day, date_to__gte=day, team_id=team_id)
    return min(covering.select_related("team"), key=lambda g: (g.date_to - g.date_from, -g.pk), default=None)


def goal_current(user: User, today: date) -> RevenueGoal | None:
    """The goal a person's home page paces: their team's for a period covering today, else
    the company's."""
    found = goal_covering(today, user.team_id) if user.team_id else None
    return found or goal_covering(today)


def goals_list() -> list[RevenueGoal]:
    return list(RevenueGoal.objects.select_related("team", "set_by")[:100])


# One flat row per step, for CSV files and terminals.
ROW_COLUMNS = ("name", "rate_name", "rate", "target", "actual", "expected_to_date", "pace")


def report_rows(plan: GoalPlan) -> list[tuple]:
    return [tuple(step.as_dict()[name] for name in ROW_COLUMNS) for step in plan.steps]
