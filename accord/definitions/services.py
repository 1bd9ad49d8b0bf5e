"""The lead definition as a signed contract: drafting, proposing, signing, requesting
changes, activation. Every change of a version goes through here, under the version's
row lock, and is written to its append-only `DefinitionEvent` record.

    draft ──propose──▶ proposed ──both sides sign──▶ active ──next activation──▶ retired
      ▲                   │
      └─request changes───┘  (with a comment; the signatures given so far are voided)

Proposed, active and retired versions are immutable: a change is a new draft. Exactly
one version is active (a database constraint). Activating a version queues the rescoring
of every open lead in the worker (`crm.rescoring.rescore_run`).
"""

import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from accord.core.tasks import enqueue_on_commit
from accord.definitions import policies
from accord.definitions.document import DefinitionDocument
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Side, Signatory, Signature
from accord.people.models import User

Status = LeadDefinition.Status
Kind = DefinitionEvent.Kind
EXPORT_FORMAT = "accord.definition/1"
COMMENT_MAX = 5000


def document_validate(document: Any, *, field: str = "document") -> DefinitionDocument:
    """The document as a validated model, or InvalidInput naming the first bad field
    (e.g. `document.fit_rules.0.when.field`)."""
    if not isinstance(document, dict):
        raise InvalidInput("A definition document is a JSON object.", field=field)
    try:
        return DefinitionDocument.model_validate(document)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = ".".join([field, *map(str, first["loc"])])
        message = first["msg"].removeprefix("Value error, ")
        more = len(error.errors()) - 1
        raise InvalidInput(message + (f" (and {more} more problems)" if more else ""), field=where) from None


def _locked(definition_id: int) -> LeadDefinition:
    definition = LeadDefinition.objects.select_for_update().filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(f"No lead definition with id {definition_id}.")
    return definition


def _record(definition: LeadDefinition, kind: str, *, actor: User | None, at: datetime, **fields) -> DefinitionEvent:
    return DefinitionEvent.objects.create(definition=definition, kind=kind, actor=actor, occurred_at=at, **fields)


def _comment(text: str | None, *, required: str | None = None) -> str:
    """A comment as stored: trimmed, at most 5,000 characters; `required` is the message
    when it may not be empty."""
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput(required, field="comment")
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"At most {COMMENT_MAX:,} characters.", field="comment")
    return text


def _require_status(definition: LeadDefinition, status: str, doing: str) -> None:
    if definition.status != status:
        raise InvalidTransition(
            f"v{definition.version} is {definition.status}; only a {status} version can be {doing}."
            + (" A change is a new draft." if status == Status.DRAFT else ""),
            field="status",
        )


# --- drafting -------------------------------------------------------------------------


def definition_create(
    *,
    document: Any,
    acting_user: User | None,
    name: str = "",
    based_on_id: int | None = None,
    at: datetime | None = None,
) -> LeadDefinition:
    """A new draft with the next version number. `acting_user` None is Accord itself —
    the operator at the command line — as for the lead services; every request through
    the API or the UI has a user, who must be allowed to draft."""
    if acting_user is not None:
        policies.require_can_draft(acting_user)
    parsed = document_validate(document)
    if len(name) > 200:
        raise InvalidInput("At most 200 characters.", field="name")
    at = at or timezone.now()
    based_on = None
    if based_on_id is not None:
        based_on = LeadDefinition.objects.filter(pk=based_on_id).first()
        if based_on is None:
            raise InvalidInput(f"No lead definition with id {based_on_id}.", field="based_on")
    for _ in range(5):  # two drafts created at once may pick the same number; the loser retries
        try:
            with transaction.atomic():
                version = (LeadDefinition.objects.aggregate(top=Max("version"))["top"] or 0) + 1
                definition = LeadDefinition.objects.create(
                    version=version,
                    name=name,
                    document=parsed.model_dump(mode="json"),
                    created_by=acting_user,
                    created_at=at,
                    based_on=based_on,
                )
                _record(
                    definition,
                    Kind.CREATED,
                    actor=acting_user,
                    at=at,
                    data={"based_on": based_on.version} if based_on else {},
                )
                return definition
        except IntegrityError:
            continue
    raise InvalidTransition("Could not number the new version; try again.")


