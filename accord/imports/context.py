"""What one import run knows and counts while it writes its chunks."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Value
from django.db.models.functions import Concat, Lower
from django.utils.text import slugify

from accord.campaigns.models import Campaign
from accord.definitions.models import LeadDefinition
from accord.imports.convert import Lookups
from accord.imports.mapping import Plan
from accord.imports.reader import RowError
from accord.people.models import Role, User

COUNTS = ("read", "created", "updated", "unchanged", "rejected")


@dataclass(slots=True)
class Summary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    extra: dict[str, int] = field(default_factory=dict)  # e.g. accounts created, users created

    def add(self, name: str, count: int = 1) -> None:
        if name in COUNTS:
            setattr(self, name, getattr(self, name) + count)
        else:
            self.extra[name] = self.extra.get(name, 0) + count

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS} | dict(sorted(self.extra.items()))


@dataclass(slots=True)
class Run:
    kind: str
    plan: Plan
    now: datetime
    definition: LeadDefinition | None
    summary: Summary = field(default_factory=Summary)
    lookups: Lookups = field(default_factory=Lookups)
    user_teams: dict[int, int | None] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)  # code → id
    rescore: set[int] = field(default_factory=set)  # leads a touchpoint file names

    def load(self) -> None:
        users = User.objects.annotate(full=Lower(Concat("first_name", Value(" "), "last_name")))
        for pk, email, full, team_id in users.values_list("pk", "email", "full", "team_id"):
            self.lookups.users[email.lower()] = pk
            if full.strip():
                self.lookups.users.setdefault(full.strip(), pk)
            self.user_teams[pk] = team_id
        self.campaigns = dict(Campaign.objects.values_list("code", "pk"))

    def users_ensure(self, names: set[str]) -> dict[str, int]:
        """Users for owner cells nobody matches, when the mapping says to create them:
        inactive sales reps (they cannot sign in or receive leads until an admin says so),
        with the cell as their email if it is one, else as their name."""
        created = {}
        for name in sorted(names):
            key = name.strip().lower()
            if not key or key in self.lookups.users:
                continue
            if "@" in key:
                email, first, last = key, "", ""
            else:
                email = f"{slugify(name)[:60] or 'user'}-{len(self.lookups.users)}@imported.invalid"
                first, _, last = name.strip().partition(" ")
            user = User.objects.create_user(
                email, None, first_name=first[:150], last_name=last[:150], role=Role.SALES_REP, is_active=False
            )
            self.lookups.users[key] = user.pk
            self.user_teams[user.pk] = None
            created[key] = user.pk
        self.summary.add("users created", len(created))
        return created

    def campaign_ids(self, values: set[str]) -> dict[str, int]:
        """{cell value: campaign id}, creating campaigns the file names for the first time."""
        result = {}
        for value in values:
            code = campaign_code(value)
            if code not in self.campaigns:
                self.campaigns[code] = Campaign.objects.get_or_create(code=code, defaults={"name": value[:200]})[0].pk
                self.summary.add("campaigns created")
            result[value] = self.campaigns[code]
        return result


def campaign_code(value: str) -> str:
    """The code of the campaign a cell names: what rules test and what the next import finds."""
    return slugify(value)[:80] or "campaign"


def error(line: int, column: str, value, reason: str) -> RowError:
    return RowError(line, column, "" if value is None else str(value), reason)
