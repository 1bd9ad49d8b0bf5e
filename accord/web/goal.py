"""The shared revenue goal: its page (the reverse funnel and the pacing; setting it for
those allowed) and the pacing panel on both teams' home pages."""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accord.core.errors import DomainError, NotAllowed, NotFound
from accord.people.models import Team
from accord.reports import goal
from accord.reports.backtest import measure_text
from accord.reports.policies import can_set_goal
from accord.web.charts import grouped_bars
from accord.web.views import _apply_error, _wants_csv, csv_response

STEP_TITLES = {
    "revenue": "Revenue",
    "deals": "Deals won",
    "opportunities": "Opportunities",
    "sqls": "SQLs",
    "mqls": "MQLs",
    "leads": "Leads",
}
RATE_TITLES = {
    "average_deal": "Average deal",
    "win_rate": "Win rate",
    "opportunities_per_sql": "Opportunities per SQL",
    "mql_to_sql": "MQL → SQL",
    "lead_to_mql": "Lead → MQL",
}


def _team_choices():
    return [("", "The company")] + [(t.name, t.name) for t in Team.objects.order_by("name")]


class GoalPeriodForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices()


class GoalSetForm(GoalPeriodForm):
    revenue = forms.DecimalField(label="Revenue goal", min_value=0.01, max_digits=14, decimal_places=2)
    lookback_months = forms.IntegerField(label="Months of history", min_value=1, max_value=goal.MAX_LOOKBACK, initial=6)
    currency = forms.CharField(label="Currency", required=False, max_length=3)


def this_quarter(today: date) -> dict:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    following = date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return {"date_from": first, "date_to": following.fromordinal(following.toordinal() - 1)}


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def plan_rows(plan: goal.GoalPlan) -> list[dict]:
    rows = []
    for step in plan.steps:
        money = step.name == "revenue"
        shown = _money if money else _number
        if step.rate_name == "average_deal":
            rate_text = _money(step.rate)
        else:
            rate_text = "" if step.rate_name is None else measure_text(step.rate, "rate")
        rows.append(
            {
                "name": STEP_TITLES[step.name],
                "rate_name": RATE_TITLES.get(step.rate_name, ""),
                "rate": rate_text,
                "target": shown(step.target),
                "actual": shown(step.actual),
                "expected": _money(step.expected)
                if money
                else ("—" if step.expected is None else f"{step.expected:,.2f}"),
                "pace": measure_text(step.pace, "rate"),
                "behind": step.pace is not None and step.pace < 1,
            }
        )
    return rows


def _in_sentence(title: str) -> str:
    """A rate's title inside a sentence: "the average deal", but "the MQL → SQL"."""
    return title if title[1:2].isupper() else title[0].lower() + title[1:]


def _plan_query(plan: goal.GoalPlan) -> str:
    """The query that shows `plan` again, for its CSV link: the page opened without one
    shows this quarter's goal, which a bare `?format=csv` would not find."""
    found = plan.goal
    return urlencode(
        {"date_from": found.date_from, "date_to": found.date_to, "team": found.team.name if found.team_id else ""}
    )


@require_GET
@login_required
def goal_page(request):
    """The revenue goal of a period as funnel targets, and how both teams pace against them."""
    today = timezone.now().date()
    form = GoalPeriodForm(request.GET or this_quarter(today))
    plan = None
    if form.is_valid():
        try:
            found = goal.goal_get(
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                team=form.cleaned_data["team"] or None,
            )
        except NotFound:
            found = None
        plan = goal.goal_plan(found, today=today) if found else None
    if plan and _wants_csv(request):
        return csv_response("goal.csv", goal.ROW_COLUMNS, goal.report_rows(plan))
    chart = None
    if plan:
        counted = [s for s in plan.steps[1:] if s.target is not None]
        if counted:
            chart = grouped_bars(
                [STEP_TITLES[s.name] for s in counted],
                [
                    ("Target", [round(s.target) for s in counted]),
                    ("Expected to date", [s.expected or 0 for s in counted]),  # 2.5 deals, as the table
                    ("Actual", [round(s.actual) for s in counted]),
                ],
            )
    period = form.cleaned_data if form.is_valid() else this_quarter(today)
    team_id = None
    if form.is_valid() and form.cleaned_data["team"]:
        team_id = Team.objects.filter(name=form.cleaned_data["team"]).values_list("pk", flat=True).first()
    set_form = None
    if can_set_goal(request.user, team_id):
        initial = {**period, "team": form.cleaned_data.get("team", "") if form.is_valid() else ""}
        if plan:
            initial.update(
                revenue=plan.goal.revenue, lookback_months=plan.goal.lookback_months, currency=plan.goal.currency
            )
        set_form = GoalSetForm(initial=initial, auto_id="set_%s")
    return render(
        request,
        "accord/goal.html",
        {
            "form": form,
            "plan": plan,
            "rows": plan_rows(plan) if plan else [],
            "chart": chart,
            "set_form": set_form,
            "missing_rate": _in_sentence(RATE_TITLES[plan.missing[0]]) if plan and plan.missing else "",
            "query": _plan_query(plan) if plan else "",
        },
    )


@require_POST
@login_required
def goal_set(request):
    form = GoalSetForm(request.POST, auto_id="set_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = goal.goal_set(
                acting_user=request.user,
                date_from=data["date_from"],
                date_to=data["date_to"],
                revenue=data["revenue"],
                team=data["team"] or None,
                lookback_months=data["lookback_months"],
                currency=data["currency"] or None,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "Revenue goal set.")
            query = urlencode(
                {"date_from": made.date_from, "date_to": made.date_to, "team": made.team.name if made.team_id else ""}
            )
            return redirect(f"{reverse('goal')}?{query}")
    team_name = request.POST.get("team") or None
    team_id = Team.objects.filter(name=team_name).values_list("pk", flat=True).first() if team_name else None
    if not can_set_goal(request.user, team_id):
        raise PermissionDenied
    return render(
        request,
        "accord/goal.html",
        {"form": GoalPeriodForm(this_quarter(timezone.now().date())), "plan": None, "rows": [], "set_form": form},
        status=422,
    )
