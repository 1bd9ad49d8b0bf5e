"""What each kind's columns hold, as real values, streamed from a queryset.

The column names are the import's field names (so an exported file re-imports with the
generic preset). Each generator joins what its rows name with `select_related` and reads the
queryset in chunks with `.iterator()`, so an export of a million rows holds one chunk in
memory, never the whole set; it keeps the queryset's filters and order, so whoever builds
the queryset decides what is exported.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from accord.crm.models import Lead, LeadEvent, Opportunity, Touchpoint
from accord.notifications.models import Notification

CHUNK_SIZE = 2000

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Kind:
    """One kind of export: its columns, how a row is made, and its table and time field."""

    columns: tuple[str, ...]
    rows: Callable[[QuerySet], Iterator[Row]]
    model: type[Model]
    date_field: str


LEAD_COLUMNS = (
    "id", "email", "external_id", "first_name", "last_name", "company", "title", "phone", "country", "region",
    "industry", "company_size", "source", "campaign", "utm_source", "utm_medium", "utm_campaign", "need",
    "authority", "budget", "timeline", "consent_email", "stage", "owner", "team", "score_fit", "score_engagement",
    "score_total", "created_at", "custom",
)  # fmt: skip


def lead_rows(leads: QuerySet[Lead]) -> Iterator[Row]:
    for lead in leads.select_related("owner", "team", "campaign").iterator(chunk_size=CHUNK_SIZE):
        yield (
            lead.pk, lead.email, lead.external_id, lead.first_name, lead.last_name, lead.company, lead.title,
            lead.phone, lead.country.code or "", lead.region, lead.industry, lead.company_size, lead.source,
            lead.campaign.code if lead.campaign_id else None, lead.utm_source, lead.utm_medium, lead.utm_campaign,
            lead.need, lead.authority, lead.budget, lead.timeline, lead.consent_email, lead.stage,
            lead.owner.email if lead.owner_id else None, lead.team.name if lead.team_id else None,
            lead.score_fit, lead.score_engagement, lead.score_total, lead.created_at, lead.custom,
        )  # fmt: skip


TOUCHPOINT_COLUMNS = (
    "id", "external_id", "email", "lead_external_id", "type", "channel", "campaign", "occurred_at", "utm_source",
    "utm_medium", "utm_campaign", "note",
)  # fmt: skip


def touchpoint_rows(touchpoints: QuerySet[Touchpoint]) -> Iterator[Row]:
    for touchpoint in touchpoints.select_related("lead", "campaign").iterator(chunk_size=CHUNK_SIZE):
        yield (
            touchpoint.pk, touchpoint.external_id, touchpoint.lead.email, touchpoint.lead.external_id,
            touchpoint.type, touchpoint.channel, touchpoint.campaign.code if touchpoint.campaign_id else None,
            touchpoint.occurred_at, touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign,
            touchpoint.note,
        )  # fmt: skip


OPPORTUNITY_COLUMNS = (
    "id", "external_id", "name", "lead", "account", "owner", "amount", "stage", "status", "created_at", "closed_at",
    "lost_reason", "expected_close_on",
)  # fmt: skip


def _opportunity_stage(opportunity: Opportunity) -> str:
    """Where a deal stands in one word: won or lost once closed, else its sales stage
    (or "open" before it has one) — the value the import reads as the deal's stage."""
    if opportunity.status != Opportunity.Status.OPEN:
        return opportunity.status
    return opportunity.sales_stage.name if opportunity.sales_stage_id else Opportunity.Status.OPEN.value


def opportunity_rows(opportunities: QuerySet[Opportunity]) -> Iterator[Row]:
    related = opportunities.select_related("lead", "account", "owner", "sales_stage")
    for deal in related.iterator(chunk_size=CHUNK_SIZE):
        yield (
            deal.pk, deal.external_id, deal.name,
            (deal.lead.email or deal.lead.external_id) if deal.lead_id else None,
            deal.account.name if deal.account_id else None,
            deal.owner.email if deal.owner_id else deal.owner_name,
            deal.amount, _opportunity_stage(deal), deal.status, deal.created_at, deal.closed_at, deal.lost_reason,
            deal.expected_close_on,
        )  # fmt: skip


EVENT_COLUMNS = (
    "id", "lead_id", "email", "kind", "from_stage", "to_stage", "actor", "reason", "note", "definition", "data",
    "occurred_at",
)  # fmt: skip


def event_rows(events: QuerySet[LeadEvent]) -> Iterator[Row]:
    for event in events.select_related("lead", "actor", "definition").iterator(chunk_size=CHUNK_SIZE):
        yield (
            event.pk, event.lead_id, event.lead.email, event.kind, event.from_stage, event.to_stage,
            event.actor.email if event.actor_id else None, event.reason, event.note,
            event.definition.version if event.definition_id else None, event.data, event.occurred_at,
        )  # fmt: skip


NOTIFICATION_COLUMNS = ("id", "kind", "message", "lead_id", "email", "created_at", "read_at")


def notification_rows(notifications: QuerySet[Notification]) -> Iterator[Row]:
    for item in notifications.select_related("lead").iterator(chunk_size=CHUNK_SIZE):
        email = item.lead.email if item.lead_id else None
        yield (item.pk, item.kind, item.message, item.lead_id, email, item.created_at, item.read_at)


LEADS = Kind(LEAD_COLUMNS, lead_rows, Lead, "created_at")
TOUCHPOINTS = Kind(TOUCHPOINT_COLUMNS, touchpoint_rows, Touchpoint, "occurred_at")
OPPORTUNITIES = Kind(OPPORTUNITY_COLUMNS, opportunity_rows, Opportunity, "created_at")
EVENTS = Kind(EVENT_COLUMNS, event_rows, LeadEvent, "occurred_at")
# Only the web's notifications page exports these: they are one user's, not the company's data.
NOTIFICATIONS = Kind(NOTIFICATION_COLUMNS, notification_rows, Notification, "created_at")

EXPORTS = {"leads": LEADS, "touchpoints": TOUCHPOINTS, "opportunities": OPPORTUNITIES, "events": EVENTS}
