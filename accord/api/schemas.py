"""One input and one output schema per endpoint. Field names are a public contract."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from accord.crm.services import MAX_COMPANY_SIZE


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class LeadIn(Strict):
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    phone: str | None = None
    country: str | None = Field(None, description="ISO 3166 alpha-2, e.g. DE")
    region: str | None = None
    industry: str | None = None
    company_size: int | None = Field(None, ge=0, le=MAX_COMPANY_SIZE, description="Employees")
    source: str | None = None
    campaign: str | None = Field(None, description="Campaign code")
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    need: str | None = None
    authority: str | None = None
    budget: str | None = None
    timeline: str | None = None
    consent_email: bool | None = None


class ScoreOut(Schema):
    fit: float
    engagement: float
    total: float


class QualificationOut(Schema):
    qualified: bool
    reasons: list[str]
    rules: list[dict[str, Any]] = []
    requirements: dict[str, bool] = {}
    fast_track: str | None = None
    threshold: float | None = None


class LeadOut(Schema):
    id: int
    email: str | None
    external_id: str | None
    first_name: str
    last_name: str
    company: str
    title: str
    phone: str
    country: str
    region: str
    industry: str
    company_size: int | None
    source: str
    campaign: str | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    need: str
    authority: str
    budget: str
    timeline: str
    consent_email: bool
    stage: str
    score: ScoreOut
    owner: str | None = Field(description="The owning rep's email")
    team: str | None
    sla_due_at: datetime | None
    definition_version: int | None
    qualification: QualificationOut
    created_at: datetime
    updated_at: datetime


class EventOut(Schema):
    id: int
    kind: str
    from_stage: str
    to_stage: str
    actor: str | None
    reason: str
    note: str
    definition_version: int | None
    data: dict[str, Any]
    occurred_at: datetime


class TouchpointOut(Schema):
    id: int
    type: str
    channel: str
    campaign: str | None
    occurred_at: datetime
    actor: str | None
    note: str


class LeadDetailOut(LeadOut):
    events: list[EventOut] = Field(description="The lead's history, newest first")
    touchpoints: list[TouchpointOut]


class TouchpointIn(Strict):
    email: str | None = None
    lead_id: int | None = None
    type: str
    channel: str = ""
    campaign: str | None = None
    occurred_at: datetime | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    note: str = ""
    external_id: str | None = None


class TouchpointCreatedOut(LeadOut):
    touchpoint_id: int


class RejectIn(Strict):
    reason: str | None = None
    note: str = ""
    action: Literal["recycle", "disqualify"]


class AssignIn(Strict):
    owner: str = Field(description="Email of the sales rep")
    note: str = ""


class ActivityIn(Strict):
    type: Literal["call", "rep_email", "meeting"]
    note: str = ""
    occurred_at: datetime | None = None


class OpportunityIn(Strict):
    lead_id: int
    amount: float = Field(ge=0)
    name: str = ""
    sales_stage: str | None = None
    expected_close_on: date | None = None


class OpportunityStageIn(Strict):
    sales_stage: str


class SalesStageOut(Schema):
    name: str
    position: int
    probability: int


class OpportunityCloseIn(Strict):
    won: bool
    reason: str | None = None
    note: str = ""


class OpportunityOut(Schema):
    id: int
    name: str
    external_id: str | None
    lead_id: int | None
    account: str | None
    owner: str | None
    owner_name: str
    amount: float
    sales_stage: str | None
    status: str
    lost_reason: str
    created_at: datetime
    closed_at: datetime | None


class FunnelCountsOut(Schema):
    """A group's counts and conversions in the comparison period — or, as `change`, this
    period's less those (conversions: the difference as a share, 0.05 = 5 points)."""

    leads: int
    mql: int
    sal: int
    sql: int
    customer: int
    recycled: int
    disqualified: int
    conversion: dict[str, float | None]


