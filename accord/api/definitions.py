"""The lead definition as a signed contract: drafts, proposals, signatures, the version in
force, and its portable JSON. Who may do what is decided in `accord.definitions.policies`."""

from datetime import date
from typing import Annotated, Any

from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from accord.api.schemas import (
    BacktestIn,
    BacktestOut,
    DefinitionActionIn,
    DefinitionCommentIn,
    DefinitionDetailOut,
    DefinitionEventOut,
    DefinitionExportOut,
    DefinitionPageOut,
    DefinitionSignedOut,
    DefinitionUpdateIn,
    ErrorOut,
    Page,
    SuggestionApplyIn,
    SuggestionsOut,
)
from accord.definitions import queries, services
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signature
from accord.reports.backtest import backtest_run
from accord.reports.suggestions import suggestion_apply_key, suggestions_for

router = Router(tags=["definitions"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# Bodies the domain validates itself, so that a 422 names the field as `document.<path>`.
DocumentIn = Annotated[
    dict[str, Any], Body(description="A definition document: fit, engagement and negative rules, thresholds…")
]


class SuggestionsQuery(Schema):
    date_from: date = Field(alias="from", description="First day (UTC)")
    date_to: date = Field(alias="to", description="Last day (UTC), inclusive")
    min_leads: int = Field(20, ge=1, description="Segments with fewer hand-offs are not judged")
    factor: float = Field(1.5, gt=0, description="Suggest a segment rejected this many times the overall rate")


ExportIn = Annotated[dict[str, Any], Body(description="An export (`GET /definitions/{id}/export`) or a bare document")]


def signature_out(signature: Signature) -> dict[str, Any]:
    return {"user": signature.user.email, "side": signature.side, "signed_at": signature.signed_at}


def definition_event_out(event: DefinitionEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": event.actor.email if event.actor_id else None,
        "side": event.side,
        "comment": event.comment,
        "data": event.data,
        "occurred_at": event.occurred_at,
    }


def rescore_out(rescore: Rescore) -> dict[str, Any]:
    return {
        "status": rescore.status,
        "total": rescore.total,
        "done": rescore.done,
        "percent": rescore.percent,
        "counts": rescore.counts,
        "error": rescore.error,
        "created_at": rescore.created_at,
        "started_at": rescore.started_at,
        "finished_at": rescore.finished_at,
    }


def definition_out(definition: LeadDefinition) -> dict[str, Any]:
    return {
        "id": definition.pk,
        "version": definition.version,
        "name": definition.name,
        "status": definition.status,
        "created_by": definition.created_by.email if definition.created_by_id else None,
        "created_at": definition.created_at,
        "based_on_id": definition.based_on_id,
        "based_on_version": definition.based_on.version if definition.based_on_id else None,
        "proposed_at": definition.proposed_at,
        "activated_at": definition.activated_at,
        "retired_at": definition.retired_at,
        "signatures": [signature_out(s) for s in definition.signatures.all()],
    }


def definition_detail_out(definition: LeadDefinition) -> dict[str, Any]:
    rescores = definition.rescores.all()
    return {
        **definition_out(definition),
        "document": definition.document,
        "events": [definition_event_out(e) for e in definition.events.all()],
        "rescore": rescore_out(rescores[0]) if rescores else None,
    }


def _detail(request, definition_id: int) -> dict[str, Any]:
    # The answer to an action: the version as the action left it, with its history.
    return definition_detail_out(queries.definition_detail(user=request.auth, definition_id=definition_id))


@router.post("", response={201: DefinitionDetailOut, **ERRORS}, summary="Draft a new version")
def create_definition(request, document: DocumentIn, name: str = ""):
    """The body is the version's document (the `document` of an export). 422 names the
    offending field, e.g. `document.fit_rules.0.when.field`."""
    definition = services.definition_create(document=document, name=name, acting_user=request.auth)
    return Status(201, _detail(request, definition.pk))


@router.get("", response={200: DefinitionPageOut, **ERRORS}, summary="List versions, newest first")
def list_definitions(request, page: Query[Page]):
    definitions = queries.definition_list(user=request.auth)
    window = definitions[page.offset : page.offset + page.limit]
    return {"items": [definition_out(d) for d in window], "count": definitions.count()}


@router.get("/active", response={200: DefinitionDetailOut, **ERRORS}, summary="The version in force")
def get_active_definition(request):
    return definition_detail_out(queries.definition_active_detail(user=request.auth))


@router.post("/import", response={201: DefinitionDetailOut, **ERRORS}, summary="Draft a version from its JSON")
def import_definition(request, data: ExportIn):
    """The body is an export (`GET /definitions/{id}/export`) or a bare document."""
    definition = services.definition_import(data=data, acting_user=request.auth)
    return Status(201, _detail(request, definition.pk))


# Before the /{definition_id} routes, which would otherwise take "suggestions" for an id.
@router.get(
    "/suggestions",
    response={200: SuggestionsOut, **ERRORS},
    by_alias=True,
    summary="Changes the period's rejections argue for",
)
def list_suggestions(request, query: Query[SuggestionsQuery]):
    """Segments (a source, campaign, industry, company-size band or country) with at least
    `min_leads` hand-offs in the period that sales rejected at `factor` × the overall rate
    or never won, each with the negative rule that would stop handing them over and what
    that rule would have done to the period. For the people who negotiate the definition."""
    found = suggestions_for(
        acting_user=request.auth,
        date_from=query.date_from,
        date_to=query.date_to,
        min_leads=query.min_leads,
        factor=query.factor,
    )
    return {
        "from": query.date_from,
        "to": query.date_to,
        "min_leads": query.min_leads,
        "factor": query.factor,
        "items": [suggestion.as_dict() for suggestion in found],
    }


@router.post("/suggestions/apply", response={201: DefinitionDetailOut, **ERRORS}, summary="Draft a suggested change")
def apply_suggestion(request, payload: SuggestionApplyIn):
    """Works the period's suggestions out again and drafts the one named `key` (422 naming
    `key` when the period does not suggest it). For those who draft definitions."""
    definition = suggestion_apply_key(
        key=payload.key,
        acting_user=request.auth,
        date_from=payload.date_from,
        date_to=payload.date_to,
        min_leads=payload.min_leads,
        factor=payload.factor,
    )
    return Status(201, _detail(request, definition.pk))


@router.get("/{definition_id}", response={200: DefinitionDetailOut, **ERRORS}, summary="A version with its history")
def get_definition(request, definition_id: int):
    return _detail(request, definition_id)


@router.patch("/{definition_id}", response={200: DefinitionDetailOut, **ERRORS}, summary="Edit a draft")
def update_definition(request, definition_id: int, payload: DefinitionUpdateIn):
    services.definition_update(definition_id=definition_id, acting_user=request.auth, **payload.dict())
    return _detail(request, definition_id)


@router.delete("/{definition_id}", response={204: None, **ERRORS}, summary="Delete a draft never proposed")
def delete_definition(request, definition_id: int):
    services.definition_delete(definition_id=definition_id, acting_user=request.auth)
    return Status(204, None)


@router.post("/{definition_id}/copy", response={201: DefinitionDetailOut, **ERRORS}, summary="Draft from a version")
def copy_definition(request, definition_id: int):
    definition = services.definition_copy(definition_id=definition_id, acting_user=request.auth)
    return Status(201, _detail(request, definition.pk))


@router.post("/{definition_id}/propose", response={200: DefinitionDetailOut, **ERRORS}, summary="Put up for signature")
def propose_definition(request, definition_id: int, payload: DefinitionActionIn):
    services.definition_propose(definition_id=definition_id, acting_user=request.auth, comment=payload.comment)
    return _detail(request, definition_id)


@router.post("/{definition_id}/sign", response={200: DefinitionSignedOut, **ERRORS}, summary="Sign for your side")
def sign_definition(request, definition_id: int, payload: DefinitionActionIn):
    """Signs as the token's user, for the side they sign for. The second side's signature
    activates the version (`activated: true`) and retires the one it replaces."""
    _, activated = services.definition_sign(
        definition_id=definition_id, acting_user=request.auth, comment=payload.comment
    )
    return {**_detail(request, definition_id), "activated": activated}


@router.post(
    "/{definition_id}/request-changes",
    response={200: DefinitionDetailOut, **ERRORS},
    summary="Send back to draft",
)
def request_definition_changes(request, definition_id: int, payload: DefinitionCommentIn):
    """Returns a proposed version to draft and voids its signatures: a new proposal needs
    both sides' signatures again."""
    services.definition_request_changes(definition_id=definition_id, acting_user=request.auth, comment=payload.comment)
    return _detail(request, definition_id)


@router.post("/{definition_id}/comments", response={201: DefinitionEventOut, **ERRORS}, summary="Comment")
def comment_definition(request, definition_id: int, payload: DefinitionCommentIn):
    event = services.definition_comment(definition_id=definition_id, acting_user=request.auth, comment=payload.comment)
    return Status(201, definition_event_out(event))


@router.get("/{definition_id}/export", response={200: DefinitionExportOut, **ERRORS}, summary="The version as JSON")
def export_definition(request, definition_id: int):
    return services.definition_export(queries.definition_find(definition_id=definition_id))


@router.post(
    "/{definition_id}/backtest",
    response={200: BacktestOut, **ERRORS},
    by_alias=True,
    summary="Backtest over a period, beside the active version",
)
def backtest_definition(request, definition_id: int, payload: BacktestIn):
    """What this version (drafts included) would have done to the leads of the period:
    its MQLs per month against its commitment, and what sales did with them — accepted,
    opportunity and win rates, precision and recall against won deals, won revenue — beside
    the active version (or `against`) and beside what happened, with the leads it gains and
    loses. For the people who negotiate the definition (403 for others)."""
    return backtest_run(
        acting_user=request.auth,
        definition_id=definition_id,
        against_id=payload.against,
        date_from=payload.date_from,
        date_to=payload.date_to,
    )
