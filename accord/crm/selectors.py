from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from accord.core.errors import NotFound
from accord.crm import policies
from accord.crm.models import WITH_SALES, Lead, LeadEvent, Opportunity, Stage, Touchpoint
from accord.people.models import Role, User
from accord.routing.models import SlaClock


def _with_sla(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    running = SlaClock.objects.filter(lead=OuterRef("pk"), stopped_at__isnull=True)
    return leads.annotate(sla_due_at=Subquery(running.values("due_at")[:1]))


def lead_list(
    *,
    user: User,
    stage: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    search: str | None = None,
) -> QuerySet[Lead]:
    """The leads `user` may see, filtered. `owner` is an email, or "none" for unassigned."""
    leads = policies.visible_leads(user).select_related("owner", "team", "campaign", "definition")
    if stage:
        leads = leads.filter(stage=stage)
    if owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif owner:
        leads = leads.filter(owner__email__iexact=owner)
    if source:
        leads = leads.filter(source__iexact=source)
    if search:
        term = search.strip()
        leads = leads.filter(Q(email__icontains=term) | Q(company__icontains=term) | Q(last_name__icontains=term))
    return _with_sla(leads).order_by("-created_at", "-id")


def lead_state(*, lead_id: int) -> Lead:
    """A lead as an action left it, for answering the user who was just allowed to act on
    it — who may no longer see it (a rejected lead leaves the rep)."""
    lead = _with_sla(Lead.objects.select_related("owner", "team", "campaign", "definition")).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(f"No lead with id {lead_id}.")
    return lead


def lead_detail(*, user: User, lead_id: int) -> Lead:
    """One visible lead with its timeline, touchpoints and opportunities prefetched."""
    lead = (
        _with_sla(policies.visible_leads(user))
        .select_related("owner", "team", "campaign", "definition", "account__owner")
        .prefetch_related(
            Prefetch(
                "events",
                LeadEvent.objects.select_related("actor", "definition").order_by("-occurred_at", "-id"),
            ),
            Prefetch("touchpoints", Touchpoint.objects.select_related("campaign", "actor")),
            Prefetch("opportunities", Opportunity.objects.select_related("sales_stage", "owner")),
        )
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(f"No lead with id {lead_id}.")
    return lead


def inbox_for(*, user: User) -> QuerySet[Lead]:
    """What a rep must act on: their qualified leads awaiting acceptance, soonest deadline
    first; for a manager, those of the teams they manage."""
    leads = Lead.objects.filter(stage=Stage.MQL)
    if user.role == Role.SALES_MANAGER and not policies.is_admin(user):
        leads = leads.filter(team_id__in=policies.managed_team_ids(user))
    elif not policies.is_admin(user):
        leads = leads.filter(owner=user)
    return (
        _with_sla(leads)
        .select_related("owner", "campaign", "definition")
        .order_by(F("sla_due_at").asc(nulls_last=True), "qualified_at")
    )


def opportunity_list(
    *,
    user: User,
    status: str | None = None,
    owner: str | None = None,
    search: str | None = None,
) -> QuerySet[Opportunity]:
    """The deals `user` may see, filtered. `owner` is an email or, for a deal imported with
    an owner who is not a user, the name it came with; "none" finds deals with neither."""
    related = Opportunity.objects.select_related("lead", "account", "owner", "sales_stage")
    opportunities = policies.visible_opportunities(user, related)
    if status:
        opportunities = opportunities.filter(status=status)
    if owner == "none":
        opportunities = opportunities.filter(owner__isnull=True, owner_name="")
    elif owner:
        term = owner.strip()
        opportunities = opportunities.filter(Q(owner__email__iexact=term) | Q(owner_name__iexact=term))
    if search:
        opportunities = opportunities.filter(name__icontains=search.strip())
    return opportunities.order_by("-created_at", "-id")


def opportunity_get(*, user: User, opportunity_id: int) -> Opportunity:
    opportunity = opportunity_list(user=user).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    return opportunity


def assignable_reps(*, user: User, lead: Lead) -> QuerySet[User]:
    """Reps `user` may hand this lead to now; none once it is no longer with sales."""
    if lead.stage not in WITH_SALES:
        return User.objects.none()
    return policies.assignable_reps(user, lead).select_related("team").order_by("team__name", "email")
