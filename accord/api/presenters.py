"""Domain objects → the API's JSON shapes."""

from typing import Any

from accord.crm.models import Lead, LeadEvent, LeadFeedback, Opportunity, Touchpoint


def lead_out(lead: Lead) -> dict[str, Any]:
    qualification = lead.qualification or {}
    return {
        "id": lead.pk,
        "email": lead.email,
        "external_id": lead.external_id,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "company": lead.company,
        "title": lead.title,
        "phone": lead.phone,
        "country": lead.country.code or "",
        "region": lead.region,
        "industry": lead.industry,
        "company_size": lead.company_size,
        "source": lead.source,
        "campaign": lead.campaign.code if lead.campaign_id else None,
        "utm_source": lead.utm_source,
        "utm_medium": lead.utm_medium,
        "utm_campaign": lead.utm_campaign,
        "need": lead.need,
        "authority": lead.authority,
        "budget": lead.budget,
        "timeline": lead.timeline,
        "consent_email": lead.consent_email,
        "stage": lead.stage,
        "score": {"fit": lead.score_fit, "engagement": lead.score_engagement, "total": lead.score_total},
        "owner": lead.owner.email if lead.owner_id else None,
        "team": lead.team.name if lead.team_id else None,
        "sla_due_at": getattr(lead, "sla_due_at", None),
        "definition_version": lead.definition.version if lead.definition_id else None,
        "qualification": {
            "qualified": qualification.get("qualified", False),
            "reasons": qualification.get("reasons", []),
            "rules": qualification.get("rules", []),
            "requirements": qualification.get("requirements", {}),
            "fast_track": qualification.get("fast_track"),
            "threshold": qualification.get("threshold"),
        },
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def event_out(event: LeadEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "from_stage": event.from_stage,
        "to_stage": event.to_stage,
        "actor": event.actor.email if event.actor_id else None,
        "reason": event.reason,
        "note": event.note,
        "definition_version": event.definition.version if event.definition_id else None,
        "data": event.data,
        "occurred_at": event.occurred_at,
    }


def touchpoint_out(touchpoint: Touchpoint) -> dict[str, Any]:
    return {
        "id": touchpoint.pk,
        "type": touchpoint.type,
        "channel": touchpoint.channel,
        "campaign": touchpoint.campaign.code if touchpoint.campaign_id else None,
        "occurred_at": touchpoint.occurred_at,
        "note": touchpoint.note,
        "actor": touchpoint.actor.email if touchpoint.actor_id else None,
    }


def opportunity_out(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "external_id": opportunity.external_id,
        "lead_id": opportunity.lead_id,
        "account": opportunity.account.name if opportunity.account_id else None,
        "owner": opportunity.owner.email if opportunity.owner_id else None,
        "owner_name": opportunity.owner_name,
        "amount": float(opportunity.amount),
        "sales_stage": opportunity.sales_stage.name if opportunity.sales_stage_id else None,
        "status": opportunity.status,
        "lost_reason": opportunity.lost_reason,
        "created_at": opportunity.created_at,
        "closed_at": opportunity.closed_at,
    }


def feedback_out(feedback: LeadFeedback) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "lead_id": feedback.lead_id,
        "user": feedback.user.email if feedback.user_id else None,
        "rating": feedback.rating,
        "problems": feedback.problems,
        "note": feedback.note,
        "created_at": feedback.created_at,
    }
