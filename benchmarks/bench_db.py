"""The Django side of the capture benchmark, run as a subprocess by capture_load.py with the
benchmark's ACCORD_HOME / DATABASE_URL in the environment (the runner itself never imports
Django, so it cannot accidentally share a connection or settings with the server).

    python benchmarks/bench_db.py setup            the organisation; prints JSON
    python benchmarks/bench_db.py info             versions; prints JSON
    python benchmarks/bench_db.py verify EMAILS    checks after the run; prints JSON

`EMAILS` is a JSON file {"qualifying": [...], "other": [...], "demo_requested": [...]} of
the emails the load generator sent.
"""

import json
import os
import sys
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.db.models.functions import Lower  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from accord.crm.models import Account, Lead, LeadEvent, Stage  # noqa: E402
from accord.definitions.selectors import definition_active  # noqa: E402
from accord.notifications.models import Notification  # noqa: E402
from accord.people.models import Role, RoundRobinTurn, Team, Territory, User  # noqa: E402
from accord.people.services import user_create  # noqa: E402
from accord.routing.models import SlaClock  # noqa: E402

DOMAIN = "bench.accord.test"
MARKETER = f"marketing@{DOMAIN}"
PASSWORD = "bench-password-not-secret"

# name: (default team?, manager timezone, countries, reps as (first, last, timezone, capacity))
TEAMS = {
    "EMEA": (
        False,
        "Europe/Berlin",
        ["DE", "GB", "FR", "NL", "ES", "SE"],
        [
            ("Lena", "Vogel", "Europe/Berlin", 2),
            ("Tom", "Hughes", "Europe/London", 1),
            ("Marta", "Ruiz", "Europe/Madrid", 1),
        ],
    ),
    "Americas": (
        True,  # also receives qualified leads that no territory matches (e.g. JP, AU)
        "America/New_York",
        ["US", "CA", "BR", "MX"],
        [
            ("Jake", "Miller", "America/New_York", 2),
            ("Ana", "Souza", "America/Sao_Paulo", 1),
            ("Chris", "Park", "America/Los_Angeles", 1),
        ],
    ),
}
# A key account controlled by one rep: its qualified leads go straight to that rep.
KEY_ACCOUNT = ("Globex Systems", "globexsystems.example", "lena.vogel")


def _email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def setup() -> dict:
    """Users through the real service (password hashing included), then what has no service."""
    if User.objects.filter(email=MARKETER).exists():
        raise SystemExit("The benchmark organisation already exists: use a fresh ACCORD_HOME / database.")
    if definition_active() is None:
        raise SystemExit("No active lead definition: did `accord migrate` run?")
    user_create(email=MARKETER, role=Role.MARKETING, password=PASSWORD, first_name="Mara", last_name="Marketing")
    reps = {}
    with transaction.atomic():
        for team_name, (is_default, manager_tz, countries, members) in TEAMS.items():
            user_create(
                email=_email(f"manager.{team_name.lower()}"),
                role=Role.SALES_MANAGER,
                team=team_name,
                password=PASSWORD,
                first_name="Manager",
                last_name=team_name,
                timezone_name=manager_tz,
            )
            for first, last, tz, capacity in members:
                rep, _ = user_create(
                    email=_email(f"{first}.{last}".lower()),
                    role=Role.SALES_REP,
                    team=team_name,
                    password=PASSWORD,
                    first_name=first,
                    last_name=last,
                    timezone_name=tz,
                )
                User.objects.filter(pk=rep.pk).update(capacity=capacity)
                reps[rep.email] = rep
            team = Team.objects.get(name=team_name)
            if is_default:
                Team.objects.filter(pk=team.pk).update(is_default=True)
            Territory.objects.create(name=f"{team_name} countries", team=team, priority=50, countries=countries)
        name, domain, owner = KEY_ACCOUNT
        Account.objects.create(name=name, domain=domain, owner=reps[_email(owner)], company_size=2000, country="DE")
    return {
        "marketer": MARKETER,
        "teams": {
            team.name: {
                "default": team.is_default,
                "reps": list(
                    team.members.filter(role=Role.SALES_REP)
                    .order_by("email")
                    .values_list("email", "timezone", "capacity")
                ),
                "territory_countries": [str(c) for t in team.territories.all() for c in t.countries],
            }
            for team in Team.objects.order_by("name")
        },
        "key_account": {"domain": domain, "owner": _email(owner)},
    }


