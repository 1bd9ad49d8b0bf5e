"""The velocity page (everyone signed in): days in each stage per group, beside the
comparison period with the change; a chart of the median days per stage; its CSV."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError
from accord.reports.velocity import MEASURES, STAGES, report_rows, row_columns, velocity_report
from accord.web.charts import grouped_bars
from accord.web.funnel import GROUP_CHOICES, change_badge, compared_form, report_query
from accord.web.views import _apply_error, _wants_csv, csv_response

MEASURE_TITLES = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
    "lead_to_customer": "Creation → customer (leads)",
}


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _group(row, *, total: bool) -> dict:
    """A group's lines, one per measure: this period, the previous one, the change."""
    lines = []
    for name in MEASURES:
        now = row.times[name]
        line = {"title": MEASURE_TITLES[name], "count": now.count, "median": _days(now.median_days)}
        line["p90"] = _days(now.p90_days)
        if row.previous is not None:
            before, change = row.previous.times[name], now.change(row.previous.times[name])
            line["previous"] = {
                "count": before.count,
                "median": _days(before.median_days),
                "p90": _days(before.p90_days),
            }
            line["change"] = {
                "count": change_badge(change["count"]),
                # Fewer days in a stage is faster: down is the better way.
                "median": change_badge(change["median_days"], unit="days", places=2, better="down"),
                "p90": change_badge(change["p90_days"], unit="days", places=2, better="down"),
            }
        lines.append(line)
    return {"group": row.group, "total": total, "lines": lines}


def _last_month(today) -> dict:
    last = today.replace(day=1) - timedelta(days=1)
    return {"date_from": last.replace(day=1), "date_to": last, "by": ""}


@require_GET
@login_required
def velocity(request):
    """Median days in each stage for the stays that ended in a period, per group, beside the
    previous period; opened without a query, last month against the month before."""
    form = compared_form(request, _last_month(timezone.localdate()), "previous")
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = velocity_report(
                date_from=data["date_from"], date_to=data["date_to"], by=data["by"] or None, compare=data["compare"]
            )
        except DomainError as error:
            _apply_error(form, error)
    if report and _wants_csv(request):
        return csv_response("velocity.csv", row_columns(report), report_rows(report))
    chart = None
    if report:
        total = report.rows[-1]
        series = [("This period", [total.times[name].median_days for name in STAGES])]
        if total.previous is not None:
            title = "A year earlier" if report.compare == "year" else "Previous period"
            series.append((title, [total.previous.times[name].median_days for name in STAGES]))
        chart = grouped_bars([MEASURE_TITLES[name] for name in STAGES], series)
    return render(
        request,
        "accord/velocity.html",
        {
            "form": form,
            "report": report,
            "groups": [_group(row, total=row is report.rows[-1]) for row in report.rows] if report else [],
            "group_title": dict(GROUP_CHOICES)[report.by] if report and report.by else "Group",
            "measure_count": len(MEASURES),
            "chart": chart,
            "csv_query": report_query(report, "previous", format="csv") if report else "",
        },
    )
