"""`{% goal_pacing %}`: the revenue goal's pacing panel, on both teams' home pages."""

from django import template
from django.utils import timezone

from accord.reports import goal
from accord.web.goal import plan_rows

register = template.Library()


@register.inclusion_tag("accord/_goal_pacing.html", takes_context=True)
def goal_pacing(context) -> dict:
    user = context["request"].user
    today = timezone.now().date()
    found = goal.goal_current(user, today)
    if found is None:
        return {"plan": None}
    plan = goal.goal_plan(found, today=today)
    return {"plan": plan, "rows": plan_rows(plan)}
