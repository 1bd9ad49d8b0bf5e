from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.crm.models import AppendOnlyQuerySet


class Campaign(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ANNOUNCED = "announced", "Announced to sales"
        LIVE = "live", "Live"
        FINISHED = "finished", "Finished"

    code = models.SlugField(max_length=80, unique=True, help_text="Used by forms, the API and UTM tags.")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=50, blank=True, help_text="e.g. email, paid_search, events")
    kind = models.CharField("type", max_length=50, blank=True, help_text="e.g. webinar, ebook, trade show")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    offer = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class CampaignCost(models.Model):
    """What a campaign actually cost in one month: an append-only ledger, so a report of a
    past period never changes. A mistake is put right by a new entry (a negative amount is a
    correction); the entries of a campaign's month never add up to less than zero."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="costs", db_index=False)
    month = models.DateField(help_text="The first day of the month the cost belongs to.")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The ledger of a campaign, and its month's total before a correction.
            models.Index(fields=["campaign", "month"]),
            # The report: every campaign's entries of the months a period overlaps.
            models.Index(fields=["month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Campaign costs are append-only: record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Campaign costs are append-only: record a correction instead.")
