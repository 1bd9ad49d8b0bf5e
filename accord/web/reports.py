"""Report pages for the people who negotiate the definition: what sales sends back.

The funnel, which everyone reads, lives with the other pages in `views.py`."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError, NotAllowed
from accord.definitions.policies import require_can_analyse
from accord.reports.backtest import measure_text
from accord.reports.rejections import (
    ROW_COLUMNS,
    rejection_report_for,
    report_rows,
    requalified_report_for,
)
from accord.web.charts import grouped_bars
from accord.web.forms import REJECTION_GROUPS, RejectionsForm, code_label
from accord.web.views import _apply_error, _wants_csv, csv_response

REQUALIFIED_ROWS = (
    ("Recycled in the period", "recycled", None),
    ("Qualified again later", "requalified", "requalified_rate"),
    ("… then accepted", "accepted", "accepted_rate"),
    ("… reached an opportunity", "opportunities", "opportunity_rate"),
    ("… won", "won", "won_rate"),
)


def analyst(request) -> None:
    """403 for whoever may not read these reports (the rule is in definitions.policies)."""
    try:
        require_can_analyse(request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None


def default_period(today) -> dict:
    """The three whole months before this one, and this one so far."""
    start = today.replace(day=1)
    for _ in range(3):
        start = (start - timedelta(days=1)).replace(day=1)
    return {"date_from": start, "date_to": today}


def _codes(counts: list[dict]) -> str:
    return ", ".join(f"{code_label(item['code'])} ({item['count']})" for item in counts) or "—"


def _table_row(row) -> dict:
    rating = "—" if row.average_rating is None else f"{row.average_rating:.2f}"
    return {
        "group": row.group,
        "cells": [
            measure_text(row.handed_over, "count"),
            measure_text(row.rejected, "count"),
            measure_text(row.rejection_rate, "rate"),
            measure_text(row.recycled, "count"),
            measure_text(row.disqualified, "count"),
            measure_text(row.deal_lost, "count"),
            measure_text(row.won, "count"),
            measure_text(row.won_rate, "rate"),
        ],
        "reasons": _codes(row.top_reasons),
        "feedback": f"{row.feedback_count} · {rating}" if row.feedback_count else "—",
        "problems": _codes(row.top_problems),
    }


TABLE_HEADERS = (
    "Handed over", "Rejected", "Rejection rate", "Recycled", "Disqualified", "Deal lost", "Won", "Won rate",
)  # fmt: skip


@require_GET
@login_required
def rejections(request):
    """The leads handed over in a period and how many sales sent back, per group, with the
    trend per month and what became of the recycled ones."""
    analyst(request)
    form = RejectionsForm(request.GET or default_period(timezone.localdate()))
    report = requalified = None
    if form.is_valid():
        period = {"date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"]}
        try:
            report = rejection_report_for(acting_user=request.user, by=form.cleaned_data["by"] or None, **period)
            requalified = requalified_report_for(acting_user=request.user, **period).as_dict()
        except DomainError as error:
            _apply_error(form, error)
    if report and _wants_csv(request):
        return csv_response("rejections.csv", ROW_COLUMNS, report_rows(report))
    chart = None
    if report and report.months:
        months = report.months
        chart = grouped_bars(
            [month.month for month in months],
            [("Handed over", [m.handed_over for m in months]), ("Rejected", [m.rejected for m in months])],
        )
    return render(
        request,
        "accord/rejections.html",
        {
            "form": form,
            "report": report,
            "headers": TABLE_HEADERS,
            "group_title": dict(REJECTION_GROUPS)[report.by] if report and report.by else "Leads",
            "rows": [_table_row(row) for row in report.rows] if report else [],
            "chart": chart,
            "requalified": [
                (label, requalified[count], measure_text(requalified[rate], "rate") if rate else "")
                for label, count, rate in REQUALIFIED_ROWS
            ]
            if requalified
            else [],
        },
    )