def definition_update(
    *, definition_id: int, acting_user: User, document: Any = None, name: str | None = None, at: datetime | None = None
) -> LeadDefinition:
    """Change a draft's document and/or name."""
    policies.require_can_draft(acting_user)
    at = at or timezone.now()
    parsed = document_validate(document) if document is not None else None
    if name is not None and len(name) > 200:
        raise InvalidInput("At most 200 characters.", field="name")
    with transaction.atomic():
        definition = _locked(definition_id)
        _require_status(definition, Status.DRAFT, "edited")
        changed = []
        if parsed is not None and parsed.model_dump(mode="json") != definition.document:
            definition.document = parsed.model_dump(mode="json")
            changed.append("document")
        if name is not None and name != definition.name:
            definition.name = name
            changed.append("name")
        if changed:
            definition.save(update_fields=changed)
            definition.__dict__.pop("parsed", None)
            _record(definition, Kind.EDITED, actor=acting_user, at=at, data={"changed": changed})
    return definition


def definition_delete(*, definition_id: int, acting_user: User) -> None:
    """Delete a draft that was never proposed; anything once proposed stays on record."""
    policies.require_can_draft(acting_user)
    with transaction.atomic():
        definition = _locked(definition_id)
        _require_status(definition, Status.DRAFT, "deleted")
        if definition.events.filter(kind=Kind.PROPOSED).exists():
            raise InvalidTransition(
                f"v{definition.version} has been proposed before; its history stays.", field="status"
            )
        definition.delete()


def definition_copy(*, definition_id: int, acting_user: User, at: datetime | None = None) -> LeadDefinition:
    """A new draft with the document of any version: how an active contract gets changed."""
    source = LeadDefinition.objects.filter(pk=definition_id).first()
    if source is None:
        raise NotFound(f"No lead definition with id {definition_id}.")
    return definition_create(
        document=source.document, name=source.name, based_on_id=source.pk, acting_user=acting_user, at=at
    )


# --- the contract -----------------------------------------------------------------------


def definition_propose(
    *, definition_id: int, acting_user: User, comment: str = "", at: datetime | None = None
) -> LeadDefinition:
    """Put a draft up for signature."""
    policies.require_can_draft(acting_user)
    comment = _comment(comment)
    at = at or timezone.now()
    with transaction.atomic():
        definition = _locked(definition_id)
        _require_status(definition, Status.DRAFT, "proposed")
        definition.status, definition.proposed_at = Status.PROPOSED, at
        definition.save(update_fields=["status", "proposed_at"])
        _record(definition, Kind.PROPOSED, actor=acting_user, at=at, comment=comment)
    return definition


def definition_sign(
    *, definition_id: int, acting_user: User, comment: str = "", at: datetime | None = None
) -> tuple[LeadDefinition, bool]:
    """Sign a proposed version for the acting user's side. Signing again changes nothing.
    When both sides have signed, the version becomes active. Returns (version, activated)."""
    side = policies.require_signing_side(acting_user)
    comment = _comment(comment)
    at = at or timezone.now()
    with transaction.atomic():
        definition = _locked(definition_id)
        _require_status(definition, Status.PROPOSED, "signed")
        current = definition.signatures.filter(void_at__isnull=True)
        if current.filter(user=acting_user).exists():
            return definition, False
        Signature.objects.create(definition=definition, user=acting_user, side=side, signed_at=at)
        _record(definition, Kind.SIGNED, actor=acting_user, at=at, side=side, comment=comment)
        if set(current.values_list("side", flat=True)) >= {Side.MARKETING, Side.SALES}:
            _activate(definition, at=at, actor=acting_user)
            return definition, True
    return definition, False


def definition_request_changes(
    *, definition_id: int, acting_user: User, comment: str, at: datetime | None = None
) -> LeadDefinition:
    """Either side sends a proposed version back to draft, saying what should change."""
    side = policies.require_signing_side(acting_user)
    comment = _comment(comment, required="Say what should change.")
    at = at or timezone.now()
    with transaction.atomic():
        definition = _locked(definition_id)
        _require_status(definition, Status.PROPOSED, "sent back for changes")
        voided = definition.signatures.filter(void_at__isnull=True).update(void_at=at)
        definition.status, definition.proposed_at = Status.DRAFT, None
        definition.save(update_fields=["status", "proposed_at"])
        _record(
            definition,
            Kind.CHANGES_REQUESTED,
            actor=acting_user,
            at=at,
            side=side,
            comment=comment,
            data={"signatures_voided": voided},
        )
    return definition


def definition_comment(
    *, definition_id: int, acting_user: User, comment: str, at: datetime | None = None
) -> DefinitionEvent:
    """A remark on any version by someone who drafts or signs definitions."""
    side = policies.signing_side(acting_user)
    if side is None:
        policies.require_can_draft(acting_user)
    comment = _comment(comment, required="A comment cannot be empty.")
    definition = LeadDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(f"No lead definition with id {definition_id}.")
    return _record(
        definition, Kind.COMMENTED, actor=acting_user, at=at or timezone.now(), side=side or "", comment=comment
    )


