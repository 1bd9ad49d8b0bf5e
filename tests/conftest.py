"""Shared fixtures: a small, fully known organisation and definition.

`world` — teams, territory, users of every role; `definition` — the active lead definition
whose points every test can work out by hand (see TEST_DOCUMENT). Services take `at=`, so
tests fix time instead of reading the clock.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest
from django.test import Client

from accord.campaigns.models import Campaign
from accord.crm import services
from accord.crm.models import Lead, SalesStage
from accord.definitions.models import LeadDefinition
from accord.people.models import Role, Team, Territory, User
from accord.people.services import token_create

# Monday 2026-03-02 10:00 UTC: winter time in London (UTC+0) and Berlin (UTC+1).
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

TEST_DOCUMENT = {
    "fit_rules": [
        {"label": "50+ employees", "when": {"field": "company_size", "op": "gte", "value": 50}, "points": 20},
        {"label": "VP", "when": {"field": "title", "op": "contains", "value": "VP"}, "points": 10},
    ],
    "engagement_rules": [
        {"type": "page_view", "points": 1, "half_life_days": 7},
        {"type": "form_fill", "points": 10, "half_life_days": 30},
        {"type": "content_download", "points": 20, "half_life_days": 10},
        {"type": "demo_request", "points": 5, "half_life_days": 30},
    ],
    "negative_rules": [
        {"label": "Free mail", "when": {"field": "email_domain", "op": "in", "value": ["gmail.com"]}, "points": -15},
        {
            "label": "Student",
            "when": {"field": "title", "op": "contains", "value": "student"},
            "points": -50,
            "knockout": True,
        },
    ],
    "requirements": {"contact": True, "need": True},
    "thresholds": {"mql": 50},
    "fast_track_types": ["demo_request"],
    "sla": {"follow_up_business_hours": 4, "mql_commitment_per_month": 10},
}

# A lead that qualifies on score once it has one content download (20 + 10 + 20 = 50).
QUALIFIABLE = {
    "email": "vp@bigco.example",
    "first_name": "Vera",
    "last_name": "Penn",
    "company": "Bigco",
    "title": "VP Sales",
    "company_size": 120,
    "country": "DE",
    "need": "Shared funnel",
}


def qualify(world, *, at: datetime | None = None, download_at: datetime | None = None, **overrides) -> Lead:
    """Capture a lead (QUALIFIABLE, with `overrides`) at `at` and record a content download
    at `download_at` (default: `at`): 30 fit + 20 engagement = 50 ≥ 50, so it becomes an
    MQL and is routed then (Germany → EMEA, round-robin: rep, other_rep, rep, …). No time
    given means now."""
    lead, _ = services.lead_capture(data={**QUALIFIABLE, **overrides}, acting_user=world.marketer, at=at)
    services.touchpoint_record(
        lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=download_at or at
    )
    return Lead.objects.get(pk=lead.pk)


@pytest.fixture(autouse=True)
def _no_cached_snapshots():
    """Every test starts with an empty cache (the dashboard's snapshots live there, in a
    directory of ACCORD_HOME that outlives a test)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def definition(db) -> LeadDefinition:
    LeadDefinition.objects.filter(status="active").update(status="retired")
    return LeadDefinition.objects.create(version=2, name="Test", status="active", document=TEST_DOCUMENT)


@dataclass
class World:
    admin: User
    marketer: User
    marketing_lead: User
    executive: User
    manager: User
    rep: User
    other_rep: User
    americas_manager: User
    americas_rep: User
    emea: Team
    americas: Team
    campaign: Campaign


def _user(email: str, role: str, team: Team | None = None, **extra) -> User:
    return User.objects.create(
        email=email,
        role=role,
        team=team,
        timezone=extra.pop("timezone", "Europe/London"),
        work_start=time(9),
        work_end=time(17),
        **extra,
    )


@pytest.fixture
def world(definition) -> World:
    # Transactional tests flush what migrations seeded, so the pipeline is made here.
    for position, name in enumerate(["Discovery", "Demo", "Proposal", "Negotiation"], 1):
        SalesStage.objects.get_or_create(name=name, defaults={"position": position})
    emea = Team.objects.create(name="EMEA")
    americas = Team.objects.create(name="Americas", is_default=True)
    manager = _user("manager@accord.test", Role.SALES_MANAGER, emea)
    americas_manager = _user("am-manager@accord.test", Role.SALES_MANAGER, americas, timezone="America/New_York")
    emea.manager, americas.manager = manager, americas_manager
    emea.save()
    americas.save()
    Territory.objects.create(name="Europe", team=emea, countries=["DE", "GB", "FR"], priority=10)
    return World(
        admin=_user("admin@accord.test", Role.ADMIN, is_staff=True, is_superuser=True),
        marketer=_user("marketer@accord.test", Role.MARKETING),
        marketing_lead=_user("mlead@accord.test", Role.MARKETING_LEAD),
        executive=_user("exec@accord.test", Role.EXECUTIVE),
        manager=manager,
        rep=_user("rep@accord.test", Role.SALES_REP, emea),
        other_rep=_user("other@accord.test", Role.SALES_REP, emea),
        americas_manager=americas_manager,
        americas_rep=_user("am-rep@accord.test", Role.SALES_REP, americas, timezone="America/New_York"),
        emea=emea,
        americas=americas,
        campaign=Campaign.objects.create(code="webinar-1", name="Webinar 1", channel="webinar"),
    )


class ApiClient:
    """A test client that speaks JSON with a bearer token (or none)."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, raw = token_create(user_email=user.email)
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers)


@pytest.fixture
def api():
    return ApiClient
