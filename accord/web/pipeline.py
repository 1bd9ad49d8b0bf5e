"""Pipeline and revenue, and marketing-sourced against sales-sourced deals: for everyone
signed in, like the funnel — the numbers both teams are measured by."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError
from accord.reports import pipeline
from accord.reports.backtest import measure_text
from accord.web.charts import grouped_bars
from accord.web.forms import FunnelForm
from accord.web.reports import default_period
from accord.web.views import _apply_error, _wants_csv, csv_response

GROUP_CHOICES = [
    ("", "No grouping"),
    ("owner", "Owner"),
    ("team", "Team"),
    ("source", "Source"),
    ("campaign", "Campaign"),
    ("month", "Month"),
]
SIDE_TITLES = {"marketing": "Marketing-sourced", "sales": "Sales-sourced"}


class PipelineForm(FunnelForm):
    by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, label="Group by")


class SourcingForm(FunnelForm):
    by = None


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _rows(report: pipeline.Pipeline, titles: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for row in [*report.rows, report.total]:
        counts, amounts = row.counts, row.amounts
        days = row.median_cycle_days
        rows.append(
            {
                "group": (titles or {}).get(row.group, row.group),
                "total": row is report.total,
                "cells": [
                    counts["created"],
                    _money(amounts["created_amount"]),
                    counts["open"],
                    _money(amounts["open_amount"]),
                    counts["won"],
                    counts["lost"],
                    measure_text(row.win_rate, "rate"),
                    _money(amounts["won_revenue"]),
                    _money(row.average_deal),
                    "—" if days is None else f"{days:g}",
                ],
            }
        )
    return rows


HEADERS = (
    "Created", "Created amount", "Open at end", "Open amount", "Won", "Lost", "Win rate", "Won revenue",
    "Average deal", "Median cycle (days)",
)  # fmt: skip


def _report_query(report: pipeline.Pipeline) -> str:
    """The query that shows `report` again, for its CSV link: the period — the default one
    too, which a page opened without a query has in no query — and the grouping."""
    query = {"date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat()}
    if report.by in pipeline.GROUPS:
        query["by"] = report.by
    return urlencode(query)


def _page(request, *, form_class, build, template_context: dict, filename: str, titles=None):
    form = form_class(request.GET or default_period(timezone.localdate()))
    report = None
    if form.is_valid():
        try:
            report = build(form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
    if report and _wants_csv(request):
        return csv_response(filename, pipeline.ROW_COLUMNS, pipeline.report_rows(report))
    chart = None
    if report and report.rows:
        shown = report.rows[:12]
        chart = grouped_bars(
            [(titles or {}).get(row.group, row.group) for row in shown],
            [
                ("Won revenue", [round(row.amounts["won_revenue"]) for row in shown]),
                ("Open amount", [round(row.amounts["open_amount"]) for row in shown]),
            ],
        )
    return render(
        request,
        "accord/pipeline.html",
        {
            "form": form,
            "report": report,
            "headers": HEADERS,
            "rows": _rows(report, titles) if report else [],
            "chart": chart,
            "csv_query": _report_query(report) if report else "",
            **template_context,
        },
    )


@require_GET
@login_required
def pipeline_page(request):
    """Deals created, open, won and lost in a period, with win rate, revenue, deal size
    and cycle, per owner, team, source, campaign or month."""

    def build(data):
        return pipeline.pipeline_report(date_from=data["date_from"], date_to=data["date_to"], by=data["by"] or None)

    return _page(
        request,
        form_class=PipelineForm,
        build=build,
        filename="pipeline.csv",
        template_context={
            "title": "Pipeline and revenue",
            "lede": "The deals created in the period, those still open at its end, and those won and lost in it — "
            "a deal reopened after the period keeps its close there. Deals imported without a lead count too.",
            "group_title": dict(GROUP_CHOICES[1:]).get(request.GET.get("by", ""), "Deals"),  # not "No grouping"
            "form_label": "Pipeline period",
        },
    )


@require_GET
@login_required
def sourcing_page(request):
    """Marketing-sourced against sales-sourced deals, side by side."""

    def build(data):
        return pipeline.sourcing_report(date_from=data["date_from"], date_to=data["date_to"])

    return _page(
        request,
        form_class=SourcingForm,
        build=build,
        filename="sourcing.csv",
        titles=SIDE_TITLES,
        template_context={
            "title": "Marketing-sourced vs sales-sourced",
            "lede": "A deal is marketing-sourced when its lead was handed over as an MQL before the deal was "
            "created; every other deal — a lead sales found, or a deal imported without a lead — is sales-sourced.",
            "group_title": "Sourced by",
            "form_label": "Sourcing period",
        },
    )