class FunnelRowOut(Schema):
    group: str
    leads: int
    mql: int
    sal: int
    sql: int
    customer: int
    recycled: int
    disqualified: int
    conversion: dict[str, float | None]
    previous: FunnelCountsOut | None = Field(None, description="The comparison period; null with compare=none")
    change: FunnelCountsOut | None = Field(None, description="This period less the comparison period")


class ComparedOut(Schema):
    """A report over a period with, unless compare=none, the comparison period beside it."""

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: str | None
    compare: str
    compare_from: date | None
    compare_to: date | None


class FunnelOut(ComparedOut):
    rows: list[FunnelRowOut]


class DurationsOut(Schema):
    count: int = Field(description="Stays that ended in the period (leads, for lead_to_customer)")
    median_days: float | None = Field(description="Elapsed days (seconds / 86,400), two decimals")
    p90_days: float | None


class VelocityTimesOut(Schema):
    """A group's days per stage in the comparison period — or, as `change`, this period's
    less those."""

    subscriber: DurationsOut
    lead: DurationsOut
    mql: DurationsOut
    sal: DurationsOut
    sql: DurationsOut
    lead_to_customer: DurationsOut = Field(description="From the lead's creation to reaching customer")


class VelocityRowOut(VelocityTimesOut):
    group: str
    previous: VelocityTimesOut | None = Field(None, description="The comparison period; null with compare=none")
    change: VelocityTimesOut | None = Field(None, description="This period less the comparison period")


class VelocityOut(ComparedOut):
    rows: list[VelocityRowOut]


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: Any
    errors: list[FieldErrorOut] = Field([], description="On 422: each offending field and why")


