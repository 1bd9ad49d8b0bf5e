"""The wins feed page: every deal won in a period with the campaigns, touchpoints and people
behind it — for everyone signed in, to celebrate together. A win links to its lead only
for those who may see the lead."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.core.errors import DomainError
from accord.reports.backtest import measure_text
from accord.reports.wins import NO_OWNER, ROW_COLUMNS, Touch, Win, report_rows, wins_feed_for
from accord.web.charts import grouped_bars
from accord.web.forms import FunnelForm
from accord.web.views import _apply_error, _wants_csv, csv_response


class WinsForm(FunnelForm):
    by = None


def recent_weeks(today: date) -> dict:
    """This week so far and the four before it: a feed is read for what is new."""
    return {"date_from": today - timedelta(days=today.weekday() + 28), "date_to": today}


def _touch_text(touch: Touch) -> str:
    campaign = f" ({touch.campaign})" if touch.campaign else ""
    return f"{touch.type.replace('_', ' ')}{campaign}, {touch.at:%Y-%m-%d}"


def _card(win: Win) -> dict:
    """A win as the table shows it: text only, worked out here so the template reads no data."""
    return {
        "win": win,
        "won_on": f"{win.won_at:%Y-%m-%d}",
        "amount": f"{win.amount:,.2f}",
        "campaigns": [(c.name, c.code, c.owner.name if c.owner else NO_OWNER) for c in win.campaigns],
        "touch_counts": ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in win.touch_counts.items()),
        "first_touch": _touch_text(win.first_touch) if win.first_touch else None,
        "last_touch": _touch_text(win.last_touch) if win.last_touch else None,
    }


@require_GET
@login_required
def wins_feed_page(request):
    """The wins of a period, newest first, with the period's summary on top and the wins per
    week; `?format=csv` downloads one row per win."""
    form = WinsForm(request.GET or recent_weeks(timezone.localdate()))
    feed = None
    if form.is_valid():
        try:
            feed = wins_feed_for(
                acting_user=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except DomainError as error:
            _apply_error(form, error)
    if feed and _wants_csv(request):
        return csv_response("wins.csv", ROW_COLUMNS, report_rows(feed))
    chart = None
    if feed and feed.rows:
        chart = grouped_bars(
            [f"{week.week.day} {week.week:%b}" for week in feed.weeks],
            [
                ("Wins", [week.wins for week in feed.weeks]),
                ("With marketing credit", [week.marketing_credited for week in feed.weeks]),
            ],
        )
    period_query = f"date_from={feed.date_from.isoformat()}&date_to={feed.date_to.isoformat()}" if feed else ""
    return render(
        request,
        "accord/wins.html",
        {
            "form": form,
            "feed": feed,
            "cards": [_card(win) for win in feed.rows] if feed else [],
            "revenue": f"{feed.summary.revenue:,.2f}" if feed else "",
            "share": measure_text(feed.summary.marketing_share, "rate") if feed else "",
            "chart": chart,
            "period_query": period_query,
        },
    )
