"""The number of queries behind a read does not grow with the data it returns, and a page
of a list loads only that page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from accord.crm import services
from accord.crm.models import Lead, Opportunity
from tests.conftest import MONDAY_10, QUALIFIABLE


def _queries(client, path: str, **params) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, **params)
    assert response.status_code == 200, response.content
    return len(context.captured_queries), response.json(), [q["sql"] for q in context.captured_queries]


def _add_qualified_leads(world, start: int, count: int) -> None:
    """Leads with every relation the list shows: campaign, definition, team and owner."""
    for i in range(start, start + count):
        at = MONDAY_10 + timedelta(minutes=i)
        lead, _ = services.lead_capture(
            data={**QUALIFIABLE, "email": f"vp{i}@bigco{i}.example", "campaign": "webinar-1"},
            acting_user=world.marketer,
            at=at,
        )
        services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)


@pytest.mark.parametrize("actor", ["admin", "rep"])
def test_list_leads_runs_the_same_queries_for_5_and_30_leads(world, api, actor):
    # Given five qualified leads, and a client whose token was already used once
    _add_qualified_leads(world, 0, 5)
    client = api(getattr(world, actor))
    client.get("/leads", limit=1)

    # When the list is read with 5 and then with 30 leads
    with_5, body_5, _ = _queries(client, "/leads", limit=100)
    _add_qualified_leads(world, 5, 25)
    with_30, body_30, sql_30 = _queries(client, "/leads", limit=100)

    # Then the query count is the same
    # All leads are in EMEA (DE), so the rep sees them all through the team.
    assert (body_5["count"], len(body_30["items"])) == (5, 30)
    assert {item["campaign"] for item in body_30["items"]} == {"webinar-1"}
    assert {item["team"] for item in body_30["items"]} == {"EMEA"}
    assert all(item["owner"] and item["sla_due_at"] for item in body_30["items"])
    assert with_30 == with_5, "\n".join(sql_30)


def test_get_lead_runs_the_same_queries_for_1_and_10_touchpoints(world, api):
    # Given a qualified lead with one touchpoint, and a warmed-up token
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "campaign": "webinar-1"}, acting_user=world.marketer, at=MONDAY_10
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    client = api(world.admin)
    client.get(f"/leads/{lead.pk}")

    # When the lead is read with 1 touchpoint, then with 10 (campaigns, rep activities and their events)
    with_1, body_1, _ = _queries(client, f"/leads/{lead.pk}")
    owner = Lead.objects.get(pk=lead.pk).owner
    for i in range(1, 10):
        at = MONDAY_10 + timedelta(minutes=i)
        if i % 2:
            services.lead_log_activity(lead_id=lead.pk, acting_user=owner, type="call", note=f"Call {i}", at=at)
        else:
            services.touchpoint_record(
                lead_id=lead.pk, type="page_view", campaign="webinar-1", acting_user=world.marketer, at=at
            )
    with_10, body_10, sql_10 = _queries(client, f"/leads/{lead.pk}")

    # Then the query count is the same
    assert (len(body_1["touchpoints"]), len(body_10["touchpoints"])) == (1, 10)
    assert len(body_10["events"]) > len(body_1["events"])
    assert {t["actor"] for t in body_10["touchpoints"]} == {None, owner.email}
    assert with_10 == with_1, "\n".join(sql_10)


class _Built:
    """Counts the model instances Django builds while active."""

    def __init__(self, model):
        self.model, self.count = model, 0

    def __call__(self, sender, **kwargs):
        self.count += 1

    def __enter__(self):
        post_init.connect(self, sender=self.model)
        return self

    def __exit__(self, *exc):
        post_init.disconnect(self, sender=self.model)


def test_a_page_of_leads_loads_only_that_page(world, api):
    # Given twelve leads
    for i in range(12):
        services.lead_capture(
            data={"email": f"lead{i}@page.example", "first_name": "P"},
            acting_user=world.marketer,
            at=MONDAY_10 + timedelta(minutes=i),
        )
    client = api(world.admin)

    # When a page of two is asked for
    with _Built(Lead) as built:
        body = client.get("/leads", limit=2, offset=4).json()

    # Then two leads are loaded from the database, not all twelve
    assert [item["email"] for item in body["items"]] == ["lead7@page.example", "lead6@page.example"]
    assert body["count"] == 12
    assert built.count == 2


def test_a_page_of_opportunities_loads_only_that_page(scene, world, api):
    # Given four more converted leads (five opportunities in all)
    for i in range(4):
        lead, _ = services.lead_capture(
            data={**QUALIFIABLE, "email": f"vp@deal{i}.example"}, acting_user=world.marketer, at=MONDAY_10
        )
        services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
        services.opportunity_create(lead_id=lead.pk, acting_user=world.admin, amount=100 + i, at=MONDAY_10)
    client = api(world.admin)

    # When a page of two is asked for
    with _Built(Opportunity) as built:
        body = client.get("/opportunities", limit=2).json()

    # Then two opportunities are loaded, not all five
    assert (body["count"], len(body["items"])) == (5, 2)
    assert built.count == 2