class Page(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class LeadPageOut(Schema):
    items: list[LeadOut]
    count: int


class OpportunityPageOut(Schema):
    items: list[OpportunityOut]
    count: int


# --- lead definitions -----------------------------------------------------------------


class DefinitionUpdateIn(Strict):
    document: dict[str, Any] | None = Field(None, description="The whole new document (drafts only)")
    name: str | None = None


class DefinitionActionIn(Strict):
    comment: str = ""


class DefinitionCommentIn(Strict):
    comment: str = Field(description="Required: what should change, or the remark")


class SignatureOut(Schema):
    user: str = Field(description="The signer's email")
    side: Literal["marketing", "sales"]
    signed_at: datetime


class DefinitionEventOut(Schema):
    id: int
    kind: str
    actor: str | None = Field(description="The acting user's email")
    side: str
    comment: str
    data: dict[str, Any]
    occurred_at: datetime


class RescoreOut(Schema):
    status: Literal["queued", "running", "done", "failed"]
    total: int
    done: int
    percent: int
    counts: dict[str, Any]
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DefinitionOut(Schema):
    id: int
    version: int
    name: str
    status: Literal["draft", "proposed", "active", "retired"]
    created_by: str | None = Field(description="The drafter's email")
    created_at: datetime
    based_on_id: int | None
    based_on_version: int | None
    proposed_at: datetime | None
    activated_at: datetime | None
    retired_at: datetime | None
    signatures: list[SignatureOut] = Field(description="The current proposal's signatures, oldest first")


class DefinitionDetailOut(DefinitionOut):
    document: dict[str, Any]
    events: list[DefinitionEventOut] = Field(description="The version's history, newest first")
    rescore: RescoreOut | None = Field(description="The latest rescoring of open leads after activation")


class DefinitionSignedOut(DefinitionDetailOut):
    activated: bool = Field(description="This signature completed the contract: the version is now active")


class DefinitionPageOut(Schema):
    items: list[DefinitionOut]
    count: int


class DefinitionExportOut(Schema):
    format: str
    version: int
    name: str
    status: str
    document: dict[str, Any]


class RuleResultOut(Schema):
    kind: Literal["fit", "engagement", "negative"]
    rule: str
    points: float
    detail: str


class ExplanationOut(Schema):
    lead_id: int
    definition_id: int
    definition_version: int
    at: datetime = Field(description="The moment engagement decay was computed for")
    fit: float
    engagement: float
    negative: float
    total: float
    qualified: bool
    threshold: float
    rules: list[RuleResultOut]
    requirements: dict[str, bool]
    reasons: list[str]
    fast_track: str | None
    knockout: str | None


# --- backtest ---------------------------------------------------------------------------


class BacktestIn(Strict):
    date_from: date = Field(alias="from", description="First day of the period (UTC)")
    date_to: date = Field(alias="to", description="Last day of the period (UTC), inclusive")
    against: int | None = Field(None, description="Compare with this version's id (default: the active one)")


class BacktestMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    mqls: int
    commitment: int | None = Field(description="The version's monthly MQL commitment")


class BacktestPerformanceOut(Schema):
    mql_count: int
    accepted: int
    accepted_rate: float | None
    opportunities: int
    opportunity_rate: float | None
    won: int
    win_rate: float | None = Field(description="won ÷ MQLs that reached an opportunity")
    precision: float | None = Field(description="won ÷ MQLs")
    won_revenue: str = Field(description="Decimal, two places")


class BacktestVersionOut(BacktestPerformanceOut):
    definition_id: int | None = None
    version: int | None = None
    name: str | None = None
    status: str | None = None
    recall: float | None = Field(description="Of the leads created in the period and won, the share it qualified")
    won_leads_created_in_period: int
    by_fast_track: int
    by_month: list[BacktestMonthOut]


class BacktestChangesOut(Schema):
    gained: BacktestPerformanceOut = Field(description="Leads this version qualifies and the other does not")
    lost: BacktestPerformanceOut = Field(description="Leads the other version qualifies and this one does not")
    kept: int


class BacktestOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    leads_considered: int
    touchpoints_considered: int
    version: BacktestVersionOut
    active: BacktestVersionOut | None = Field(description="The version compared with: the active one by default")
    actual: BacktestVersionOut = Field(description="What actually happened: the MQL stage events of the period")
    changes: BacktestChangesOut | None


# --- feedback, rejections and suggestions -----------------------------------------------


class FeedbackIn(Strict):
    rating: int = Field(ge=1, le=5, strict=True, description="1 (useless) to 5 (just right)")
    problems: list[str] = Field([], description="Reason codes of the active definition")
    note: str = ""


class FeedbackOut(Schema):
    id: int
    lead_id: int
    user: str | None = Field(description="Email of who gave it")
    rating: int
    problems: list[str]
    note: str
    created_at: datetime = Field(description="When it was (last) given: giving it again replaces it")


class CodeCountOut(Schema):
    code: str
    count: int


class RejectionRowOut(Schema):
    group: str
    handed_over: int = Field(description="Hand-offs (stage events to mql) in the period")
    rejected: int
    rejection_rate: float | None
    recycled: int = Field(description="Sent back to nurture by sales")
    disqualified: int
    deal_lost: int = Field(description="Reached a deal, which was lost")
    won: int
    won_rate: float | None
    top_reasons: list[CodeCountOut]
    feedback_count: int
    average_rating: float | None
    top_problems: list[CodeCountOut]


class RejectionMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    handed_over: int
    rejected: int
    rejection_rate: float | None


class RejectionReportOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: str | None
    rows: list[RejectionRowOut] = Field(description="One per group, most handed over first, then 'All'")
    months: list[RejectionMonthOut]


class RequalifiedOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    recycled: int = Field(description="Leads recycled in the period")
    requalified: int = Field(description="Of those, handed over again later")
    requalified_rate: float | None
    accepted: int = Field(description="Of the re-qualified, accepted after re-qualifying")
    accepted_rate: float | None
    opportunities: int
    opportunity_rate: float | None
    won: int
    won_rate: float | None


class SuggestionBacktestOut(Schema):
    mql_count: int
    accepted_rate: float | None
    precision: float | None
    won_revenue: str = Field(description="Decimal, two places")


class SuggestionOverallOut(Schema):
    handed_over: int
    rejection_rate: float | None
    won_rate: float | None


class SuggestionOut(Schema):
    key: str = Field(description="Names the suggestion for /definitions/suggestions/apply: `<by>:<value>`")
    by: str
    value: str | None
    label: str
    triggers: list[Literal["rejection_rate", "never_won"]]
    handed_over: int
    rejected: int
    rejection_rate: float | None
    won: int
    won_rate: float | None
    overall: SuggestionOverallOut
    rule: dict[str, Any] = Field(description="The negative rule the change adds")
    document: dict[str, Any] = Field(description="The active document with the rule")
    based_on_id: int
    before: SuggestionBacktestOut = Field(description="The active version's backtest over the period")
    after: SuggestionBacktestOut = Field(description="The changed document's backtest over the period")
    changes: BacktestChangesOut


class SuggestionsOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    min_leads: int
    factor: float
    items: list[SuggestionOut]


class SuggestionApplyIn(Strict):
    date_from: date = Field(alias="from", description="First day of the period (UTC)")
    date_to: date = Field(alias="to", description="Last day of the period (UTC), inclusive")
    key: str = Field(description="A suggestion's key, e.g. `source:ads`")
    min_leads: int = Field(20, ge=1)
    factor: float = Field(1.5, gt=0)


class ScorecardRowOut(Schema):
    group: str = Field(description="The rep's name (or email), the team's name, or 'All'")
    group_id: int | None = Field(description="The user or team id; null for 'All' and '(no team)'")
    handed_over: int = Field(description="SLA clocks started in the period (hand-offs to a rep)")
    on_time: int = Field(description="Followed up before the period's end, by the deadline")
    late: int = Field(description="Followed up before the period's end, after the deadline")
    ignored: int = Field(description="No follow-up by the period's end, deadline passed (or taken away after it)")
    reassigned: int = Field(description="Taken away before the deadline, without a follow-up")
    waiting: int = Field(description="No follow-up yet, not due before the period's end")
    accepted: int
    rejected: int = Field(description="Recycled or disqualified by a person")
    recycled: int
    on_time_rate: float | None = Field(description="on_time / (on_time + late + ignored)")
    median_hours: float | None = Field(description="Business hours to the first follow-up, median")
    p90_hours: float | None = Field(description="Business hours to the first follow-up, 90th percentile")


class MarketingSideOut(Schema):
    delivered: int = Field(description="Leads that became MQLs in the period")
    commitment: float = Field(description="The definitions' monthly MQL commitments, prorated by day")
    delivered_rate: float | None
    accepted: int = Field(description="Of those, accepted by sales before the period's end")
    accepted_rate: float | None


class ScorecardOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: str
    rows: list[ScorecardRowOut] = Field(description="Most hand-offs first; a sales rep gets only their own")
    total: ScorecardRowOut
    marketing: MarketingSideOut


class ScorecardLeadOut(Schema):
    clock: int
    lead_id: int
    rep_id: int
    team_id: int | None
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    result: str = Field(description="on_time, late, ignored, reassigned or waiting")
    follow_up_hours: float | None


# --- compensation -------------------------------------------------------------------------


class CompensationPolicyIn(Strict):
    reward_on_time: Decimal = Field(description="Paid per hand-off followed up on time; 0 or more, two decimals")
    penalty_ignored: Decimal = Field(description="Subtracted per hand-off ignored; 0 or more, two decimals")
    bonus_won: Decimal = Field(description="Paid per won lead that marketing had qualified; 0 or more")
    effective_from: date = Field(description="The first UTC day the version applies to")
    currency: str | None = Field(None, description="ISO 4217 code, e.g. EUR (default: the server's)")
    note: str = ""


class CompensationPolicyOut(Schema):
    id: int
    reward_on_time: str = Field(description="Decimal, two places")
    penalty_ignored: str = Field(description="Decimal, two places")
    bonus_won: str = Field(description="Decimal, two places")
    currency: str
    effective_from: date
    note: str
    created_by: str = Field(description="Email of who added it")
    created_at: datetime


class CompensationRowOut(Schema):
    rep: str = Field(description="The rep's name (or email); 'All' for the total")
    rep_id: int | None = Field(description="The user id; null for 'All'")
    email: str = Field(description="The rep's email; empty for 'All'")
    handed_over: int = Field(description="SLA clocks started in the period, as the SLA scorecard counts them")
    on_time: int
    late: int
    ignored: int
    reassigned: int
    waiting: int
    won: int = Field(description="Won leads that had been MQLs, not reopened by the period's end")
    reward: str = Field(description="Decimal, two places: on time × each hand-off's reward")
    penalty: str = Field(description="Decimal, two places: ignored × each hand-off's penalty")
    bonus: str = Field(description="Decimal, two places: won × each win's bonus")
    total: str = Field(description="Decimal, two places: reward − penalty + bonus")
    policy_versions: list[int] = Field(description="The ids of the policy versions the row was paid under")
    without_policy: int = Field(description="Hand-offs and wins before the first policy version: paid nothing")


class CompensationOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    currency: str
    rows: list[CompensationRowOut] = Field(description="One per rep, by name; a sales rep gets only their own")
    total: CompensationRowOut = Field(description="The rows above added up")
    policies: list[CompensationPolicyOut] = Field(description="The policy versions used, oldest first")


class CostRowOut(Schema):
    group: str = Field(description="The campaign's code, the channel, '(no campaign)' or 'All'")
    name: str = Field(description="The campaign's name (by channel: the channel)")
    channel: str | None = Field(description="The campaign's channel, '(none)' when it has none")
    budget: float | None = Field(description="The campaign's whole budget, for reference (a channel: summed)")
    cost: float | None = Field(
        description="Cost ledger entries of the months the period overlaps, each month prorated by its days "
        "inside the period; null for '(no campaign)'"
    )
    leads: int = Field(description="Leads created in the period with the campaign")
    mqls: int = Field(description="Stage events to mql in the period (a lead qualified twice counts twice)")
    sqls: int = Field(description="Stage events to sql in the period")
    opportunities: int = Field(description="Deals created in the period whose lead has the campaign")
    customers: int = Field(description="Stage events to customer in the period")
    won_revenue: float = Field(description="Σ amount of the deals won in the period and still won at its end")
    cost_per_lead: float | None = Field(description="cost / leads, two places; null when there are none")
    cost_per_mql: float | None
    cost_per_sql: float | None
    cost_per_opportunity: float | None
    cost_per_customer: float | None
    return_on_cost: float | None = Field(alias="return", description="won_revenue / cost, four places")


class CostReportOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: str
    rows: list[CostRowOut] = Field(description="The most costly first, then '(no campaign)'")
    total: CostRowOut


class CampaignCostIn(Strict):
    month: str = Field(description="The month the cost belongs to, YYYY-MM", examples=["2026-03"])
    amount: Decimal = Field(
        description="What the campaign cost that month; negative to correct earlier entries of the month",
        examples=["1200.00"],
    )
    note: str = ""


class CampaignCostOut(Schema):
    id: int
    campaign: str = Field(description="The campaign's code")
    month: str = Field(description="YYYY-MM")
    amount: float
    note: str
    created_by: str | None = Field(description="Who recorded it (email)")
    created_at: datetime


class CampaignMonthCostOut(Schema):
    month: str = Field(description="YYYY-MM")
    total: float = Field(description="What the month's entries add up to")


class CampaignLedgerOut(Schema):
    campaign: str
    name: str
    months: list[CampaignMonthCostOut] = Field(description="Latest month first")
    entries: list[CampaignCostOut] = Field(description="Newest entry first; corrections are entries too")


class PipelineRowOut(Schema):
    group: str = Field(description="The owner, team, source, campaign, month (YYYY-MM) or side; 'All' for the total")
    created: int = Field(description="Deals created in the period")
    open: int = Field(description="Deals open at the period's end (by month: at that month's end)")
    won: int = Field(description="Deals whose last close before the period's end is a win in the period")
    lost: int = Field(description="Deals whose last close before the period's end is a loss in the period")
    created_amount: float
    open_amount: float
    won_revenue: float
    win_rate: float | None = Field(description="won / (won + lost)")
    average_deal: float | None = Field(description="won_revenue / won")
    median_cycle_days: float | None = Field(description="Of the deals won: median days from created to won")


class PipelineOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: str | None
    rows: list[PipelineRowOut]
    total: PipelineRowOut


class OpportunityReopenIn(Strict):
    note: str = ""


class GoalStepOut(Schema):
    name: str = Field(description="revenue, deals, opportunities, sqls, mqls or leads")
    rate_name: str | None = Field(description="The measured rate that turns the step above into this one")
    rate: float | None
    target: float | None = Field(description="Rounded up to a whole number below revenue; null without history")
    actual: float = Field(description="From the period's first day to `today`")
    expected_to_date: float | None = Field(description="The target prorated by the days elapsed")
    pace: float | None = Field(description="actual / expected_to_date")


class GoalPlanOut(Schema):
    id: int
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    team: str | None
    revenue: float
    currency: str
    lookback_months: int
    lookback_from: date
    lookback_to: date
    today: date
    elapsed_days: int
    total_days: int
    steps: list[GoalStepOut]
    missing: list[str] = Field(description="The rate the history could not give, where targets stop")


class DashboardFigureOut(Schema):
    key: str = Field(description="e.g. won_revenue, win_rate, on_time_rate, cost_per_sql")
    label: str
    kind: str = Field(description="count, money, rate (a share), days, hours or ratio")
    report: str = Field(description="The report that explains it: pipeline, sourcing, funnel, sla or cost")
    value: float | None
    previous: float | None = Field(description="The comparison period's; null without one")
    change: float | None = Field(description="value − previous (for a rate: the difference as a share)")
    trend: str | None = Field(description="good, bad or flat, by which way is good news; null without a change")
    better: str = Field(description="up or down: which way is good news")


class DashboardSectionOut(Schema):
    key: str = Field(description="revenue, funnel, handoff or cost")
    title: str
    figures: list[DashboardFigureOut]


class DashboardOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    compare: str
    compare_from: date | None
    compare_to: date | None
    currency: str = Field(description="The installation's currency (ACCORD_CURRENCY) for money figures")
    sections: list[DashboardSectionOut]
    goal: GoalPlanOut | None = Field(description="The company's revenue goal whose period holds `to`, paced")


class GoalIn(Strict):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    revenue: Decimal
    team: str | None = Field(None, description="A team's name; none: the company's goal")
    lookback_months: int = 6
    currency: str | None = None


# --- wins feed --------------------------------------------------------------------------


class WinPersonOut(Schema):
    id: int | None = Field(description="The user's id; null for an owner named by an import who is not a user")
    name: str = Field(description="Full name, else email (or the name an import gave)")


class WinLeadOut(Schema):
    id: int | None = Field(description="Null when the reader may not open the lead")
    name: str | None = Field(description="First and last name; no other contact detail")


class WinCampaignOut(Schema):
    code: str
    name: str
    channel: str
    owner: WinPersonOut | None = Field(description="The campaign's owner, credited with the win")


class WinTouchOut(Schema):
    type: str
    channel: str
    campaign: str | None = Field(description="The campaign's code")
    at: datetime


class WinTouchpointsOut(Schema):
    count: int = Field(description="The lead's touchpoints at or before the win")
    by_type: dict[str, int]
    first: WinTouchOut | None
    last: WinTouchOut | None


class WinOut(Schema):
    opportunity: int = Field(description="The deal's id")
    name: str
    amount: float
    won_at: datetime = Field(description="Its last win, the one in the period")
    account: str | None = Field(description="The deal's account, else its lead's company")
    lead: WinLeadOut | None = Field(description="Null for a deal imported without a lead")
    ae: WinPersonOut = Field(description="The deal's owner")
    sdr: WinPersonOut | None = Field(
        description="Who accepted the lead last before the deal was created; null if nobody did or the AE did"
    )
    marketing_credit: bool = Field(description="At least one campaign before the win")
    campaigns: list[WinCampaignOut] = Field(
        description="Campaigns of the lead's touchpoints at or before the win, and the lead's own, first reached first"
    )
    touchpoints: WinTouchpointsOut


class WinsSummaryOut(Schema):
    wins: int
    revenue: float = Field(description="Σ amount of the wins")
    marketing_credited: int = Field(description="Wins with at least one campaign before them")
    marketing_share: float | None = Field(description="marketing_credited / wins")


class WinsWeekOut(Schema):
    week: date = Field(description="The week's Monday (UTC); only the period's days of it count")
    wins: int
    marketing_credited: int


class WinsOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    summary: WinsSummaryOut
    rows: list[WinOut] = Field(description="Newest win first")
    weeks: list[WinsWeekOut] = Field(description="Every week the period touches, in order")


class AttributionRowOut(Schema):
    group: str = Field(description="The campaign's code (by campaign) or the channel (by channel); '(no touch)'")
    name: str = Field(description="The campaign's name (by channel: the channel)")
    channel: str | None = Field(description="The campaign's channel (by channel: the channel); null for '(no touch)'")
    conversions: float = Field(description="The conversions the model credits to the group (fractions of each)")
    value: float = Field(
        description="What they weigh: the count for lead, mql and opportunity; the deals' amounts for pipeline "
        "and revenue"
    )
    share: float | None = Field(description="value / total_value; null when the total is 0")
    removal_effect: float | None = Field(
        None,
        description="Markov only: the share of conversions lost if the group were taken away (0–1); "
        "absent under the other models",
    )
    removal_effect_value: float | None = Field(
        None, description="Markov only: the same for the conversions' value; absent under the other models"
    )


class AttributionTransitionOut(Schema):
    from_state: str = Field(alias="from", description="A state of the chain: '(start)' or the last `order` groups")
    to_state: str = Field(alias="to", description="The next state, '(conversion)' or '(null)'")
    probability: float


class AttributionOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    conversion: str = Field(description="What was attributed: lead, mql, opportunity, pipeline or revenue")
    by: str = Field(description="campaign or channel")
    lookback_days: int = Field(description="Touches up to this many days before each conversion count")
    half_life_days: float = Field(description="Time decay's half-life")
    order: int = Field(description="The Markov chain's order")
    total_conversions: int = Field(description="The period's conversions; every model's conversions add up to it")
    total_value: float = Field(description="What they weigh; every model's values add up to it")
    no_touch: int = Field(description="Conversions without a touch in their window (the '(no touch)' row)")
    models: dict[str, list[AttributionRowOut]] = Field(
        description="Per model asked for (all eight when none was named), every group, most value first"
    )
    transitions: list[AttributionTransitionOut] | None = Field(
        None, description="Markov only: the chain's observed transition probabilities; absent without Markov"
    )


class InfluenceRowOut(Schema):
    group: str = Field(description="The campaign's code")
    name: str = Field(description="The campaign's name")
    channel: str | None = Field(description="The campaign's channel")
    opportunities: int = Field(description="Deals of the period with at least one touch of the campaign in the window")
    amount: float = Field(description="Σ their amounts (each deal counts fully for every campaign that touched it)")
    won: int = Field(description="Of those, the deals won at the period's end")
    won_amount: float
    share_of_opportunities: float = Field(description="opportunities / total_opportunities")
    share_of_amount: float | None = Field(description="amount / total_amount; null when the total is 0")
    attributed: dict[str, float] = Field(
        description="Per rule-based model (first, last, linear, u_shaped, w_shaped, full_path, time_decay at "
        "`half_life_days`), the pipeline it credits to the campaign"
    )


class InfluenceOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    lookback_days: int
    half_life_days: float = Field(description="The half-life time decay's `attributed` pipeline was shared with")
    order: int = Field(description="The Markov chain's order, when `attributed` has Markov")
    total_opportunities: int = Field(description="Deals created in the period")
    total_amount: float = Field(description="Σ their amounts")
    influenced_opportunities: int = Field(description="Deals with at least one campaign touch in their window")
    influenced_amount: float
    campaigns: list[InfluenceRowOut] = Field(description="Most amount first; the rows add up to more than the total")
