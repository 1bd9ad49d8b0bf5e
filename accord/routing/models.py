from django.conf import settings
from django.db import models
from django.utils import timezone


class SlaClock(models.Model):
    """The follow-up commitment of one hand-off: started when a qualified lead is assigned to
    a rep, due after N of the rep's business hours, stopped by the rep's first follow-up.

    At most one clock per lead runs at a time (a database constraint), which is also what
    makes a double assignment of one lead impossible.
    """

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        ACTIVITY = "activity", "Activity logged"
        CONVERTED = "converted", "Converted to opportunity"
        REASSIGNED = "reassigned", "Reassigned"

    lead = models.ForeignKey("crm.Lead", on_delete=models.CASCADE, related_name="sla_clocks")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sla_clocks")
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    definition = models.ForeignKey(
        "definitions.LeadDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    business_hours = models.FloatField()
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    open_business_hours = models.FloatField(
        null=True,
        blank=True,
        help_text="Business hours from start to stop in the rep's schedule as it was when the clock stopped.",
    )
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(stopped_at__isnull=True),
                name="one_running_clock_per_lead",
            )
        ]
        indexes = [
            models.Index(fields=["rep", "stopped_at"]),
            models.Index(fields=["due_at", "breached_at"]),
            # Reports: the hand-offs of a period, read from the index alone (the SLA
            # scorecard and the compensation export judge each from these columns).
            models.Index(
                fields=["started_at", "lead", "rep", "team", "due_at", "stopped_at", "outcome", "open_business_hours"],
                name="slaclock_report_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA {self.lead_id} → {self.rep_id} due {self.due_at:%Y-%m-%d %H:%M}"

    def on_time(self) -> bool | None:
        if self.stopped_at is None:
            return None
        return self.stopped_at <= self.due_at
