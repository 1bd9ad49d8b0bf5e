"""Sales' feedback on the leads marketing hands over: a rating and the problems, in the
words of the definition's reason codes, so the rejection report can say what was wrong
with a source or a campaign and not only how often.

Feedback changes nothing about the lead's journey, so it writes no lead event: the
`LeadFeedback` row is its own record (one per person per lead, the latest kept)."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accord.core.errors import InvalidInput, NotAllowed, NotFound
from accord.crm import policies
from accord.crm.models import Lead, LeadFeedback
from accord.crm.services import reason_codes
from accord.people.models import Role, User

RATINGS = range(1, 6)
MAX_NOTE = 5000


def can_give_feedback(user: User, lead: Lead) -> bool:
    """Whoever may work the lead, and any sales manager or admin who can see it: a
    manager judges leads of other teams' reps as well."""
    if policies.can_work_lead(user, lead):
        return True
    leads_sales = policies.is_admin(user) or user.role == Role.SALES_MANAGER
    return leads_sales and policies.can_view_lead(user, lead)


def _clean_problems(problems: Iterable[str]) -> list[str]:
    if isinstance(problems, str) or not isinstance(problems, Iterable):
        raise InvalidInput("Problems are a list of reason codes.", field="problems")
    codes = reason_codes()
    clean: list[str] = []
    for code in problems:
        if code not in codes:
            raise InvalidInput(f"Unknown problem '{code}'; use reason codes: {', '.join(codes)}.", field="problems")
        if code not in clean:
            clean.append(code)
    return clean


def lead_feedback_give(
    *,
    lead_id: int,
    acting_user: User,
    rating: int,
    problems: Iterable[str] = (),
    note: str = "",
    at: datetime | None = None,
) -> LeadFeedback:
    """Record `acting_user`'s rating (1–5) of the lead and the problems it had. Feedback
    given again replaces the earlier one. A lead the user cannot see does not exist for
    them (NotFound); one they see but may not judge is NotAllowed."""
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise InvalidInput("The rating is a whole number from 1 to 5.", field="rating")
    clean_problems = _clean_problems(problems)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"At most {MAX_NOTE:,} characters.", field="note")
    at = at or timezone.now()
    with transaction.atomic():
        # The lead's row lock makes a double click replace, not race on the unique index.
        lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=lead_id).first()
        if lead is None or not policies.can_view_lead(acting_user, lead):
            raise NotFound(f"No lead with id {lead_id}.")
        if not can_give_feedback(acting_user, lead):
            raise NotAllowed("Only the lead's owner, a sales manager or an admin can give feedback on it.")
        feedback, _ = LeadFeedback.objects.update_or_create(
            lead=lead,
            user=acting_user,
            defaults={"rating": rating, "problems": clean_problems, "note": note, "created_at": at},
        )
    return feedback
