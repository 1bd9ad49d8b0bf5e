from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from accord.api.schemas import (
    ErrorOut,
    FunnelOut,
    RejectionReportOut,
    RequalifiedOut,
    ScorecardLeadOut,
    ScorecardOut,
)
from accord.reports import sla
from accord.reports.rejections import rejection_report_for, requalified_report_for
from accord.reports.selectors import funnel_report

router = Router(tags=["reports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class FunnelQuery(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: Literal["source", "campaign"] | None = None


class PeriodQuery(Schema):
    date_from: date = Field(alias="from", description="First day (UTC)")
    date_to: date = Field(alias="to", description="Last day (UTC), inclusive")


class RejectionsQuery(PeriodQuery):
    by: Literal["source", "campaign", "industry", "company_size", "country", "rep", "rule", "reason"] | None = None


@router.get("/funnel", response={200: FunnelOut, 401: ErrorOut, 422: ErrorOut}, by_alias=True)
def funnel(request, query: Query[FunnelQuery]):
    """Cohort funnel: leads created in the period and how many reached each stage."""
    rows = funnel_report(date_from=query.date_from, date_to=query.date_to, by=query.by)
    return {
        "from": query.date_from,
        "to": query.date_to,
        "by": query.by,
        "rows": [r.as_dict() for r in rows],
    }


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
