"""Routing turns and the SLA clock: deadlines, breaches, escalation, the scheduled check."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accord.crm import services
from accord.crm.models import Lead
from accord.notifications.models import Notification
from accord.people.models import Role, Team, User
from accord.routing.models import SlaClock
from accord.routing.services import round_robin_take_turn, sla_flag_breach, sla_flag_overdue
from tests.conftest import MONDAY_10, QUALIFIABLE


def qualify(world, email="vp@bigco.example", at=MONDAY_10, **extra) -> Lead:
    lead, _ = services.lead_capture(data={**QUALIFIABLE, "email": email, **extra}, acting_user=world.marketer, at=at)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
    return Lead.objects.get(pk=lead.pk)


def make_team(capacities, **flags) -> tuple[Team, list[User]]:
    team = Team.objects.create(name="Turns")
    reps = [
        User.objects.create(email=f"t{i}@accord.test", role=Role.SALES_REP, team=team, capacity=c, **flags)
        for i, c in enumerate(capacities)
    ]
    return team, reps


def test_equal_weights_take_turns_in_order(db):
    team, (a, b, c) = make_team([1, 1, 1])
    assert [round_robin_take_turn(team) for _ in range(6)] == [a, b, c, a, b, c]


def test_weights_interleave(db):
    team, (a, b) = make_team([2, 1])
    # Smooth WRR, weights 2 and 1 (total 3): a gains 2, b gains 1 each turn; the winner pays 3.
    # a:2,b:1 → a (−1,1); a:1,b:2 → b (1,−1); a:3,b:0 → a (0,0); then the cycle repeats.
    assert [round_robin_take_turn(team) for _ in range(6)] == [a, b, a, a, b, a]


def test_out_of_office_and_zero_capacity_are_skipped_without_losing_turns(db):
    team, (a, b, _zero_capacity) = make_team([1, 1, 0])
    b.is_out_of_office = True
    b.save()
    assert [round_robin_take_turn(team) for _ in range(2)] == [a, a]

    b.is_out_of_office = False
    b.save()
    # Alone, a gained 1 and paid back 1 each turn, so a and b are both at 0 when b returns:
    # they alternate again (a first on the tie, by id); c, with capacity 0, never gets a lead.
    assert [round_robin_take_turn(team) for _ in range(4)] == [a, b, a, b]


def test_no_available_rep_leaves_the_lead_with_the_team_and_tells_the_manager(world):
    for rep in (world.rep, world.other_rep):
        rep.is_out_of_office = True
        rep.save()

    lead = qualify(world)

    assert (lead.stage, lead.team, lead.owner) == ("mql", world.emea, None)
    assert not SlaClock.objects.exists()
    assert Notification.objects.filter(recipient=world.manager, lead=lead).count() == 1


def test_unmatched_country_goes_to_the_default_team(world):
    lead = qualify(world, country="US")
    assert (lead.team, lead.owner) == (world.americas, world.americas_rep)
    assert lead.events.get(kind="assigned").data["rule"] == "default_team"


def test_deadline_counts_the_reps_business_hours(world):
    # Friday 2026-03-06 15:00 UTC; EMEA reps work 9–17 London (UTC+0 in March before the 29th).
    lead = qualify(world, at=datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    # 2h left on Friday, 2h on Monday → Monday 2026-03-09 11:00 UTC.
    assert SlaClock.objects.get(lead=lead).due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def test_deadline_for_a_rep_in_new_york(world):
    lead = qualify(world, country="US", at=MONDAY_10)
    # 10:00 UTC = 05:00 New York (EST, UTC−5): counting starts at 09:00 EST, +4h = 13:00 EST = 18:00 UTC.
    assert SlaClock.objects.get(lead=lead).due_at == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_breach_is_flagged_at_the_deadline_and_escalated_once(world):
    lead = qualify(world)
    clock = SlaClock.objects.get(lead=lead)  # due 14:00 UTC
    rep = lead.owner

    assert sla_flag_breach(clock.pk, at=clock.due_at - timedelta(seconds=1)) is False
    assert sla_flag_breach(clock.pk, at=clock.due_at) is True
    assert sla_flag_breach(clock.pk, at=clock.due_at + timedelta(hours=1)) is False

    clock.refresh_from_db()
    assert (clock.breached_at, clock.escalated_to) == (clock.due_at, world.manager)
    assert lead.events.filter(kind="sla_breached").count() == 1
    breach_alerts = Notification.objects.filter(kind="sla_breach", lead=lead)
    assert sorted(breach_alerts.values_list("recipient__email", flat=True)) == sorted([rep.email, world.manager.email])


def test_follow_up_in_time_means_no_breach_but_a_late_one_is_still_a_breach(world):
    on_time = qualify(world, email="a@bigco.example")
    late = qualify(world, email="b@bigco.example")
    services.lead_accept(lead_id=on_time.pk, acting_user=on_time.owner, at=MONDAY_10 + timedelta(hours=3, minutes=59))
    services.lead_accept(lead_id=late.pk, acting_user=late.owner, at=MONDAY_10 + timedelta(hours=4, minutes=1))

    at = MONDAY_10 + timedelta(hours=5)
    assert sla_flag_breach(SlaClock.objects.get(lead=on_time).pk, at=at) is False
    assert sla_flag_breach(SlaClock.objects.get(lead=late).pk, at=at) is True


def test_overdue_sweep_flags_only_running_overdue_clocks(world):
    overdue = qualify(world, email="a@bigco.example")
    qualify(world, email="b@bigco.example", at=MONDAY_10 + timedelta(hours=3))  # due Tuesday 09:00
    handled = qualify(world, email="c@bigco.example")
    services.lead_accept(lead_id=handled.pk, acting_user=handled.owner, at=MONDAY_10)

    assert sla_flag_overdue(at=datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == 1
    assert SlaClock.objects.get(breached_at__isnull=False).lead == overdue


def test_the_breach_check_is_scheduled_for_the_deadline(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lead = qualify(world)

    clock = SlaClock.objects.get(lead=lead)
    checks = DBTaskResult.objects.filter(task_path="accord.routing.tasks.sla_check")
    assert [(task.args_kwargs["args"], task.run_after) for task in checks] == [([clock.pk], clock.due_at)]


@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_hand_off_email(world, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    lead = qualify(world)

    call_command("db_worker", batch=True, interval=0, startup_delay=False)

    subjects = [(m.to, m.subject) for m in mail.outbox]
    assert ([lead.owner.email], "[Accord] New lead assigned") in subjects
    assert Notification.objects.get(recipient=lead.owner, kind="handoff").emailed_at is not None


def test_an_out_of_office_account_owner_falls_back_to_the_territory(world):
    from accord.crm.models import Account

    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.americas_rep)
    world.americas_rep.is_out_of_office = True
    world.americas_rep.save()

    lead = qualify(world)

    assigned = lead.events.get(kind="assigned")
    assert lead.owner in (world.rep, world.other_rep)
    assert assigned.data["rule"] == "territory"
    assert assigned.note.startswith("Account owner am-rep@accord.test is unavailable; Territory Europe → team EMEA")
