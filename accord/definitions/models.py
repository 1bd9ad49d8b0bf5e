import json
from functools import cached_property, lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from accord.definitions.document import DefinitionDocument


class LeadDefinition(models.Model):
    """One version of the agreed definition of a qualified lead.

    Versions are numbered; at most one is active. Proposed and active versions are
    immutable (a change is a new version) — the sign-off workflow builds on this.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    document = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Drafted from this version.",
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="one_active_definition"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}" + (f" {self.name}" if self.name else "")

    def clean(self) -> None:
        try:
            DefinitionDocument.model_validate(self.document)
        except PydanticValidationError as error:
            problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
            raise ValidationError({"document": problems}) from None

    @cached_property
    def parsed(self) -> DefinitionDocument:
        return parse_document(json.dumps(self.document, sort_keys=True))


@lru_cache(maxsize=64)
def parse_document(document_json: str) -> DefinitionDocument:
    """Validated documents by content: scoring every request must not re-validate the same
    definition (most of a millisecond each time). Content-keyed, so an edited draft is
    never served stale."""
    return DefinitionDocument.model_validate_json(document_json)


class Side(models.TextChoices):
    """The two parties to the contract."""

    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class Signatory(models.Model):
    """A person an admin has named to sign for one side. While a side has named
    signatories, only they sign for it; while it has none, its leaders do (role
    `marketing_lead` for marketing, `sales_manager` for sales)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=20, choices=Side.choices)

    class Meta:
        ordering = ["side", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "side"], name="one_signatory_per_side")]

    def __str__(self) -> str:
        return f"{self.user} for {self.get_side_display()}"


class Signature(models.Model):
    """One person's signature on one proposal of a version. A request for changes returns
    the version to draft and voids its signatures (`void_at`); a new proposal needs new
    ones. Nobody signs the same proposal twice."""

    definition = models.ForeignKey(LeadDefinition, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=Side.choices)
    signed_at = models.DateTimeField()
    void_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "user"], condition=models.Q(void_at__isnull=True), name="one_signature_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.get_side_display()} on {self.definition}"


class DefinitionEvent(models.Model):
    """The append-only record of a version's life: who did what, when, and what they said."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        PROPOSED = "proposed", "Proposed"
        SIGNED = "signed", "Signed"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        COMMENTED = "commented", "Commented"
        ACTIVATED = "activated", "Activated"
        RETIRED = "retired", "Retired"
        RESCORED = "rescored", "Open leads rescored"

    definition = models.ForeignKey(LeadDefinition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=20, choices=Side.choices, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.definition} {self.get_kind_display().lower()}"


class Rescore(models.Model):
    """Rescoring every open lead after a version is activated, run by the worker; its
    progress is what the definition page shows."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    definition = models.ForeignKey(LeadDefinition, on_delete=models.CASCADE, related_name="rescores")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"rescore of open leads under {self.definition}: {self.status}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(100 * self.done / self.total) if self.total else 0
