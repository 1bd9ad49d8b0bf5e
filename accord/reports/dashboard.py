"""The executive dashboard: the handful of numbers the other reports give, for one period,
each beside the same number for the comparison period and linked to the report that
explains it. Nothing here is counted twice or counted differently: every figure is read
off the report it names (`report`), so the dashboard and the report always agree.

Read-only, for everyone signed in — the figures are the ones both teams agreed to be
measured by (a sales rep sees the SLA total here, as on the scorecard's total row).

Figures, in sections:
- revenue (pipeline and sourcing): won revenue, deals won, win rate, average deal, median
  cycle, the pipeline open at the period's end, and the share of won revenue that was
  marketing-sourced;
- the goal: the company's revenue goal whose period holds the dashboard's last day, paced
  as of that day (or today, for a period not over yet);
- funnel (the cohort of leads created in the period): leads, how many have reached MQL,
  SQL and customer, lead → customer;
- hand-off (the SLA scorecard's total and marketing's side): MQLs delivered against the
  commitment, the share sales accepted, leads handed over, followed up on time, ignored,
  median business hours to the first follow-up;
- cost: what the campaigns cost, the cost per SQL and the return (won revenue / cost).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accord.core.tasks import enqueue_on_commit
from accord.reports import cost, funnel, goal, pipeline, sla
from accord.reports.backtest import measure_text
from accord.reports.selectors import change, comparison_period, rate

# A figure's kind says how it reads: count, money, rate (a share), days, hours, ratio.
KINDS = ("count", "money", "rate", "days", "hours", "ratio")


@dataclass(slots=True)
class Figure:
    key: str
    label: str
    kind: str
    report: str  # the report that explains it: pipeline, sourcing, funnel, sla, cost
    value: float | int | None
    previous: float | int | None  # the comparison period's; None without one
    better: str = "up"  # which way is good news: up or down

    @property
    def change(self) -> float | int | None:
        if self.kind == "count" and self.value is not None and self.previous is not None:
            return self.value - self.previous
        return change(self.value, self.previous)

    @property
    def trend(self) -> str | None:
        """good, bad or flat for the change; None where there is nothing to compare."""
        moved = self.change
        if moved is None:
            return None
        if moved == 0:
            return "flat"
        return "good" if (moved > 0) == (self.better == "up") else "bad"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "report": self.report,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "trend": self.trend,
            "better": self.better,
        }


@dataclass(slots=True)
class Section:
    key: str
    title: str
    figures: list[Figure]

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "figures": [figure.as_dict() for figure in self.figures]}


@dataclass(slots=True)
class Dashboard:
    date_from: date
    date_to: date
    compare: str
    compare_from: date | None
    compare_to: date | None
    currency: str
    sections: list[Section]
    goal: goal.GoalPlan | None  # the company goal covering the period's last day

    def figure(self, key: str) -> Figure:
        return next(figure for section in self.sections for figure in section.figures if figure.key == key)

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "compare": self.compare,
            "compare_from": self.compare_from.isoformat() if self.compare_from else None,
            "compare_to": self.compare_to.isoformat() if self.compare_to else None,
            "currency": self.currency,
            "sections": [section.as_dict() for section in self.sections],
            "goal": self.goal.as_dict() if self.goal else None,
        }


def _measures(date_from: date, date_to: date) -> dict[str, float | int | None]:
    """Every figure of one period, by key, read off the reports."""
    sourcing = pipeline.sourcing_report(date_from=date_from, date_to=date_to)
    deals, marketing = sourcing.total, next(row for row in sourcing.rows if row.group == "marketing")
    cohort = funnel.funnel_report(date_from=date_from, date_to=date_to)[-1]
    card = sla.sla_scorecard(date_from=date_from, date_to=date_to)
    spend = cost.cost_report(date_from=date_from, date_to=date_to).total
    won_revenue = deals.amounts["won_revenue"]
    return {
        "won_revenue": won_revenue,
        "deals_won": deals.counts["won"],
        "win_rate": deals.win_rate,
        "average_deal": deals.average_deal,
        "median_cycle_days": deals.median_cycle_days,
        "open_pipeline": deals.amounts["open_amount"],
        "marketing_sourced_share": rate(marketing.amounts["won_revenue"], won_revenue),
        "leads": cohort.leads,
        "reached_mql": cohort.reached["mql"],
        "reached_sql": cohort.reached["sql"],
        "customers": cohort.reached["customer"],
        "lead_to_customer": cohort.conversion["lead_to_customer"],
        "mqls_delivered": card.marketing.delivered,
        "delivered_rate": card.marketing.delivered_rate,
        "accepted_rate": card.marketing.accepted_rate,
        "handed_over": card.total.counts["handed_over"],
        "on_time_rate": card.total.on_time_rate,
        "ignored": card.total.counts["ignored"],
        "median_hours": card.total.median_hours,
        "cost": float(spend.cost) if spend.cost is not None else 0.0,
        "cost_per_sql": float(per_sql) if (per_sql := spend.cost_per("sqls")) is not None else None,
        "return": float(spend.return_on_cost) if spend.return_on_cost is not None else None,
    }


# (section key, title, [(figure key, label, kind, report, which way is good)])
LAYOUT = (
    ("revenue", "Revenue", [
        ("won_revenue", "Won revenue", "money", "pipeline", "up"),
        ("deals_won", "Deals won", "count", "pipeline", "up"),
        ("win_rate", "Win rate", "rate", "pipeline", "up"),
        ("average_deal", "Average deal", "money", "pipeline", "up"),
        ("median_cycle_days", "Median cycle", "days", "pipeline", "down"),
        ("open_pipeline", "Open pipeline at the end", "money", "pipeline", "up"),
        ("marketing_sourced_share", "Won revenue marketing-sourced", "rate", "sourcing", "up"),
    ]),
    ("funnel", "Funnel of the period's new leads", [
        ("leads", "New leads", "count", "funnel", "up"),
        ("reached_mql", "Reached MQL", "count", "funnel", "up"),
        ("reached_sql", "Reached SQL", "count", "funnel", "up"),
        ("customers", "Became customers", "count", "funnel", "up"),
        ("lead_to_customer", "Lead to customer", "rate", "funnel", "up"),
    ]),
    ("handoff", "Hand-off", [
        ("mqls_delivered", "MQLs delivered", "count", "sla", "up"),
        ("delivered_rate", "Of the commitment", "rate", "sla", "up"),
        ("accepted_rate", "Accepted by sales", "rate", "sla", "up"),
        ("handed_over", "Leads handed over", "count", "sla", "up"),
        ("on_time_rate", "Followed up on time", "rate", "sla", "up"),
        ("ignored", "Ignored", "count", "sla", "down"),
        ("median_hours", "Median hours to follow-up", "hours", "sla", "down"),
    ]),
    ("cost", "Cost", [
        ("cost", "Campaign cost", "money", "cost", "down"),
        ("cost_per_sql", "Cost per SQL", "money", "cost", "down"),
        ("return", "Return on cost", "ratio", "cost", "up"),
    ]),
)  # fmt: skip


def _figure(spec: tuple, now: dict, before: dict) -> Figure:
    key, label, kind, report, better = spec
    return Figure(key, label, kind, report, now[key], before.get(key), better)


def dashboard(*, date_from: date, date_to: date, compare: str = "previous", today: date | None = None) -> Dashboard:
    """The dashboard of [date_from, date_to] (UTC days, inclusive), beside the comparison
    period (`selectors.comparison_period`). The goal is paced as of `today` (default: today,
    UTC) or the period's last day, whichever is earlier."""
    period = comparison_period(date_from, date_to, compare)
    now = _measures(date_from, date_to)
    before = _measures(*period) if period else {}
    sections = [Section(key, title, [_figure(spec, now, before) for spec in figures]) for key, title, figures in LAYOUT]
    as_of = min(today or timezone.now().date(), date_to)
    found = goal.goal_covering(date_to)
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        compare=compare,
        compare_from=period[0] if period else None,
        compare_to=period[1] if period else None,
        currency=settings.ACCORD_CURRENCY,
        sections=sections,
        goal=goal.goal_plan(found, today=as_of) if found else None,
    )


