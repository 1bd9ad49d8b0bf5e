from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field

from accord.api.presenters import event_out, feedback_out, lead_out, touchpoint_out
from accord.api.schemas import (
    ActivityIn,
    AssignIn,
    ErrorOut,
    ExplanationOut,
    FeedbackIn,
    FeedbackOut,
    LeadDetailOut,
    LeadIn,
    LeadOut,
    LeadPageOut,
    Page,
    RejectIn,
    TouchpointCreatedOut,
    TouchpointIn,
    TouchpointOut,
)
from accord.crm import selectors, services
from accord.crm.feedback import lead_feedback_give
from accord.definitions.queries import definition_find

router = Router(tags=["leads"])
touchpoints_router = Router(tags=["touchpoints"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class LeadFilters(Page):
    stage: str | None = None
    owner: str | None = None
    source: str | None = None
    search: str | None = None


class ExplainQuery(Schema):
    definition: int | None = Field(None, description="A version's id; the active version when omitted")
    at: AwareDatetime | None = Field(None, description="Score as of this moment (engagement decays); now when omitted")


def _after_action(lead_id: int) -> dict:
    # The service has just allowed this user to act; the answer is the lead as it now is,
    # even if the action took it out of their sight (a rejected lead leaves the rep).
    return lead_out(selectors.lead_state(lead_id=lead_id))


@router.post("", response={200: LeadOut, 201: LeadOut, **ERRORS}, summary="Capture a lead")
def capture_lead(request, payload: LeadIn):
    """Create a lead, or update the one with the same email (200). Scored, qualified and,
    if qualified, routed with its SLA clock running before the response returns."""
    lead, created = services.lead_capture(data=payload.dict(exclude_unset=True), acting_user=request.auth)
    return Status(201 if created else 200, _after_action(lead.pk))


@router.get("", response={200: LeadPageOut, **ERRORS}, summary="List leads")
def list_leads(request, filters: Query[LeadFilters]):
    criteria = filters.dict(exclude={"limit", "offset"})
    leads = selectors.lead_list(user=request.auth, **criteria)
    page = leads[filters.offset : filters.offset + filters.limit]
    return {"items": [lead_out(lead) for lead in page], "count": leads.count()}


@router.get("/{lead_id}", response={200: LeadDetailOut, **ERRORS}, summary="A lead with its history")
def get_lead(request, lead_id: int):
    lead = selectors.lead_detail(user=request.auth, lead_id=lead_id)
    return {
        **lead_out(lead),
        "events": [event_out(e) for e in lead.events.all()],
        "touchpoints": [touchpoint_out(t) for t in lead.touchpoints.all()],
    }


@router.get("/{lead_id}/explain", response={200: ExplanationOut, **ERRORS}, summary="Why it does or does not qualify")
def explain_lead(request, lead_id: int, query: Query[ExplainQuery]):
    """The lead scored under any version, drafts included: points per rule, each requirement,
    the threshold and the verdict. Changes nothing."""
    lead = selectors.lead_detail(user=request.auth, lead_id=lead_id)
    definition = definition_find(definition_id=query.definition)
    at = query.at or timezone.now()
    explanation = services.lead_explain(lead, definition, at=at)
    return {
        **explanation.as_dict(),
        "lead_id": lead.pk,
        "definition_id": definition.pk,
        "definition_version": definition.version,
        "at": at,
        "fit": explanation.fit,
        "engagement": explanation.engagement,
        "negative": explanation.negative,
        "total": explanation.total,
    }


@router.post("/{lead_id}/accept", response={200: LeadOut, **ERRORS}, summary="Accept (→ sal)")
def accept_lead(request, lead_id: int):
    services.lead_accept(lead_id=lead_id, acting_user=request.auth)
    return _after_action(lead_id)


@router.post("/{lead_id}/reject", response={200: LeadOut, **ERRORS}, summary="Reject: recycle or disqualify")
def reject_lead(request, lead_id: int, payload: RejectIn):
    services.lead_reject(lead_id=lead_id, acting_user=request.auth, **payload.dict())
    return _after_action(lead_id)


@router.post("/{lead_id}/feedback", response={201: FeedbackOut, **ERRORS}, summary="Rate a lead (sales)")
def give_feedback(request, lead_id: int, payload: FeedbackIn):
    """The caller's rating (1–5) of the lead and the problems it had, as the active
    definition's reason codes. One per person per lead: giving it again replaces it. For
    the lead's owner, and sales managers and admins who can see it."""
    feedback = lead_feedback_give(lead_id=lead_id, acting_user=request.auth, **payload.dict())
    return Status(201, feedback_out(feedback))


@router.post("/{lead_id}/assign", response={200: LeadOut, **ERRORS}, summary="Assign to a rep (managers, admins)")
def assign_lead(request, lead_id: int, payload: AssignIn):
    services.lead_assign(lead_id=lead_id, owner_email=payload.owner, note=payload.note, acting_user=request.auth)
    return _after_action(lead_id)


@router.post("/{lead_id}/activities", response={201: TouchpointOut, **ERRORS}, summary="Log a call, email or meeting")
def log_activity(request, lead_id: int, payload: ActivityIn):
    touchpoint = services.lead_log_activity(lead_id=lead_id, acting_user=request.auth, **payload.dict())
    return Status(201, touchpoint_out(touchpoint))


@touchpoints_router.post(
    "", response={200: TouchpointCreatedOut, 201: TouchpointCreatedOut, **ERRORS}, summary="Record a touchpoint"
)
def record_touchpoint(request, payload: TouchpointIn):
    """201 with the lead's state after rescoring. Sending an `external_id` again for the same
    lead is a replay: 200, the first touchpoint's id, nothing written."""
    data = payload.dict()
    utm = {key: data.pop(f"utm_{key}") for key in ("source", "medium", "campaign")}
    touchpoint, created = services.touchpoint_record(**data, utm=utm, acting_user=request.auth)
    return Status(201 if created else 200, {**_after_action(touchpoint.lead_id), "touchpoint_id": touchpoint.pk})
