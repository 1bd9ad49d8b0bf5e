"""The core loop through the services, with times fixed and expected values worked by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed
from accord.crm import services
from accord.crm.models import Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE


def qualify(world, at=MONDAY_10, **overrides) -> Lead:
    lead, _ = services.lead_capture(data={**QUALIFIABLE, **overrides}, acting_user=world.marketer, at=at)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
    return Lead.objects.get(pk=lead.pk)


def test_capture_normalises_email_and_updates_the_same_lead(world):
    first, created = services.lead_capture(
        data={"email": "  Vera.Penn@BigCo.Example ", "first_name": "Vera"},
        acting_user=world.marketer,
        at=MONDAY_10,
    )
    second, created_again = services.lead_capture(
        data={"email": "vera.penn@bigco.example", "company": "Bigco", "first_name": ""},
        acting_user=world.marketer,
        at=MONDAY_10 + timedelta(minutes=5),
    )

    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert lead.email == "vera.penn@bigco.example"
    assert (lead.first_name, lead.company) == (
        "Vera",
        "Bigco",
    )  # the empty first_name erased nothing
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == ["created", "updated"]


def test_only_an_email_makes_a_subscriber_and_details_make_it_a_lead(world):
    lead, _ = services.lead_capture(data={"email": "news@reader.example"}, acting_user=world.marketer, at=MONDAY_10)
    assert lead.stage == Stage.SUBSCRIBER

    services.lead_capture(
        data={"email": "news@reader.example", "first_name": "Nia"},
        acting_user=world.marketer,
        at=MONDAY_10,
    )

    assert Lead.objects.get().stage == Stage.LEAD


def test_score_below_threshold_stays_a_lead_with_reasons(world):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)

    # fit 20 (size) + 10 (VP) = 30, no engagement: 30 < 50.
    assert (lead.score_fit, lead.score_engagement, lead.score_total) == (30, 0, 30)
    assert lead.stage == Stage.LEAD
    assert lead.qualification["qualified"] is False
    assert "Score 30 < MQL threshold 50" in lead.qualification["reasons"]


def test_qualification_routes_by_territory_and_starts_the_sla_clock(world):
    lead = qualify(world)

    # 30 fit + 20 (download, age 0) = 50 ≥ 50; need and contact present.
    assert lead.stage == Stage.MQL
    assert lead.score_total == 50
    assert lead.definition.version == 2
    assert lead.team == world.emea
    assert lead.owner in (world.rep, world.other_rep)
    clock = SlaClock.objects.get(lead=lead)
    # Monday 10:00 London + 4 business hours = Monday 14:00 London = 14:00 UTC (winter).
    assert clock.due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    stage_event = lead.events.get(kind="stage", to_stage="mql")
    assert stage_event.definition.version == 2
    assert "Qualified under v2" in stage_event.note


def test_fast_track_qualifies_without_score_but_not_past_a_knockout(world):
    fast, _ = services.lead_capture(
        data={"email": "a@small.example", "first_name": "A", "company": "Small", "country": "DE"},
        acting_user=world.marketer,
        at=MONDAY_10,
    )
    services.touchpoint_record(lead_id=fast.pk, type="demo_request", acting_user=world.marketer, at=MONDAY_10)
    student, _ = services.lead_capture(
        data={"email": "s@uni.example", "first_name": "S", "company": "Uni", "title": "Student"},
        acting_user=world.marketer,
        at=MONDAY_10,
    )
    services.touchpoint_record(lead_id=student.pk, type="demo_request", acting_user=world.marketer, at=MONDAY_10)

    fast.refresh_from_db()
    student.refresh_from_db()
    assert fast.stage == Stage.MQL
    assert fast.qualification["fast_track"] == "demo_request"
    assert student.stage == Stage.LEAD
    assert student.qualification["reasons"] == ["Excluded by rule: Student"]


def test_account_owner_gets_the_lead_before_territory(world):
    from accord.crm.models import Account

    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.americas_rep)

    lead = qualify(world)

    assert lead.owner == world.americas_rep
    assert lead.events.get(kind="assigned").data["rule"] == "account_owner"


def test_accept_stops_the_clock_on_time(world):
    lead = qualify(world)

    services.lead_accept(lead_id=lead.pk, acting_user=lead.owner, at=MONDAY_10 + timedelta(hours=1))

    lead.refresh_from_db()
    clock = SlaClock.objects.get(lead=lead)
    assert lead.stage == Stage.SAL
    assert clock.outcome == "accepted"
    assert clock.on_time() is True


def test_other_rep_cannot_accept_and_nothing_changes(world):
    lead = qualify(world)
    intruder = world.other_rep if lead.owner == world.rep else world.rep
    events_before = LeadEvent.objects.count()

    with pytest.raises(NotAllowed):
        services.lead_accept(lead_id=lead.pk, acting_user=intruder, at=MONDAY_10)

    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert LeadEvent.objects.count() == events_before
    assert SlaClock.objects.get(lead=lead).stopped_at is None


def test_marketing_cannot_accept_for_a_rep(world):
    lead = qualify(world)
    with pytest.raises(NotAllowed):
        services.lead_accept(lead_id=lead.pk, acting_user=world.marketer, at=MONDAY_10)


def test_manager_of_the_team_can_act_for_the_rep(world):
    lead = qualify(world)
    services.lead_accept(lead_id=lead.pk, acting_user=world.manager, at=MONDAY_10)
    with pytest.raises(NotAllowed):
        services.lead_accept(lead_id=qualify(world, email="x@bigco.example").pk, acting_user=world.americas_manager)


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [(None, "", "reason"), ("made_up", "", "reason"), ("other", "  ", "note")],
)
def test_reject_needs_a_known_reason_and_other_needs_a_note(world, reason, note, field):
    lead = qualify(world)

    with pytest.raises(InvalidInput) as error:
        services.lead_reject(lead_id=lead.pk, acting_user=lead.owner, reason=reason, note=note, action="recycle")

    assert error.value.field == field
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_recycled_lead_requalifies_only_on_fresh_engagement(world):
    lead = qualify(world)
    rejected_at = MONDAY_10 + timedelta(hours=2)
    services.lead_reject(
        lead_id=lead.pk,
        acting_user=lead.owner,
        reason="not_ready",
        note="Q3",
        action="recycle",
        at=rejected_at,
    )
    lead.refresh_from_db()
    assert (lead.stage, lead.owner, lead.nurture_since) == (Stage.RECYCLED, None, rejected_at)

    # A page view a minute later: fit 30 + 1 = 31 (the old download no longer counts).
    later = rejected_at + timedelta(minutes=1)
    services.touchpoint_record(lead_id=lead.pk, type="page_view", acting_user=world.marketer, at=later)
    lead.refresh_from_db()
    assert (lead.stage, lead.score_engagement) == (Stage.RECYCLED, 1)

    # A new download: 30 + 1 + 20 = 51 ≥ 50 — qualifies again and is routed again.
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=later)
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert SlaClock.objects.filter(lead=lead).count() == 2


def test_disqualified_is_final(world):
    lead = qualify(world)
    services.lead_reject(lead_id=lead.pk, acting_user=lead.owner, reason="competitor", action="disqualify")
    services.touchpoint_record(lead_id=lead.pk, type="demo_request", acting_user=world.marketer)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED
    with pytest.raises(InvalidTransition):
        services.lead_accept(lead_id=lead.pk, acting_user=world.admin)


def test_logged_call_stops_the_clock_late_and_keeps_the_stage(world):
    lead = qualify(world)
    # Due 14:00; a call at 15:30 is a follow-up, but a late one.
    services.lead_log_activity(
        lead_id=lead.pk,
        acting_user=lead.owner,
        type="call",
        note="Voicemail",
        at=MONDAY_10 + timedelta(hours=5, minutes=30),
    )
    clock = SlaClock.objects.get(lead=lead)
    assert (clock.outcome, clock.on_time()) == ("activity", False)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL
    assert Touchpoint.objects.get(lead=lead, type="call").actor == lead.owner


def test_convert_and_win(world):
    lead = qualify(world)
    opportunity = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="12000.50", at=MONDAY_10)

    lead.refresh_from_db()
    # Converting an MQL accepts it on the way: mql → sal → sql.
    stages = list(lead.events.filter(kind="stage").values_list("from_stage", "to_stage"))
    assert stages[-2:] == [("mql", "sal"), ("sal", "sql")]
    assert str(opportunity.amount) == "12000.50"
    assert opportunity.sales_stage.name == "Discovery"
    assert SlaClock.objects.get(lead=lead).outcome == "converted"

    services.opportunity_close(opportunity_id=opportunity.pk, acting_user=lead.owner, won=True)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.CUSTOMER
    assert Opportunity.objects.get().status == "won"


def test_lost_needs_a_reason_and_recycles_the_lead(world):
    lead = qualify(world)
    opportunity = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=5000)
    with pytest.raises(InvalidInput) as error:
        services.opportunity_close(opportunity_id=opportunity.pk, acting_user=lead.owner, won=False)
    assert error.value.field == "reason"

    services.opportunity_close(opportunity_id=opportunity.pk, acting_user=lead.owner, won=False, reason="no_budget")

    lead.refresh_from_db()
    assert lead.stage == Stage.RECYCLED
    assert Opportunity.objects.get().lost_reason == "no_budget"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.example", "country": "XX"}, "country"),
        ({"email": "a@b.example", "company_size": -1}, "company_size"),
        ({"email": "a@b.example", "campaign": "nope"}, "campaign"),
        ({"email": "a@b.example", "title": "x" * 201}, "title"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, data, field):
    with pytest.raises(InvalidInput) as error:
        services.lead_capture(data=data, acting_user=world.marketer)
    assert error.value.field == field
    assert Lead.objects.count() == 0


def test_events_are_append_only(world):
    lead = qualify(world)
    event = lead.events.first()
    event.note = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        LeadEvent.objects.filter(lead=lead).update(note="x")
    with pytest.raises(TypeError):
        LeadEvent.objects.filter(lead=lead).delete()


def test_a_qualified_lead_keeps_why_it_qualified_while_its_score_moves_on(world):
    lead = qualify(world)
    reasons = lead.qualification["reasons"]

    # Ten days later the download has decayed to half (20 → 10) and a page view adds 1.
    later = MONDAY_10 + timedelta(days=10)
    services.touchpoint_record(lead_id=lead.pk, type="page_view", acting_user=world.marketer, at=later)

    lead.refresh_from_db()
    assert (lead.score_engagement, lead.score_total) == (11, 41)
    assert lead.qualification["qualified"] is True
    assert lead.qualification["reasons"] == reasons == ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"]
    assert lead.definition.version == 2
