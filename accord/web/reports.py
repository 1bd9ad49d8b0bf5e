"""Report pages: what sales sends back (for the people who negotiate the definition) and
the SLA scorecard (for everyone; a rep sees their own row).

The funnel and velocity, which everyone reads, have their own modules: `funnel.py`, `velocity.py`."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError, NotAllowed
from accord.crm.models import Lead
from accord.definitions.policies import require_can_analyse
from accord.people.models import Role, User
from accord.reports import sla
from accord.reports.backtest import measure_text
from accord.reports.rejections import (
    ROW_COLUMNS,
    rejection_report_for,
    report_rows,
    requalified_report_for,
)
from accord.web.charts import grouped_bars
from accord.web.forms import REJECTION_GROUPS, RejectionsForm, ScorecardDrillForm, ScorecardForm, code_label
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


SCORECARD_COLUMNS = (
    ("handed_over", "Handed over"),
    ("on_time", "On time"),
    ("late", "Late"),
    ("ignored", "Ignored"),
    ("reassigned", "Reassigned"),
    ("waiting", "Waiting"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("recycled", "Recycled"),
)
RESULT_TEXT = {
    "on_time": "On time",
    "late": "Late",
    "ignored": "Ignored",
    "reassigned": "Reassigned",
    "waiting": "Waiting",
}


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _period(form) -> dict:
    return {
        "date_from": form.cleaned_data["date_from"],
        "date_to": form.cleaned_data["date_to"],
        "by": form.cleaned_data.get("by") or "rep",
    }


@require_GET
@login_required
def sla_scorecard(request):
    """How sales followed up on the leads marketing handed over, per rep or team, and
    marketing's side: MQLs delivered against the commitment. Every count opens the leads
    behind it."""
    form = ScorecardForm(request.GET or default_period(timezone.localdate()))
    card = None
    if form.is_valid():
        try:
            card = sla.sla_scorecard_for(acting_user=request.user, **_period(form))
        except DomainError as error:
            _apply_error(form, error)
    if card and _wants_csv(request):
        return csv_response("sla-scorecard.csv", sla.ROW_COLUMNS, sla.report_rows(card))
    rows = []
    if card:
        for row in [*card.rows, card.total]:
            rows.append(
                {
                    "group": row.group,
                    "group_id": row.group_id,
                    "total": row is card.total,
                    "cells": [(name, title, row.counts[name]) for name, title in SCORECARD_COLUMNS],
                    "on_time_rate": measure_text(row.on_time_rate, "rate"),
                    "median": _hours(row.median_hours),
                    "p90": _hours(row.p90_hours),
                }
            )
    chart = None
    if card and card.rows:
        shown = card.rows[:12]
        chart = grouped_bars(
            [row.group for row in shown],
            [(title, [row.counts[name] for row in shown]) for name, title in SCORECARD_COLUMNS[1:4]],
        )
    marketing = card.marketing if card else None
    return render(
        request,
        "accord/sla_scorecard.html",
        {
            "form": form,
            "card": card,
            "columns": SCORECARD_COLUMNS,
            "rows": rows,
            "chart": chart,
            "group_title": "Team" if card and card.by == "team" else "Rep",
            "group_title_lower": "team" if card and card.by == "team" else "rep",
            "marketing": marketing,
            "delivered_rate": measure_text(marketing.delivered_rate, "rate") if marketing else "",
            "accepted_rate": measure_text(marketing.accepted_rate, "rate") if marketing else "",
            "period_query": urlencode(
                {
                    "date_from": card.date_from.isoformat(),
                    "date_to": card.date_to.isoformat(),
                    "by": card.by,
                }
            )
            if card
            else "",
            "drill_all": request.user.role != Role.SALES_REP,
        },
    )


@require_GET
@login_required
def sla_scorecard_leads(request):
    """The hand-offs behind one number of the scorecard, each opening its lead."""
    form = ScorecardDrillForm(request.GET)
    found = None
    if form.is_valid():
        try:
            found = sla.sla_drill_for(
                acting_user=request.user,
                measure=form.cleaned_data["measure"],
                group_id=form.cleaned_data["group_id"],
                **_period(form),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            _apply_error(form, error)
    rows = []
    if found is not None:
        leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=found["key"].unique().to_list())}
        reps = {user.pk: user for user in User.objects.filter(pk__in=found["rep_id"].unique().to_list())}
        for handoff in found.iter_rows(named=True):
            rows.append(
                {
                    "lead": leads[handoff["key"]],
                    "rep": reps[handoff["rep_id"]],
                    "started_at": handoff["started_at"],
                    "due_at": handoff["due_at"],
                    "stopped_at": handoff["stopped_at"],
                    "result": RESULT_TEXT[handoff["result"]],
                    "hours": _hours(handoff["follow_up_hours"]),
                    "follow_up_hours": handoff["follow_up_hours"],
                }
            )
    if found is not None and _wants_csv(request):
        columns = ("lead_id", "lead", "rep", "started_at", "due_at", "stopped_at", "result", "follow_up_hours")
        return csv_response(
            "sla-leads.csv",
            columns,
            (
                (
                    r["lead"].pk,
                    str(r["lead"]),
                    r["rep"].email,
                    r["started_at"],
                    r["due_at"],
                    r["stopped_at"],
                    r["result"],
                    # A number, or empty: the page's "—" would break a spreadsheet's sums.
                    None if r["follow_up_hours"] is None else round(r["follow_up_hours"], 2),
                )
                for r in rows
            ),
        )
    measure = dict(SCORECARD_COLUMNS).get(form.cleaned_data.get("measure", ""), "") if form.is_valid() else ""
    return render(
        request,
        "accord/sla_leads.html",
        {"form": form, "rows": rows, "measure": measure, "query": request.GET.urlencode()},
    )
