from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportKind(models.TextChoices):
    LEADS = "leads", "Leads"
    ACCOUNTS = "accounts", "Accounts"
    TOUCHPOINTS = "touchpoints", "Touchpoints"
    OPPORTUNITIES = "opportunities", "Opportunities"


class ImportJob(models.Model):
    """One file brought in through the web UI: uploaded, mapped, then run by the worker.
    The file, its error report and the live progress live under ACCORD_HOME/imports/<id>/
    (see `accord.imports.storage`); the row keeps what the run decided."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Waiting for a mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    preset = models.CharField(max_length=20, default="generic")
    encoding = models.CharField(max_length=40, blank=True, help_text="Detected once, at upload.")
    mapping = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    all_or_nothing = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.JSONField(default=dict, blank=True, help_text="read, created, updated, unchanged, rejected")
    message = models.TextField(blank=True, help_text="Why the file could not be read, when it could not.")
    messages = models.JSONField(default=list, blank=True, help_text="What the run said: columns kept or ignored, …")
    error_count = models.PositiveIntegerField(default=0, help_text="Lines in the error report.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
