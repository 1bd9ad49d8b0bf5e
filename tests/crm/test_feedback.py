"""Sales' feedback on a handed-over lead: who may give it, what it accepts, and that
giving it again replaces it.

The lead is QUALIFIABLE with a content download on MONDAY_10: an MQL routed by the
Europe territory to EMEA, whose first round-robin turn is `rep`'s.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from accord.core.errors import InvalidInput, NotAllowed, NotFound
from accord.crm import services
from accord.crm.feedback import lead_feedback_give
from accord.crm.models import Lead, LeadEvent, LeadFeedback
from tests.conftest import MONDAY_10, QUALIFIABLE


@pytest.fixture
def lead(world) -> Lead:
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.stage, lead.owner) == ("mql", world.rep)
    return lead


def test_the_owner_rates_the_lead_and_names_its_problems(world, lead):
    feedback = lead_feedback_give(
        lead_id=lead.pk,
        acting_user=world.rep,
        rating=2,
        problems=["no_budget", "not_ready", "no_budget"],
        note="  Wants it next year  ",
        at=MONDAY_10,
    )

    stored = LeadFeedback.objects.get()
    assert stored == feedback
    assert (stored.lead, stored.user, stored.rating) == (lead, world.rep, 2)
    assert stored.problems == ["no_budget", "not_ready"]  # each once, in the order ticked
    assert (stored.note, stored.created_at) == ("Wants it next year", MONDAY_10)
    assert list(lead.feedback.all()) == [stored]


def test_feedback_given_again_replaces_the_earlier_one(world, lead):
    lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=2, problems=["no_budget"], at=MONDAY_10)
    later = MONDAY_10 + timedelta(days=1)

    lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=4, at=later)

    assert list(LeadFeedback.objects.values_list("user", "rating", "problems", "note", "created_at")) == [
        (world.rep.pk, 4, [], "", later)
    ]


def test_each_person_keeps_their_own_feedback(world, lead):
    lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=2, at=MONDAY_10)
    lead_feedback_give(lead_id=lead.pk, acting_user=world.manager, rating=3, at=MONDAY_10)

    assert sorted(LeadFeedback.objects.values_list("user__email", "rating")) == [
        ("manager@accord.test", 3),
        ("rep@accord.test", 2),
    ]


@pytest.mark.parametrize(
    "who",
    [
        "rep",  # owns it
        "manager",  # manages its team
        "americas_manager",  # a sales manager of another team: sees every lead
        "admin",
    ],
)
def test_who_may_give_feedback(world, lead, who):
    lead_feedback_give(lead_id=lead.pk, acting_user=getattr(world, who), rating=3, at=MONDAY_10)

    assert LeadFeedback.objects.get().user == getattr(world, who)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("other_rep", NotAllowed),  # sees the team's lead, does not own it
        ("marketer", NotAllowed),  # sees every lead, does not work leads
        ("marketing_lead", NotAllowed),
        ("executive", NotAllowed),  # reads everything, changes nothing
        ("americas_rep", NotFound),  # another team's lead: not visible, so not there
    ],
)
def test_who_may_not_give_feedback_and_nothing_is_written(world, lead, who, error):
    with pytest.raises(error):
        lead_feedback_give(lead_id=lead.pk, acting_user=getattr(world, who), rating=3, at=MONDAY_10)

    assert not LeadFeedback.objects.exists()


def test_an_inactive_owner_may_not_give_feedback(world, lead):
    world.rep.is_active = False
    world.rep.save()

    with pytest.raises(NotFound):  # an inactive user sees nothing
        lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=3, at=MONDAY_10)
    assert not LeadFeedback.objects.exists()


def test_an_unknown_lead_is_not_found(world, lead):
    with pytest.raises(NotFound):
        lead_feedback_give(lead_id=lead.pk + 1000, acting_user=world.admin, rating=3)


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"rating": 0}, "rating", "The rating is a whole number from 1 to 5."),
        ({"rating": 6}, "rating", "The rating is a whole number from 1 to 5."),
        ({"rating": 2.5}, "rating", "The rating is a whole number from 1 to 5."),
        ({"rating": "4"}, "rating", "The rating is a whole number from 1 to 5."),
        ({"rating": True}, "rating", "The rating is a whole number from 1 to 5."),
        ({"rating": None}, "rating", "The rating is a whole number from 1 to 5."),
        ({"problems": ["no_budget", "too_pushy"]}, "problems", "Unknown problem 'too_pushy'"),
        ({"problems": "no_budget"}, "problems", "Problems are a list of reason codes."),
        ({"note": "x" * 5001}, "note", "At most 5,000 characters."),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, lead, given, field, message):
    with pytest.raises(InvalidInput) as refused:
        lead_feedback_give(**{"lead_id": lead.pk, "acting_user": world.rep, "rating": 3, **given})

    assert refused.value.field == field
    assert refused.value.message.startswith(message)
    assert not LeadFeedback.objects.exists()


def test_problems_are_the_active_definitions_reason_codes(world, lead, definition):
    definition.document = {**definition.document, "reason_codes": ["too_small", "other"]}
    definition.save()

    lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=1, problems=["too_small"])
    with pytest.raises(InvalidInput) as refused:
        lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=1, problems=["no_budget"])

    assert refused.value.message == "Unknown problem 'no_budget'; use reason codes: too_small, other."
    assert LeadFeedback.objects.get().problems == ["too_small"]


def test_feedback_is_no_lead_event(world, lead):
    events = LeadEvent.objects.filter(lead=lead).count()

    lead_feedback_give(lead_id=lead.pk, acting_user=world.rep, rating=5, at=MONDAY_10)

    assert LeadEvent.objects.filter(lead=lead).count() == events


@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_a_rating_out_of_range(world, lead, rating):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFeedback.objects.create(lead=lead, user=world.rep, rating=rating)


def test_the_database_keeps_one_feedback_per_person_and_lead(world, lead):
    LeadFeedback.objects.create(lead=lead, user=world.rep, rating=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFeedback.objects.create(lead=lead, user=world.rep, rating=4)
