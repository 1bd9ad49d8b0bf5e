"""The attribution page: a period's conversions credited to campaigns or channels by every
model side by side, the chosen model's chart and table, the Markov chain's removal effects,
and pipeline influence per campaign — for everyone signed in, like the pipeline report.

The numbers come from `accord.attribution.report`; this module only reads the form, asks
for the report, and lays it out (and exports what it lays out as CSV)."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.attribution.journeys import DEFAULT_LOOKBACK_DAYS, MONEY, NO_TOUCH
from accord.attribution.positions import DEFAULT_HALF_LIFE_DAYS
from accord.attribution.report import (
    ALL_MODELS,
    MODEL_LABELS,
    AttributionReport,
    InfluenceReport,
    attribution_report,
    influence_report,
)
from accord.core.errors import DomainError
from accord.web.charts import LEFT, WIDTH, grouped_bars
from accord.web.forms import FunnelForm
from accord.web.reports import default_period
from accord.web.views import _apply_error, _wants_csv, csv_response

CONVERSION_CHOICES = [
    ("lead", "Leads"),
    ("mql", "MQLs"),
    ("opportunity", "Opportunities"),
    ("pipeline", "Pipeline (deal amounts)"),
    ("revenue", "Revenue (won amounts)"),
]
CONVERSION_NOUNS = {  # (one, many): for the totals line
    "lead": ("lead", "leads"),
    "mql": ("MQL", "MQLs"),
    "opportunity": ("opportunity", "opportunities"),
    "pipeline": ("opportunity", "opportunities"),
    "revenue": ("won deal", "won deals"),
}
BY_CHOICES = [("campaign", "Campaign"), ("channel", "Channel")]
DEFAULT_MODEL = "linear"  # every touch shares alike: the usual first look, neither end favoured
DEFAULTS = {
    "conversion": "lead",
    "by": "campaign",
    "model": DEFAULT_MODEL,
    "order": 1,
    "half_life_days": f"{DEFAULT_HALF_LIFE_DAYS:g}",
    "lookback_days": DEFAULT_LOOKBACK_DAYS,
}
CHART_GROUPS = 12  # the chart shows the groups with most credit; the table has them all
TICK_CHARACTER_WIDTH = 7.5  # a tick label's character, 12px, in the chart's units (with a gap)
TOP_TRANSITIONS = 25
INFLUENCE_COLUMNS = (
    "campaign", "name", "channel", "opportunities", "amount", "won", "won_amount", "share_of_opportunities",
    "share_of_amount", "attributed_model", "attributed_amount",
)  # fmt: skip


class AttributionForm(FunnelForm):
    """The report's options as typed. Only the types are checked here: the ranges (Markov
    order, half-life, look-back) are the service's, which names the field that is wrong."""

    field_order = ("date_from", "date_to", "conversion", "by", "model", "order", "half_life_days", "lookback_days")

    conversion = forms.ChoiceField(choices=CONVERSION_CHOICES, label="Conversion")
    by = forms.ChoiceField(choices=BY_CHOICES, label="Credit to")
    model = forms.ChoiceField(choices=[(name, MODEL_LABELS[name]) for name in ALL_MODELS], label="Model")
    order = forms.IntegerField(
        label="Markov order", widget=forms.NumberInput(attrs={"min": 1, "max": 4, "step": 1, "class": "short"})
    )
    half_life_days = forms.FloatField(
        label="Time-decay half-life (days)", widget=forms.NumberInput(attrs={"min": 0, "step": "any", "class": "short"})
    )
    lookback_days = forms.IntegerField(
        label="Look-back (days)", widget=forms.NumberInput(attrs={"min": 0, "max": 3650, "step": 1, "class": "short"})
    )


def form_data(query, today) -> dict:
    """What the form reads: the query as given over the defaults (the usual period, leads
    by campaign, linear), so a link that names only some options still shows a report."""
    return {**default_period(today), **DEFAULTS, **query.dict()}


def _number(value: float, money: bool) -> str:
    """Money with cents; a count of conversions, which models share in fractions, to 0.1."""
    return f"{value:,.2f}" if money else f"{value:,.1f}"


def _exact(value: float, money: bool) -> float:
    """The CSV's number: cents for money, four decimals for a shared count."""
    return round(float(value), 2 if money else 4)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def side_by_side_rows(report: AttributionReport, model: str) -> list[dict]:
    """Every group with every model's value, most credit under `model` first, "(no touch)"
    last (it is no group to invest in, but part of the total)."""
    rows = report.side_by_side()
    touched = sorted((row for row in rows if row["group"] != NO_TOUCH), key=lambda row: (-row[model], row["group"]))
    return touched + [row for row in rows if row["group"] == NO_TOUCH]


