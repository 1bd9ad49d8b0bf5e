"""Manual assignment by managers: service, API and who may do it."""

from datetime import UTC, datetime, timedelta

import pytest

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed
from accord.crm import services
from accord.crm.models import Lead, LeadEvent
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE


def waiting_lead(world) -> Lead:
    """A qualified EMEA lead that found no available rep: with the team, no owner, no clock."""
    for rep in (world.rep, world.other_rep):
        rep.is_out_of_office = True
        rep.save()
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    for rep in (world.rep, world.other_rep):
        rep.is_out_of_office = False
        rep.save()
    return Lead.objects.get(pk=lead.pk)


def test_manager_assigns_a_waiting_lead_and_its_clock_starts(world):
    lead = waiting_lead(world)
    assert (lead.owner, SlaClock.objects.count()) == (None, 0)

    services.lead_assign(lead_id=lead.pk, owner_email="REP@accord.test", acting_user=world.manager, at=MONDAY_10)

    lead.refresh_from_db()
    clock = SlaClock.objects.get()
    assert (lead.owner, clock.rep) == (world.rep, world.rep)
    assert clock.due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 10:00 London + 4 business hours
    assert lead.events.filter(kind="assigned").last().data["rule"] == "manual"


def test_reassigning_stops_the_first_clock_and_starts_another(world):
    lead = waiting_lead(world)
    services.lead_assign(lead_id=lead.pk, owner_email=world.rep.email, acting_user=world.manager, at=MONDAY_10)
    later = MONDAY_10 + timedelta(hours=1)

    services.lead_assign(lead_id=lead.pk, owner_email=world.other_rep.email, acting_user=world.manager, at=later)

    first, second = SlaClock.objects.order_by("started_at")
    assert (first.rep, first.outcome, first.stopped_at) == (world.rep, "reassigned", later)
    assert (second.rep, second.stopped_at, second.due_at) == (
        world.other_rep,
        None,
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("actor", "target", "error"),
    [
        ("rep", "rep@accord.test", NotAllowed),  # reps do not assign
        ("marketer", "rep@accord.test", NotAllowed),
        ("americas_manager", "am-rep@accord.test", NotAllowed),  # not their lead's team
        ("manager", "am-rep@accord.test", NotAllowed),  # not their rep
        ("manager", "marketer@accord.test", InvalidInput),  # not a rep at all
        ("manager", "ghost@accord.test", InvalidInput),
    ],
)
def test_who_may_assign_to_whom(world, actor, target, error):
    lead = waiting_lead(world)
    events = LeadEvent.objects.count()

    with pytest.raises(error):
        services.lead_assign(lead_id=lead.pk, owner_email=target, acting_user=getattr(world, actor))

    assert LeadEvent.objects.count() == events
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_only_open_leads_can_be_assigned(world):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer)
    with pytest.raises(InvalidTransition):
        services.lead_assign(lead_id=lead.pk, owner_email=world.rep.email, acting_user=world.admin)


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        (None, 401),
        ("rep", 403),
        ("marketer", 403),
        ("executive", 403),
        ("americas_manager", 403),
        ("manager", 200),
        ("admin", 200),
    ],
)
def test_assign_endpoint_permissions(world, api, actor, status):
    lead = waiting_lead(world)

    response = api(getattr(world, actor) if actor else None).post(
        f"/leads/{lead.pk}/assign", {"owner": world.rep.email}
    )

    assert response.status_code == status
    lead.refresh_from_db()
    if status == 200:
        assert response.json()["owner"] == world.rep.email
        assert lead.owner == world.rep
    else:
        assert lead.owner is None
        assert not SlaClock.objects.exists()


def test_assign_endpoint_names_a_bad_owner(world, api):
    lead = waiting_lead(world)
    response = api(world.manager).post(f"/leads/{lead.pk}/assign", {"owner": "nobody@accord.test"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner"


@pytest.mark.parametrize(("actor", "status"), [("manager", 302), ("rep", 403), ("marketer", 403), ("executive", 403)])
def test_assign_page_action(world, client, actor, status):
    lead = waiting_lead(world)
    client.force_login(getattr(world, actor))

    response = client.post(f"/leads/{lead.pk}/assign/", {"owner": world.rep.email})

    assert response.status_code == status
    assert (Lead.objects.get(pk=lead.pk).owner == world.rep) is (status == 302)
