"""The executive dashboard page (everyone signed in, read-only): the handful of numbers the
other reports give for one period, each beside the comparison period's with the change, a
link to the report that explains it, a chart of the funnel and the goal's pacing; its CSV."""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError
from accord.reports import dashboard
from accord.web.charts import grouped_bars
from accord.web.forms import FunnelForm
from accord.web.funnel import COMPARE_CHOICES, change_badge
from accord.web.goal import plan_rows
from accord.web.views import _apply_error, _wants_csv, csv_response

# How a change reads beside each kind of figure: (unit, scale, places).
CHANGE_FORMS = {
    "count": ("", 1, 0),
    "money": ("", 1, 2),
    "rate": ("pts", 100, 1),
    "days": ("d", 1, 2),
    "hours": ("h", 1, 2),
    "ratio": ("×", 1, 2),
}
# The page each figure's report is on (reports.dashboard names the report).
REPORT_PAGES = {"sla": "sla_scorecard"}
FUNNEL_BARS = (("leads", "Leads"), ("reached_mql", "MQL"), ("reached_sql", "SQL"), ("customers", "Customers"))


class DashboardForm(FunnelForm):
    by = None
    compare = forms.ChoiceField(choices=COMPARE_CHOICES, label="Compare with")


def this_month(today) -> dict:
    """This calendar month, whole, beside the month before."""
    following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return {"date_from": today.replace(day=1), "date_to": following - timedelta(days=1), "compare": "previous"}


def _tiles(board: dashboard.Dashboard) -> list[dict]:
    period = urlencode({"date_from": board.date_from.isoformat(), "date_to": board.date_to.isoformat()})
    sections = []
    for section in board.sections:
        tiles = []
        for figure in section.figures:
            unit, scale, places = CHANGE_FORMS[figure.kind]
            tiles.append(
                {
                    "key": figure.key,
                    "label": figure.label,
                    "value": dashboard.figure_text(figure.value, figure.kind),
                    "previous": dashboard.figure_text(figure.previous, figure.kind),
                    "change": change_badge(figure.change, unit=unit, scale=scale, places=places, better=figure.better),
                    "url": f"{reverse(REPORT_PAGES.get(figure.report, figure.report))}?{period}",
                }
            )
        sections.append({"key": section.key, "title": section.title, "tiles": tiles})
    return sections


def _chart(board: dashboard.Dashboard) -> dict:
    """The funnel of the period's new leads, beside the comparison period's."""
    figures = [board.figure(key) for key, _ in FUNNEL_BARS]
    series = [("This period", [figure.value for figure in figures])]
    if board.compare_from:
        series.append(("Comparison period", [figure.previous for figure in figures]))
    return grouped_bars([label for _, label in FUNNEL_BARS], series)


@require_GET
@login_required
def dashboard_page(request):
    """The dashboard of a period, as last computed (`dashboard.dashboard_snapshot`; with
    refresh=1, computed now); opened without a query, this month beside the last."""
    today = timezone.now().date()
    form = DashboardForm(request.GET or this_month(today))
    board = snapshot = None
    if form.is_valid():
        data = form.cleaned_data
        period = {"date_from": data["date_from"], "date_to": data["date_to"], "compare": data["compare"]}
        try:
            if request.GET.get("refresh"):
                snapshot = dashboard.dashboard_snapshot_store(**period)
            else:
                snapshot = dashboard.dashboard_snapshot(**period)
        except DomainError as error:
            _apply_error(form, error)
        else:
            board = snapshot.board
    if board and _wants_csv(request):
        return csv_response("dashboard.csv", dashboard.ROW_COLUMNS, dashboard.report_rows(board))
    query = {"date_from": board.date_from, "date_to": board.date_to, "compare": board.compare} if board else {}
    return render(
        request,
        "accord/dashboard.html",
        {
            "form": form,
            "board": board,
            "snapshot": snapshot,
            "refresh_query": urlencode({**query, "refresh": "1"}),
            "sections": _tiles(board) if board else [],
            "chart": _chart(board) if board else None,
            "plan": board.goal if board else None,
            "goal_rows": plan_rows(board.goal) if board and board.goal else [],
            "csv_query": urlencode({**query, "format": "csv"}),
        },
    )
