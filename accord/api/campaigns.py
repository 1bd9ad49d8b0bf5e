"""Campaigns' cost ledger: read it (everyone signed in), record an entry or a correction
(marketing, marketing leads, admins)."""

from ninja import Router, Status

from accord.api.schemas import CampaignCostIn, CampaignCostOut, CampaignLedgerOut, ErrorOut
from accord.campaigns.models import CampaignCost
from accord.campaigns.selectors import campaign_ledger_for
from accord.campaigns.services import campaign_cost_record

router = Router(tags=["campaigns"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def cost_out(entry: CampaignCost) -> dict:
    return {
        "id": entry.pk,
        "campaign": entry.campaign.code,
        "month": f"{entry.month:%Y-%m}",
        "amount": float(entry.amount),
        "note": entry.note,
        "created_by": entry.created_by.email if entry.created_by_id else None,
        "created_at": entry.created_at,
    }


@router.get("/{code}/costs", response={200: CampaignLedgerOut, **ERRORS}, summary="A campaign's cost ledger")
def list_campaign_costs(request, code: str):
    """Every cost entry of the campaign, newest first, and what each month's entries add up to."""
    ledger = campaign_ledger_for(acting_user=request.auth, campaign_code=code)
    return {
        "campaign": ledger.campaign.code,
        "name": ledger.campaign.name,
        "months": [{"month": f"{month:%Y-%m}", "total": float(total)} for month, total in ledger.months],
        "entries": [cost_out(entry) for entry in ledger.entries],
    }


@router.post("/{code}/costs", response={201: CampaignCostOut, **ERRORS}, summary="Record a cost or a correction")
def record_campaign_cost(request, code: str, payload: CampaignCostIn):
    """What the campaign cost in a month; a negative amount corrects the month's earlier
    entries (never below zero in all). Entries are never changed or deleted."""
    entry = campaign_cost_record(acting_user=request.auth, campaign_code=code, **payload.dict())
    return Status(201, cost_out(entry))
