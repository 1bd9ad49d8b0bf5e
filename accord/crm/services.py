"""State changes of leads, touchpoints and opportunities.

Every function here runs in one transaction, takes the acting user, checks permissions
through `accord.crm.policies`, and writes its events through `accord.crm.events`.
`at` lets history be written with its original time (demo data, imports); it defaults
to now.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries import countries

from accord.campaigns.models import Campaign
from accord.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from accord.core.text import FREE_MAIL_DOMAINS, email_domain, normalize_email, parse_amount
from accord.crm import policies
from accord.crm.events import deal_event_record, event_record, stage_change
from accord.crm.models import (
    NURTURE_STAGES,
    QUALIFIED_STAGES,
    REP_ACTIVITY_TYPES,
    WITH_SALES,
    Account,
    Lead,
    LeadEvent,
    Opportunity,
    OpportunityEvent,
    SalesStage,
    Stage,
    Touchpoint,
    TouchpointType,
)
from accord.definitions.models import LeadDefinition
from accord.definitions.scoring import Explanation, TouchpointFact, score_lead
from accord.definitions.selectors import definition_active
from accord.people.models import Role, User
from accord.routing.models import SlaClock
from accord.routing.services import lead_route, sla_start, sla_stop

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "region",
    "industry",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "need",
    "authority",
    "budget",
    "timeline",
)
MAX_COMPANY_SIZE = 10_000_000  # larger than any employer on Earth; beyond is a typo
LEAD_INPUT_FIELDS = (*TEXT_FIELDS, "email", "country", "company_size", "campaign", "consent_email")


# --- capture ---------------------------------------------------------------------------


def _check_length(model, name: str, value: str | None) -> None:
    limit = model._meta.get_field(name).max_length
    if value and limit and len(value) > limit:
        raise InvalidInput(f"At most {limit} characters.", field=name)


def _require_aware(moment: datetime | None, field: str) -> None:
    if moment is not None and timezone.is_naive(moment):
        raise InvalidInput(f"{field} needs a timezone offset, e.g. 2026-05-01T10:00:00Z.", field=field)


def _clean_lead_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise lead fields; raise InvalidInput naming the first bad field."""
    unknown = sorted(set(data) - set(LEAD_INPUT_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown field '{unknown[0]}'.", field=unknown[0])
    clean: dict[str, Any] = {"email": normalize_email(data.get("email"))}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        value = str(value).strip()
        _check_length(Lead, name, value)
        clean[name] = value
    if (country := data.get("country")) not in (None, ""):
        code = str(country).strip().upper()
        if code not in countries:
            raise InvalidInput(f"'{country}' is not an ISO 3166 alpha-2 country code.", field="country")
        clean["country"] = code
    if (size := data.get("company_size")) is not None:
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_COMPANY_SIZE:
            raise InvalidInput(
                f"Company size is a whole number of employees from 0 to {MAX_COMPANY_SIZE:,}.", field="company_size"
            )
        clean["company_size"] = size
    if (code := data.get("campaign")) not in (None, ""):
        campaign = Campaign.objects.filter(code=str(code).strip()).first()
        if campaign is None:
            raise InvalidInput(f"No campaign with code '{code}'.", field="campaign")
        clean["campaign"] = campaign
    if (consent := data.get("consent_email")) is not None:
        if not isinstance(consent, bool):
            raise InvalidInput("consent_email is true or false.", field="consent_email")
        clean["consent_email"] = consent
    return clean


def _account_for(email: str, company: str, *, at: datetime) -> Account | None:
    """Match the lead's company — by corporate email domain first, else by name (one query,
    using the domain's unique index and the LOWER(name) index) — and create it when the lead
    names a company nobody has yet."""
    domain = email_domain(email)
    corporate = domain not in FREE_MAIL_DOMAINS
    if not (corporate or company):
        return None
    match = Q(domain=domain) if corporate else Q()
    if company:
        match |= Q(name_lower=Lower(Value(company)))
    account = (
        Account.objects.annotate(name_lower=Lower("name"))
        .filter(match)
        .order_by(Case(When(domain=domain, then=0), default=1), "pk")
        .first()
    )
    if account or not company:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(name=company, domain=domain if corporate else None, created_at=at)
    except IntegrityError:  # a concurrent capture created it first
        return Account.objects.get(domain=domain)


CONTACT_DETAILS = ("first_name", "last_name", "company", "phone")


def _initial_stage(fields: Mapping[str, Any]) -> str:
    # Only an email (a newsletter sign-up): a subscriber. Anything more: a lead.
    return Stage.LEAD if any(fields.get(name) for name in CONTACT_DETAILS) else Stage.SUBSCRIBER


def lead_capture(
    *,
    data: Mapping[str, Any],
    acting_user: User | None,
    at: datetime | None = None,
) -> tuple[Lead, bool]:
    """Create the lead, or update the one with the same normalised email. Returns
    (lead, created). Non-empty incoming values overwrite; empty ones never erase.
    `acting_user` None is Accord itself (the demo, later imports)."""
    if acting_user is not None:
        policies.require_can_capture(acting_user)
    at = at or timezone.now()
    fields = _clean_lead_input(data)
    email = fields.pop("email")
    updates = {k: v for k, v in fields.items() if v not in ("", None)}
    with transaction.atomic():
        lead, created = _lead_upsert(email, updates, at=at, actor=acting_user)
        lead_rescore(lead, at=at, actor=acting_user, has_touchpoints=not created)
    return lead, created


def _lead_upsert(email: str, updates: Mapping[str, Any], *, at: datetime, actor: User | None) -> tuple[Lead, bool]:
    """Lock the lead with this email, or insert it, and write its created/updated event —
    no scoring. Runs inside the caller's transaction; returns (locked lead, created)."""
    lead = Lead.objects.select_for_update().filter(email=email).first()
    created = False
    if lead is None:
        account = _account_for(email, updates.get("company", ""), at=at)
        try:
            with transaction.atomic():
                lead = Lead.objects.create(
                    email=email,
                    stage=_initial_stage(updates),
                    stage_changed_at=at,
                    created_at=at,
                    account=account,
                    **updates,
                )
                created = True
        except IntegrityError:  # the same email raced us and won: update theirs
            lead = Lead.objects.select_for_update().get(email=email)
    if created:
        event_record(
            lead,
            LeadEvent.Kind.CREATED,
            actor=actor,
            at=at,
            to_stage=lead.stage,
            data={"source": lead.source, "campaign": lead.campaign.code if lead.campaign else None},
        )
        return lead, True
    changed = sorted(name for name, value in updates.items() if getattr(lead, name) != value)
    if changed:
        for name in changed:
            setattr(lead, name, updates[name])
        if lead.account_id is None and lead.company:
            lead.account = _account_for(email, lead.company, at=at)
        lead.save(update_fields=[*changed, "account", "updated_at"])
        event_record(lead, LeadEvent.Kind.UPDATED, actor=actor, at=at, data={"fields": changed})
        if lead.stage == Stage.SUBSCRIBER and any(getattr(lead, name) for name in CONTACT_DETAILS):
            stage_change(lead, Stage.LEAD, actor=actor, at=at, note="Contact details added")
    return lead, False


# --- touchpoints ----------------------------------------------------------------------


def touchpoint_record(
    *,
    lead_id: int | None = None,
    email: str | None = None,
    type: str,
    channel: str = "",
    campaign: str | None = None,
    occurred_at: datetime | None = None,
    acting_user: User | None,
    utm: Mapping[str, str] | None = None,
    note: str = "",
    external_id: str | None = None,
    at: datetime | None = None,
) -> tuple[Touchpoint, bool]:
    """Record an interaction and rescore the lead before returning; returns (touchpoint,
    created). An unknown email creates the contact as a subscriber, as a form or tracking
    hit would. A touchpoint whose `external_id` was already recorded for the same lead is a
    replay: nothing is written and the first one is returned."""
    if acting_user is not None:
        policies.require_can_capture(acting_user)
    at = at or timezone.now()
    if type not in TouchpointType.values:
        raise InvalidInput(f"Unknown touchpoint type '{type}'.", field="type")
    _require_aware(occurred_at, "occurred_at")
    utm_fields = {f"utm_{key}": value for key, value in (utm or {}).items()}
    for name, value in {"channel": channel, "external_id": external_id, **utm_fields}.items():
        _check_length(Touchpoint, name, value)
    campaign_obj = None
    if campaign:
        campaign_obj = Campaign.objects.filter(code=campaign).first()
        if campaign_obj is None:
            raise InvalidInput(f"No campaign with code '{campaign}'.", field="campaign")
    if lead_id is None and not email:
        raise InvalidInput("Give the lead's email or lead_id.", field="email")
    if external_id and (replayed := _replayed(external_id, lead_id=lead_id, email=email)):
        return replayed, False
    with transaction.atomic():
        if lead_id is not None:
            lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
            if lead is None:
                raise NotFound(f"No lead with id {lead_id}.", field="lead_id")
        else:
            lead, _ = _lead_upsert(normalize_email(email), {}, at=at, actor=acting_user)
        try:
            with transaction.atomic():
                touchpoint = Touchpoint.objects.create(
                    lead=lead,
                    type=type,
                    channel=channel or (campaign_obj.channel if campaign_obj else ""),
                    campaign=campaign_obj,
                    occurred_at=occurred_at or at,
                    actor=acting_user if type in REP_ACTIVITY_TYPES else None,
                    note=note,
                    external_id=external_id,
                    created_at=at,
                    **utm_fields,
                )
        except IntegrityError:  # the same external id raced us and won
            return _replayed(external_id, lead_id=lead.pk, email=None), False
        lead_rescore(lead, at=at, actor=acting_user)
    return touchpoint, True


def _replayed(external_id: str, *, lead_id: int | None, email: str | None) -> Touchpoint | None:
    existing = Touchpoint.objects.select_related("lead").filter(external_id=external_id).first()
    if existing is None:
        return None
    same_lead = existing.lead_id == lead_id if lead_id is not None else existing.lead.email == normalize_email(email)
    if not same_lead:
        raise Conflict(f"external_id '{external_id}' was already recorded for another lead.", field="external_id")
    return existing


# --- scoring and qualification ----------------------------------------------------------


def lead_attributes(lead: Lead) -> dict[str, Any]:
    """What rules may test: the lead's own fields, the email domain and the campaign code."""
    attributes = {name: getattr(lead, name) for name in TEXT_FIELDS}
    attributes.update(
        email=lead.email or "",
        email_domain=email_domain(lead.email) if lead.email else "",
        country=lead.country.code or "",
        company_size=lead.company_size,
        consent_email=lead.consent_email,
        campaign=lead.campaign.code if lead.campaign_id else "",
    )
    return attributes


def lead_facts(lead: Lead) -> list[TouchpointFact]:
    """The touchpoints that count for the lead's engagement."""
    touchpoints = lead.touchpoints.all()
    if lead.stage == Stage.RECYCLED and lead.nurture_since:
        # Recycled leads re-qualify on fresh engagement, not on what sales already judged.
        touchpoints = touchpoints.filter(occurred_at__gt=lead.nurture_since)
    return [TouchpointFact(t, o) for t, o in touchpoints.values_list("type", "occurred_at")]


def lead_explain(lead: Lead, definition: LeadDefinition, *, at: datetime | None = None) -> Explanation:
    """Why `lead` does or does not qualify under `definition` (any version, drafts included)
    as of `at`: the points per rule, each requirement, the threshold. Changes nothing."""
    return score_lead(definition.parsed, lead_attributes(lead), lead_facts(lead), now=at or timezone.now())


def lead_rescore(
    lead: Lead,
    *,
    at: datetime,
    actor: User | None,
    definition: LeadDefinition | None = None,
    has_touchpoints: bool = True,
) -> Explanation | None:
    """Score under the active definition and store the score; qualify and route the lead
    when it newly meets the definition. A lead that is already qualified keeps the version
    and the reasons that qualified it: later scores never rewrite why it was handed over.
    The caller holds the lead's row lock."""
    definition = definition or definition_active()
    if definition is None:
        return None
    facts = lead_facts(lead) if has_touchpoints else []
    explanation = score_lead(definition.parsed, lead_attributes(lead), facts, now=at)
    lead.score_fit, lead.score_engagement = explanation.fit, explanation.engagement
    lead.score_total, lead.scored_at = explanation.total, at
    update = ["score_fit", "score_engagement", "score_total", "scored_at"]
    if lead.stage in QUALIFIED_STAGES:
        lead.save(update_fields=update)
        return explanation
    lead.definition, lead.qualification = definition, explanation.as_dict()
    update += ["definition", "qualification"]
    if explanation.qualified and lead.stage in NURTURE_STAGES:
        lead.qualified_at = at
        stage_change(
            lead,
            Stage.MQL,
            actor=actor,
            at=at,
            definition=definition,
            reason="fast_track" if explanation.fast_track else "score",
            note=f"Qualified under v{definition.version}: " + "; ".join(explanation.reasons),
            save_fields=[*update, "qualified_at"],
        )
        lead_route(lead, at=at, definition=definition, actor=actor)
    else:
        lead.save(update_fields=update)
    return explanation


# --- rep actions ----------------------------------------------------------------------


def _locked_lead(lead_id: int, user: User) -> Lead:
    """Lock the lead for a change by `user`; one they cannot even see does not exist for them."""
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=lead_id).first()
    if lead is None or not policies.can_view_lead(user, lead):
        raise NotFound(f"No lead with id {lead_id}.")
    return lead


def lead_accept(*, lead_id: int, acting_user: User, at: datetime | None = None) -> Lead:
    at = at or timezone.now()
    with transaction.atomic():
        lead = _locked_lead(lead_id, acting_user)
        policies.require_can_work_lead(acting_user, lead)
        if lead.stage != Stage.MQL:
            raise InvalidTransition(f"Only a marketing qualified lead can be accepted; this one is '{lead.stage}'.")
        stage_change(lead, Stage.SAL, actor=acting_user, at=at)
        sla_stop(lead, outcome=SlaClock.Outcome.ACCEPTED, at=at)
    return lead


def reason_codes() -> list[str]:
    definition = definition_active()
    return definition.parsed.reason_codes if definition else []


def _validate_reason(reason: str | None, note: str) -> str:
    codes = reason_codes()
    if not reason:
        raise InvalidInput("A reason code is required.", field="reason")
    if reason not in codes:
        raise InvalidInput(f"Unknown reason '{reason}'; use one of: {', '.join(codes)}.", field="reason")
    if reason == "other" and not note.strip():
        raise InvalidInput("Reason 'other' needs a note.", field="note")
    return reason


def lead_reject(
    *,
    lead_id: int,
    acting_user: User,
    reason: str | None,
    note: str = "",
    action: str,
    at: datetime | None = None,
) -> Lead:
    """Sales sends the lead back: `recycle` returns it to marketing's nurture (it can
    re-qualify on new engagement), `disqualify` ends its journey."""
    at = at or timezone.now()
    note = note or ""
    reason = _validate_reason(reason, note)
    targets = {"recycle": Stage.RECYCLED, "disqualify": Stage.DISQUALIFIED}
    if action not in targets:
        raise InvalidInput("Action is 'recycle' or 'disqualify'.", field="action")
    with transaction.atomic():
        lead = _locked_lead(lead_id, acting_user)
        policies.require_can_work_lead(acting_user, lead)
        if lead.stage not in WITH_SALES:
            raise InvalidTransition(f"Only an MQL or an accepted lead can be rejected; this one is '{lead.stage}'.")
        previous_owner = lead.owner.email if lead.owner_id else None
        sla_stop(lead, outcome=SlaClock.Outcome.REJECTED, at=at)
        lead.owner = None  # back to marketing, or out of the funnel
        if action == "recycle":
            lead.nurture_since = at
        stage_change(
            lead,
            targets[action],
            actor=acting_user,
            at=at,
            reason=reason,
            note=note,
            data={"action": action, "owner": previous_owner},
            save_fields=["owner", "nurture_since", "updated_at"],
        )
    return lead


def lead_log_activity(
    *,
    lead_id: int,
    acting_user: User,
    type: str,
    note: str = "",
    occurred_at: datetime | None = None,
    at: datetime | None = None,
) -> Touchpoint:
    """A rep's call, email or meeting: on the timeline, and the first one stops the SLA clock."""
    at = at or timezone.now()
    if type not in REP_ACTIVITY_TYPES:
        raise InvalidInput(f"Activity type is one of {', '.join(REP_ACTIVITY_TYPES)}.", field="type")
    _require_aware(occurred_at, "occurred_at")
    if occurred_at is not None and occurred_at > at:
        raise InvalidInput("An activity cannot be logged before it happened.", field="occurred_at")
    with transaction.atomic():
        lead = _locked_lead(lead_id, acting_user)
        policies.require_can_work_lead(acting_user, lead)
        touchpoint = Touchpoint.objects.create(
            lead=lead,
            type=type,
            channel="sales",
            occurred_at=occurred_at or at,
            actor=acting_user,
            note=note,
            created_at=at,
        )
        event_record(
            lead,
            LeadEvent.Kind.ACTIVITY,
            actor=acting_user,
            at=occurred_at or at,
            note=note,
            data={"type": type, "touchpoint": touchpoint.pk},
        )
        # The clock stops when the follow-up is logged, not at the time it claims: a
        # backdated entry must not turn a late follow-up into an on-time one.
        sla_stop(lead, outcome=SlaClock.Outcome.ACTIVITY, at=at)
        lead_rescore(lead, at=at, actor=acting_user)
    return touchpoint


def lead_assign(
    *, lead_id: int, owner_email: str, acting_user: User, note: str = "", at: datetime | None = None
) -> Lead:
    """A manager hands a qualified or accepted lead to a rep of their team (e.g. when nobody
    was available at routing time). An MQL's running clock stops and a new one starts for
    the new owner."""
    at = at or timezone.now()
    rep = User.objects.select_related("team").filter(email__iexact=(owner_email or "").strip()).first()
    if rep is None or not rep.is_active or rep.role != Role.SALES_REP:
        raise InvalidInput(f"'{owner_email}' is not an active sales rep.", field="owner")
    with transaction.atomic():
        lead = _locked_lead(lead_id, acting_user)
        policies.require_can_assign(acting_user, lead, rep)
        if lead.stage not in WITH_SALES:
            raise InvalidTransition(f"Only an MQL or an accepted lead can be assigned; this one is '{lead.stage}'.")
        if lead.owner_id == rep.pk:
            raise InvalidTransition(f"The lead is already {rep}'s.")
        previous = lead.owner
        sla_stop(lead, outcome=SlaClock.Outcome.REASSIGNED, at=at)
        lead.owner, lead.team = rep, rep.team
        lead.save(update_fields=["owner", "team", "updated_at"])
        event_record(
            lead,
            LeadEvent.Kind.ASSIGNED,
            actor=acting_user,
            at=at,
            note=note or f"Assigned by {acting_user}" + (f" (was {previous})" if previous else ""),
            data={
                "rule": "manual",
                "team": rep.team.name if rep.team else None,
                "owner": rep.email,
                "previous_owner": previous.email if previous else None,
            },
        )
        if lead.stage == Stage.MQL:
            definition = lead.definition or definition_active()
            sla_start(lead, rep=rep, team=rep.team, definition=definition, at=at)
    return lead


# --- opportunities ----------------------------------------------------------------------

AMOUNT_LIMIT = Decimal("1e12")  # the column's 14 digits, 2 of them cents


def opportunity_create(
    *,
    lead_id: int,
    acting_user: User,
    amount: Any,
    name: str = "",
    sales_stage: str | None = None,
    expected_close_on=None,
    at: datetime | None = None,
) -> Opportunity:
    """Convert a lead into a deal (→ sql). Converting an MQL accepts it on the way."""
    at = at or timezone.now()
    value = parse_amount(amount, field="amount", below=AMOUNT_LIMIT)
    name = (name or "").strip()
    _check_length(Opportunity, "name", name)
    stage_obj = None
    if sales_stage:
        stage_obj = SalesStage.objects.filter(name__iexact=sales_stage).first()
        if stage_obj is None:
            raise InvalidInput(f"No sales stage '{sales_stage}'.", field="sales_stage")
    with transaction.atomic():
        lead = _locked_lead(lead_id, acting_user)
        policies.require_can_work_lead(acting_user, lead)
        if lead.stage not in WITH_SALES:
            raise InvalidTransition(f"Only an MQL or an accepted lead can be converted; this one is '{lead.stage}'.")
        if lead.stage == Stage.MQL:
            stage_change(lead, Stage.SAL, actor=acting_user, at=at, note="Accepted on conversion")
        sla_stop(lead, outcome=SlaClock.Outcome.CONVERTED, at=at)
        opportunity = Opportunity.objects.create(
            name=name or f"{lead.company or lead} — new business"[:200],
            lead=lead,
            account=lead.account,
            owner=lead.owner or acting_user,
            amount=value,
            sales_stage=stage_obj or SalesStage.objects.order_by("position").first(),
            expected_close_on=expected_close_on,
            created_at=at,
        )
        deal_event_record(opportunity, OpportunityEvent.Kind.CREATED, actor=acting_user, at=at)
        stage_change(
            lead,
            Stage.SQL,
            actor=acting_user,
            at=at,
            data={"opportunity": opportunity.pk, "amount": str(value)},
        )
    return opportunity


def _locked_opportunity(opportunity_id: int, user: User) -> Opportunity:
    """Lock a deal for a change by `user`: 404 if they cannot see it, 403 if they may not
    work it."""
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("owner", "sales_stage")
        .filter(pk=opportunity_id)
        .first()
    )
    if opportunity is None or not policies.can_view_opportunity(user, opportunity):
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    policies.require_can_work_opportunity(user, opportunity)
    return opportunity


