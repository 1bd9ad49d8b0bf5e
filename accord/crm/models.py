from django.conf import settings
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

from accord.definitions.document import TOUCHPOINT_TYPES


class Stage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing qualified"
    SAL = "sal", "Sales accepted"
    SQL = "sql", "Sales qualified (opportunity)"
    CUSTOMER = "customer", "Customer"
    RECYCLED = "recycled", "Recycled to nurture"
    DISQUALIFIED = "disqualified", "Disqualified"


NURTURE_STAGES = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED})
QUALIFIED_STAGES = frozenset({Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER})
# With sales but not yet a deal: what can be rejected, converted or (re)assigned.
WITH_SALES = frozenset({Stage.MQL, Stage.SAL})

TouchpointType = models.TextChoices(
    "TouchpointType", [(t.upper(), (t, t.replace("_", " ").capitalize())) for t in TOUCHPOINT_TYPES]
)
REP_ACTIVITY_TYPES = ("call", "rep_email", "meeting")


class Account(models.Model):
    """A company. Its owner is the rep who controls the account: routing sends the
    account's new qualified leads to them first."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, unique=True, null=True, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    company_size = models.PositiveIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(models.functions.Lower("name"), name="account_name_lower")]

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    """A contact's journey through the lifecycle, identified by its normalised email — or,
    for contacts imported without one (a phone-only list, a funnel export keyed by id), by
    the id the source system gave it."""

    email = models.EmailField(unique=True, null=True, blank=True)
    external_id = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="The id in the system it was imported from."
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    country = CountryField(blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="State, province or region")
    industry = models.CharField(max_length=100, blank=True)
    company_size = models.PositiveIntegerField(null=True, blank=True, help_text="Employees")
    source = models.CharField(max_length=100, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    need = models.TextField(blank=True)
    authority = models.CharField(max_length=200, blank=True)
    budget = models.CharField(max_length=200, blank=True)
    timeline = models.CharField(max_length=200, blank=True)
    consent_email = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")

    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.LEAD)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    team = models.ForeignKey(  # indexed by (team, stage)
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads", db_index=False
    )
    score_fit = models.FloatField(default=0)
    score_engagement = models.FloatField(default=0)
    score_total = models.FloatField(default=0)
    scored_at = models.DateTimeField(null=True, blank=True)
    definition = models.ForeignKey(
        "definitions.LeadDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text="The version that qualified the lead; while it is not qualified, the one that last scored it.",
    )
    qualification = models.JSONField(default=dict, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    nurture_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when recycled: only engagement after this moment can re-qualify the lead.",
    )
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(external_id__isnull=False),
                name="lead_has_identity",
            )
        ]
        indexes = [
            models.Index(fields=["stage", "owner"]),
            # Covering: the leads created in a period counted per campaign or for a team
            # (cost report, goal) are read from the index alone.
            models.Index(fields=["created_at", "campaign", "team", "id"], name="lead_created_covering"),
            models.Index(fields=["team", "stage"]),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Lead {self.external_id or self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Touchpoint(models.Model):
    # Indexed by the unique (lead, row_key) constraint, which leads with it.
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touchpoints", db_index=False)
    type = models.CharField(max_length=30, choices=TouchpointType.choices)
    channel = models.CharField(max_length=50, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The rep, for calls, meetings and rep emails.",
    )
    note = models.TextField(blank=True)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    row_key = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="For an imported row without an external id: a stable hash of its fields (touchpoint_row_key).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            # A re-imported row is found by its key within its lead. Two small integers keep
            # this index compact: it is the one index a touchpoint import writes out of order.
            models.UniqueConstraint(fields=["lead", "row_key"], name="touchpoint_lead_row_key"),
        ]
        indexes = [
            # A lead's touches in time order, with what a journey credits them to: attribution
            # reads each journey's touches within its window from this index alone, never
            # the table (a year of lead journeys over 10,000,000 touchpoints: SQL 6.2 -> 2.7 s
            # on SQLite, 6.3 -> 2.1 s on PostgreSQL, whose indexes do not hold the row's id
            # unless asked); the wins feed reads those up to a win, the lead page its
            # timeline. It roughly doubles what inserting a touchpoint into a large table
            # costs, as the narrower (lead, occurred_at) did (written in lead order, like the
            # unique key): docs/performance.md, "Attribution".
            models.Index(fields=["lead", "occurred_at", "id", "campaign", "channel"], name="touchpoint_lead_journey"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d}"


class AppendOnlyQuerySet(models.QuerySet):
    """For a history: rows are added, never changed or removed."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name_plural.capitalize()} are append-only.")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name_plural.capitalize()} are append-only.")


class LeadEvent(models.Model):
    """Append-only history of a lead. Reports read these, never the lead's current state."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STAGE = "stage", "Stage changed"
        ASSIGNED = "assigned", "Assigned"
        ACTIVITY = "activity", "Activity logged"
        SLA_BREACHED = "sla_breached", "SLA breached"
        OPPORTUNITY = "opportunity", "Opportunity"
        UPDATED = "updated", "Details updated"

    # Indexed by (lead, occurred_at).
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)
    definition = models.ForeignKey(
        "definitions.LeadDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["lead", "occurred_at"]),
            # Covering: the stage events to a stage in a period, with their lead (cost
            # report, goal), are read from the index alone.
            models.Index(fields=["to_stage", "occurred_at", "kind", "lead", "id"], name="leadevent_stage_covering"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_stage}→{self.to_stage}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Lead events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Lead events are append-only.")


class SalesStage(models.Model):
    """The configurable sales pipeline: an opportunity's stage while it is open."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(unique=True)
    probability = models.PositiveSmallIntegerField(default=10, help_text="Percent")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="The id in the system it was imported from."
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    owner_name = models.CharField(
        max_length=200, blank=True, help_text="The owner as an import named them, when they are not a user."
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    sales_stage = models.ForeignKey(SalesStage, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    expected_close_on = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=50, blank=True)
    close_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.name


class LeadFeedback(models.Model):
    """What sales thought of a handed-over lead: a rating from 1 (useless) to 5 (just
    right) and the problems it had, as the active definition's reason codes. One per
    person per lead: giving it again replaces it, so `created_at` is when it was last given."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="lead_feedback"
    )
    rating = models.PositiveSmallIntegerField(help_text="1 (useless) to 5 (just right)")
    problems = models.JSONField(default=list, blank=True, help_text="Reason codes of the definition")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "lead feedback"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="lead_feedback_rating_1_to_5"
            ),
            models.UniqueConstraint(fields=["lead", "user"], name="one_feedback_per_user_per_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.lead_id} by {self.user_id}"


class OpportunityEvent(models.Model):
    """Append-only history of a deal: created, moved along the pipeline, won, lost,
    reopened. Pipeline reports read a deal's status at any moment from these, so a deal won
    in March and reopened in April still counts as won in March's report."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STAGE = "stage", "Sales stage changed"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        REOPENED = "reopened", "Reopened"

    # The kinds that change the deal's status; each records the status it leaves.
    STATUS_KINDS = (Kind.CREATED, Kind.WON, Kind.LOST, Kind.REOPENED)

    # Indexed by (opportunity, occurred_at).
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="history", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices, help_text="The status after it")
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="The amount at the time")
    sales_stage = models.CharField(max_length=100, blank=True, help_text="The sales stage after it")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "occurred_at"]),
            # Covering: the deals' status changes in a period (`reports.deals.status_history`)
            # are read from the index alone.
            models.Index(
                fields=["kind", "occurred_at", "opportunity", "status", "id"], name="oppevent_status_covering"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Opportunity events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Opportunity events are append-only.")
