"""The pipeline, sourcing and goal benchmark: `accord.reports.pipeline.pipeline_report`
(the total and by owner, team, source, campaign and month), `sourcing_report` and
`accord.reports.goal.goal_plan` (the company's goal and one team's) over a month, a quarter
and a year of a database holding N leads (two years of them) and M touchpoints.

    python benchmarks/pipeline_report.py                          SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/pipeline_report.py --database postgres      needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/pipeline_report.py --leads 100000 --touchpoints 0

The history is the cost report benchmark's (`cost_report.build`: 200 campaigns, 85% of the
leads with one, 30% MQL, 8% SQL with a deal, 3% won), with what a deal history has beyond
created and won: 20 reps in 4 teams owning the deals (the leads in the same teams), a third
of the deals still open lost 5–60 days after they were created, one win in 10 reopened a
week later and one in 2 of those won again 2–30 days after. The database is fresh
(SQLite: a temp dir; PostgreSQL: drops and re-creates `accord_bench_pipeline`). Timed: each
report (median of --repeat runs after one warm-up), with this process's CPU time per run
(on SQLite the database's work too; on PostgreSQL the server's is not in it) and the load
average, for a machine shared with other work. Prints a table and writes
benchmarks/results/pipeline-report-<database>.json.
"""

import os
import sys
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cost_report import build  # noqa: E402
from report_bench import (  # noqa: E402
    DAY_US,
    analyze,
    command_line,
    django_on_fresh_database,
    median,
    timed,
    write_result,
)

PERIODS = {
    "month (March 2026)": (date(2026, 3, 1), date(2026, 3, 31)),
    "quarter (Q1 2026)": (date(2026, 1, 1), date(2026, 3, 31)),
    "year (Jul 2025 – Jun 2026)": (date(2025, 7, 1), date(2026, 6, 30)),
}
TEAMS = 4
REPS = 20


def deal_outcomes(seed: int) -> dict:
    """Owners and teams, losses and reopened wins on top of `cost_report.build`'s deals (see
    the module's docstring); returns the rows written per kind."""
    from django.db import connection, transaction

    from accord.core.bulk import frame_of, insert_frame
    from accord.crm.models import Opportunity, OpportunityEvent
    from accord.people.models import Role, Team, User

    rng = np.random.default_rng(seed + 1)
    teams = Team.objects.bulk_create([Team(name=f"Team {i}") for i in range(TEAMS)])
    reps = User.objects.bulk_create(
        [
            User(
                email=f"ae{i}@bench.example",
                role=Role.SALES_REP,
                first_name="Ae",
                last_name=str(i),
                team=teams[i % TEAMS],
            )
            for i in range(REPS)
        ]
    )
    owner_case = " ".join(f"WHEN {i} THEN {rep.pk}" for i, rep in enumerate(reps))
    team_case = " ".join(f"WHEN {i} THEN {team.pk}" for i, team in enumerate(teams))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE crm_opportunity SET owner_id = CASE id % {REPS} {owner_case} END")  # noqa: S608
        cursor.execute(f"UPDATE crm_lead SET team_id = CASE id % {TEAMS} {team_case} END")  # noqa: S608

    deals = frame_of(
        Opportunity.objects.order_by("pk").values_list("pk", "status", "amount", "created_at", "closed_at"),
        ["opportunity_id", "status", "amount", "created_at", "closed_at"],
        {
            "opportunity_id": pl.Int64,
            "amount": pl.Decimal(14, 2),
            "created_at": pl.Datetime("us", "UTC"),
            "closed_at": pl.Datetime("us", "UTC"),
        },
    )
    open_deals = deals.filter(pl.col("status") == "open")
    lost = open_deals.filter(pl.Series(rng.random(open_deals.height) < 1 / 3))
    won = deals.filter(pl.col("status") == "won")
    reopened = won.filter(pl.Series(rng.random(won.height) < 0.1))
    again = reopened.filter(pl.Series(rng.random(reopened.height) < 0.5))

    def event(frame, kind, status, at):
        return frame.select(
            "opportunity_id",
            pl.lit(kind).alias("kind"),
            pl.lit(status).alias("status"),
            "amount",
            at.alias("occurred_at"),
        )

    lost_at = pl.col("created_at") + pl.duration(
        microseconds=pl.Series(rng.integers(5 * DAY_US, 60 * DAY_US, lost.height))
    )
    reopened_at = pl.col("closed_at") + pl.duration(days=7)
    again_at = reopened_at + pl.duration(microseconds=pl.Series(rng.integers(2 * DAY_US, 30 * DAY_US, again.height)))
    events = pl.concat(
        [
            event(lost, "lost", "lost", lost_at),
            event(reopened, "reopened", "open", reopened_at),
            event(again, "won", "won", again_at),
        ]
    )
    with transaction.atomic():
        insert_frame(OpportunityEvent, events)
        # The deals' own status and close date as the history leaves them.
        last = events.sort("occurred_at").group_by("opportunity_id").last()
        with connection.cursor() as cursor:
            for status in ("lost", "open", "won"):
                ids = last.filter(pl.col("status") == status)["opportunity_id"].to_list()
                if ids:
                    closed = "NULL" if status == "open" else "closed_at"
                    cursor.execute(
                        f"UPDATE crm_opportunity SET status = %s, closed_at = {closed} "  # noqa: S608
                        f"WHERE id IN ({','.join(map(str, ids))})",
                        [status],
                    )
        # A won-again deal's close date: its last win.
        for opportunity, at in (
            last.filter(pl.col("status") == "won").select("opportunity_id", "occurred_at").iter_rows()
        ):
            Opportunity.objects.filter(pk=opportunity).update(closed_at=at)
    return {"lost": lost.height, "reopened": reopened.height, "won_again": again.height}


