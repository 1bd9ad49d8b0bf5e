"""The reports hub: every report, what it answers, for whoever may read it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from accord.definitions.policies import can_backtest
from accord.reports.policies import can_read_compensation

# (url name, title, what it answers, who may read it: None for everyone signed in)
REPORTS = (
    ("dashboard", "Dashboard", "Revenue, funnel, hand-off and cost on one page, beside the previous period.", None),
    ("goal", "Revenue goal", "The shared goal as funnel targets, and both teams' pace against them.", None),
    ("sla_scorecard", "SLA scorecard", "Each hand-off's follow-up; marketing's MQLs against the commitment.", None),
    ("compensation", "Compensation", "Rewards, penalties and bonuses per rep, for payroll.", can_read_compensation),
    ("funnel", "Funnel", "Stage-to-stage conversion by group, with the previous period beside it.", None),
    ("velocity", "Velocity", "Median days in each stage, with the previous period beside it.", None),
    ("pipeline", "Pipeline", "Deals created, open, won and lost; win rate, revenue, deal size and cycle.", None),
    ("sourcing", "Sourcing", "Marketing-sourced against sales-sourced deals, side by side.", None),
    ("cost", "Cost", "Cost per lead, MQL, SQL, opportunity and customer, and return, by campaign or channel.", None),
    ("attribution", "Attribution", "Credit for conversions by eight models side by side; pipeline influence.", None),
    ("wins", "Wins", "Each won deal with the campaigns and people behind it.", None),
    ("rejections", "Rejections", "What sales sends back, and why.", can_backtest),
)  # fmt: skip


@require_GET
@login_required
def reports_hub(request):
    entries = []
    for name, title, answers, may_read in REPORTS:
        if may_read is not None and not may_read(request.user):
            continue
        try:
            entries.append({"url": reverse(name), "title": title, "answers": answers})
        except NoReverseMatch:  # a report this installation does not serve
            continue
    return render(request, "accord/reports_hub.html", {"entries": entries})
