"""The `accord` command. Each subcommand parses its options, calls one service, prints."""

import json
import os
import signal
import subprocess
import sys

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    import django

    django.setup()


def _fail(error) -> None:
    field = f"{error.field}: " if getattr(error, "field", None) else ""
    raise click.ClickException(f"{field}{error.message}")


@click.group()
@click.version_option(package_name="accord")
def main() -> None:
    """Accord — one lead system that sales and marketing agree on."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema, then bring the reports' summaries of the lead
    events up to date (after an upgrade that adds them, this reads every event once)."""
    _setup()
    from django.core.management import call_command

    from accord.reports.summaries import summaries_refresh

    call_command("migrate", interactive=False, verbosity=1)
    click.echo("Bringing the report summaries up to date…")
    click.echo(f"  {summaries_refresh():,} leads summarised.")


def _gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "accord.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-" if os.environ.get("ACCORD_ACCESS_LOG") else "/dev/null",
        "--graceful-timeout",
        "5",
    ]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="Web processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per process.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web UI and the API (gunicorn)."""
    os.execv(sys.executable, _gunicorn_command(host, port, workers, threads))


@main.command()
@click.option("--once", is_flag=True, help="Run the tasks that are due, then exit.")
def worker(once: bool) -> None:
    """Run background tasks: SLA checks at their deadlines, notification emails."""
    _setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accord.routing.services import sla_flag_overdue

    flagged = sla_flag_overdue(at=timezone.now())
    if flagged:
        click.echo(f"Flagged {flagged} overdue SLA clock(s) found at start-up.")
    options = {"batch": True} if once else {}
    call_command("db_worker", interval=1, **options)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--email", required=True)
@click.option(
    "--role",
    required=True,
    help="admin, marketing, marketing_lead, sales_rep, sales_manager, executive",
)
@click.option("--team", default=None, help="Team name (created if new).")
@click.option("--password", default=None, help="Generated and printed when omitted.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option(
    "--timezone",
    "timezone_name",
    default="UTC",
    show_default=True,
    help="IANA name for working hours.",
)
def user_create(email, role, team, password, first_name, last_name, timezone_name) -> None:
    """Create a user."""
    _setup()
    from accord.core.errors import DomainError
    from accord.people.services import user_create as create

    try:
        created, raw_password = create(
            email=email,
            role=role,
            team=team,
            password=password,
            first_name=first_name,
            last_name=last_name,
            timezone_name=timezone_name,
        )
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {created.email} ({created.role})" + (f" in team {team}" if team else ""))
    if not password:
        click.echo(f"Password: {raw_password}")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--user", "user_email", required=True, help="Email of the user the token acts as.")
@click.option("--name", default="", help="What the token is for.")
def token_create(user_email: str, name: str) -> None:
    """Create a token; it is printed once and stored hashed."""
    _setup()
    from accord.core.errors import DomainError
    from accord.people.services import token_create as create

    try:
        _, raw = create(user_email=user_email, name=name)
    except DomainError as error:
        _fail(error)
    click.echo(raw)


@token.command("revoke")
@click.argument("prefix")
def token_revoke(prefix: str) -> None:
    """Revoke the token whose value starts with PREFIX (the first 10 characters)."""
    _setup()
    from accord.core.errors import DomainError
    from accord.people.services import token_revoke as revoke

    try:
        revoke(key_prefix=prefix[:10])
    except DomainError as error:
        _fail(error)
    click.echo("Revoked.")


@token.command("list")
def token_list() -> None:
    """List tokens (prefixes only)."""
    _setup()
    from accord.people.models import ApiToken

    for item in ApiToken.objects.select_related("user"):
        state = f"revoked {item.revoked_at:%Y-%m-%d}" if item.revoked_at else "active"
        click.echo(f"{item.key_prefix}…  {item.user.email:30}  {item.name or '-':20}  {state}")


@main.group()
def sla() -> None:
    """SLA clock maintenance."""


@sla.command("check")
def sla_check() -> None:
    """Flag every running clock past its deadline (normally done by the worker on time)."""
    _setup()
    from django.utils import timezone

    from accord.routing.services import sla_flag_overdue

    click.echo(f"Flagged {sla_flag_overdue(at=timezone.now())} breach(es).")


@main.command()
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--leads",
    "lead_count",
    default=2000,
    show_default=True,
    help="Demo leads to generate on first run.",
)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit.")
def demo(port: int, lead_count: int, no_serve: bool) -> None:
    """Create or migrate the embedded database, load demo data once, and serve the UI."""
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from accord.demo import seed

    click.echo(f"Database: {settings.DATABASES['default']['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    if seed.is_seeded():
        click.echo("Demo data already loaded.")
    else:
        with click.progressbar(length=lead_count, label="Generating six months of demo history") as bar:
            seed.seed_demo(lead_count=lead_count, progress=bar.update)
    click.echo(f"\nAccord is at http://127.0.0.1:{port}/  (API docs: http://127.0.0.1:{port}/api/v1/docs)")
    click.echo(f"Sign in with any of these (password: {seed.DEMO_PASSWORD}):")
    for email, role in seed.demo_users():
        click.echo(f"  {email:34} {role}")
    if no_serve:
        return
    env = {**os.environ, "ACCORD_HOME": str(settings.ACCORD_HOME)}
    worker_process = subprocess.Popen([sys.executable, "-m", "accord.cli", "worker"], env=env)
    server = subprocess.Popen(_gunicorn_command("127.0.0.1", port, 2, 4), env=env)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker_process):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (server, worker_process):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _counted(rows, bar):
    """Pass the rows on, advancing the progress bar as each is written."""
    for row in rows:
        yield row
        bar.update(1)


