from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from accord.api.schemas import ErrorOut, FunnelOut
from accord.reports.selectors import funnel_report

router = Router(tags=["reports"])


class FunnelQuery(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    by: Literal["source", "campaign"] | None = None


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
