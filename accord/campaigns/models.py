from django.conf import settings
from django.db import models


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