def company_goal(date_from: date, date_to: date, team=None):
    from accord.people.models import User
    from accord.reports.models import RevenueGoal

    setter = User.objects.order_by("pk").first()
    goal, _ = RevenueGoal.objects.update_or_create(
        date_from=date_from, date_to=date_to, team=team, defaults={"revenue": 5_000_000, "set_by": setter}
    )
    return goal


def main(argv=None) -> int:
    args = command_line(__doc__, argv)
    target = args.json or HERE / "results" / f"pipeline-report-{args.database}.json"
    django_on_fresh_database(args.database, "pipeline")
    from accord.people.models import Team
    from accord.reports.goal import goal_plan
    from accord.reports.pipeline import pipeline_report, sourcing_report

    began = time.perf_counter()
    written = build(args.leads, args.touchpoints, args.seed)
    written |= deal_outcomes(args.seed)
    analyze()
    print(f"wrote {written} in {time.perf_counter() - began:.0f} s", file=sys.stderr)

    team = Team.objects.order_by("pk").first()
    results = []
    for label, (date_from, date_to) in PERIODS.items():
        reports = {
            f"pipeline by {by}" if by else "pipeline": partial(
                pipeline_report, date_from=date_from, date_to=date_to, by=by
            )
            for by in (None, "owner", "team", "source", "campaign", "month")
        }
        reports["sourcing"] = partial(sourcing_report, date_from=date_from, date_to=date_to)
        today = date_to  # the goal paced on its last day: the actuals of the whole period
        reports["goal"] = partial(goal_plan, company_goal(date_from, date_to), today=today)
        reports["goal of one team"] = partial(goal_plan, company_goal(date_from, date_to, team), today=today)
        for name, report in reports.items():
            cpu = time.process_time()
            answer, runs = timed(report, args.repeat)
            cpu = (time.process_time() - cpu) / (args.repeat + 1)  # this process's CPU per run, threads included
            if name.startswith("goal"):
                summary = {"won": answer.steps[1].actual, "revenue": answer.steps[0].actual}
            else:
                summary = {
                    "rows": len(answer.rows),
                    "won": answer.total.counts["won"],
                    "open": answer.total.counts["open"],
                }
            results.append(
                {
                    "period": label,
                    "report": name,
                    **summary,
                    "runs_s": [round(r, 3) for r in runs],
                    "median_s": median(runs),
                    "cpu_s": round(cpu, 3),
                    "load_average": round(os.getloadavg()[0], 1),
                }
            )
    outcome = {
        "benchmark": "pipeline-report",
        "database": args.database,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "parameters": vars(args) | {"json": str(target)},
        "written": written,
        "reports": results,
        "bar_under_1_s": all(r["median_s"] < 1 for r in results),
    }
    print(f"\npipeline reports on {args.database}: {written['leads']:,} leads, {written['touchpoints']:,} touchpoints, "
          f"{written['opportunities']:,} deals")  # fmt: skip
    print(f"{'period':<28} {'report':<22} {'won':>8} {'median s':>9} {'CPU s':>7} {'load':>5}")
    for r in results:
        print(
            f"{r['period']:<28} {r['report']:<22} {r['won']:>8,} {r['median_s']:>9.3f} {r['cpu_s']:>7.3f} "
            f"{r['load_average']:>5.1f}"
        )
    write_result(target, outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
