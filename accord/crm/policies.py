"""Who may see and change which leads. Every service asks here; nothing else decides.

- admin: everything.
- marketing, marketing_lead: see all leads; capture and edit leads and touchpoints; never
  accept, reject or convert for a rep.
- sales_rep: sees the team's leads (and their own); works only leads they own.
- sales_manager: sees all leads; works the leads of the teams they manage or belong to,
  and assigns them to reps of those teams.
- executive: reads everything, changes nothing.
"""

from django.db.models import Q, QuerySet

from accord.core.errors import NotAllowed
from accord.crm.models import Lead, Opportunity
from accord.people.models import MARKETING_ROLES, Role, User

READ_ALL_ROLES = frozenset({Role.ADMIN, Role.MARKETING, Role.MARKETING_LEAD, Role.SALES_MANAGER, Role.EXECUTIVE})
CAPTURE_ROLES = frozenset({Role.ADMIN, *MARKETING_ROLES})


def is_admin(user: User) -> bool:
    return user.is_active and (user.role == Role.ADMIN or user.is_superuser)


def visible_leads(user: User, leads: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    leads = Lead.objects.all() if leads is None else leads
    if not user.is_active:
        return leads.none()
    if is_admin(user) or user.role in READ_ALL_ROLES:
        return leads
    if user.role == Role.SALES_REP:
        mine = Q(owner=user)
        return leads.filter(mine | Q(team_id=user.team_id)) if user.team_id else leads.filter(mine)
    return leads.none()


def can_view_lead(user: User, lead: Lead) -> bool:
    if not user.is_active:
        return False
    if is_admin(user) or user.role in READ_ALL_ROLES:
        return True
    return user.role == Role.SALES_REP and (
        lead.owner_id == user.id or (user.team_id is not None and lead.team_id == user.team_id)
    )


def can_view_opportunity(user: User, opportunity: Opportunity) -> bool:
    if not user.is_active:
        return False
    if is_admin(user) or user.role in READ_ALL_ROLES:
        return True
    owner_team = opportunity.owner.team_id if opportunity.owner_id else None
    return user.role == Role.SALES_REP and (
        opportunity.owner_id == user.id or (user.team_id is not None and owner_team == user.team_id)
    )


def visible_opportunities(user: User, opportunities: QuerySet[Opportunity] | None = None) -> QuerySet[Opportunity]:
    opportunities = Opportunity.objects.all() if opportunities is None else opportunities
    if not user.is_active:
        return opportunities.none()
    if is_admin(user) or user.role in READ_ALL_ROLES:
        return opportunities
    if user.role == Role.SALES_REP:
        mine = Q(owner=user)
        return (
            opportunities.filter(mine | Q(owner__team_id=user.team_id)) if user.team_id else opportunities.filter(mine)
        )
    return opportunities.none()


def managed_team_ids(user: User) -> set[int]:
    ids = set(user.managed_teams.values_list("id", flat=True))
    if user.team_id:
        ids.add(user.team_id)
    return ids


def can_work_lead(user: User, lead: Lead) -> bool:
    """Accept, reject, log follow-ups, convert: the owner, their manager, or an admin."""
    if is_admin(user):
        return True
    if user.role == Role.SALES_REP:
        return user.is_active and lead.owner_id == user.id
    if user.role == Role.SALES_MANAGER and user.is_active:
        owner_team = lead.owner.team_id if lead.owner_id else None
        teams = managed_team_ids(user)
        return lead.team_id in teams or owner_team in teams
    return False


def require_can_work_lead(user: User, lead: Lead) -> None:
    if not can_work_lead(user, lead):
        raise NotAllowed("Only the lead's owner, their manager or an admin can do this.")


def assignable_reps(user: User, lead: Lead) -> QuerySet[User]:
    """The reps `user` may hand `lead` to: a manager, reps of the teams they manage, for a lead
    of one of those teams (or of none yet); an admin, any active rep."""
    reps = User.objects.filter(role=Role.SALES_REP, is_active=True)
    if is_admin(user):
        return reps
    if user.role != Role.SALES_MANAGER or not user.is_active:
        return reps.none()
    teams = managed_team_ids(user)
    if lead.team_id is not None and lead.team_id not in teams:
        return reps.none()
    return reps.filter(team_id__in=teams)


def require_can_assign(user: User, lead: Lead, rep: User) -> None:
    if not assignable_reps(user, lead).filter(pk=rep.pk).exists():
        raise NotAllowed("Only a manager of the lead's and the rep's team, or an admin, can assign leads.")


def can_use_inbox(user: User) -> bool:
    """The inbox is where sales acts on handed-over leads: reps, their managers, admins."""
    return user.is_active and (is_admin(user) or user.role in (Role.SALES_REP, Role.SALES_MANAGER))


def can_capture(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in CAPTURE_ROLES)


def require_can_capture(user: User) -> None:
    if not can_capture(user):
        raise NotAllowed("Only marketing or an admin can create and edit leads and touchpoints.")


def can_work_opportunity(user: User, opportunity: Opportunity) -> bool:
    if is_admin(user):
        return True
    if user.role == Role.SALES_REP:
        return user.is_active and opportunity.owner_id == user.id
    if user.role == Role.SALES_MANAGER and user.is_active:
        owner_team = opportunity.owner.team_id if opportunity.owner_id else None
        return owner_team in managed_team_ids(user)
    return False


def require_can_work_opportunity(user: User, opportunity: Opportunity) -> None:
    if not can_work_opportunity(user, opportunity):
        raise NotAllowed("Only the opportunity's owner, their manager or an admin can do this.")
