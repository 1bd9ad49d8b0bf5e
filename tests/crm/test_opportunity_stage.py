"""Moving an open deal along the configured sales pipeline."""

import pytest

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed
from accord.crm import services
from accord.crm.models import Lead, LeadEvent, Opportunity
from tests.conftest import MONDAY_10, QUALIFIABLE


@pytest.fixture
def deal(world) -> Opportunity:
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    lead = Lead.objects.get(pk=lead.pk)
    return services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=900, name="Pilot", at=MONDAY_10)


def test_stage_moves_and_the_timeline_says_so(deal):
    services.opportunity_set_stage(opportunity_id=deal.pk, acting_user=deal.owner, sales_stage="proposal")

    deal.refresh_from_db()
    assert deal.sales_stage.name == "Proposal"
    event = LeadEvent.objects.get(kind="opportunity")
    assert (event.note, event.data["from"], event.data["to"]) == (
        "Pilot: Discovery → Proposal",
        "Discovery",
        "Proposal",
    )


def test_unknown_stage_names_the_field_and_lists_the_pipeline(deal):
    with pytest.raises(InvalidInput) as error:
        services.opportunity_set_stage(opportunity_id=deal.pk, acting_user=deal.owner, sales_stage="Magic")
    assert error.value.field == "sales_stage"
    assert error.value.message == "No sales stage 'Magic'; use one of: Discovery, Demo, Proposal, Negotiation."


def test_closed_deals_stay_where_they_closed(deal):
    services.opportunity_close(opportunity_id=deal.pk, acting_user=deal.owner, won=True)
    with pytest.raises(InvalidTransition):
        services.opportunity_set_stage(opportunity_id=deal.pk, acting_user=deal.owner, sales_stage="Demo")


@pytest.mark.parametrize(
    ("actor", "status"),
    [(None, 401), ("marketer", 403), ("executive", 403), ("americas_manager", 403), ("manager", 200), ("admin", 200)],
)
def test_stage_endpoint_permissions(world, api, deal, actor, status):
    response = api(getattr(world, actor) if actor else None).post(
        f"/opportunities/{deal.pk}/stage", {"sales_stage": "Demo"}
    )

    assert response.status_code == status
    deal.refresh_from_db()
    assert deal.sales_stage.name == ("Demo" if status == 200 else "Discovery")


def test_owner_and_other_rep(world, api, deal):
    other = world.other_rep if deal.owner == world.rep else world.rep
    assert api(other).post(f"/opportunities/{deal.pk}/stage", {"sales_stage": "Demo"}).status_code == 403
    assert (
        api(deal.owner).post(f"/opportunities/{deal.pk}/stage", {"sales_stage": "Demo"}).json()["sales_stage"] == "Demo"
    )
    with pytest.raises(NotAllowed):
        services.opportunity_set_stage(opportunity_id=deal.pk, acting_user=other, sales_stage="Proposal")


def test_sales_stages_are_listed_in_order(world, api):
    response = api(world.executive).get("/sales-stages")
    assert [s["name"] for s in response.json()] == ["Discovery", "Demo", "Proposal", "Negotiation"]
    assert api(None).get("/sales-stages").status_code == 401


def test_stage_page_action(world, client, deal):
    client.force_login(deal.owner)
    response = client.post(f"/opportunities/{deal.pk}/stage/", {"sales_stage": "Negotiation"})
    assert response.status_code == 302
    assert Opportunity.objects.get().sales_stage.name == "Negotiation"

    client.force_login(world.marketer)
    assert client.post(f"/opportunities/{deal.pk}/stage/", {"sales_stage": "Demo"}).status_code == 403
    assert Opportunity.objects.get().sales_stage.name == "Negotiation"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "An amount has at most two decimal places (cents)."),
        ("-1", "An amount is 0 or more and below 1,000,000,000,000."),
        ("lots", "'lots' is not an amount; write it like 1234.50."),
    ],
)
def test_a_deal_amount_is_refused_by_name_not_rounded(world, amount, message):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    lead = Lead.objects.get(pk=lead.pk)

    with pytest.raises(InvalidInput) as error:
        services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=amount, at=MONDAY_10)

    assert (error.value.field, error.value.message) == ("amount", message)
    assert not Opportunity.objects.exists()
