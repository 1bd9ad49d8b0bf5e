"""The cost report page: campaign costs against what they brought, per campaign or
channel (everyone signed in), with the form marketing records costs through and the
latest entries of the ledger."""

from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accord.campaigns.models import Campaign
from accord.campaigns.policies import can_record_costs
from accord.campaigns.selectors import costs_all, costs_recent
from accord.campaigns.services import campaign_cost_record
from accord.core.errors import DomainError, NotAllowed
from accord.reports.cost import COUNTS, ROW_COLUMNS, cost_report_for, report_rows
from accord.web.charts import grouped_bars
from accord.web.forms import FunnelForm
from accord.web.reports import default_period
from accord.web.views import _apply_error, _wants_csv, csv_response

COUNT_TITLES = {
    "leads": ("Leads", "per lead"),
    "mqls": ("MQLs", "per MQL"),
    "sqls": ("SQLs", "per SQL"),
    "opportunities": ("Opportunities", "per opportunity"),
    "customers": ("Customers", "per customer"),
}
LEDGER_COLUMNS = ("id", "campaign", "month", "amount", "note", "created_by", "created_at")
RECENT_ENTRIES = 20


class CostReportForm(FunnelForm):
    by = forms.ChoiceField(choices=[("campaign", "Campaign"), ("channel", "Channel")], required=False, label="Group by")


class CostEntryForm(forms.Form):
    """A cost entry as typed; the service checks every value and names what is wrong."""

    campaign = forms.ChoiceField()
    month = forms.CharField(
        help_text="YYYY-MM", widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})
    )
    amount = forms.CharField(
        help_text="Negative to correct the month’s earlier entries.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1200.00"}),
    )
    note = forms.CharField(required=False, help_text="The invoice, or why a correction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = Campaign.objects.order_by("name").values_list("code", "name")
        self.fields["campaign"].choices = [
            ("", "Choose a campaign…"),
            *((code, f"{name} ({code})") for code, name in campaigns),
        ]
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _table_row(row, total: bool) -> dict:
    won = row.return_on_cost
    return {
        "group": row.group,
        "name": row.name if row.name != row.group else "",
        "channel": row.channel,
        "total": total,
        "budget": _money(row.budget),
        "cost": _money(row.cost),
        "counts": [row.counts[name] for name in COUNTS],
        "won_revenue": _money(row.won_revenue),
        "per": [_money(row.cost_per(name)) for name in COUNTS],
        "return": "—" if won is None else f"{won:.2f}×",
    }


def _ledger_rows(entries):
    for entry in entries:
        yield (
            entry.pk,
            entry.campaign.code,
            f"{entry.month:%Y-%m}",
            entry.amount,
            entry.note,
            entry.created_by.email if entry.created_by_id else None,
            entry.created_at,
        )


def _page(request, entry_form: CostEntryForm | None):
    """The report for the period asked for (by the query string, also when a cost entry
    is posted), and the entry form as given."""
    form = CostReportForm(request.GET or default_period(timezone.localdate()))
    report = None
    if form.is_valid():
        try:
            report = cost_report_for(
                acting_user=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                by=form.cleaned_data["by"] or "campaign",
            )
        except DomainError as error:
            _apply_error(form, error)
    if report and request.method == "GET" and _wants_csv(request):
        return csv_response("cost.csv", ROW_COLUMNS, report_rows(report))
    chart = None
    costed = [row for row in report.rows if row.cost is not None] if report else []
    if costed:
        shown = costed[:12]
        chart = grouped_bars(
            [row.group for row in shown],
            [
                # Whole units: the bars are a picture, the table has the cents.
                ("Cost", [round(row.cost) for row in shown]),
                ("Won revenue", [round(row.won_revenue) for row in shown]),
            ],
        )
    period_query = (
        urlencode({"date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat(), "by": report.by})
        if report
        else ""
    )
    return render(
        request,
        "accord/cost_report.html",
        {
            "form": form,
            "report": report,
            "rows": [_table_row(row, False) for row in report.rows] + [_table_row(report.total, True)]
            if report
            else [],
            "count_titles": [COUNT_TITLES[name] for name in COUNTS],
            "group_title": "Channel" if report and report.by == "channel" else "Campaign",
            "group_title_lower": "channel" if report and report.by == "channel" else "campaign",
            "chart": chart,
            "period_query": period_query,
            "page_url": reverse("cost"),
            "entry_form": entry_form,
            "entry_action": reverse("cost_entry_new") + (f"?{period_query}" if period_query else ""),
            "recent": costs_recent(acting_user=request.user, limit=RECENT_ENTRIES),
        },
    )


@require_GET
@login_required
def cost(request):
    """Campaign costs against leads, MQLs, SQLs, opportunities, customers and won revenue;
    `?format=csv&table=ledger` downloads every entry of the cost ledger."""
    if _wants_csv(request) and request.GET.get("table") == "ledger":
        entries = costs_all(acting_user=request.user).iterator(chunk_size=2000)
        return csv_response("cost-ledger.csv", LEDGER_COLUMNS, _ledger_rows(entries))
    return _page(request, CostEntryForm(auto_id="id_entry_%s") if can_record_costs(request.user) else None)


@require_POST
@login_required
def cost_entry_new(request):
    """Record a cost entry (marketing, marketing leads, admins); back to the report of the
    same period, or the page again with what is wrong on the form."""
    if not can_record_costs(request.user):
        raise PermissionDenied("Only marketing, marketing leads and admins record campaign costs.")
    entry_form = CostEntryForm(request.POST, auto_id="id_entry_%s")
    if entry_form.is_valid():
        data = entry_form.cleaned_data
        try:
            entry = campaign_cost_record(
                acting_user=request.user,
                campaign_code=data["campaign"],
                month=data["month"],
                amount=data["amount"],
                note=data["note"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            # An unknown campaign is a mistake on the form here, not a missing page.
            entry_form.add_error(error.field if error.field in entry_form.fields else None, error.message)
        else:
            messages.success(request, f"Recorded {entry.amount:,.2f} for {entry.campaign.name} in {entry.month:%Y-%m}.")
            query = request.GET.urlencode()
            return redirect(reverse("cost") + (f"?{query}" if query else ""))
    return _page(request, entry_form)