@main.command("export")
@click.argument("kind", type=click.Choice(["leads", "touchpoints", "opportunities", "events"]))
@click.option("--format", "file_format", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (standard output when omitted).",
)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First UTC day, inclusive.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last UTC day, inclusive.")
def export(kind, file_format, output, date_from, date_to) -> None:
    """Write every lead, touchpoint, opportunity or lead event, created (events and
    touchpoints: occurred) within --from/--to, with the import's column names."""
    _setup()
    from accord.core.errors import DomainError
    from accord.exports.formats import WRITERS
    from accord.exports.rows import EXPORTS
    from accord.exports.selectors import export_queryset

    try:
        queryset = export_queryset(
            kind=kind,
            date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None,
        )
    except DomainError as error:
        _fail(error)
    spec, write = EXPORTS[kind], WRITERS[file_format]
    if output is None:
        sys.stdout.writelines(write(spec.columns, spec.rows(queryset)))
        return
    count = queryset.count()
    # Redrawn every 0.1 % of the rows, not on each one: a terminal is slower than the database.
    steps = max(1, count // 1000)
    with (
        open(output, "w", encoding="utf-8", newline="") as file,
        click.progressbar(length=count, label=f"Exporting {kind}", file=sys.stderr, update_min_steps=steps) as bar,
    ):
        file.writelines(write(spec.columns, _counted(spec.rows(queryset), bar)))
    click.echo(f"Wrote {count} {kind} to {output}.", err=True)


@main.command("import")
@click.argument("kind", type=click.Choice(["leads", "touchpoints", "accounts", "opportunities"]))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--preset", type=click.Choice(["generic", "hubspot", "salesforce"]), default="generic", show_default=True)
@click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False), help="Mapping file (JSON).")
@click.option("--dry-run", is_flag=True, help="Check and count everything, write nothing.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), help="Write rejected rows to this CSV.")
@click.option("--all-or-nothing", is_flag=True, help="Write nothing if any row is rejected.")
# Rows per committed chunk; hidden, for tests that interrupt an import between chunks.
@click.option("--chunk-rows", type=click.IntRange(min=1), default=None, hidden=True)
def import_file(kind, file, preset, mapping_path, dry_run, errors_path, all_or_nothing, chunk_rows) -> None:
    """Import a CSV file. Exit status: 0 all rows imported, 1 some rejected, 2 unreadable."""
    _setup()
    from accord.core.errors import DomainError
    from accord.imports.mapping import mapping_load
    from accord.imports.services import import_run

    try:
        mapping = mapping_load(mapping_path, kind=kind) if mapping_path else None
        with click.progressbar(
            length=max(os.path.getsize(file), 1) if os.path.isfile(file) else 1,
            label=f"Importing {kind}",
            file=sys.stderr,
            show_percent=True,
        ) as bar:

            def progress(done: int, total: int, summary: dict) -> None:
                bar.update(done - bar.pos)

            result = import_run(
                kind,
                file,
                preset=preset,
                mapping=mapping,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                errors_path=errors_path,
                progress=progress,
                **({"chunk_rows": chunk_rows} if chunk_rows else {}),
            )
    except DomainError as error:
        click.echo(f"Error: {error.field + ': ' if error.field else ''}{error.message}", err=True)
        sys.exit(2)
    summary = result.summary
    if not dry_run:
        from accord.core.tasks import enqueue_on_commit
        from accord.reports.tasks import summaries_refresh_task

        enqueue_on_commit(summaries_refresh_task)  # the worker brings the report summaries up to date
    click.echo(", ".join(f"{name} {count:,}" for name, count in summary.items()))
    for message in result.messages:
        click.echo(message)
    for row_error in result.errors[:10]:
        where = f"line {row_error.line}" + (f", column {row_error.column!r}" if row_error.column else "")
        click.echo(f"  {where}: {row_error.reason}" + (f" ({row_error.value!r})" if row_error.value else ""), err=True)
    if summary["rejected"] > 10:
        hint = f" All of them are in {errors_path}." if errors_path else " Use --errors FILE to get all of them."
        click.echo(f"  … and {summary['rejected'] - 10:,} more rejected rows.{hint}", err=True)
    sys.exit(result.exit_status)


@main.group()
def definition() -> None:
    """Lead definitions: a version as portable JSON, and back as a new draft."""


@definition.command("export")
@click.option(
    "--version", "version", type=click.IntRange(min=1), default=None, help="Version number (the active one by default)."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (standard output when omitted).",
)
def definition_export(version: int | None, output: str | None) -> None:
    """Write a version as JSON: what `accord definition import` and the API read back."""
    _setup()
    from accord.core.errors import DomainError
    from accord.definitions.queries import definition_find
    from accord.definitions.services import definition_export as export

    try:
        exported = export(definition_find(version=version))
    except DomainError as error:
        _fail(error)
    text = json.dumps(exported, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(text)
    click.echo(f"Wrote v{exported['version']} to {output}.", err=True)


@definition.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--as",
    "acting_email",
    default=None,
    help="Record this user (admin, marketing, marketing lead or sales manager) as who drafted it; "
    "without it the draft is Accord's own, like an import's rows.",
)
def definition_import(file: str, acting_email: str | None) -> None:
    """Create a draft from an exported version or a bare document (JSON)."""
    _setup()
    from accord.core.errors import DomainError, NotFound
    from accord.core.text import normalize_email
    from accord.definitions.services import definition_import as import_definition
    from accord.people.models import User

    with open(file, "rb") as handle:
        data = handle.read()
    try:
        acting_user = None
        if acting_email is not None:
            acting_user = User.objects.filter(email=normalize_email(acting_email, field="as")).first()
            if acting_user is None:
                raise NotFound(f"No user with email {acting_email}.", field="as")
        created = import_definition(data=data, acting_user=acting_user)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created draft {created} from {file}.")


@definition.command("backtest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--version", "version", type=click.IntRange(min=1), default=None, help="A stored version's number.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--against", type=click.IntRange(min=1), default=None, help="Compare with this version number.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def definition_backtest(file, version, date_from, date_to, against, fmt) -> None:
    """Backtest a stored version (--version N) or a JSON file (an export or a bare
    document) over a period, beside the active version (or --against) and beside what
    happened. The operator runs it, so no user is needed."""
    _setup()
    from accord.core.errors import DomainError, InvalidInput
    from accord.definitions.models import LeadDefinition
    from accord.definitions.queries import definition_find
    from accord.definitions.services import document_validate
    from accord.reports.backtest import MEASURES, backtest_report, measure_text

    try:
        if (file is None) == (version is None):
            raise InvalidInput("Give a version (--version N) or a JSON file, not both.", field="version")
        if file is not None:
            try:
                with open(file, "rb") as handle:
                    data = json.loads(handle.read())
            except ValueError as error:
                raise InvalidInput(f"Not JSON: {error}.", field="file") from None
            document = data.get("document", data) if isinstance(data, dict) else data
            candidate = LeadDefinition(document=document_validate(document).model_dump(mode="json"), name=file)
        else:
            candidate = definition_find(version=version)
        other = definition_find(version=against) if against is not None else None
        report = backtest_report(candidate, date_from=date_from.date(), date_to=date_to.date(), against=other)
    except DomainError as error:
        _fail(error)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    columns = [("this version", report["version"])]
    if report["active"] is not None:
        columns.append((f"v{report['active']['version']}", report["active"]))
    columns.append(("what happened", report["actual"]))
    click.echo(f"Backtest {report['from']} – {report['to']}: {report['leads_considered']:,} leads, "
               f"{report['touchpoints_considered']:,} touchpoints")  # fmt: skip
    width = max(len(label) for _, label, _ in MEASURES)
    click.echo(f"{'':<{width}}  " + "  ".join(f"{title:>14}" for title, _ in columns))
    for key, label, kind in MEASURES:
        cells = [measure_text(result[key], kind) for _, result in columns]
        click.echo(f"{label:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells))
    if report["changes"]:
        changes = report["changes"]
        click.echo(
            f"\nAgainst v{report['active']['version']}: gains {changes['gained']['mql_count']:,} leads "
            f"({changes['gained']['won']:,} won), loses {changes['lost']['mql_count']:,} "
            f"({changes['lost']['won']:,} won), keeps {changes['kept']:,}."
        )


def _report_as_file(fmt: str, as_dict: dict, columns, rows) -> bool:
    """Print a report as JSON or CSV when asked for either; False for the table, which
    each report lays out itself."""
    from accord.exports.formats import csv_lines

    if fmt == "json":
        click.echo(json.dumps(as_dict, indent=2))
    elif fmt == "csv":
        sys.stdout.writelines(csv_lines(columns, rows))
    return fmt in ("json", "csv")


@main.group()
def report() -> None:
    """Reports, as the web UI shows them, for the terminal and for files."""


@report.command("rejections")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option(
    "--by",
    type=click.Choice(["source", "campaign", "industry", "company_size", "country", "rep", "rule", "reason"]),
    default=None,
    help="Group the hand-offs (a total row always follows).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_rejections(date_from, date_to, by, fmt) -> None:
    """The leads handed over in the period and how many sales rejected, per group, with
    the top reasons, sales' ratings and problems, and the trend per month. The operator
    runs it, so no user is needed."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.rejections import ROW_COLUMNS, counts_text, rejection_report, report_rows

    try:
        result = rejection_report(date_from=date_from.date(), date_to=date_to.date(), by=by)
    except DomainError as error:
        _fail(error)
    if _report_as_file(fmt, result.as_dict(), ROW_COLUMNS, report_rows(result)):
        return

    def rate(value) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    click.echo(f"Hand-offs {result.date_from} – {result.date_to}" + (f" by {by}" if by else ""))
    width = max(12, *(len(row.group) for row in result.rows))
    headers = ("handed over", "rejected", "rate", "won", "won rate", "rating")
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>11}" for h in headers) + "  top reasons")
    for row in result.rows:
        rating = "—" if row.average_rating is None else f"{row.average_rating:.2f}"
        cells = (row.handed_over, row.rejected, rate(row.rejection_rate), row.won, rate(row.won_rate), rating)
        reasons = counts_text(row.top_reasons) or "—"
        click.echo(f"{row.group:<{width}}  " + "  ".join(f"{cell:>11}" for cell in cells) + f"  {reasons}")
    click.echo("\nPer month:")
    for month in result.months:
        click.echo(
            f"{month.month}  {month.handed_over:>6} handed over  {month.rejected:>6} rejected  "
            f"{rate(month.rejection_rate):>6}"
        )


@report.command("sla")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--by", type=click.Choice(["rep", "team"]), default="rep", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_sla(date_from, date_to, by, fmt) -> None:
    """The SLA scorecard: per rep (or team), the leads handed over in the period and how
    they were followed up, the business hours it took, and marketing's side — MQLs
    delivered against the commitment and the share accepted."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.sla import ROW_COLUMNS, report_rows, sla_scorecard

    try:
        card = sla_scorecard(date_from=date_from.date(), date_to=date_to.date(), by=by)
    except DomainError as error:
        _fail(error)
    if _report_as_file(fmt, card.as_dict(), ROW_COLUMNS, report_rows(card)):
        return

    def number(value, suffix="") -> str:
        return "—" if value is None else f"{value:g}{suffix}"

    click.echo(f"SLA scorecard {card.date_from} – {card.date_to} by {by}")
    width = max(12, *(len(row.group) for row in [*card.rows, card.total]))
    headers = ("handed", "on time", "late", "ignored", "reassgn", "waiting", "on time %", "median h", "p90 h")
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>9}" for h in headers))
    for row in [*card.rows, card.total]:
        c = row.counts
        rate = "—" if row.on_time_rate is None else f"{row.on_time_rate * 100:.1f}%"
        cells = (
            c["handed_over"], c["on_time"], c["late"], c["ignored"], c["reassigned"], c["waiting"],
            rate, number(row.median_hours), number(row.p90_hours),
        )  # fmt: skip
        click.echo(f"{row.group:<{width}}  " + "  ".join(f"{cell:>9}" for cell in cells))
    side = card.marketing
    delivered = "—" if side.delivered_rate is None else f"{side.delivered_rate * 100:.1f}%"
    accepted = "—" if side.accepted_rate is None else f"{side.accepted_rate * 100:.1f}%"
    click.echo(
        f"\nMarketing: {side.delivered} MQLs delivered of {side.commitment:g} committed ({delivered}); "
        f"{side.accepted} accepted by sales ({accepted})."
    )


# --- funnel and velocity: a period beside the one before ------------------------------

LEAD_GROUPS = ["source", "campaign", "channel", "segment", "country", "team", "owner"]
_by_lead_group = click.option(
    "--by",
    type=click.Choice(LEAD_GROUPS),
    default=None,
    help="Group the leads by what they are now (a total row always follows).",
)
_compare = click.option(
    "--compare",
    type=click.Choice(["previous", "year", "none"]),
    default="previous",
    show_default=True,
    help="The period beside it: the month, quarter or year before (else as many days before), "
    "the same dates a year earlier, or none.",
)


def _refuse(error) -> None:
    """Bad input exits 2 with the message naming the option, as a usage error does."""
    click.echo(f"Error: {error.field + ': ' if error.field else ''}{error.message}", err=True)
    sys.exit(2)


def _signed(value, size) -> str:
    """A change as the terminal shows it: + or − before `size(abs(value))`, — for none."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "−" if value < 0 else "") + size(abs(value))


def _period_title(name: str, report) -> str:
    title = f"{name} {report.date_from} – {report.date_to}" + (f" by {report.by}" if report.by else "")
    return title + (f", beside {report.compare_from} – {report.compare_to}" if report.compare_from else "")


@report.command("funnel")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@_by_lead_group
@_compare
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_funnel(date_from, date_to, by, compare, fmt) -> None:
    """The cohort funnel: the leads created in the period, how many reached each stage and
    the stage-to-stage conversion, beside the comparison period with the change."""
    _setup()
    from accord.core.errors import InvalidInput
    from accord.reports.funnel import CONVERSIONS, COUNTS, funnel_compared, report_rows, row_columns

    try:
        result = funnel_compared(date_from=date_from.date(), date_to=date_to.date(), by=by, compare=compare)
    except InvalidInput as error:
        _refuse(error)
    if _report_as_file(fmt, result.as_dict(), row_columns(result), report_rows(result)):
        return

    def rate(value) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    def line(name: str, measures: dict, count, share) -> str:
        cells = [*(count(measures[c]) for c in COUNTS), *(share(measures["conversion"][c]) for c in CONVERSIONS)]
        return f"{name:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells)

    click.echo(_period_title("Funnel", result))
    width = max(12, *(len(row.group) for row in result.rows))
    headers = ("leads", "mql", "sal", "sql", "customer", "recycled", "disq.", "lead→mql", "mql→sal", "sal→sql",
               "sql→cust.", "lead→cust.")  # fmt: skip
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>10}" for h in headers))
    for row in result.rows:
        click.echo(line(row.group, row.measures(), str, rate))
        if row.previous is not None:
            click.echo(line("  previous", row.previous.measures(), str, rate))
            change = row.change()
            click.echo(
                line(
                    "  change",
                    change,
                    lambda value: _signed(value, str),
                    lambda value: _signed(value, lambda size: f"{size * 100:.1f} pts"),
                )
            )


@report.command("velocity")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@_by_lead_group
@_compare
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_velocity(date_from, date_to, by, compare, fmt) -> None:
    """Days in each stage: the stays that ended in the period (count, median and 90th
    percentile days, elapsed time) and the days from creation to customer, beside the
    comparison period with the change."""
    _setup()
    from accord.core.errors import InvalidInput
    from accord.reports.velocity import MEASURES, report_rows, row_columns, velocity_report

    try:
        result = velocity_report(date_from=date_from.date(), date_to=date_to.date(), by=by, compare=compare)
    except InvalidInput as error:
        _refuse(error)
    if _report_as_file(fmt, result.as_dict(), row_columns(result), report_rows(result)):
        return

    def days(value) -> str:
        return "—" if value is None else f"{value:.2f}"

    def cells(durations) -> list[str]:
        return [str(durations.count), days(durations.median_days), days(durations.p90_days)]

    click.echo(_period_title("Velocity", result) + " (days: median, 90th percentile)")
    headers = ["stays", "median", "p90"]
    if result.compare_from:
        headers += ["prev.", "median", "p90", "change", "median", "p90"]
    click.echo(f"{'':<18}  " + "  ".join(f"{h:>8}" for h in headers))
    for row in result.rows:
        click.echo(row.group)
        for name in MEASURES:
            shown = cells(row.times[name])
            if row.previous is not None:
                before, change = row.previous.times[name], row.change()[name]
                shown += cells(before)
                shown += [
                    _signed(change["count"], str),
                    *(_signed(change[k], days) for k in ("median_days", "p90_days")),
                ]
            click.echo(f"  {name:<16}  " + "  ".join(f"{cell:>8}" for cell in shown))


@report.command("refresh-summaries")
@click.option("--rebuild", is_flag=True, help="Empty the summaries and build them again from every event.")
def report_refresh_summaries(rebuild: bool) -> None:
    """Bring the funnel's and velocity's summaries up to the lead events (each report does it
    too, so this only spares the next report the work; cron it on a busy install)."""
    _setup()
    from accord.reports.summaries import summaries_rebuild, summaries_refresh

    if not rebuild:
        click.echo(f"Leads recomputed: {summaries_refresh():,}")
        return
    with click.progressbar(length=1, label="Rebuilding the summaries", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        leads = summaries_rebuild(progress=progress)
    click.echo(f"Leads summarised: {leads:,}")


def _pipeline_table(title: str, report) -> None:
    def money(value) -> str:
        return "—" if value is None else f"{value:,.2f}"

    click.echo(title)
    rows = [*report.rows, report.total]
    width = max(12, *(len(row.group) for row in rows))
    headers = ("created", "open", "open amt", "won", "lost", "win rate", "won revenue", "avg deal", "cycle d")
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>12}" for h in headers))
    for row in rows:
        c, a = row.counts, row.amounts
        rate = "—" if row.win_rate is None else f"{row.win_rate * 100:.1f}%"
        days = "—" if row.median_cycle_days is None else f"{row.median_cycle_days:g}"
        cells = (
            c["created"], c["open"], money(a["open_amount"]), c["won"], c["lost"], rate,
            money(a["won_revenue"]), money(row.average_deal), days,
        )  # fmt: skip
        click.echo(f"{row.group:<{width}}  " + "  ".join(f"{cell:>12}" for cell in cells))


@report.command("pipeline")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option(
    "--by",
    type=click.Choice(["owner", "team", "source", "campaign", "month"]),
    default=None,
    help="Group the deals (a total row always follows).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_pipeline(date_from, date_to, by, fmt) -> None:
    """Pipeline and revenue: deals created, open at the period's end, won and lost, win
    rate, won revenue, average deal size and median cycle — deals imported without a lead
    included."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.pipeline import ROW_COLUMNS, pipeline_report, report_rows

    try:
        result = pipeline_report(date_from=date_from.date(), date_to=date_to.date(), by=by)
    except DomainError as error:
        _fail(error)
    if not _report_as_file(fmt, result.as_dict(), ROW_COLUMNS, report_rows(result)):
        _pipeline_table(f"Pipeline {result.date_from} – {result.date_to}" + (f" by {by}" if by else ""), result)


@report.command("sourcing")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_sourcing(date_from, date_to, fmt) -> None:
    """Marketing-sourced deals (their lead was an MQL before the deal) beside sales-sourced
    ones: close rate, average deal size, cycle length and revenue."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.pipeline import ROW_COLUMNS, report_rows, sourcing_report

    try:
        result = sourcing_report(date_from=date_from.date(), date_to=date_to.date())
    except DomainError as error:
        _fail(error)
    if not _report_as_file(fmt, result.as_dict(), ROW_COLUMNS, report_rows(result)):
        _pipeline_table(f"Marketing-sourced vs sales-sourced {result.date_from} – {result.date_to}", result)


@report.command("dashboard")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@_compare
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_dashboard(date_from, date_to, compare, fmt) -> None:
    """The executive dashboard: revenue, the funnel of the period's new leads, the hand-off
    and cost — the handful of numbers the other reports give — beside the comparison
    period, and the company's revenue goal paced."""
    _setup()
    from accord.core.errors import InvalidInput
    from accord.reports.dashboard import ROW_COLUMNS, change_text, dashboard, figure_text, report_rows

    try:
        board = dashboard(date_from=date_from.date(), date_to=date_to.date(), compare=compare)
    except InvalidInput as error:
        _refuse(error)
    if _report_as_file(fmt, board.as_dict(), ROW_COLUMNS, report_rows(board)):
        return
    title = f"Dashboard {board.date_from} – {board.date_to}"
    click.echo(title + (f", beside {board.compare_from} – {board.compare_to}" if board.compare_from else ""))
    for section in board.sections:
        click.echo(f"\n{section.title}")
        for figure in section.figures:
            line = f"  {figure.label:<32}{figure_text(figure.value, figure.kind):>16}"
            if board.compare_from:
                moved = change_text(figure.change, figure.kind)
                line += f"  {figure_text(figure.previous, figure.kind):>16}  {moved:>14}"
            click.echo(line)
    if board.goal is not None:
        click.echo()
        _goal_table(board.goal)


def _goal_table(plan) -> None:
    goal = plan.goal
    team = goal.team.name if goal.team_id else "the company"
    click.echo(
        f"Revenue goal {goal.date_from} – {goal.date_to} for {team}: {goal.revenue:,.2f} {goal.currency}; "
        f"rates from {plan.lookback_from} – {plan.lookback_to}; day {plan.elapsed_days} of {plan.total_days}"
    )
    headers = ("rate", "target", "actual", "expected", "pace")
    click.echo(f"{'':<14}  " + "  ".join(f"{h:>12}" for h in headers))
    for step in plan.steps:
        cells = [
            "" if step.rate is None else f"{step.rate:g}",
            "—" if step.target is None else f"{step.target:,.0f}",
            f"{step.actual:,.0f}",
            "—" if step.expected is None else f"{step.expected:,.2f}",
            "—" if step.pace is None else f"{step.pace * 100:.1f}%",
        ]
        click.echo(f"{step.name:<14}  " + "  ".join(f"{cell:>12}" for cell in cells))
    if plan.missing:
        missing = plan.missing[0].replace("_", " ")
        click.echo(f"The targets stop where the look-back cannot measure the {missing}.")


@report.command("goal")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The goal's first day.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The goal's last day.")
@click.option("--team", default=None, help="A team's goal (by name); without it, the company's.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Pace as of this day (UTC).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_goal(date_from, date_to, team, today, fmt) -> None:
    """The revenue goal of a period as funnel targets (revenue → deals → opportunities →
    SQLs → MQLs → leads) from the rates of its look-back, and the pacing to date."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.goal import ROW_COLUMNS, goal_get, goal_plan, report_rows

    try:
        plan = goal_plan(
            goal_get(date_from=date_from.date(), date_to=date_to.date(), team=team),
            today=today.date() if today else None,
        )
    except DomainError as error:
        _fail(error)
    if not _report_as_file(fmt, plan.as_dict(), ROW_COLUMNS, report_rows(plan)):
        _goal_table(plan)


@main.group()
def goal() -> None:
    """The shared revenue goal."""


@goal.command("set")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--revenue", required=True, help="The revenue to reach in the period.")
@click.option("--team", default=None, help="A team's goal (by name); without it, the company's.")
@click.option("--lookback", "lookback_months", type=int, default=6, show_default=True, help="Months of history.")
@click.option("--currency", default=None, help="ISO 4217 code; default ACCORD_CURRENCY.")
@click.option("--by", "acting_email", required=True, help="Who sets it (admin, executive, or the team's manager).")
def goal_set(date_from, date_to, revenue, team, lookback_months, currency, acting_email) -> None:
    """Set (or replace) the revenue goal of a period, and print its plan."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.goal import goal_plan
    from accord.reports.goal import goal_set as set_goal

    try:
        made = set_goal(
            acting_user=_acting_user(acting_email),
            date_from=date_from.date(),
            date_to=date_to.date(),
            revenue=revenue,
            team=team,
            lookback_months=lookback_months,
            currency=currency,
        )
    except DomainError as error:
        _fail(error)
    _goal_table(goal_plan(made))


def _money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


@report.command("cost")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--by", type=click.Choice(["campaign", "channel"]), default="campaign", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_cost(date_from, date_to, by, fmt) -> None:
    """Campaign costs against what they brought: per campaign (or channel) the period's
    cost (each month's entries prorated by its days in the period), leads, MQLs, SQLs,
    opportunities, customers, won revenue, the cost per each and the return."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.cost import COUNTS, ROW_COLUMNS, cost_report, report_rows

    try:
        result = cost_report(date_from=date_from.date(), date_to=date_to.date(), by=by)
    except DomainError as error:
        _refuse(error)
    if _report_as_file(fmt, result.as_dict(), ROW_COLUMNS, report_rows(result)):
        return
    click.echo(f"Cost {result.date_from} – {result.date_to} by {by}")
    rows = [*result.rows, result.total]
    width = max(12, *(len(row.group) for row in rows))
    headers = ("cost", "leads", "MQLs", "SQLs", "opps", "customers", "won", "per lead", "per MQL", "per SQL",
               "per opp", "per cust", "return")  # fmt: skip
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>11}" for h in headers))
    for row in rows:
        won = row.return_on_cost
        cells = (
            _money(row.cost), *(row.counts[name] for name in COUNTS), _money(row.won_revenue),
            *(_money(row.cost_per(name)) for name in COUNTS), "—" if won is None else f"{won:.2f}×",
        )  # fmt: skip
        click.echo(f"{row.group:<{width}}  " + "  ".join(f"{cell:>11}" for cell in cells))


@report.command("compensation")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_compensation(date_from, date_to, fmt) -> None:
    """The compensation export: per rep, the SLA scorecard's counts and the won marketing
    leads of the period, and what they earn under the compensation policy (reward, penalty,
    bonus, total). The CSV is the payroll file: one row per rep. The operator runs it, so
    no user is needed."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.compensation import COUNTS, ROW_COLUMNS, compensation_report, report_rows

    try:
        result = compensation_report(date_from=date_from.date(), date_to=date_to.date())
    except DomainError as error:
        _refuse(error)
    if _report_as_file(fmt, result.as_dict(), ROW_COLUMNS, report_rows(result)):
        return
    total = result.total
    click.echo(f"Compensation {result.date_from} – {result.date_to} ({result.currency})")
    rows = [*result.rows, total]
    width = max(12, *(len(row.rep) for row in rows))
    headers = ("handed", "on time", "late", "ignored", "reassgn", "waiting", "won",
               "reward", "penalty", "bonus", "total")  # fmt: skip
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>10}" for h in headers))
    for row in rows:
        cells = (*(row.counts[name] for name in COUNTS), *(_money(amount) for amount in row.amounts.values()))
        click.echo(f"{row.rep:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells))
    for version in result.policies:
        click.echo(
            f"Policy v{version.pk} from {version.effective_from}: {version.reward_on_time} per on-time follow-up, "
            f"{version.penalty_ignored} per ignored lead, {version.bonus_won} per won marketing lead."
        )
    if total.without_policy:
        click.echo(f"{total.without_policy} hand-off(s) or win(s) came before the first policy version: paid nothing.")


@report.command("wins")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_wins(date_from, date_to, fmt) -> None:
    """The wins feed: every deal won in the period, newest first, with its AE, SDR, the
    campaigns before the win (and their owners) and its touchpoints. The CSV has one row
    per win. The operator runs it, so no user is needed."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.wins import ROW_COLUMNS, report_rows, wins_feed

    try:
        feed = wins_feed(date_from=date_from.date(), date_to=date_to.date())
    except DomainError as error:
        _refuse(error)
    if _report_as_file(fmt, feed.as_dict(), ROW_COLUMNS, report_rows(feed)):
        return
    summary = feed.summary
    share = "—" if summary.marketing_share is None else f"{summary.marketing_share * 100:.1f}%"
    click.echo(
        f"Wins {feed.date_from} – {feed.date_to}: {summary.wins} deal(s), {_money(summary.revenue)}; "
        f"{summary.marketing_credited} with marketing credit ({share})"
    )
    for row in feed.rows:
        campaigns = ", ".join(f"{c.code} ({c.owner.name if c.owner else '—'})" for c in row.campaigns) or "—"
        click.echo(
            f"{row.won_at:%Y-%m-%d %H:%M}  {row.name}  {_money(row.amount)}  AE {row.ae.name}"
            + (f", SDR {row.sdr.name}" if row.sdr else "")
            + f"  campaigns: {campaigns}  touchpoints: {row.touchpoints}"
        )


# The choices of `report attribution`, as accord.attribution names them (a test holds them
# equal); spelled out here so that `accord --help` needs neither Django nor Polars.
ATTRIBUTION_MODELS = ("first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay", "markov")
ATTRIBUTION_CONVERSIONS = ("lead", "mql", "opportunity", "pipeline", "revenue")
_lookback = click.option(
    "--lookback-days",
    type=click.IntRange(0, 3650),
    default=90,
    show_default=True,
    help="Touches up to this many days before each conversion count.",
)


def _json_ready(as_dict: dict) -> dict:
    """A report's dictionary with its period as ISO dates, for `--format json`."""
    return {**as_dict, "from": str(as_dict["from"]), "to": str(as_dict["to"])}


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@report.command("attribution")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@click.option(
    "--model", type=click.Choice(ATTRIBUTION_MODELS), default=None, help="One model; without it, all side by side."
)
@click.option("--by", type=click.Choice(["campaign", "channel"]), default="campaign", show_default=True)
@click.option(
    "--conversion",
    type=click.Choice(ATTRIBUTION_CONVERSIONS),
    default="lead",
    show_default=True,
    help="What is attributed: leads created, MQLs, deals created, their amounts (pipeline), revenue won.",
)
@click.option("--order", type=click.IntRange(1, 4), default=1, show_default=True, help="Markov chain order.")
@click.option(
    "--half-life-days",
    type=click.FloatRange(min=0, min_open=True),
    default=7.0,
    show_default=True,
    help="Time decay: a touch this many days older weighs half.",
)
@_lookback
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_attribution(date_from, date_to, model, by, conversion, order, half_life_days, lookback_days, fmt) -> None:
    """The period's conversions credited to the campaigns (or channels) whose touches came
    before them in the look-back window: one model, or all eight side by side (first, last,
    linear, u_shaped, w_shaped, full_path, time_decay, markov). Every model adds up to the
    total; conversions without a touch make the "(no touch)" row. With --model markov the
    table also shows the removal effects (JSON: and the transitions)."""
    _setup()
    from accord.attribution.report import ALL_MODELS, attribution_report
    from accord.core.errors import DomainError

    try:
        result = attribution_report(
            date_from=date_from.date(),
            date_to=date_to.date(),
            conversion=conversion,
            by=by,
            models=(model,) if model else ALL_MODELS,
            order=order,
            half_life_days=half_life_days,
            lookback_days=lookback_days,
        )
    except DomainError as error:
        _refuse(error)
    if model:
        rows = result.rows(model)
        columns = list(rows[0]) if rows else ["group", "name", "channel", "conversions", "value", "share"]
    else:
        rows = result.side_by_side()
        columns = ["group", "name", "channel", *result.models]
    table_rows = [[row[column] for column in columns] for row in rows]
    if not _report_as_file(fmt, _json_ready(result.as_dict(model)), columns, table_rows):
        _attribution_table(result, model, rows)


def _attribution_table(result, model: str | None, rows: list[dict]) -> None:
    """All models as columns of values, or one model's rows with their shares (and Markov's
    removal effects); an "All" row of the totals last."""
    from accord.attribution.report import MODEL_LABELS

    click.echo(
        f"Attribution {result.date_from} – {result.date_to}: {result.conversion} by {result.by}, "
        f"{result.conversions:,} conversion(s), value {result.value:,.2f}, {result.no_touch:,} without a touch"
    )
    click.echo(
        f"Look-back {result.lookback_days} days, time decay half-life {result.half_life_days:g} days, "
        f"Markov order {result.order}"
    )
    width = max(12, *(len(row["group"]) for row in rows))
    if model is None:
        labels = [MODEL_LABELS[name] for name in result.models]
        click.echo(f"{'':<{width}}  " + "  ".join(f"{label:>12}" for label in labels))
        for row in rows:
            click.echo(f"{row['group']:<{width}}  " + "  ".join(f"{row[name]:>12,.2f}" for name in result.models))
        click.echo(f"{'All':<{width}}  " + "  ".join(f"{result.value:>12,.2f}" for _ in result.models))
        return
    click.echo(MODEL_LABELS[model] + (f" (order {result.order})" if model == "markov" else ""))
    markov = model == "markov"
    headers = ("channel", "conversions", "value", "share") + (("removal effect", "on value") if markov else ())
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>14}" for h in headers))
    for row in rows:
        cells = [row["channel"] or "", f"{row['conversions']:,.4f}", f"{row['value']:,.2f}", _share(row["share"])]
        if markov:
            cells += [_share(row["removal_effect"]), _share(row["removal_effect_value"])]
        click.echo(f"{row['group']:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells))
    total = ["", f"{result.conversions:,.4f}", f"{result.value:,.2f}", _share(1.0 if result.value else None)]
    click.echo(f"{'All':<{width}}  " + "  ".join(f"{cell:>14}" for cell in total))


INFLUENCE_COLUMNS = (
    "group", "name", "channel", "opportunities", "amount", "won", "won_amount", "share_of_opportunities",
    "share_of_amount",
)  # fmt: skip


@report.command("influence")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (UTC), inclusive.")
@_lookback
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def report_influence(date_from, date_to, lookback_days, fmt) -> None:
    """Pipeline influence: per campaign, the deals created in the period it touched at least
    once in the look-back window before their creation (any contact of the deal's account),
    their amount, how many were won by the period's end — each deal counts fully for every
    campaign, so the rows add up to more than the total — and the pipeline each rule-based
    model attributes to it. The CSV has one row per campaign, a column per model."""
    _setup()
    from accord.attribution.positions import MODELS
    from accord.attribution.report import influence_report
    from accord.core.errors import DomainError

    try:
        result = influence_report(date_from=date_from.date(), date_to=date_to.date(), lookback_days=lookback_days)
    except DomainError as error:
        _refuse(error)
    columns = [*INFLUENCE_COLUMNS, *(f"attributed_{name}" for name in MODELS)]
    rows = [[*(row[c] for c in INFLUENCE_COLUMNS), *(row["attributed"][m] for m in MODELS)] for row in result.rows]
    if _report_as_file(fmt, _json_ready(result.as_dict()), columns, rows):
        return
    click.echo(
        f"Pipeline influence {result.date_from} – {result.date_to} (look-back {result.lookback_days} days): "
        f"{result.opportunities:,} deal(s), {_money(result.amount)}; touched by a campaign: "
        f"{result.influenced:,} ({_money(result.influenced_amount)})"
    )
    width = max(12, *(len(row["group"]) for row in result.rows)) if result.rows else 12
    headers = ("deals", "amount", "won", "won amount", "% deals", "% amount", *MODELS)
    click.echo(f"{'':<{width}}  " + "  ".join(f"{h:>12}" for h in headers))
    for row in result.rows:
        cells = (
            row["opportunities"], _money(row["amount"]), row["won"], _money(row["won_amount"]),
            _share(row["share_of_opportunities"]), _share(row["share_of_amount"]),
            *(_money(row["attributed"][name]) for name in MODELS),
        )  # fmt: skip
        click.echo(f"{row['group']:<{width}}  " + "  ".join(f"{cell:>12}" for cell in cells))


@main.group()
def digest() -> None:
    """Email digests for the whole team."""


@digest.command("wins")
@click.option(
    "--week-ending",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The Sunday the week ends on (Monday–Sunday, UTC); default: the last whole week.",
)
@click.option("--dry-run", is_flag=True, help="Print the digest and how many it would go to; send nothing.")
def digest_wins(week_ending, dry_run) -> None:
    """Email last week's wins to every active user, through the worker (`accord worker`).
    A week without wins sends nothing. Run it weekly from cron, e.g. on Mondays:
    `0 7 * * 1 accord digest wins`. Exit status: 0 queued or nothing to send, 2 refused."""
    _setup()
    from django.utils import timezone

    from accord.core.errors import DomainError
    from accord.reports.wins import digest_recipients, last_week_ending, wins_digest, wins_digest_queue

    week = week_ending.date() if week_ending else last_week_ending(timezone.now().date())
    try:
        made = wins_digest(week) if dry_run else wins_digest_queue(week_ending=week)
    except DomainError as error:
        _refuse(error)
    period = f"{made.week_start} – {made.week_ending}"
    if made.empty:
        click.echo(f"No deal was won in the week {period}: nothing sent.")
        return
    recipients = len(digest_recipients())
    if dry_run:
        click.echo(f"Would send to {recipients} active user(s).\nSubject: {made.subject}\n")
        click.echo(made.text, nl=False)
        return
    click.echo(
        f"Queued the wins of {period} ({made.feed.summary.wins}) for {recipients} active user(s); "
        "the worker sends them."
    )


@main.group()
def campaign() -> None:
    """Campaigns' cost ledger: what each campaign cost, month by month."""


def _acting_user(email: str):
    from accord.core.errors import NotFound
    from accord.core.text import normalize_email
    from accord.people.models import User

    user = User.objects.filter(email=normalize_email(email, field="by"), is_active=True).first()
    if user is None:
        raise NotFound(f"No active user with email {email}.", field="by")
    return user


@campaign.command("cost")
@click.argument("code")
@click.option("--month", required=True, help="The month the cost belongs to, YYYY-MM.")
@click.option("--amount", required=True, help="What it cost; negative to correct the month's entries.")
@click.option("--note", default="", help="What it was (an invoice, a correction's reason).")
@click.option("--by", "acting_email", required=True, help="Who records it (marketing, marketing lead or admin).")
def campaign_cost(code, month, amount, note, acting_email) -> None:
    """Record what campaign CODE cost in a month (an entry in its ledger, never changed
    afterwards: a mistake is corrected by another entry)."""
    _setup()
    from accord.campaigns.services import campaign_cost_record
    from accord.core.errors import DomainError

    try:
        entry = campaign_cost_record(
            acting_user=_acting_user(acting_email), campaign_code=code, month=month, amount=amount, note=note
        )
    except DomainError as error:
        _refuse(error)
    click.echo(f"Recorded {entry.amount:,.2f} for {entry.campaign.code} in {entry.month:%Y-%m} (entry {entry.pk}).")


@campaign.command("costs")
@click.argument("code")
def campaign_costs(code) -> None:
    """The cost ledger of campaign CODE, newest entry first, and each month's total. The
    operator runs it, so no user is needed."""
    _setup()
    from accord.campaigns.selectors import campaign_ledger
    from accord.core.errors import DomainError

    try:
        ledger = campaign_ledger(campaign_code=code)
    except DomainError as error:
        _refuse(error)
    click.echo(f"Cost ledger of {ledger.campaign.code} ({ledger.campaign.name}), newest first")
    for entry in ledger.entries:
        by = entry.created_by.email if entry.created_by_id else "—"
        note = f"  {entry.note}" if entry.note else ""
        click.echo(f"{entry.created_at:%Y-%m-%d %H:%M}  {entry.month:%Y-%m}  {entry.amount:>15,.2f}  {by}{note}")
    totals = ", ".join(f"{month:%Y-%m} {total:,.2f}" for month, total in ledger.months)
    click.echo(f"Per month: {totals or 'no entries yet'}")


@campaign.command("costs-import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "acting_email", required=True, help="Who records them (marketing, marketing lead or admin).")
def campaign_costs_import(file, acting_email) -> None:
    """Record the cost entries of a CSV file with the columns campaign, month (YYYY-MM),
    amount and, if wanted, note — all of them, or none if any row is wrong (every problem
    is listed by row and field). Exit status: 0 recorded, 2 refused."""
    _setup()
    from accord.campaigns.services import CostFileInvalid, campaign_costs_import
    from accord.core.errors import DomainError

    try:
        created = campaign_costs_import(acting_user=_acting_user(acting_email), path=file)
    except CostFileInvalid as error:
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        _refuse(error)
    except DomainError as error:
        _refuse(error)
    click.echo(f"Recorded {len(created)} cost entr{'y' if len(created) == 1 else 'ies'} from {file}.")


@main.group()
def compensation() -> None:
    """The compensation policy that the compensation report pays by."""


@compensation.command("policy-set")
@click.option("--reward", required=True, help="Paid per hand-off followed up on time, e.g. 12.50.")
@click.option("--penalty", required=True, help="Subtracted per hand-off ignored.")
@click.option("--bonus", required=True, help="Paid per won lead that marketing had qualified.")
@click.option(
    "--from", "effective_from", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First UTC day it applies to."
)
@click.option("--currency", default=None, help="ISO 4217 code (default: ACCORD_CURRENCY, else EUR).")
@click.option("--note", default="", help="Why it changed.")
@click.option("--by", "acting_email", required=True, help="Who sets it (an admin or an executive).")
def compensation_policy_set(reward, penalty, bonus, effective_from, currency, note, acting_email) -> None:
    """Add a version of the compensation policy from --from on. Versions are never changed:
    of two from the same day, the one added last applies."""
    _setup()
    from accord.core.errors import DomainError
    from accord.reports.compensation import policy_create

    try:
        version = policy_create(
            acting_user=_acting_user(acting_email),
            reward_on_time=reward,
            penalty_ignored=penalty,
            bonus_won=bonus,
            effective_from=effective_from.date(),
            currency=currency,
            note=note,
        )
    except DomainError as error:
        _refuse(error)
    click.echo(
        f"Added policy v{version.pk} from {version.effective_from}: {version.reward_on_time} per on-time "
        f"follow-up, {version.penalty_ignored} per ignored lead, {version.bonus_won} per won marketing lead "
        f"({version.currency})."
    )


@compensation.command("policies")
def compensation_policies() -> None:
    """The policy's history, the version added last first. The operator runs it, so no user
    is needed."""
    _setup()
    from accord.reports.compensation import policy_history

    click.echo(
        f"{'version':>7}  {'from':<10}  {'reward':>12}  {'penalty':>12}  {'bonus':>12}  currency  added (UTC)       by"
    )
    for version in policy_history():
        amounts = (_money(version.reward_on_time), _money(version.penalty_ignored), _money(version.bonus_won))
        click.echo(
            f"{'v' + str(version.pk):>7}  {version.effective_from}  " + "  ".join(f"{a:>12}" for a in amounts)
            + f"  {version.currency:<8}  {version.created_at:%Y-%m-%d %H:%M}  {version.created_by.email}"
            + (f"  {version.note}" if version.note else "")
        )  # fmt: skip


@main.group()
def attribution() -> None:
    """Which campaigns and channels earned the conversions, under several models."""


@attribution.command("paths")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", type=click.Choice(["first", "last", "linear", "markov"]), required=True)
@click.option("--order", type=click.IntRange(1, 4), default=1, show_default=True, help="Markov chain order.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def attribution_paths(file, model, order, fmt) -> None:
    """Credit per channel over a path-level FILE, as the channelattribution package reads
    it: `path;total_conversions;total_conversion_value;total_null`, channels joined by
    ` > `. Markov is solved exactly and also prints its removal effects (JSON: and the
    transition probabilities). Needs no database."""
    from pathlib import Path

    from accord.attribution.path_report import path_attribution
    from accord.attribution.paths import read_paths
    from accord.core.errors import DomainError

    try:
        result = path_attribution(read_paths(Path(file)), model=model, order=order)
    except DomainError as error:
        _refuse(error)
    if _report_as_file(fmt, result.as_dict(), result.columns, result.rows()):
        return
    title = f"{model} (order {order})" if model == "markov" else model
    click.echo(f"{title}: {result.conversions:,} conversions, value {result.value:,.2f}")
    width = max(7, *(len(channel) for channel in result.channels["channel"]))
    extra = ("removal effect", "on value") if model == "markov" else ()
    click.echo(f"{'channel':<{width}}  {'conversions':>14}  {'value':>16}" + "".join(f"  {h:>14}" for h in extra))
    for channel, conversions, value, *effects in result.rows():
        cells = "".join(f"  {effect * 100:>13.2f}%" for effect in effects)
        click.echo(f"{channel:<{width}}  {conversions:>14,.4f}  {value:>16,.2f}{cells}")


if __name__ == "__main__":
    main()
