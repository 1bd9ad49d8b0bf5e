"""The SLA scorecard benchmark: `accord.reports.sla.sla_scorecard` by rep and by team, and
the drill-down into one team's hand-offs (`sla_drill`), over a month, a quarter and a year
of the compensation benchmark's database (`compensation_report.build`: N leads over two
years, 30% of them handed over, with acceptances, recycles, deals won and reopened).

    python benchmarks/sla_scorecard.py                      SQLite, 1,000,000 leads, 10,000,000 touchpoints
    python benchmarks/sla_scorecard.py --database postgres  needs PostgreSQL on 127.0.0.1:5432 (user postgres)
    python benchmarks/sla_scorecard.py --touchpoints 0      the report reads none: a quicker build

Timed: each report (median of --repeat runs after one warm-up). Prints a table and writes
benchmarks/results/sla-scorecard-<database>.json.
"""

import sys
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compensation_report import PERIODS, build  # noqa: E402
from report_bench import built, command_line, django_on_fresh_database, median, timed, write_run  # noqa: E402


def main(argv=None) -> int:
    args = command_line(__doc__, argv)
    django_on_fresh_database(args.database, "sla_scorecard")
    from accord.people.models import Team
    from accord.reports.sla import sla_drill, sla_scorecard

    written, build_seconds = built(lambda: build(args.leads, args.touchpoints, args.seed))
    team = Team.objects.order_by("pk").first().pk

    reports = {
        "scorecard by rep": lambda first, last: sla_scorecard(date_from=first, date_to=last, by="rep"),
        "scorecard by team": lambda first, last: sla_scorecard(date_from=first, date_to=last, by="team"),
        "one team's hand-offs": lambda first, last: sla_drill(
            date_from=first, date_to=last, measure="handed_over", by="team", group_id=team
        ),
    }
    results = []
    print(f"{'report':<22} {'period':<28} {'median s':>9} {'min s':>7} {'hand-offs':>10}")
    for report_name, report in reports.items():
        for name, (first, last) in PERIODS.items():
            answer, seconds = timed(partial(report, first, last), args.repeat)
            handed_over = answer.total.counts["handed_over"] if hasattr(answer, "total") else answer.height
            results.append(
                {
                    "report": report_name,
                    "period": name,
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "median_seconds": median(seconds),
                    "min_seconds": round(min(seconds), 3),
                    "handed_over": handed_over,
                }
            )
            row = results[-1]
            print(
                f"{report_name:<22} {name:<28} {row['median_seconds']:>9.3f} {row['min_seconds']:>7.3f} "
                f"{row['handed_over']:>10,}"
            )
    write_run(args, "sla_scorecard", written, build_seconds, results=results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
