import hashlib
import secrets
from datetime import time
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

from accord.routing.business_hours import WorkingSchedule


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETING = "marketing", "Marketing"
    MARKETING_LEAD = "marketing_lead", "Marketing lead"
    SALES_REP = "sales_rep", "Sales rep"
    SALES_MANAGER = "sales_manager", "Sales manager"
    EXECUTIVE = "executive", "Executive"


MARKETING_ROLES = frozenset({Role.MARKETING, Role.MARKETING_LEAD})


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"'{value}' is not an IANA timezone name, e.g. Europe/Berlin.")


def validate_work_days(value) -> None:
    if not isinstance(value, list) or not value or any(d not in range(7) or isinstance(d, bool) for d in value):
        raise ValidationError("Working days are a non-empty list of 0 (Monday) … 6 (Sunday).")


def default_work_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Sales reps also carry what routing and the SLA clock need:
    the team, a round-robin weight, availability and their own working hours."""

    username = None
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALES_REP)
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="IANA name, e.g. Europe/Berlin"
    )
    work_days = models.JSONField(
        default=default_work_days, validators=[validate_work_days], help_text="0 = Monday … 6 = Sunday"
    )
    work_start = models.TimeField(default=time(9, 0))
    work_end = models.TimeField(default=time(17, 0))
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text="Round-robin weight: 2 receives twice the leads of 1; 0 receives none."
    )
    is_out_of_office = models.BooleanField(default=False, help_text="Skipped by round-robin while set.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def working_schedule(self) -> WorkingSchedule:
        return WorkingSchedule(
            timezone=self.timezone,
            days=frozenset(self.work_days),
            start=self.work_start,
            end=self.work_end,
        )


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams")
    is_default = models.BooleanField(default=False, help_text="Receives qualified leads that no territory matches.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team")
        ]

    def __str__(self) -> str:
        return self.name


class Territory(models.Model):
    """Routes a lead to a team. Every non-empty criterion must match; the territory with the
    lowest priority number wins when several match."""

    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="territories")
    priority = models.PositiveIntegerField(default=100)
    countries = CountryField(multiple=True, blank=True)
    regions = models.JSONField(default=list, blank=True, help_text='e.g. ["CA", "Bavaria"]')
    industries = models.JSONField(default=list, blank=True, help_text='e.g. ["software"]')
    min_company_size = models.PositiveIntegerField(null=True, blank=True)
    max_company_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name_plural = "territories"

    def __str__(self) -> str:
        return self.name


class RoundRobinTurn(models.Model):
    """Smooth weighted round-robin state of one member in one team. Read and written only
    while the team row is locked, so concurrent routings take turns one after another."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="turns")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="turns")
    current_weight = models.BigIntegerField(default=0)
    assigned_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "member"], name="one_turn_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.team_id}: {self.current_weight}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once at creation."""

    PREFIX = "acc_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user.email})"

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