def _locked_open_opportunity(opportunity_id: int, user: User) -> Opportunity:
    """`_locked_opportunity`, and 409 if it is already closed."""
    opportunity = _locked_opportunity(opportunity_id, user)
    if opportunity.status != Opportunity.Status.OPEN:
        raise InvalidTransition(f"The opportunity is already {opportunity.status}.")
    return opportunity


def opportunity_set_stage(
    *, opportunity_id: int, acting_user: User, sales_stage: str, at: datetime | None = None
) -> Opportunity:
    """Move an open deal along the configured sales pipeline; the lead's timeline records it."""
    at = at or timezone.now()
    stage = SalesStage.objects.filter(name__iexact=(sales_stage or "").strip()).first()
    if stage is None:
        names = ", ".join(SalesStage.objects.values_list("name", flat=True))
        raise InvalidInput(f"No sales stage '{sales_stage}'; use one of: {names}.", field="sales_stage")
    with transaction.atomic():
        opportunity = _locked_open_opportunity(opportunity_id, acting_user)
        previous = opportunity.sales_stage
        if previous == stage:
            return opportunity
        opportunity.sales_stage = stage
        opportunity.save(update_fields=["sales_stage"])
        deal_event_record(opportunity, OpportunityEvent.Kind.STAGE, actor=acting_user, at=at)
        if opportunity.lead_id:
            event_record(
                opportunity.lead,
                LeadEvent.Kind.OPPORTUNITY,
                actor=acting_user,
                at=at,
                note=f"{opportunity.name}: {previous or '—'} → {stage}",
                data={"opportunity": opportunity.pk, "from": previous.name if previous else None, "to": stage.name},
            )
    return opportunity