def _totals(rows: list[dict], models: tuple[str, ...]) -> dict:
    return {name: sum(row[name] for row in rows) for name in models}


def _table(report: AttributionReport, model: str) -> dict:
    """The side-by-side table as the template shows it."""
    money = report.conversion in MONEY
    rows = side_by_side_rows(report, model)
    totals = _totals(rows, report.models)
    return {
        "columns": [{"model": name, "title": MODEL_LABELS[name], "selected": name == model} for name in report.models],
        "rows": [
            {
                "group": row["group"],
                "name": row["name"] if row["name"] and row["name"] != row["group"] else "",
                "channel": (row["channel"] or "") if report.by == "campaign" else "",
                "no_touch": row["group"] == NO_TOUCH,
                "cells": [(_number(row[name], money), name == model) for name in report.models],
            }
            for row in rows
        ],
        "total": [(_number(totals[name], money), name == model) for name in report.models],
    }


def side_by_side_csv(report: AttributionReport, model: str):
    """The side-by-side table's columns and rows, the total last, as the CSV has them."""
    money = report.conversion in MONEY
    rows = side_by_side_rows(report, model)
    named = report.by == "campaign"
    columns = ("group", *(("name", "channel") if named else ()), *report.models)

    def line(row: dict):
        return (
            row["group"],
            *((row["name"], row["channel"]) if named else ()),
            *(_exact(row[name], money) for name in report.models),
        )

    totals = _totals(rows, report.models)
    total = ("All", *(("", "") if named else ()), *(_exact(totals[name], money) for name in report.models))
    return columns, [*(line(row) for row in rows), total]


def _selected_rows(report: AttributionReport, model: str) -> list[dict]:
    """The chosen model's own table: credited conversions, value and share per group."""
    money = report.conversion in MONEY
    return [
        {
            "group": row["group"],
            "name": row["name"] if row["name"] and row["name"] != row["group"] else "",
            "channel": row["channel"] or "",
            "conversions": f"{row['conversions']:,.1f}",
            "value": _number(row["value"], money),
            "share": _percent(row["share"]),
        }
        for row in report.rows(model)
        if row["value"] or row["conversions"]  # a group the model gave nothing is in the side-by-side table
    ]


def _chart(report: AttributionReport, model: str) -> dict | None:
    money = report.conversion in MONEY
    # "(no touch)" is left out: no group to weigh against the others, and often the tallest.
    shown = [row for row in side_by_side_rows(report, model) if row[model] > 0 and row["group"] != NO_TOUCH]
    shown = shown[:CHART_GROUPS]
    if not shown:
        return None
    # Bars are a picture: whole units of money, tenths of a conversion; the table has the rest.
    chart = grouped_bars(
        [row["group"] for row in shown],
        [(MODEL_LABELS[model], [round(row[model]) if money else round(row[model], 1) for row in shown])],
    )
    # Campaign codes are long beside a dozen bars: each tick is cut to its slot (the
    # chart's title, which screen readers read, keeps every name whole).
    room = max(4, int((WIDTH - LEFT - 10) / len(shown) / TICK_CHARACTER_WIDTH))
    for group in chart["groups"]:
        group["label"] = _fit(group["label"], room)
    return chart


def _fit(label: str, characters: int) -> str:
    return label if len(label) <= characters else label[: characters - 1] + "…"


def _removal_effects(report: AttributionReport) -> list[dict]:
    if report.removal_effects is None:
        return []
    effects = report.removal_effects.sort(["removal_effect", "group"], descending=[True, False])
    return [
        {
            "group": row["group"],
            "conversions": _percent(row["removal_effect"]),
            "value": _percent(row["removal_effect_value"]),
        }
        for row in effects.to_dicts()
    ]


def _transitions(report: AttributionReport) -> tuple[list[dict], int]:
    """The likeliest transitions of the chain (most probable first), and how many there are."""
    if report.transitions is None:
        return [], 0
    top = report.transitions.sort(["probability", "from", "to"], descending=[True, False, False]).head(TOP_TRANSITIONS)
    rows = [
        {"from": row["from"], "to": row["to"], "probability": f"{row['probability']:.3f}"} for row in top.to_dicts()
    ]
    return rows, report.transitions.height


