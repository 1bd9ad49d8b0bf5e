"""Helpers for the server-rendered UI tests: clients per persona, a small known scene of
leads, a snapshot of everything a request could change, and a fixed clock for the views.

Leads on bigco.example are routed to `world.rep` through account control, and leads on
teamco.example to `world.other_rep`, so who owns what never depends on round-robin turns.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.test import Client

from accord.crm import services
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, OpportunityEvent, Touchpoint
from accord.notifications.models import Notification
from accord.reports.models import RevenueGoal
from accord.routing.models import SlaClock
from accord.web import funnel, velocity, views
from tests.conftest import MONDAY_10, QUALIFIABLE

# Persona → attribute of `world` (None: not signed in).
PERSONAS = {
    "anonymous": None,
    "owner": "rep",
    "teammate": "other_rep",
    "manager": "manager",
    "other_manager": "americas_manager",
    "other_team_rep": "americas_rep",
    "marketing": "marketer",
    "marketing_lead": "marketing_lead",
    "executive": "executive",
    "admin": "admin",
}


def client_for(world, persona: str, **kwargs) -> Client:
    client = Client(**kwargs)
    attribute = PERSONAS[persona]
    if attribute is not None:
        client.force_login(getattr(world, attribute))
    return client


def login_url(path: str) -> str:
    return "/login/?next=" + quote(path, safe="/")


def qualified_lead(world, email: str, at: datetime = MONDAY_10, **overrides) -> Lead:
    """QUALIFIABLE with one content download at `at`: fit 30 + 20 = 50, an MQL routed at `at`."""
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": email, **overrides}, acting_user=world.marketer, at=at
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
    return Lead.objects.get(pk=lead.pk)


@pytest.fixture
def accounts(world):
    return (
        Account.objects.create(name="Bigco", domain="bigco.example", owner=world.rep),
        Account.objects.create(name="Teamco", domain="teamco.example", owner=world.other_rep),
    )


@dataclass
class Scene:
    lead: Lead  # an MQL owned by world.rep, its SLA clock running
    deal_lead: Lead  # converted by world.rep: sql, with one open opportunity
    opportunity: Opportunity


@pytest.fixture
def scene(world, accounts) -> Scene:
    lead = qualified_lead(world, "vp@bigco.example")
    deal_lead = qualified_lead(world, "deal@bigco.example")
    opportunity = services.opportunity_create(lead_id=deal_lead.pk, acting_user=world.rep, amount="5000", at=MONDAY_10)
    assert (lead.owner, deal_lead.owner, lead.team) == (world.rep, world.rep, world.emea)
    return Scene(lead=lead, deal_lead=Lead.objects.get(pk=deal_lead.pk), opportunity=opportunity)


def snapshot(scene: Scene) -> dict:
    """Everything a web request on the scene could change."""
    lead = Lead.objects.get(pk=scene.lead.pk)
    return {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "opportunity_events": OpportunityEvent.objects.count(),
        "goals": list(RevenueGoal.objects.values_list("team_id", "revenue")),
        "clocks": SlaClock.objects.count(),
        "stage": lead.stage,
        "owner": lead.owner_id,
        "clock_running": SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).exists(),
        "deal_stage": Lead.objects.get(pk=scene.deal_lead.pk).stage,
        "opportunity": Opportunity.objects.filter(pk=scene.opportunity.pk)
        .values_list("status", "sales_stage__name")
        .get(),
        "unread_notifications": Notification.objects.filter(read_at__isnull=True).count(),
    }


@pytest.fixture
def view_clock(monkeypatch):
    """Fix what the views read as 'now' (services keep their own `at=`)."""

    def freeze(moment: datetime) -> None:
        clock = SimpleNamespace(now=lambda: moment, localdate=lambda: moment.date())
        for module in (views, funnel, velocity):
            monkeypatch.setattr(module, "timezone", clock)

    return freeze


def post_forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*\bmethod=\"post\".*?</form>", html, flags=re.DOTALL)


def form_actions(html: str) -> set[str]:
    """The lead and opportunity form targets on a page (sign-out left out)."""
    return {
        action
        for action in re.findall(r"<form\b[^>]*\baction=\"([^\"]+)\"", html)
        if action.startswith(("/leads/", "/opportunities/"))
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
