"""Every lead and deal history entry is written here, inside the caller's transaction."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from accord.core.errors import InvalidTransition
from accord.crm.models import Lead, LeadEvent, Opportunity, OpportunityEvent, Stage
from accord.definitions.models import LeadDefinition
from accord.people.models import User

# Which stage may follow which. Anything else is a programming or user error.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.SUBSCRIBER: frozenset({Stage.LEAD, Stage.MQL, Stage.DISQUALIFIED}),
    Stage.LEAD: frozenset({Stage.MQL, Stage.RECYCLED, Stage.DISQUALIFIED}),
    # mql → lead: a new definition no longer qualifies an MQL that no rep has picked up.
    Stage.MQL: frozenset({Stage.LEAD, Stage.SAL, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.SAL: frozenset({Stage.SQL, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.SQL: frozenset({Stage.CUSTOMER, Stage.RECYCLED}),
    # customer → sql, recycled → sql: the deal that moved the lead there was reopened.
    Stage.CUSTOMER: frozenset({Stage.SQL}),
    Stage.RECYCLED: frozenset({Stage.MQL, Stage.DISQUALIFIED, Stage.SQL}),
    Stage.DISQUALIFIED: frozenset(),
}


def event_record(
    lead: Lead,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    reason: str = "",
    note: str = "",
    definition: LeadDefinition | None = None,
    data: dict[str, Any] | None = None,
    from_stage: str = "",
    to_stage: str = "",
) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor,
        occurred_at=at,
        reason=reason,
        note=note,
        definition=definition,
        data=data or {},
        from_stage=from_stage,
        to_stage=to_stage,
    )


def stage_change(
    lead: Lead,
    to_stage: str,
    *,
    actor: User | None,
    at: datetime,
    reason: str = "",
    note: str = "",
    definition: LeadDefinition | None = None,
    data: dict[str, Any] | None = None,
    save_fields: Iterable[str] = (),
) -> LeadEvent:
    """Move the lead to `to_stage` and append the event. The caller holds the lead's row
    lock and saves nothing else for the stage: this writes both. `save_fields` are other
    fields the caller changed on `lead`, saved in the same UPDATE."""
    from_stage = lead.stage
    if to_stage not in TRANSITIONS[from_stage]:
        raise InvalidTransition(f"A lead in stage '{from_stage}' cannot move to '{to_stage}'.", field="stage")
    lead.stage = to_stage
    lead.stage_changed_at = at
    lead.save(update_fields=["stage", "stage_changed_at", *save_fields])
    return event_record(
        lead,
        LeadEvent.Kind.STAGE,
        actor=actor,
        at=at,
        reason=reason,
        note=note,
        definition=definition,
        data=data,
        from_stage=from_stage,
        to_stage=to_stage,
    )


def deal_event_record(
    opportunity: Opportunity,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    reason: str = "",
    note: str = "",
) -> OpportunityEvent:
    """Append what just happened to the deal, with its status, amount and sales stage after
    it. The caller has saved the deal."""
    return OpportunityEvent.objects.create(
        opportunity=opportunity,
        kind=kind,
        status=opportunity.status,
        amount=opportunity.amount,
        sales_stage=opportunity.sales_stage.name if opportunity.sales_stage_id else "",
        actor=actor,
        reason=reason or "",
        note=note or "",
        occurred_at=at,
    )
