from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from accord.api.schemas import (
    AttributionOut,
    CompensationOut,
    CostReportOut,
    DashboardOut,
    ErrorOut,
    FunnelOut,
    GoalPlanOut,
    InfluenceOut,
    PipelineOut,
    RejectionReportOut,
    RequalifiedOut,
    ScorecardLeadOut,
    ScorecardOut,
    VelocityOut,
    WinsOut,
)
from accord.attribution import journeys
from accord.attribution.markov import ORDERS
from accord.attribution.positions import DEFAULT_HALF_LIFE_DAYS
from accord.attribution.report import ALL_MODELS, attribution_report, influence_report
from accord.reports import dashboard, goal, pipeline, sla
from accord.reports.compensation import compensation_report_for
from accord.reports.cost import cost_report_for
from accord.reports.funnel import funnel_compared
from accord.reports.groups import GROUPS
from accord.reports.rejections import rejection_report_for, requalified_report_for
from accord.reports.selectors import COMPARISONS
from accord.reports.velocity import velocity_report
from accord.reports.wins import wins_feed_for

router = Router(tags=["reports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


COMPARE = Field(
    "previous",
    description="The period beside it: the previous month, quarter or year when the period is exactly one, "
    "else as many days before it (previous); the same dates a year earlier (year); none",
)


class FunnelQuery(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: Literal[GROUPS] | None = None  # type: ignore[valid-type]
    compare: Literal[COMPARISONS] = COMPARE  # type: ignore[valid-type]


class PeriodQuery(Schema):
    date_from: date = Field(alias="from", description="First day (UTC)")
    date_to: date = Field(alias="to", description="Last day (UTC), inclusive")


class RejectionsQuery(PeriodQuery):
    by: Literal["source", "campaign", "industry", "company_size", "country", "rep", "rule", "reason"] | None = None


@router.get("/funnel", response={200: FunnelOut, 401: ErrorOut, 422: ErrorOut}, by_alias=True)
def funnel(request, query: Query[FunnelQuery]):
    """Cohort funnel: leads created in the period and how many reached each stage, per
    group, with the comparison period's numbers (`previous`) and the `change` in each row."""
    report = funnel_compared(date_from=query.date_from, date_to=query.date_to, by=query.by, compare=query.compare)
    return report.as_dict()


class VelocityQuery(PeriodQuery):
    by: Literal[GROUPS] | None = None  # type: ignore[valid-type]
    compare: Literal[COMPARISONS] = COMPARE  # type: ignore[valid-type]


@router.get("/velocity", response={200: VelocityOut, 401: ErrorOut, 422: ErrorOut}, by_alias=True)
def velocity(request, query: Query[VelocityQuery]):
    """Days in each stage: the stays that ended in the period per stage (count, median and
    90th percentile days) and the days from creation to customer, per group, with the
    comparison period's numbers (`previous`) and the `change` in each row."""
    report = velocity_report(date_from=query.date_from, date_to=query.date_to, by=query.by, compare=query.compare)
    return report.as_dict()


@router.get("/rejections", response={200: RejectionReportOut, **ERRORS}, by_alias=True)
def rejections(request, query: Query[RejectionsQuery]):
    """The leads handed over in the period (stage events to mql) and how many sales
    rejected — recycled, disqualified, or reached a deal that was lost — per group, with
    the top reasons, sales' ratings and problems, and the trend per month. For the people
    who negotiate the definition (403 for others)."""
    report = rejection_report_for(
        acting_user=request.auth, date_from=query.date_from, date_to=query.date_to, by=query.by
    )
    return report.as_dict()


@router.get("/requalified", response={200: RequalifiedOut, **ERRORS}, by_alias=True)
def requalified(request, query: Query[PeriodQuery]):
    """The leads recycled in the period: how many qualified again later, and of those how
    many were accepted, reached a deal and were won. For the people who negotiate the
    definition (403 for others)."""
    report = requalified_report_for(acting_user=request.auth, date_from=query.date_from, date_to=query.date_to)
    return report.as_dict()


class ScorecardQuery(PeriodQuery):
    by: Literal["rep", "team"] = "rep"


class ScorecardDrillQuery(ScorecardQuery):
    measure: Literal[sla.MEASURES]  # type: ignore[valid-type]
    group_id: int | None = Field(None, description="The rep's or team's id; none: every hand-off")


@router.get("/sla", response={200: ScorecardOut, **ERRORS}, by_alias=True)
def sla_scorecard(request, query: Query[ScorecardQuery]):
    """The SLA scorecard: per rep (or team), the leads handed over in the period and how
    they were followed up — on time, late, ignored, reassigned, waiting — with the business
    hours to the first follow-up, and accepted / rejected / recycled; the total; and
    marketing's side, the MQLs delivered against the commitment and the share accepted.
    A sales rep receives only their own row."""
    card = sla.sla_scorecard_for(
        acting_user=request.auth, date_from=query.date_from, date_to=query.date_to, by=query.by
    )
    return card.as_dict()


@router.get("/sla/leads", response={200: list[ScorecardLeadOut], **ERRORS})
def sla_scorecard_leads(request, query: Query[ScorecardDrillQuery]):
    """The hand-offs behind one number of the scorecard (drill-down)."""
    found = sla.sla_drill_for(
        acting_user=request.auth,
        date_from=query.date_from,
        date_to=query.date_to,
        measure=query.measure,
        by=query.by,
        group_id=query.group_id,
    )
    return found.rename({"key": "lead_id"}).to_dicts()


@router.get("/compensation", response={200: CompensationOut, **ERRORS}, by_alias=True)
def compensation(request, query: Query[PeriodQuery]):
    """The compensation export: per rep, the SLA scorecard's counts of the period and the
    won marketing leads, and what they earn under the compensation policy — reward per
    on-time follow-up, penalty per ignored lead, bonus per won marketing lead — each paid
    under the version in force on its day. Amounts are decimals with two places. Admins
    and executives read every rep, a sales manager their teams' reps, a rep their own row;
    marketing gets 403."""
    report = compensation_report_for(acting_user=request.auth, date_from=query.date_from, date_to=query.date_to)
    return report.as_dict()


class CostQuery(PeriodQuery):
    by: Literal["campaign", "channel"] = "campaign"


@router.get("/cost", response={200: CostReportOut, **ERRORS}, by_alias=True)
def cost(request, query: Query[CostQuery]):
    """Campaign costs against what they brought, per campaign (or channel): the cost of the
    period (each month's ledger entries prorated by its days inside the period), the
    leads, MQLs, SQLs, opportunities, customers and won revenue, the cost per each, and the
    return (won revenue / cost). Leads without a campaign make a "(no campaign)" row."""
    report = cost_report_for(acting_user=request.auth, date_from=query.date_from, date_to=query.date_to, by=query.by)
    return report.as_dict()


class PipelineQuery(PeriodQuery):
    by: Literal[pipeline.GROUPS] | None = None  # type: ignore[valid-type]


@router.get("/pipeline", response={200: PipelineOut, **ERRORS}, by_alias=True)
def pipeline_report(request, query: Query[PipelineQuery]):
    """Pipeline and revenue: deals created, open at the period's end, won and lost, win
    rate, won revenue, average deal size and median cycle, per owner, team, source, campaign
    or month — deals imported without a lead included. A deal reopened after the period
    keeps its close in it."""
    report = pipeline.pipeline_report(date_from=query.date_from, date_to=query.date_to, by=query.by)
    return report.as_dict()


@router.get("/sourcing", response={200: PipelineOut, **ERRORS}, by_alias=True)
def sourcing_report(request, query: Query[PeriodQuery]):
    """Marketing-sourced deals (their lead was an MQL before the deal) beside sales-sourced
    ones: close rate, average deal size, cycle length and revenue."""
    report = pipeline.sourcing_report(date_from=query.date_from, date_to=query.date_to)
    return report.as_dict()


class GoalQuery(PeriodQuery):
    team: str | None = Field(None, description="A team's name; none: the company's goal")
    today: date | None = Field(None, description="Pace as of the end of this day (UTC); default today")


@router.get("/goal", response={200: GoalPlanOut, 404: ErrorOut, **ERRORS}, by_alias=True)
def goal_report(request, query: Query[GoalQuery]):
    """The revenue goal of the period (and team) as funnel targets — revenue → deals →
    opportunities → SQLs → MQLs → leads — from the rates measured over its look-back, with
    the actuals to date, the targets prorated to date and the pace."""
    found = goal.goal_get(date_from=query.date_from, date_to=query.date_to, team=query.team)
    return goal.goal_plan(found, today=query.today).as_dict()


class DashboardQuery(PeriodQuery):
    compare: Literal[COMPARISONS] = COMPARE  # type: ignore[valid-type]
    today: date | None = Field(None, description="Pace the goal as of the end of this day (UTC); default today")


@router.get("/dashboard", response={200: DashboardOut, **ERRORS}, by_alias=True)
def dashboard_report(request, query: Query[DashboardQuery]):
    """The executive dashboard: the handful of numbers the other reports give — revenue,
    the funnel of the period's new leads, the hand-off and cost — each beside the
    comparison period's with the change, and the company's revenue goal paced. Read-only,
    for everyone signed in."""
    board = dashboard.dashboard(
        date_from=query.date_from, date_to=query.date_to, compare=query.compare, today=query.today
    )
    return board.as_dict()


@router.get("/wins", response={200: WinsOut, **ERRORS}, by_alias=True)
def wins(request, query: Query[PeriodQuery]):
    """The wins feed: every deal won in the period (and still won at its end), newest first,
    with its AE (the owner), its SDR (who accepted the lead), the campaigns before the win
    and their owners, and its touchpoints; the period's wins, revenue and share with
    marketing credit; wins per week. For everyone signed in; a lead's id only for those who
    may see the lead."""
    feed = wins_feed_for(acting_user=request.auth, date_from=query.date_from, date_to=query.date_to)
    return feed.as_dict()


LOOKBACK_DAYS = Field(
    journeys.DEFAULT_LOOKBACK_DAYS,
    ge=0,
    le=journeys.MAX_LOOKBACK_DAYS,
    description="Touches up to this many days before each conversion share its credit",
)


class AttributionQuery(PeriodQuery):
    model: Literal[ALL_MODELS] | None = Field(  # type: ignore[valid-type]
        None, description="One model; none: all eight side by side"
    )
    by: Literal[journeys.GROUPS] = "campaign"  # type: ignore[valid-type]
    conversion: Literal[journeys.CONVERSIONS] = Field(  # type: ignore[valid-type]
        "lead",
        description="What is attributed: leads created, leads qualified (mql), deals created (opportunity), "
        "their amounts (pipeline), or the amounts of the deals won (revenue)",
    )
    order: int = Field(1, ge=min(ORDERS), le=max(ORDERS), description="The Markov chain's order")
    half_life_days: float = Field(
        DEFAULT_HALF_LIFE_DAYS,
        gt=0,
        allow_inf_nan=False,
        description="Time decay: a touch this many days older weighs half",
    )
    lookback_days: int = LOOKBACK_DAYS


# exclude_unset: the answer is the report's as_dict exactly — Markov's removal effects and
# `transitions` are absent under the other models rather than null.
@router.get("/attribution", response={200: AttributionOut, **ERRORS}, by_alias=True, exclude_unset=True)
def attribution(request, query: Query[AttributionQuery]):
    """Multi-touch attribution: the conversions of the period — leads created, MQLs, deals
    created, their pipeline, or the revenue won — credited to the campaigns (or channels)
    whose touches came before each within the look-back window, under one model or all eight
    side by side: first, last, linear, u_shaped, w_shaped, full_path, time_decay and the
    Markov chain's removal effects (its rows carry `removal_effect`, and `transitions` the
    chain). Every model's rows add up to the totals; conversions without a touch make the
    "(no touch)" row. For everyone signed in."""
    report = attribution_report(
        date_from=query.date_from,
        date_to=query.date_to,
        conversion=query.conversion,
        by=query.by,
        models=(query.model,) if query.model else ALL_MODELS,
        order=query.order,
        half_life_days=query.half_life_days,
        lookback_days=query.lookback_days,
    )
    return report.as_dict(query.model)


class InfluenceQuery(PeriodQuery):
    lookback_days: int = LOOKBACK_DAYS


@router.get("/influence", response={200: InfluenceOut, **ERRORS}, by_alias=True)
def influence(request, query: Query[InfluenceQuery]):
    """Pipeline influence: per campaign, the deals created in the period that it touched at
    least once in the window before their creation (account-based: any contact of the
    deal's account), their amount, how many of them were won by the period's end, their
    shares of the period's deals — each deal counts fully for every campaign, so the rows
    add up to more than the total — and beside it the pipeline each rule-based model
    attributes to the campaign. For everyone signed in."""
    return influence_report(
        date_from=query.date_from, date_to=query.date_to, lookback_days=query.lookback_days
    ).as_dict()