UNITS = {"days": " d", "hours": " h", "ratio": "×"}


def figure_text(value, kind: str) -> str:
    """A figure as people read it: 12.5%, 1,000.00, 1,234, 4.5 d, 12.25 h, 2.40×; — for none."""
    if value is None or kind not in UNITS:
        return measure_text(value, kind)
    return f"{value:,.2f}{UNITS[kind]}"


def change_text(value, kind: str) -> str:
    """A change with its sign: +5.0 pts for a rate, −3 for a count; — for none."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if kind == "rate":
        return f"{sign}{abs(value) * 100:.1f} pts"
    return sign + figure_text(abs(value), kind)


# --- the page's snapshots ------------------------------------------------------------
#
# Computing the dashboard reads five reports twice (the period and the one beside it): over
# a large history that takes seconds, too long for a page opened many times a day. The
# page shows a snapshot instead, computed at most ACCORD_DASHBOARD_FRESH_SECONDS ago, and
# says when. An older snapshot is shown while the worker computes the next one (at most one
# queued per dashboard); with none at all — the first visit — it is computed there and then.
# Snapshots live in the cache shared by the web processes and the worker (settings.CACHES).

KEEP_SECONDS = 7 * 86_400  # an older snapshot is not worth showing while the next is made


@dataclass(slots=True)
class Snapshot:
    board: Dashboard
    computed_at: datetime  # when its computation began: it holds everything written before
    refreshing: bool  # older than fresh: the worker is computing the next one


def _snapshot_key(date_from: date, date_to: date, compare: str, as_of: date) -> str:
    return f"accord:dashboard:{date_from.isoformat()}:{date_to.isoformat()}:{compare}:{as_of.isoformat()}"


def _as_of(date_to: date, today: date | None) -> date:
    return min(today or timezone.now().date(), date_to)


def dashboard_snapshot_store(*, date_from: date, date_to: date, compare: str, today: date | None = None) -> Snapshot:
    """Compute the dashboard now and keep it as the snapshot the page shows."""
    as_of = _as_of(date_to, today)
    began = timezone.now()
    board = dashboard(date_from=date_from, date_to=date_to, compare=compare, today=as_of)
    key = _snapshot_key(date_from, date_to, compare, as_of)
    cache.set(key, (board, began), timeout=KEEP_SECONDS)
    cache.delete(f"{key}:refreshing")
    return Snapshot(board, began, refreshing=False)


def dashboard_snapshot(
    *, date_from: date, date_to: date, compare: str = "previous", today: date | None = None
) -> Snapshot:
    """The dashboard as last computed, if no older than ACCORD_DASHBOARD_FRESH_SECONDS;
    an older one while the worker computes it again; none yet: computed now."""
    comparison_period(date_from, date_to, compare)  # bad input is refused before any lookup
    as_of = _as_of(date_to, today)
    key = _snapshot_key(date_from, date_to, compare, as_of)
    found = cache.get(key)
    if found is None:
        return dashboard_snapshot_store(date_from=date_from, date_to=date_to, compare=compare, today=as_of)
    board, computed_at = found
    if timezone.now() - computed_at <= timedelta(seconds=settings.ACCORD_DASHBOARD_FRESH_SECONDS):
        return Snapshot(board, computed_at, refreshing=False)
    if cache.add(f"{key}:refreshing", True, timeout=600):  # one computation queued at a time
        from accord.reports.tasks import dashboard_refresh

        enqueue_on_commit(dashboard_refresh, date_from.isoformat(), date_to.isoformat(), compare, as_of.isoformat())
    return Snapshot(board, computed_at, refreshing=True)


# One flat row per figure, for CSV files and terminals (web and command line alike); then
# one per step of the goal, its actual as the value, with its target and pace.
ROW_COLUMNS = ("section", "key", "label", "kind", "value", "previous", "change", "trend", "target", "pace")
GOAL_KINDS = {"revenue": "money"}


def report_rows(board: Dashboard) -> list[tuple]:
    rows = [
        (section.key, *(figure.as_dict()[name] for name in ROW_COLUMNS[1:8]), None, None)
        for section in board.sections
        for figure in section.figures
    ]
    for step in board.goal.steps if board.goal else []:
        kind = GOAL_KINDS.get(step.name, "count")
        label = f"Goal: {step.name}"
        rows.append(("goal", f"goal_{step.name}", label, kind, step.actual, None, None, None, step.target, step.pace))
    return rows
