"""Fixtures for the REST API tests: a scene with one lead in every state the endpoints act
on, clients for every kind of caller, and a snapshot of the database to prove that a
refused request changed nothing.

The scene (all written through the services at MONDAY_10, so every value is known):
- `lead`: QUALIFIABLE plus one content download → mql, owned by `rep`, team EMEA, with a
  running SLA clock. Round-robin gives EMEA's first turn to `rep` (created before `other_rep`).
- `deal_lead`: a Dealco lead routed to `rep` as the owner of the Dealco account, then converted
  by `rep` → sql, with the open `opportunity` owned by `rep`.
- `americas_lead`: a US lead routed to the default team Americas → `americas_rep`.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from accord.crm import services
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, OpportunityEvent, Stage, Touchpoint
from accord.notifications.models import Notification
from accord.people.models import Role, User
from accord.people.services import token_create, token_revoke
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE, ApiClient

DEAL = {
    "email": "buyer@deal.example",
    "first_name": "Dana",
    "last_name": "Deal",
    "company": "Dealco",
    "title": "VP Finance",
    "company_size": 80,
    "country": "GB",
    "need": "Forecasting",
}
AMERICAS = {
    "email": "cto@us.example",
    "first_name": "Carl",
    "last_name": "Tone",
    "company": "Usco",
    "title": "VP Engineering",
    "company_size": 300,
    "country": "US",
    "need": "Routing",
}
UNAUTHORIZED = {"detail": "Missing, invalid or revoked API token."}


@dataclass
class Scene:
    lead: Lead
    deal_lead: Lead
    opportunity: Opportunity
    americas_lead: Lead
    clock: SlaClock


def qualify(data: dict, actor: User) -> Lead:
    lead, _ = services.lead_capture(data=data, acting_user=actor, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=actor, at=MONDAY_10)
    return Lead.objects.get(pk=lead.pk)


@pytest.fixture
def scene(world) -> Scene:
    lead = qualify(QUALIFIABLE, world.marketer)
    Account.objects.create(name="Dealco", domain="deal.example", owner=world.rep)
    deal_lead = qualify(DEAL, world.marketer)
    opportunity = services.opportunity_create(lead_id=deal_lead.pk, acting_user=world.rep, amount=8000, at=MONDAY_10)
    americas_lead = qualify(AMERICAS, world.marketer)
    # The scene is what every test below relies on; check it once here.
    assert (lead.stage, lead.owner, lead.team) == (Stage.MQL, world.rep, world.emea)
    assert (Lead.objects.get(pk=deal_lead.pk).stage, opportunity.owner) == (Stage.SQL, world.rep)
    assert (americas_lead.stage, americas_lead.owner) == (Stage.MQL, world.americas_rep)
    return Scene(
        lead=lead,
        deal_lead=Lead.objects.get(pk=deal_lead.pk),
        opportunity=opportunity,
        americas_lead=americas_lead,
        clock=SlaClock.objects.get(lead=lead, stopped_at__isnull=True),
    )


def client_with_header(value: str | None) -> ApiClient:
    client = ApiClient(None)
    if value is not None:
        client.headers["Authorization"] = value
    return client


def revoked_client(user: User) -> ApiClient:
    token, raw = token_create(user_email=user.email)
    token_revoke(key_prefix=token.key_prefix)
    return client_with_header(f"Bearer {raw}")


def inactive_admin_client() -> ApiClient:
    former = User.objects.create(email="former-admin@accord.test", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = ApiClient(former)
    User.objects.filter(pk=former.pk).update(is_active=False)
    return client


ACTORS = (
    "anonymous",
    "malformed",
    "revoked",
    "inactive",
    "owner",
    "teammate",
    "manager",
    "other_manager",
    "other_rep",
    "marketer",
    "marketing_lead",
    "executive",
    "admin",
)


@pytest.fixture
def client_as(world):
    """`client_as("owner")` → an ApiClient for that kind of caller (see ACTORS)."""
    users = {
        "owner": world.rep,
        "teammate": world.other_rep,
        "manager": world.manager,
        "other_manager": world.americas_manager,
        "other_rep": world.americas_rep,
        "marketer": world.marketer,
        "marketing_lead": world.marketing_lead,
        "executive": world.executive,
        "admin": world.admin,
    }

    def make(actor: str) -> ApiClient:
        if actor == "anonymous":
            return ApiClient(None)
        if actor == "malformed":
            return client_with_header("Bearer acc_this-is-not-a-token")
        if actor == "revoked":
            # The admin's own token, revoked: the strongest role must not survive revocation.
            return revoked_client(world.admin)
        if actor == "inactive":
            return inactive_admin_client()
        return ApiClient(users[actor])

    return make


def db_state(scene: Scene) -> dict[str, Any]:
    """Everything a request could change, except the API tokens' last_used_at."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                Lead,
                LeadEvent,
                Touchpoint,
                Opportunity,
                OpportunityEvent,
                SlaClock,
                Account,
                Notification,
                User,
            )
        },
        "leads": list(
            Lead.objects.order_by("pk").values_list(
                "pk", "email", "stage", "owner_id", "team_id", "score_total", "qualification", "updated_at"
            )
        ),
        "opportunities": list(
            Opportunity.objects.order_by("pk").values_list(
                "pk", "status", "sales_stage_id", "owner_id", "amount", "lost_reason", "closed_at"
            )
        ),
        "clocks": list(SlaClock.objects.order_by("pk").values_list("pk", "lead_id", "stopped_at", "outcome")),
    }


def assert_nothing_changed(before: dict[str, Any], scene: Scene) -> None:
    after = db_state(scene)
    assert after["counts"] == before["counts"]
    assert after == before
    lead = Lead.objects.get(pk=scene.lead.pk)
    assert (lead.stage, lead.owner_id) == (Stage.MQL, scene.lead.owner_id)
    assert SlaClock.objects.get(pk=scene.clock.pk).stopped_at is None
    statuses = {pk: status for pk, status, *_ in before["opportunities"]}
    assert Opportunity.objects.get(pk=scene.opportunity.pk).status == statuses[scene.opportunity.pk]
