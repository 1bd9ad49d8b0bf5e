"""Hand-off: who gets a newly qualified lead, and the SLA clock that starts with it.

Routing runs inside the transaction that qualifies the lead (no cron, no sweep):
1. account control — the owner of the lead's account, if available;
2. territory — the first matching territory (by priority) names a team; otherwise the
   default team;
3. smooth weighted round-robin among the team's available reps, weight = capacity.
The team row is locked while a turn is taken, so concurrent qualifications queue for it
and every turn is taken exactly once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from accord.core.tasks import enqueue_on_commit
from accord.crm.events import event_record
from accord.crm.models import Lead, LeadEvent
from accord.definitions.models import LeadDefinition
from accord.notifications.models import Notification
from accord.notifications.services import notify
from accord.people.models import Role, RoundRobinTurn, Team, Territory, User
from accord.routing.business_hours import add_business_hours, business_hours_between
from accord.routing.models import SlaClock


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    rep: User | None
    team: Team | None
    rule: str  # account_owner | territory | default_team | unrouted
    explanation: str


def is_available(user: User | None) -> bool:
    """Who can take a new lead: an active sales rep, in the office, with a non-zero weight."""
    return bool(
        user and user.is_active and user.role == Role.SALES_REP and not user.is_out_of_office and user.capacity > 0
    )


def territory_matches(territory: Territory, lead: Lead) -> bool:
    if territory.countries and lead.country.code not in {c.code for c in territory.countries}:
        return False
    if territory.regions and lead.region.casefold() not in {r.casefold() for r in territory.regions}:
        return False
    if territory.industries and lead.industry.casefold() not in {i.casefold() for i in territory.industries}:
        return False
    size = lead.company_size
    if territory.min_company_size is not None and (size is None or size < territory.min_company_size):
        return False
    return not (territory.max_company_size is not None and (size is None or size > territory.max_company_size))


def route_decide(lead: Lead) -> RoutingDecision:
    """Choose the rep. Must run in a transaction: taking a round-robin turn writes."""
    owner = lead.account.owner if lead.account_id and lead.account.owner_id else None
    if is_available(owner):
        return RoutingDecision(owner, owner.team, "account_owner", f"Owner of account {lead.account}")
    skipped = f"Account owner {owner} is unavailable; " if owner else ""

    territory = next((t for t in Territory.objects.select_related("team") if territory_matches(t, lead)), None)
    if territory:
        team, rule, why = (
            territory.team,
            "territory",
            f"{skipped}Territory {territory.name} → team {territory.team}",
        )
    else:
        team = Team.objects.filter(is_default=True).first()
        if team is None:
            return RoutingDecision(
                None,
                None,
                "unrouted",
                f"{skipped}No territory matches and there is no default team",
            )
        rule, why = "default_team", f"{skipped}No territory matches → default team {team}"

    rep = round_robin_take_turn(team)
    if rep is None:
        return RoutingDecision(None, team, rule, f"{why}; no rep available")
    return RoutingDecision(rep, team, rule, f"{why}; round-robin → {rep}")


def round_robin_take_turn(team: Team) -> User | None:
    """Smooth weighted round-robin (each available rep gains its weight, the highest is
    chosen and pays back the total): a weight-2 rep gets two turns for every one of a
    weight-1 rep, interleaved rather than bunched."""
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk").first()
    members = [member for member in team.members.order_by("id") if is_available(member)]
    if not members:
        return None
    turns = RoundRobinTurn.objects.filter(team=team, member__in=members)
    weights = dict(turns.values_list("member_id", "current_weight"))
    if len(weights) < len(members):
        RoundRobinTurn.objects.bulk_create(
            [RoundRobinTurn(team=team, member=m) for m in members if m.id not in weights], ignore_conflicts=True
        )
        weights = dict(turns.values_list("member_id", "current_weight"))
    chosen = max(members, key=lambda m: (weights[m.id] + m.capacity, -m.id))
    # Everyone gains their weight; the chosen one pays back the total. Two statements, whatever the team size.
    capacity = User.objects.filter(pk=OuterRef("member_id")).values("capacity")[:1]
    turns.update(current_weight=F("current_weight") + Subquery(capacity))
    total = sum(m.capacity for m in members)
    turns.filter(member=chosen).update(
        current_weight=F("current_weight") - total, assigned_count=F("assigned_count") + 1
    )
    return chosen


def lead_route(lead: Lead, *, at: datetime, definition: LeadDefinition, actor: User | None) -> SlaClock | None:
    """Assign a just-qualified lead and start its SLA clock. Caller holds the lead's lock."""
    decision = route_decide(lead)
    lead.team = decision.team
    lead.owner = decision.rep
    Lead.objects.filter(pk=lead.pk).update(team=decision.team, owner=decision.rep)
    event_record(
        lead,
        LeadEvent.Kind.ASSIGNED,
        actor=actor,
        at=at,
        definition=definition,
        note=decision.explanation,
        data={
            "rule": decision.rule,
            "team": decision.team.name if decision.team else None,
            "owner": decision.rep.email if decision.rep else None,
        },
    )
    if decision.rep is None:
        if decision.team and decision.team.manager_id:
            notify(
                recipient=decision.team.manager,
                kind=Notification.Kind.HANDOFF,
                lead=lead,
                at=at,
                message=f"Qualified lead {lead} is waiting: no rep in {decision.team} is available.",
            )
        return None
    return sla_start(lead, rep=decision.rep, team=decision.team, definition=definition, at=at)


