"""Pages run a fixed number of queries however many rows they show."""

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.crm.models import Account, Lead, Opportunity, SalesStage
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for, qualified_lead


def _queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def _extra(fewer: list[str], more: list[str]) -> str:
    """The queries the bigger page ran more often, shortened, to name the N+1."""

    def shapes(queries):
        return Counter(re.sub(r"'[^']*'", "?", sql) for sql in queries)

    extra = shapes(more) - shapes(fewer)
    return "; ".join(f"{n}× {sql[:60]}… {sql[-90:]}" for sql, n in extra.items())


def _bulk_leads(world, start: int, stop: int) -> None:
    Lead.objects.bulk_create(
        Lead(
            email=f"lead-{i}@bulk.example",
            first_name="Bulk",
            last_name=str(i),
            company="Bulkco",
            source="import",
            stage="mql",
            owner=world.rep,
            team=world.emea,
            campaign=world.campaign,
            created_at=MONDAY_10 + timedelta(minutes=i),
        )
        for i in range(start, stop)
    )


def test_lead_list_queries_do_not_grow_with_the_rows(world):
    # given
    client = client_for(world, "marketing")
    _bulk_leads(world, 0, 5)
    with_5 = _queries(client, "/leads/")

    # when
    _bulk_leads(world, 5, 40)
    with_40 = _queries(client, "/leads/")

    # then
    assert len(with_40) == len(with_5), _extra(with_5, with_40)
    assert '<p class="muted">40 leads</p>' in client.get("/leads/").content.decode()


def test_inbox_queries_do_not_grow_with_the_rows(world, accounts):
    # given
    client = client_for(world, "owner")
    for i in range(2):
        qualified_lead(world, f"lead-{i}@bigco.example")
    with_2 = _queries(client, "/inbox/")

    # when
    for i in range(2, 12):
        qualified_lead(world, f"lead-{i}@bigco.example")
    with_12 = _queries(client, "/inbox/")

    # then
    assert len(with_12) == len(with_2), _extra(with_2, with_12)
    assert client.get("/inbox/").content.decode().count('data-lead="lead-') == 12


def _bulk_deals(world, start: int, stop: int) -> None:
    """Deals with everything the table shows: a lead the rep may open, an account, a stage."""
    stage = SalesStage.objects.get(name="Demo")
    for i in range(start, stop):
        lead = Lead.objects.create(email=f"deal-{i}@bulk.example", stage="sql", owner=world.rep, team=world.emea)
        account = Account.objects.create(name=f"Bulkco {i}")
        Opportunity.objects.create(
            name=f"Deal {i}",
            lead=lead,
            account=account,
            owner=world.rep,
            amount=Decimal(i),
            sales_stage=stage,
            created_at=MONDAY_10 + timedelta(minutes=i),
        )


def test_opportunity_list_queries_do_not_grow_with_the_rows(world):
    # given
    client = client_for(world, "owner")
    _bulk_deals(world, 0, 3)
    with_3 = _queries(client, "/opportunities/")

    # when
    _bulk_deals(world, 3, 25)
    with_25 = _queries(client, "/opportunities/")

    # then
    assert len(with_25) == len(with_3), _extra(with_3, with_25)
    assert len(re.findall(r'<a href="/leads/\d+/">', client.get("/opportunities/").content.decode())) == 25
