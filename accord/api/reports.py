from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from accord.api.schemas import ErrorOut, FunnelOut, RejectionReportOut, RequalifiedOut
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