def sla_start(lead: Lead, *, rep: User, team: Team | None, definition: LeadDefinition, at: datetime) -> SlaClock:
    hours = definition.parsed.sla.follow_up_business_hours
    clock = SlaClock.objects.create(
        lead=lead,
        rep=rep,
        team=team,
        definition=definition,
        business_hours=hours,
        started_at=at,
        due_at=add_business_hours(at, hours, rep.working_schedule),
    )
    notify(
        recipient=rep,
        kind=Notification.Kind.HANDOFF,
        lead=lead,
        at=at,
        message=f"New qualified lead: {lead} — follow up by {_local(clock.due_at, rep)}",
    )
    from accord.routing.tasks import sla_check  # tasks import services; defer the cycle

    enqueue_on_commit(sla_check, clock.pk, run_after=clock.due_at)
    return clock


def _local(moment: datetime, rep: User) -> str:
    """A deadline as the rep reads it: in their own timezone, named."""
    return moment.astimezone(rep.working_schedule.zone).strftime("%a %Y-%m-%d %H:%M %Z")


def sla_stop(lead: Lead, *, outcome: str, at: datetime) -> SlaClock | None:
    """The first follow-up stops the running clock; later ones find none and change nothing."""
    clock = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("rep")
        .filter(lead=lead, stopped_at__isnull=True)
        .first()
    )
    if clock is None:
        return None
    clock.stopped_at = at
    clock.outcome = outcome
    # Kept with the clock: the scorecard's time to follow-up stays what it was, whatever
    # becomes of the rep's schedule.
    clock.open_business_hours = business_hours_between(clock.started_at, at, clock.rep.working_schedule)
    clock.save(update_fields=["stopped_at", "outcome", "open_business_hours"])
    return clock


def sla_flag_breach(clock_id: int, *, at: datetime) -> bool:
    """Flag one overdue clock and escalate to the rep's manager. Idempotent: returns False
    when the clock stopped in time, is not due yet, or was already flagged."""
    with transaction.atomic():
        clock = (
            SlaClock.objects.select_for_update(of=("self",))
            .select_related("lead", "rep", "team__manager", "rep__team__manager")
            .filter(pk=clock_id)
            .first()
        )
        if clock is None or clock.breached_at is not None or clock.due_at > at:
            return False
        if clock.stopped_at is not None and clock.stopped_at <= clock.due_at:
            return False
        team = clock.rep.team or clock.team
        manager = team.manager if team and team.manager_id else None
        clock.breached_at = at
        clock.escalated_to = manager
        clock.save(update_fields=["breached_at", "escalated_to"])
        lead = clock.lead
        event_record(
            lead,
            LeadEvent.Kind.SLA_BREACHED,
            actor=None,
            at=at,
            definition=clock.definition,
            note=f"{clock.rep} did not follow up within {clock.business_hours:g} business hours"
            + (f"; escalated to {manager}" if manager else ""),
            data={
                "rep": clock.rep.email,
                "due_at": clock.due_at.isoformat(),
                "escalated_to": manager.email if manager else None,
            },
        )
        message = f"SLA breached: {clock.rep} has not followed up on {lead} (due {_local(clock.due_at, clock.rep)})"
        notify(
            recipient=clock.rep,
            kind=Notification.Kind.SLA_BREACH,
            lead=lead,
            at=at,
            message=message,
        )
        if manager and manager != clock.rep:
            notify(
                recipient=manager,
                kind=Notification.Kind.SLA_BREACH,
                lead=lead,
                at=at,
                message=message,
            )
        return True


def sla_flag_overdue(*, at: datetime) -> int:
    """Safety net for clocks whose scheduled check was lost (e.g. the task table was pruned):
    flags every running clock past its deadline. The worker runs it when it starts."""
    overdue = SlaClock.objects.filter(stopped_at__isnull=True, breached_at__isnull=True, due_at__lte=at)
    return sum(sla_flag_breach(pk, at=at) for pk in overdue.values_list("pk", flat=True))