def info() -> dict:
    from importlib.metadata import version

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            db_version = "SQLite " + cursor.fetchone()[0]
        else:
            cursor.execute("select version()")
            db_version = cursor.fetchone()[0]
    settings_db = connection.settings_dict
    import accord

    return {
        "accord_imported_from": os.path.dirname(accord.__file__),
        "django": django.get_version(),
        "django_ninja": version("django-ninja"),
        "gunicorn": version("gunicorn"),
        "pydantic": version("pydantic"),
        "psycopg": version("psycopg") if connection.vendor == "postgresql" else None,
        "accord": version("accord"),
        "db_vendor": connection.vendor,
        "db_version": db_version,
        "db_conn_max_age": settings_db.get("CONN_MAX_AGE"),
        "db_options": {k: str(v) for k, v in (settings_db.get("OPTIONS") or {}).items()},
    }


def verify(emails_path: str) -> dict:
    """What the database says after the run. Every check is also a count, so a failure
    shows how far off it is."""
    with open(emails_path) as handle:
        sent = json.load(handle)
    qualifying = {e.lower() for e in sent["qualifying"]}
    other = {e.lower() for e in sent["other"]}
    demo_requested = {e.lower() for e in sent["demo_requested"]}
    all_sent = qualifying | other

    leads = Lead.objects.annotate(email_lower=Lower("email"))
    running = SlaClock.objects.filter(stopped_at__isnull=True)
    duplicates = Lead.objects.annotate(e=Lower("email")).values("e").annotate(n=Count("id")).filter(n__gt=1).count()
    found = set(leads.filter(email_lower__in=all_sent).values_list("email_lower", flat=True))
    stages = Counter(Lead.objects.values_list("stage", flat=True))
    routed = leads.filter(stage=Stage.MQL, owner__isnull=False, team__isnull=False).annotate(
        clocks=Count("sla_clocks", filter=Q(sla_clocks__stopped_at__isnull=True))
    )
    routed_with_clock = routed.filter(clocks=1)

    def mql_routed(subset: set[str]) -> int:
        return routed_with_clock.filter(email_lower__in=subset).count()

    mql_events = LeadEvent.objects.filter(kind=LeadEvent.Kind.STAGE, to_stage=Stage.MQL)
    assigned = LeadEvent.objects.filter(kind=LeadEvent.Kind.ASSIGNED)
    per_lead_assignments = assigned.values("lead").annotate(n=Count("id")).filter(n__gt=1).count()
    by_rule = Counter(rule for rule in assigned.values_list("data__rule", flat=True))
    per_rep = dict(
        running.values_list("rep__email").annotate(n=Count("id")).order_by("rep__email").values_list("rep__email", "n")
    )
    turns = dict(RoundRobinTurn.objects.order_by("member__email").values_list("member__email", "assigned_count"))
    tasks = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    clock_ok = running.filter(due_at__gt=F("started_at")).count()
    return {
        "emails_sent": len(all_sent),
        "emails_found": len(found),
        "emails_missing": len(all_sent - found),
        "emails_with_more_than_one_lead": duplicates,
        "leads_total": Lead.objects.count(),
        "stages": dict(sorted(stages.items())),
        "qualifying_payloads": len(qualifying),
        "qualifying_routed_at_capture": mql_routed(qualifying),
        "non_qualifying_payloads": len(other),
        "non_qualifying_still_unqualified": leads.filter(email_lower__in=other - demo_requested)
        .exclude(stage=Stage.MQL)
        .count(),
        "non_qualifying_not_demo_requested": len(other - demo_requested),
        "demo_requested": len(demo_requested),
        "demo_requested_routed": mql_routed(demo_requested),
        "mql_total": stages.get(Stage.MQL, 0),
        "mql_with_owner_team_and_running_clock": routed_with_clock.count(),
        "mql_events_by_reason": dict(Counter(mql_events.values_list("reason", flat=True))),
        "leads_assigned_more_than_once": per_lead_assignments,
        "running_clocks": running.count(),
        "running_clocks_due_after_start": clock_ok,
        "assignments_by_rule": dict(sorted((str(k), v) for k, v in by_rule.items())),
        "running_clocks_by_rep": per_rep,
        "round_robin_turns_by_rep": turns,
        "accounts": Account.objects.count(),
        "notifications": Notification.objects.count(),
        "tasks_enqueued": dict(sorted(tasks.items())),
    }


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "setup":
        result = setup()
    elif command == "info":
        result = info()
    elif command == "verify" and len(sys.argv) == 3:
        result = verify(sys.argv[2])
    else:
        raise SystemExit(__doc__)
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
