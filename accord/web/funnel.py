"""The funnel page (everyone signed in): the cohort of a period per group, each conversion
beside the comparison period's with the change; its CSV. Also the form and the change
badge the velocity page shares."""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.core.errors import DomainError
from accord.definitions.policies import can_backtest
from accord.exports.formats import csv_lines
from accord.reports.funnel import CONVERSIONS, FUNNEL_STEPS, funnel_compared, report_rows, row_columns
from accord.web.forms import FunnelForm
from accord.web.views import _apply_error

GROUP_CHOICES = [
    ("", "No grouping"),
    ("source", "Source"),
    ("campaign", "Campaign"),
    ("channel", "Channel"),
    ("segment", "Segment (company size)"),
    ("country", "Country"),
    ("team", "Team"),
    ("owner", "Owner"),
]
COMPARE_CHOICES = [("none", "No comparison"), ("previous", "Previous period"), ("year", "Same dates a year earlier")]


class ComparedReportForm(FunnelForm):
    by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, label="Group by")
    compare = forms.ChoiceField(choices=COMPARE_CHOICES, label="Compare with")


def compared_form(request, initial: dict, compare: str) -> ComparedReportForm:
    """The page's form over its query — `initial` when there is none; a query without
    `compare` (links made before there was one) means `compare`."""
    if not request.GET:
        return ComparedReportForm({**initial, "compare": compare})
    data = request.GET.copy()
    data.setdefault("compare", compare)
    return ComparedReportForm(data)


def report_query(report, compare: str, **extra) -> str:
    """The query that shows `report` again (for its CSV link) on a page whose comparison
    is `compare` by default: the period, and grouping and comparison unless the default."""
    query = {"date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat()}
    if report.by:
        query["by"] = report.by
    if report.compare != compare:
        query["compare"] = report.compare
    return urlencode({**query, **extra})


def change_badge(value: float | None, *, unit: str = "", scale: float = 1, places: int = 0, better: str = "") -> dict:
    """A change as the page shows it: its direction in words (▲ up / ▼ down, never colour
    alone), its size (in `unit`), and `tone` good or bad when `better` says which direction
    is ("up", "down"; "" for neither). Empty when there is nothing to compare."""
    if value is None:
        return {}
    direction = "up" if value > 0 else "down" if value < 0 else "same"
    tone = "" if not better or direction == "same" else "good" if direction == better else "bad"
    size = f"{abs(value) * scale:,.{places}f}" + (f" {unit}" if unit else "")
    return {"direction": direction, "tone": tone, "text": "no change" if direction == "same" else size}


CHART_BAR_X, CHART_BAR_MAX = 190, 380
COUNT_COLUMNS = (
    ("leads", "Leads"), ("mql", "MQL"), ("sal", "SAL"), ("sql", "SQL"), ("customer", "Customers"),
    ("recycled", "Recycled"), ("disqualified", "Disqualified"),
)  # fmt: skip
RATE_HEADERS = ("Lead→MQL", "MQL→SAL", "SAL→SQL", "SQL→Customer", "Lead→Customer")


def _cells(row) -> dict:
    values = row.measures()
    previous = row.previous.measures() if row.previous else None
    change = row.change() if row.previous else None
    return {
        "group": row.group,
        "counts": [values[key] for key, _ in COUNT_COLUMNS],
        "rates": [
            {
                "rate": values["conversion"][name],
                "previous": previous["conversion"][name] if previous else None,
                "change": change_badge(change["conversion"][name], unit="pts", scale=100, places=1, better="up")
                if change
                else {},
            }
            for name in CONVERSIONS
        ],
    }


def _chart(total) -> list[dict]:
    """Horizontal bars of the total: leads, then how many reached each stage."""
    stages = [("Leads", total.leads), *((s.value.upper(), total.reached[s.value]) for s in FUNNEL_STEPS)]
    top = max(total.leads, 1)
    chart = [
        {"label": label, "count": count, "width": round(CHART_BAR_MAX * count / top), "y": i * 44}
        for i, (label, count) in enumerate(stages)
    ]
    for bar in chart:
        bar["value_x"] = CHART_BAR_X + bar["width"] + 8
    return chart


@login_required
def funnel(request):
    """The leads created in a period and how many reached each stage, per group; opened
    without a query, the last 180 days without a comparison."""
    today = timezone.localdate()
    form = compared_form(request, {"date_from": today - timedelta(days=180), "date_to": today, "by": ""}, "none")
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = funnel_compared(
                date_from=data["date_from"], date_to=data["date_to"], by=data["by"] or None, compare=data["compare"]
            )
        except DomainError as error:
            _apply_error(form, error)
    if report and request.GET.get("format") == "csv":
        response = HttpResponse("".join(csv_lines(row_columns(report), report_rows(report))), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="funnel.csv"'
        return response
    chart = _chart(report.rows[-1]) if report else []
    return render(
        request,
        "accord/funnel.html",
        {
            "form": form,
            "report": report,
            "table": [_cells(row) for row in report.rows] if report else [],
            "group_title": dict(GROUP_CHOICES)[report.by] if report and report.by else "Group",
            "count_headers": [label for _, label in COUNT_COLUMNS],
            "rate_headers": RATE_HEADERS,
            "chart": chart,
            "chart_height": len(chart) * 44,
            "bar_x": CHART_BAR_X,
            "csv_query": report_query(report, "none", format="csv") if report else "",
            "can_analyse": can_backtest(request.user),
        },
    )