def _activate(definition: LeadDefinition, *, at: datetime, actor: User | None) -> Rescore:
    """Retire the active version, activate this one, queue the rescoring of open leads.
    The caller holds `definition`'s lock; the active version is locked here, so two
    activations at once take turns and exactly one version ends active."""
    from accord.crm.tasks import rescore_run_task  # the worker side lives with the leads

    previous = _lock_active()
    if previous is not None:
        previous.status, previous.retired_at = Status.RETIRED, at
        previous.save(update_fields=["status", "retired_at"])
        _record(previous, Kind.RETIRED, actor=actor, at=at, data={"replaced_by": definition.version})
    definition.status, definition.activated_at = Status.ACTIVE, at
    definition.save(update_fields=["status", "activated_at"])
    signers = list(definition.signatures.filter(void_at__isnull=True).values_list("user__email", "side"))
    _record(
        definition,
        Kind.ACTIVATED,
        actor=actor,
        at=at,
        data={"replaces": previous.version if previous else None, "signed_by": [list(s) for s in signers]},
    )
    rescore = Rescore.objects.create(definition=definition, created_at=at)
    enqueue_on_commit(rescore_run_task, rescore.pk)
    return rescore


def _lock_active() -> LeadDefinition | None:
    """The active version, locked. On PostgreSQL, an activation that waited for this lock
    while another one retired that version gets no row back (it no longer matches), yet a
    newer version is active by then: a fresh read finds and locks it, so the two take turns
    instead of the later one breaking one_active_definition."""
    while True:
        active = LeadDefinition.objects.select_for_update().filter(status=Status.ACTIVE).first()
        if active is not None or not LeadDefinition.objects.filter(status=Status.ACTIVE).exists():
            return active


# --- signatories ----------------------------------------------------------------------


def signatories_set(*, side: str, emails: list[str], acting_user: User) -> list[Signatory]:
    """Narrow signing for `side` to the named people (an empty list: back to the role)."""
    if not policies.can_name_signatories(acting_user):
        raise NotAllowed("Only an admin names who signs lead definitions.")
    if side not in Side.values:
        raise InvalidInput(f"Side is one of: {', '.join(Side.values)}.", field="side")
    wanted = {email.strip().lower() for email in emails if email.strip()}
    found = User.objects.annotate(email_lower=Lower("email")).filter(is_active=True, email_lower__in=wanted)
    users = {user.email_lower: user for user in found}
    unknown = sorted(wanted - users.keys())
    if unknown:
        raise InvalidInput(f"No active user with email {', '.join(unknown)}.", field="emails")
    other = Side.SALES if side == Side.MARKETING else Side.MARKETING
    with transaction.atomic():
        # Locking the people named keeps two admins from naming one person for both sides.
        named = list(User.objects.select_for_update().filter(pk__in=[users[e].pk for e in wanted]).order_by("pk"))
        both = sorted(Signatory.objects.filter(side=other, user__in=named).values_list("user__email", flat=True))
        if both:
            raise InvalidInput(
                f"{', '.join(both)} already signs for {other}; one person signs for one side.", field="emails"
            )
        Signatory.objects.filter(side=side).delete()
        return [Signatory.objects.create(user=users[email], side=side) for email in sorted(wanted)]


# --- JSON import and export -----------------------------------------------------------


def definition_export(definition: LeadDefinition) -> dict:
    """A version as a portable JSON object (`definition_import` reads it back)."""
    return {
        "format": EXPORT_FORMAT,
        "version": definition.version,
        "name": definition.name,
        "status": definition.status,
        "document": definition.parsed.model_dump(mode="json"),
    }


def definition_import(*, data: Any, acting_user: User | None, at: datetime | None = None) -> LeadDefinition:
    """A new draft from an exported version, or from a bare document."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise InvalidInput(f"Not JSON: {error}.", field="file") from None
    if isinstance(data, dict) and "format" in data and data["format"] != EXPORT_FORMAT:
        raise InvalidInput(f"Unknown format {data['format']!r}; this Accord reads {EXPORT_FORMAT}.", field="format")
    if isinstance(data, dict) and "document" in data:
        name = data.get("name") or ""
        if not isinstance(name, str):
            raise InvalidInput("The name is text.", field="name")
        return definition_create(document=data["document"], name=name, acting_user=acting_user, at=at)
    return definition_create(document=data, acting_user=acting_user, at=at)
