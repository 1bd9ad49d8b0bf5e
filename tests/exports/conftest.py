"""A hand-built set of every kind of row, with every export column filled somewhere, so
each expected file can be written out by hand.

    leads          vera (every field, 03-02 10:00), bare (external id only, 03-04 23:59:59),
                   late (03-05 00:00)
    touchpoints    webinar of vera (03-03 09:30), page view of bare (03-04 12:00)
    opportunities  open in Demo, won, lost (imported owner name, lead without email), open
                   without a stage
    events         vera created, vera mql→sal, bare mql→recycled

Rows are made with the ORM, not the services, so every value is exactly as written here.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.crm.models import Account, Lead, LeadEvent, Opportunity, SalesStage, Touchpoint


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Exported:
    vera: Lead
    bare: Lead
    late: Lead
    webinar: Touchpoint
    page_view: Touchpoint
    open_deal: Opportunity
    won_deal: Opportunity
    lost_deal: Opportunity
    new_deal: Opportunity
    created: LeadEvent
    accepted: LeadEvent
    recycled: LeadEvent


@pytest.fixture
def exported(world, definition) -> Exported:
    vera = Lead.objects.create(
        email="vera@bigco.example",
        external_id="crm-42",
        first_name="Vera",
        last_name="Penn",
        company="Bigco",
        title="VP Sales",
        phone="+49 30 1234",
        country="DE",
        region="Berlin",
        industry="Software",
        company_size=120,
        source="webinar",
        campaign=world.campaign,
        utm_source="linkedin",
        utm_medium="paid",
        utm_campaign="spring",
        need="Shared funnel, fast",
        authority="Signs the order",
        budget="50k",
        timeline="Q3",
        consent_email=True,
        stage="sql",
        owner=world.rep,
        team=world.emea,
        score_fit=30,
        score_engagement=20.5,
        score_total=50.5,
        created_at=at(2, 10),
        custom={"seats": 12, "plan": "pro"},
    )
    bare = Lead.objects.create(external_id="crm-43", stage="recycled", created_at=at(4, 23, 59, 59))
    late = Lead.objects.create(email="late@smallco.example", created_at=at(5))
    bigco = Account.objects.create(name="Bigco", domain="bigco.example")
    return Exported(
        vera=vera,
        bare=bare,
        late=late,
        webinar=Touchpoint.objects.create(
            lead=vera,
            type="webinar",
            channel="events",
            campaign=world.campaign,
            occurred_at=at(3, 9, 30),
            utm_source="linkedin",
            utm_medium="paid",
            utm_campaign="spring",
            note="Asked about pricing",
            external_id="tp-1",
        ),
        page_view=Touchpoint.objects.create(
            lead=bare, type="page_view", occurred_at=at(4, 12), note="=cmd|' /C calc'!A0"
        ),
        open_deal=Opportunity.objects.create(
            name="Bigco platform",
            external_id="opp-1",
            lead=vera,
            account=bigco,
            owner=world.rep,
            amount=Decimal("12500.50"),
            sales_stage=SalesStage.objects.get(name="Demo"),
            expected_close_on=date(2026, 6, 30),
            created_at=at(3, 10),
        ),
        won_deal=Opportunity.objects.create(
            name="Bigco add-on",
            lead=vera,
            account=bigco,
            owner=world.rep,
            amount=Decimal("900"),
            sales_stage=SalesStage.objects.get(name="Proposal"),
            status="won",
            created_at=at(3, 11),
            closed_at=at(20, 16),
        ),
        lost_deal=Opportunity.objects.create(
            name="Imported deal",
            external_id="opp-3",
            lead=bare,
            owner_name="Dana Seller",
            amount=Decimal("3000"),
            status="lost",
            lost_reason="price",
            created_at=at(4, 8),
            closed_at=at(6, 12),
        ),
        new_deal=Opportunity.objects.create(name="New deal", amount=Decimal("0"), created_at=at(5, 9)),
        created=LeadEvent.objects.create(
            lead=vera,
            kind="created",
            to_stage="lead",
            actor=world.marketer,
            data={"source": "webinar"},
            occurred_at=at(2, 10),
        ),
        accepted=LeadEvent.objects.create(
            lead=vera,
            kind="stage",
            from_stage="mql",
            to_stage="sal",
            actor=world.rep,
            note="Called back",
            definition=definition,
            data={"score": 50.5, "reasons": ["VP", "Download"]},
            occurred_at=at(2, 12),
        ),
        recycled=LeadEvent.objects.create(
            lead=bare,
            kind="stage",
            from_stage="mql",
            to_stage="recycled",
            actor=world.rep,
            reason="not_ready",
            note="+1 next quarter",
            data={"b": 2, "a": 1},
            occurred_at=at(4, 13),
        ),
    )
