from ninja import Query, Router, Status

from accord.api.presenters import opportunity_out
from accord.api.schemas import (
    ErrorOut,
    OpportunityCloseIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPageOut,
    OpportunityReopenIn,
    OpportunityStageIn,
    Page,
    SalesStageOut,
)
from accord.crm import selectors, services
from accord.crm.models import SalesStage

router = Router(tags=["opportunities"])
stages_router = Router(tags=["opportunities"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("", response={201: OpportunityOut, **ERRORS}, summary="Convert a lead (→ sql)")
def create_opportunity(request, payload: OpportunityIn):
    opportunity = services.opportunity_create(acting_user=request.auth, **payload.dict())
    return Status(201, opportunity_out(selectors.opportunity_get(user=request.auth, opportunity_id=opportunity.pk)))


@router.get("", response={200: OpportunityPageOut, **ERRORS}, summary="List opportunities")
def list_opportunities(request, page: Query[Page]):
    opportunities = selectors.opportunity_list(user=request.auth)
    window = opportunities[page.offset : page.offset + page.limit]
    return {"items": [opportunity_out(o) for o in window], "count": opportunities.count()}


@router.get("/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def get_opportunity(request, opportunity_id: int):
    return opportunity_out(selectors.opportunity_get(user=request.auth, opportunity_id=opportunity_id))


@router.post("/{opportunity_id}/close", response={200: OpportunityOut, **ERRORS}, summary="Close won or lost")
def close_opportunity(request, opportunity_id: int, payload: OpportunityCloseIn):
    services.opportunity_close(opportunity_id=opportunity_id, acting_user=request.auth, **payload.dict())
    return opportunity_out(selectors.opportunity_get(user=request.auth, opportunity_id=opportunity_id))


@router.post("/{opportunity_id}/reopen", response={200: OpportunityOut, **ERRORS}, summary="Reopen a closed deal")
def reopen_opportunity(request, opportunity_id: int, payload: OpportunityReopenIn):
    """Open a won or lost deal again; its lead follows it back to sql when the close had
    moved it. Reports keep the earlier close in its period."""
    services.opportunity_reopen(opportunity_id=opportunity_id, acting_user=request.auth, **payload.dict())
    return opportunity_out(selectors.opportunity_get(user=request.auth, opportunity_id=opportunity_id))


@router.post("/{opportunity_id}/stage", response={200: OpportunityOut, **ERRORS}, summary="Move along the pipeline")
def set_opportunity_stage(request, opportunity_id: int, payload: OpportunityStageIn):
    services.opportunity_set_stage(opportunity_id=opportunity_id, acting_user=request.auth, **payload.dict())
    return opportunity_out(selectors.opportunity_get(user=request.auth, opportunity_id=opportunity_id))


@stages_router.get("", response={200: list[SalesStageOut], 401: ErrorOut}, summary="The configured sales pipeline")
def list_sales_stages(request):
    return list(SalesStage.objects.values("name", "position", "probability"))