def _influence_rows(influence: InfluenceReport, attributed: dict[str, float]) -> list[dict]:
    return [
        {
            **row,
            "name": row["name"] if row["name"] and row["name"] != row["group"] else "",
            "channel": row["channel"] or "",
            "amount_text": _number(row["amount"], True),
            "won_amount_text": _number(row["won_amount"], True),
            "share_of_opportunities_text": _percent(row["share_of_opportunities"]),
            "share_of_amount_text": _percent(row["share_of_amount"]),
            "attributed_text": _number(attributed.get(row["group"], 0.0), True),
        }
        for row in influence.rows
    ]


def influence_csv(influence: InfluenceReport, attributed: dict[str, float], model: str):
    return INFLUENCE_COLUMNS, [
        (
            row["group"],
            row["name"],
            row["channel"],
            row["opportunities"],
            round(row["amount"], 2),
            row["won"],
            round(row["won_amount"], 2),
            round(row["share_of_opportunities"], 4),
            None if row["share_of_amount"] is None else round(row["share_of_amount"], 4),
            model,
            round(attributed.get(row["group"], 0.0), 2),
        )
        for row in influence.rows
    ]


def report_query(data: dict) -> str:
    """The query that shows the same report again — the defaults spelt out, so the CSV of a
    page opened without a query is that page's."""
    return urlencode(
        {
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
            "conversion": data["conversion"],
            "by": data["by"],
            "model": data["model"],
            "order": data["order"],
            "half_life_days": f"{data['half_life_days']:g}",
            "lookback_days": data["lookback_days"],
        }
    )


def _totals_line(report: AttributionReport) -> str:
    one, many = CONVERSION_NOUNS[report.conversion]
    count = f"{report.conversions:,} {one if report.conversions == 1 else many}"
    worth = f", worth {report.value:,.2f}" if report.conversion in MONEY else ""
    if not report.conversions:
        return f"no {many} in the period."
    window = f"in the {report.lookback_days}-day look-back window"
    if not report.no_touch:
        return f"{count}{worth}; every one had a touch {window}."
    return f"{count}{worth}; {report.no_touch:,} had no touch {window}."


@require_GET
@login_required
def attribution_page(request):
    """The period's conversions credited by every model side by side; `?format=csv` downloads
    that table, `?format=csv&table=influence` the pipeline influence per campaign."""
    form = AttributionForm(form_data(request.GET, timezone.localdate()))
    if not form.is_valid():
        return render(request, "accord/attribution.html", {"form": form, "report": None})
    data = form.cleaned_data
    model = data["model"]
    period = {"date_from": data["date_from"], "date_to": data["date_to"]}
    options = {"order": data["order"], "half_life_days": data["half_life_days"], "lookback_days": data["lookback_days"]}
    try:
        # Beside each campaign's influence, the pipeline the selected model attributes to it;
        # when the page shows that very report (pipeline by campaign), one read gives both.
        if data["conversion"] == "pipeline" and data["by"] == "campaign":
            influence = influence_report(**period, models=ALL_MODELS, **options)
            report = influence.attribution
        else:
            influence = influence_report(**period, models=(model,), **options)
            report = attribution_report(**period, conversion=data["conversion"], by=data["by"], **options)
        attributed = {row["group"]: row["attributed"][model] for row in influence.rows}
    except DomainError as error:
        _apply_error(form, error)
        return render(request, "accord/attribution.html", {"form": form, "report": None})
    if _wants_csv(request):
        if request.GET.get("table") == "influence":
            return csv_response("attribution-influence.csv", *influence_csv(influence, attributed, model))
        return csv_response("attribution.csv", *side_by_side_csv(report, model))
    transitions, transition_count = _transitions(report)
    group_title = dict(BY_CHOICES)[report.by]
    return render(
        request,
        "accord/attribution.html",
        {
            "form": form,
            "report": report,
            "model": model,
            "model_title": MODEL_LABELS[model],
            "group_title": group_title,
            "group_title_lower": group_title.lower(),
            "conversion_title": dict(CONVERSION_CHOICES)[report.conversion],
            "money": report.conversion in MONEY,
            "totals_line": _totals_line(report),
            "table": _table(report, model),
            "selected_rows": _selected_rows(report, model),
            "chart": _chart(report, model),
            "removal_effects": _removal_effects(report),
            "transitions": transitions,
            "transition_count": transition_count,
            "influence": influence,
            "influence_rows": _influence_rows(influence, attributed),
            "query": report_query(data),
            "page_url": reverse("attribution"),
        },
    )
