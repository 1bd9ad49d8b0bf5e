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
