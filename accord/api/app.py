"""The REST API under /api/v1: bearer-token auth, and the one place where domain errors
become HTTP responses."""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from accord.api import campaigns, compensation, definitions, goals, leads, opportunities, reports
from accord.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotAllowed, NotFound
from accord.people.services import token_authenticate

STATUS_FOR = {InvalidInput: 422, NotAllowed: 403, NotFound: 404, InvalidTransition: 409, Conflict: 409}
# Pydantic reports where a bad value sat; these parts of its location are not field names.
_LOCATION_NOISE = {"body", "payload", "query", "path", "data"}


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        return token_authenticate(token)


api = NinjaAPI(
    title="Accord API",
    version="1",
    description="Leads, touchpoints, hand-off and funnel numbers that sales and marketing share. "
    "Authenticate with `Authorization: Bearer <token>` (create one with `accord token create`).",
    auth=BearerToken(),
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    status = next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 400)
    body = {"detail": error.message}
    if status == 422 and error.field:
        body = {
            "detail": f"{error.field}: {error.message}",
            "errors": [{"field": error.field, "message": error.message}],
        }
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, error: NinjaValidationError):
    errors = []
    for item in error.errors:
        field = ".".join(str(part) for part in item.get("loc", ()) if part not in _LOCATION_NOISE)
        errors.append({"field": field or "body", "message": item.get("msg", "invalid")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, error):
    return api.create_response(request, {"detail": "Missing, invalid or revoked API token."}, status=401)


api.add_router("/leads", leads.router)
api.add_router("/touchpoints", leads.touchpoints_router)
api.add_router("/opportunities", opportunities.router)
api.add_router("/sales-stages", opportunities.stages_router)
api.add_router("/reports", reports.router)
api.add_router("/definitions", definitions.router)
api.add_router("/compensation", compensation.router)
api.add_router("/campaigns", campaigns.router)
api.add_router("/goals", goals.router)
