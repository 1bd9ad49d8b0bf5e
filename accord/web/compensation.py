"""The compensation page: per rep, the period's hand-offs and won marketing leads and what
they earn under the policy, the payroll CSV, the policy's history — and, for admins and
executives, a form to add a version. Who reads which rows is decided in reports.policies."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accord.core.errors import DomainError
from accord.reports import compensation as reports
from accord.reports.models import default_currency
from accord.reports.policies import can_read_compensation, can_set_compensation_policy
from accord.web.charts import grouped_bars
from accord.web.forms import FunnelForm
from accord.web.reports import default_period
from accord.web.views import _apply_error, _wants_csv, csv_response

CHART_REPS = 20
COUNT_COLUMNS = (
    ("handed_over", "Handed over"),
    ("on_time", "On time"),
    ("late", "Late"),
    ("ignored", "Ignored"),
    ("reassigned", "Reassigned"),
    ("waiting", "Waiting"),
    ("won", "Won marketing leads"),
)
AMOUNT_COLUMNS = (("reward", "Reward"), ("penalty", "Penalty"), ("bonus", "Bonus"), ("total", "Total"))


class CompensationForm(FunnelForm):
    by = None  # one row per rep, always


class PolicyForm(forms.Form):
    """The fields are text: the service checks the amounts, so its messages (naming the
    field) are the ones shown."""

    reward_on_time = forms.CharField(
        label="Reward per on-time follow-up", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    penalty_ignored = forms.CharField(
        label="Penalty per ignored lead", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    bonus_won = forms.CharField(
        label="Bonus per won marketing lead", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    currency = forms.CharField(label="Currency (ISO 4217 code)", max_length=3)
    effective_from = forms.DateField(label="Applies from (UTC day)", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Why it changes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _policy_form(data=None) -> PolicyForm:
    return PolicyForm(data, auto_id="id_policy_%s", initial={"currency": default_currency()})


def _money(amount) -> str:
    return f"{amount:,.2f}"


def _versions(ids: list[int]) -> str:
    return ", ".join(f"v{pk}" for pk in ids) or "none"


def _page(request, policy_form: PolicyForm | None):
    if not can_read_compensation(request.user):
        raise PermissionDenied("Compensation is sales pay: marketing does not read it.")
    form = CompensationForm(request.GET or default_period(timezone.localdate()))
    report = None
    if form.is_valid():
        try:
            report = reports.compensation_report_for(
                acting_user=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except DomainError as error:
            _apply_error(form, error)
    if report and _wants_csv(request):
        name = f"compensation-{report.date_from:%Y-%m-%d}-{report.date_to:%Y-%m-%d}.csv"
        return csv_response(name, reports.ROW_COLUMNS, reports.report_rows(report))
    rows, chart, chart_caption, period_query, used = [], None, "", "", set()
    if report:
        total = report.total
        used = set(total.policy_versions)
        for row in [*report.rows, total]:
            rows.append(
                {
                    "rep": row.rep,
                    "total": row is total,
                    "counts": [row.counts[name] for name, _ in COUNT_COLUMNS],
                    "amounts": [_money(value) for value in row.amounts.values()],
                    "versions": _versions(row.policy_versions),
                    "without_policy": row.without_policy,
                }
            )
        shown = sorted(report.rows, key=lambda row: -row.amounts["total"])[:CHART_REPS]
        if shown:
            chart = grouped_bars([row.rep for row in shown], [("Total", [row.amounts["total"] for row in shown])])
            chart_caption = "Per rep, largest first" + (
                f" (the {CHART_REPS} largest of {len(report.rows)})" if len(report.rows) > CHART_REPS else ""
            )
        period_query = urlencode({"date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat()})
    return render(
        request,
        "accord/compensation.html",
        {
            "form": form,
            "report": report,
            "count_columns": COUNT_COLUMNS,
            "amount_columns": AMOUNT_COLUMNS,
            "rows": rows,
            "chart": chart,
            "chart_caption": chart_caption,
            "period_query": period_query,
            "history": [
                {
                    "version": version,
                    "amounts": [
                        _money(v) for v in (version.reward_on_time, version.penalty_ignored, version.bonus_won)
                    ],
                    "used": version.pk in used,
                }
                for version in reports.policy_history()
            ],
            "policy_form": policy_form,
        },
    )


@require_GET
@login_required
def compensation(request):
    """Per rep, the period's counts and amounts; the policy history below."""
    return _page(request, _policy_form() if can_set_compensation_policy(request.user) else None)


@require_POST
@login_required
def compensation_policy_new(request):
    """Add a policy version (admins and executives); back to the page of the same period."""
    if not can_set_compensation_policy(request.user):
        raise PermissionDenied("Only an admin or an executive sets the compensation policy.")
    form = _policy_form(request.POST)
    if form.is_valid():
        try:
            version = reports.policy_create(acting_user=request.user, **form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"Added policy v{version.pk}, applying from {version.effective_from}.")
            query = request.GET.urlencode()
            return redirect(reverse("compensation") + (f"?{query}" if query else ""))
    return _page(request, form)
