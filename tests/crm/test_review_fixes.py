"""Deals that outnumber their lead, activity times, names and local deadlines."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Lead, LeadEvent, Opportunity
from accord.notifications.models import Notification
from tests.conftest import MONDAY_10, QUALIFIABLE


def converted(world) -> tuple[Lead, Opportunity]:
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    lead = Lead.objects.get(pk=lead.pk)
    deal = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=100, at=MONDAY_10)
    return Lead.objects.get(pk=lead.pk), deal


def second_deal(lead: Lead) -> Opportunity:
    # Only imports attach a second deal to a lead today; the close must cope with it.
    return Opportunity.objects.create(name="Expansion", lead=lead, owner=lead.owner, amount=Decimal(50))


def test_a_lost_deal_leaves_the_lead_with_sales_while_another_deal_is_open(world):
    lead, deal = converted(world)
    other = second_deal(lead)

    services.opportunity_close(opportunity_id=deal.pk, acting_user=lead.owner, won=False, reason="no_budget")
    assert Lead.objects.get(pk=lead.pk).stage == "sql"

    services.opportunity_close(opportunity_id=other.pk, acting_user=lead.owner, won=True)
    assert Lead.objects.get(pk=lead.pk).stage == "customer"


def test_winning_two_deals_makes_one_customer(world):
    lead, deal = converted(world)
    other = second_deal(lead)

    services.opportunity_close(opportunity_id=deal.pk, acting_user=lead.owner, won=True)
    services.opportunity_close(opportunity_id=other.pk, acting_user=lead.owner, won=True)

    assert Opportunity.objects.filter(status="won").count() == 2
    assert LeadEvent.objects.filter(lead=lead, to_stage="customer").count() == 1


def test_the_deal_owner_closes_it_even_if_the_lead_is_out_of_their_sight(world):
    lead, deal = converted(world)
    rep = lead.owner
    rep.team = None  # moved out of the team; the lead went to a colleague
    rep.save()
    Lead.objects.filter(pk=lead.pk).update(owner=world.other_rep if rep == world.rep else world.rep)

    services.opportunity_close(opportunity_id=deal.pk, acting_user=rep, won=True)

    assert Lead.objects.get(pk=lead.pk).stage == "customer"


def test_an_activity_cannot_be_logged_in_the_future(world):
    lead, _ = converted(world)
    with pytest.raises(InvalidInput) as error:
        services.lead_log_activity(
            lead_id=lead.pk,
            acting_user=lead.owner,
            type="call",
            occurred_at=MONDAY_10 + timedelta(minutes=1),
            at=MONDAY_10,
        )
    assert error.value.field == "occurred_at"


def test_an_over_long_deal_name_is_refused_not_cut(world):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    owner = Lead.objects.get(pk=lead.pk).owner

    with pytest.raises(InvalidInput) as error:
        services.opportunity_create(lead_id=lead.pk, acting_user=owner, amount=1, name="x" * 201)

    assert error.value.field == "name"
    assert not Opportunity.objects.exists()


def test_the_hand_off_names_the_deadline_in_the_reps_own_time(world):
    lead, _ = services.lead_capture(data={**QUALIFIABLE, "country": "US"}, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)

    message = Notification.objects.get(recipient=world.americas_rep, kind="handoff").message
    # Due 18:00 UTC (09:00 EST + 4 business hours) = 13:00 in New York.
    assert message == "New qualified lead: Vera Penn — follow up by Mon 2026-03-02 13:00 EST"