def opportunity_close(
    *,
    opportunity_id: int,
    acting_user: User,
    won: bool,
    reason: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Opportunity:
    """Won makes the lead a customer. Lost needs a reason code and returns the lead to
    marketing's nurture, where it can qualify again later."""
    at = at or timezone.now()
    note = note or ""
    if not won:
        reason = _validate_reason(reason, note)
    with transaction.atomic():
        opportunity = _locked_open_opportunity(opportunity_id, acting_user)
        opportunity.status = Opportunity.Status.WON if won else Opportunity.Status.LOST
        opportunity.lost_reason = "" if won else reason
        opportunity.close_note = note
        opportunity.closed_at = at
        opportunity.save(update_fields=["status", "lost_reason", "close_note", "closed_at"])
        kind = OpportunityEvent.Kind.WON if won else OpportunityEvent.Kind.LOST
        deal_event_record(opportunity, kind, actor=acting_user, at=at, reason=opportunity.lost_reason, note=note)
        if opportunity.lead_id:
            _lead_after_close(opportunity, won=won, reason=reason, note=note, actor=acting_user, at=at)
    return opportunity


def opportunity_reopen(
    *, opportunity_id: int, acting_user: User, note: str = "", at: datetime | None = None
) -> Opportunity:
    """Open a won or lost deal again (the customer backed out, the loss was a mistake). Its
    lead follows it back to sql when it is still where the close put it: a customer through
    this deal alone, or in nurture since this loss. Reports keep the close in the period it
    happened and count the deal again when it closes anew."""
    at = at or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        opportunity = _locked_opportunity(opportunity_id, acting_user)
        if opportunity.status == Opportunity.Status.OPEN:
            raise InvalidTransition("The opportunity is open already.")
        if opportunity.closed_at and at < opportunity.closed_at:
            raise InvalidInput("A deal is reopened after it was closed.", field="at")
        was = opportunity.status
        opportunity.status = Opportunity.Status.OPEN
        opportunity.lost_reason = ""
        opportunity.closed_at = None
        opportunity.save(update_fields=["status", "lost_reason", "closed_at"])
        deal_event_record(opportunity, OpportunityEvent.Kind.REOPENED, actor=acting_user, at=at, note=note)
        if opportunity.lead_id:
            _lead_after_reopen(opportunity, was=was, note=note, actor=acting_user, at=at)
    return opportunity


def _lead_after_reopen(opportunity: Opportunity, *, was: str, note: str, actor: User, at: datetime) -> None:
    lead = Lead.objects.select_for_update().get(pk=opportunity.lead_id)
    data = {"opportunity": opportunity.pk, "amount": str(opportunity.amount), "action": "reopen"}
    if was == Opportunity.Status.WON:
        other_wins = lead.opportunities.filter(status=Opportunity.Status.WON).exclude(pk=opportunity.pk)
        if lead.stage == Stage.CUSTOMER and not other_wins.exists():
            stage_change(lead, Stage.SQL, actor=actor, at=at, note=note or "Deal reopened", data=data)
        return
    last = lead.events.filter(kind=LeadEvent.Kind.STAGE).order_by("-occurred_at", "-id").first()
    closed_here = (
        last is not None and last.to_stage == Stage.RECYCLED and last.data.get("opportunity") == opportunity.pk
    )
    if lead.stage == Stage.RECYCLED and closed_here:
        lead.owner_id = opportunity.owner_id
        lead.nurture_since = None
        stage_change(
            lead,
            Stage.SQL,
            actor=actor,
            at=at,
            note=note or "Deal reopened",
            data=data,
            save_fields=["owner", "nurture_since", "updated_at"],
        )


def _lead_after_close(
    opportunity: Opportunity, *, won: bool, reason: str | None, note: str, actor: User, at: datetime
) -> None:
    """The deal's lead follows it: a win makes it a customer (once); a loss sends it back to
    nurture — unless another of its deals is still open. The deal permission already
    decided who may do this, so the lead is not checked for visibility again."""
    lead = Lead.objects.select_for_update().get(pk=opportunity.lead_id)
    data = {"opportunity": opportunity.pk, "amount": str(opportunity.amount)}
    if lead.stage != Stage.SQL:
        return  # a customer already, from an earlier deal: nothing to move
    if won:
        stage_change(lead, Stage.CUSTOMER, actor=actor, at=at, note=note, data=data)
    elif not lead.opportunities.filter(status=Opportunity.Status.OPEN).exists():
        lead.nurture_since = at
        lead.owner = None
        stage_change(
            lead,
            Stage.RECYCLED,
            actor=actor,
            at=at,
            reason=reason,
            note=note or "Closed lost",
            data={**data, "action": "recycle"},
            save_fields=["nurture_since", "owner", "updated_at"],
        )
