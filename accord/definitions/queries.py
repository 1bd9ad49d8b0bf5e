"""Reads of lead definitions for the API and the CLI: each loads what its page shows in a
fixed number of queries, however many versions, signatures and events there are."""

from django.db.models import Prefetch, QuerySet

from accord.core.errors import NotAllowed, NotFound
from accord.definitions import policies
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Signature
from accord.definitions.selectors import definition_active
from accord.people.models import User


def _require_can_view(user: User) -> None:
    if not policies.can_view_definitions(user):
        raise NotAllowed("Only active users read lead definitions.")


def _current_signatures() -> Prefetch:
    # The signatures of the version's current proposal; voided ones stay in the event log.
    return Prefetch("signatures", Signature.objects.filter(void_at__isnull=True).select_related("user"))


def definition_list(*, user: User) -> QuerySet[LeadDefinition]:
    """Every version, newest first, with its current signatures."""
    _require_can_view(user)
    return (
        LeadDefinition.objects.select_related("created_by", "based_on")
        .prefetch_related(_current_signatures())
        .order_by("-version")
    )


def _with_history(definitions: QuerySet[LeadDefinition]) -> QuerySet[LeadDefinition]:
    return definitions.prefetch_related(
        Prefetch("events", DefinitionEvent.objects.select_related("actor").order_by("-occurred_at", "-pk")),
        Prefetch("rescores", Rescore.objects.order_by("-created_at", "-pk")),
    )


def definition_detail(*, user: User, definition_id: int) -> LeadDefinition:
    """One version with its current signatures, its event log (newest first) and its
    rescores (latest first)."""
    definition = _with_history(definition_list(user=user)).filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(f"No lead definition with id {definition_id}.")
    return definition


def definition_active_detail(*, user: User) -> LeadDefinition:
    """The version in force, as `definition_detail` loads it."""
    definition = _with_history(definition_list(user=user)).filter(status=LeadDefinition.Status.ACTIVE).first()
    if definition is None:
        raise NotFound("No lead definition is active.")
    return definition


def definition_find(*, definition_id: int | None = None, version: int | None = None) -> LeadDefinition:
    """The version with this id, or with this number, or else the active one. Every version
    is public to everyone signed in, so there is no user to check; callers are the API (the
    caller is authenticated) and the CLI (the operator)."""
    if definition_id is not None:
        definition, missing = LeadDefinition.objects.filter(pk=definition_id).first(), f"with id {definition_id}"
    elif version is not None:
        definition, missing = LeadDefinition.objects.filter(version=version).first(), f"v{version}"
    else:
        definition, missing = definition_active(), "is active"
    if definition is None:
        raise NotFound(f"No lead definition {missing}.")
    return definition
