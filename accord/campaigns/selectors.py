"""Reading campaigns and their cost ledger."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from accord.campaigns.models import Campaign, CampaignCost
from accord.campaigns.policies import require_can_read_costs
from accord.core.errors import NotFound
from accord.people.models import User


def campaign_find(*, code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=(code or "").strip()).first()
    if campaign is None:
        raise NotFound(f"No campaign with code '{code}'.", field="campaign")
    return campaign


@dataclass(slots=True)
class Ledger:
    campaign: Campaign
    entries: QuerySet[CampaignCost]  # newest first
    months: list[tuple[date, Decimal]]  # what each month's entries add up to, latest month first


def campaign_ledger(*, campaign_code: str) -> Ledger:
    """A campaign's cost entries, newest first, and what they add up to per month."""
    campaign = campaign_find(code=campaign_code)
    months = (
        campaign.costs.values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
        .order_by("-month")
    )
    return Ledger(
        campaign=campaign,
        entries=campaign.costs.select_related("campaign", "created_by").order_by("-created_at", "-id"),
        months=list(months),
    )


def campaign_ledger_for(*, acting_user: User, campaign_code: str) -> Ledger:
    """`campaign_ledger` for a person: everyone signed in reads it."""
    require_can_read_costs(acting_user)
    return campaign_ledger(campaign_code=campaign_code)


def costs_all(*, acting_user: User) -> QuerySet[CampaignCost]:
    """Every entry of every campaign, newest first."""
    require_can_read_costs(acting_user)
    return CampaignCost.objects.select_related("campaign", "created_by").order_by("-created_at", "-id")


def costs_recent(*, acting_user: User, limit: int = 20) -> list[CampaignCost]:
    """The latest entries of every campaign, newest first."""
    return list(costs_all(acting_user=acting_user)[:limit])
