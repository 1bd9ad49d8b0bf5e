"""The reports' own records. Reports otherwise only read what other apps wrote; what they
keep here is, like those records, never rewritten."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.crm.models import AppendOnlyQuerySet


def default_currency() -> str:
    return settings.ACCORD_CURRENCY


class CompensationPolicy(models.Model):
    """One version of what sales is paid for the hand-off: a reward per lead followed up on
    time, a penalty per lead ignored, a bonus per won lead that marketing handed over. A
    change is a new version; a version applies from its `effective_from` day (UTC) until a
    later one takes over, and of two versions from the same day the one added last applies."""

    reward_on_time = models.DecimalField(
        max_digits=11, decimal_places=2, help_text="Paid per hand-off followed up on time"
    )
    penalty_ignored = models.DecimalField(max_digits=11, decimal_places=2, help_text="Subtracted per hand-off ignored")
    bonus_won = models.DecimalField(
        max_digits=11, decimal_places=2, help_text="Paid per won lead that marketing had qualified"
    )
    currency = models.CharField(max_length=3, default=default_currency, help_text="ISO 4217 code, e.g. EUR")
    effective_from = models.DateField(help_text="The first UTC day the version applies to")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "compensation policies"
        indexes = [models.Index(fields=["effective_from", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reward_on_time__gte=0, penalty_ignored__gte=0, bonus_won__gte=0),
                name="compensation_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Compensation v{self.pk} from {self.effective_from}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Compensation policies are append-only: add a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Compensation policies are append-only: add a new version.")


class RevenueGoal(models.Model):
    """The revenue both teams aim for in a period — the company's (no team) or one team's.
    Setting it again for the same period and team replaces the amount; who set it last,
    and when, is kept."""

    date_from = models.DateField(help_text="First day (UTC)")
    date_to = models.DateField(help_text="Last day (UTC), inclusive")
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default=default_currency)
    lookback_months = models.PositiveSmallIntegerField(
        default=6, help_text="The months before the period whose conversion rates and deal size are used"
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date_from", "team__name"]
        indexes = [models.Index(fields=["date_from", "date_to"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(revenue__gt=0), name="goal_revenue_positive"),
            models.CheckConstraint(condition=models.Q(date_to__gte=models.F("date_from")), name="goal_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.revenue} {self.currency} {self.date_from} – {self.date_to}"


# The funnel's and velocity's summaries of the lead events (`reports.summaries`). Unlike the
# records above they are derived, rewritten lead by lead from the events whenever a lead has
# new ones; they hold nothing the events do not say.


class LeadMilestones(models.Model):
    """What the funnel needs of one lead's whole history: the furthest funnel step it ever
    reached (0 none, 1 mql, 2 sal, 3 sql, 4 customer) and whether it was ever recycled or
    disqualified. Only leads that reached one of those have a row. `created_at` is the
    lead's, copied so a cohort's counts are read from one index: it is never changed once
    the lead exists (read-only in the admin, kept by imports)."""

    lead = models.OneToOneField("crm.Lead", on_delete=models.CASCADE, related_name="milestones")
    created_at = models.DateTimeField()
    step = models.PositiveSmallIntegerField()
    recycled = models.BooleanField()
    disqualified = models.BooleanField()

    class Meta:
        verbose_name_plural = "lead milestones"
        # Covering: a cohort's counts are read from this index alone.
        indexes = [models.Index(fields=["created_at", "step", "recycled", "disqualified"], name="milestones_cohort")]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} reached step {self.step}"


class LeadStay(models.Model):
    """One stay of a lead in a stage that ended (`stage`: the stage left, `since` when the
    lead entered it, `ended_at` when it left, `microseconds` between), or one arrival at
    `customer` (`stage` "lead_to_customer", `since` the lead's creation). Whole
    microseconds, so the days a report computes are those of the events to the last bit."""

    # Indexed by (lead, ended_at): a refresh replaces a lead's rows.
    lead = models.ForeignKey("crm.Lead", on_delete=models.CASCADE, related_name="stays", db_index=False)
    stage = models.CharField(max_length=20)
    since = models.DateTimeField()
    ended_at = models.DateTimeField()
    microseconds = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["lead", "ended_at"]),
            # Covering: a period's stays are read from this index alone.
            models.Index(fields=["stage", "ended_at", "microseconds", "since", "lead"], name="leadstay_period"),
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} {self.stage} {self.microseconds / 86_400e6:.2f} days to {self.ended_at:%Y-%m-%d}"


class SummaryWatermark(models.Model):
    """How far the summaries have read the lead events: every event up to `last_event_id`,
    except the ids in `gaps` — on PostgreSQL, ids taken by transactions that had not
    committed yet, each gap `[first, last, noticed]` read again until it appears or every
    transaction that could hold it has ended. One row."""

    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Lead events read up to {self.last_event_id}"
