"""The Django side of the import benchmarks, run by import_leads.py and
import_touchpoints.py as one subprocess per step, with the step's ACCORD_HOME /
DATABASE_URL in the environment (so each step's peak memory is its own).

    python benchmarks/import_steps.py org                       the organisation (bench_db.setup)
    python benchmarks/import_steps.py import KIND FILE [CHUNK]  accord's import_run, timed per chunk
    python benchmarks/import_steps.py floor KIND FILE EXTRA_EVENTS ACCOUNTS ROWS
                                                                the same rows, plainly inserted
    python benchmarks/import_steps.py counts                    rows per table and lead stages

Each prints one JSON object.
"""

import csv
import json
import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from django.db import connection, models, transaction  # noqa: E402

from accord.core.bulk import memory_map_off  # noqa: E402
from accord.crm.models import Account, Lead, LeadEvent, Touchpoint  # noqa: E402

BATCH = 50_000


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def org() -> dict:
    import bench_db

    return bench_db.setup()


def run_import(kind: str, path: str, chunk_rows: int) -> dict:
    from accord.imports.services import import_run

    baseline = peak_rss_mib()
    marks: list[tuple[float, float, int]] = []
    cpu = time.process_time()  # every thread of the process: Polars works in a pool
    started = time.perf_counter()

    def progress(done: int, size: int, summary: dict) -> None:
        marks.append((time.perf_counter() - started, time.process_time() - cpu, summary["read"]))

    result = import_run(kind, path, progress=progress, chunk_rows=chunk_rows)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    chunks, previous, previous_rows = [], (0.0, 0.0), 0
    for at, cpu_at, rows in marks:
        if rows == previous_rows and chunks:  # the reader's last, empty chunk
            chunks[-1][1] += at - previous[0]
            chunks[-1][2] += cpu_at - previous[1]
        else:
            chunks.append([rows - previous_rows, at - previous[0], cpu_at - previous[1]])
        previous, previous_rows = (at, cpu_at), rows
    if chunks:  # after the last chunk (e.g. rescoring)
        chunks[-1][1] += seconds - previous[0]
        chunks[-1][2] += cpu - previous[1]
    return {
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "summary": result.summary,
        "errors_kept": len(result.errors),
        "chunks": [[rows, round(s, 3), round(c, 3)] for rows, s, c in chunks],  # rows, wall s, CPU s
        "peak_rss_mib": peak_rss_mib(),
        "rss_before_import_mib": baseline,
    }


def _now_text() -> str:
    now = datetime.now(UTC)
    return now.isoformat() if connection.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S")


def _cell_converter(field: models.Field, now: str):
    """Cell text → the column's value, no checks: what a plain load does."""
    if isinstance(field, models.BooleanField):
        return lambda v: v.lower() in ("yes", "true", "1")
    if isinstance(field, models.IntegerField):
        return lambda v: int(v) if v else None
    if isinstance(field, models.DateTimeField):
        return lambda v: v or now
    if field.null:
        return lambda v: v[: field.max_length] if v else None
    return (lambda v: v[: field.max_length]) if field.max_length else (lambda v: v)


def _columns(model: type[models.Model], header: list[str], constants: dict) -> tuple[list[str], list]:
    """(columns, per column: an index into the CSV row with its converter, or a constant)."""
    now = _now_text()
    columns, sources = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.attname in constants:
            sources.append(("const", constants[field.attname]))
        elif field.attname in header:
            sources.append(("cell", header.index(field.attname), _cell_converter(field, now)))
        elif isinstance(field, models.JSONField):
            sources.append(("const", "{}"))
        elif isinstance(field, models.DateTimeField):
            sources.append(("const", None if field.null else now))
        elif field.has_default():
            default = field.get_default()
            sources.append(("const", default.value if hasattr(default, "value") else default))
        elif not field.null and isinstance(field, (models.CharField, models.TextField)):
            sources.append(("const", ""))
        else:
            sources.append(("const", None))
    return columns, sources


def _builder(sources: list):
    """A function row → tuple, built once so the per-row cost is one comprehension."""

    def build(row):
        return tuple(s[1] if s[0] == "const" else s[2](row[s[1]]) for s in sources)

    return build


def _insert(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.ensure_connection()
        placeholders = ", ".join("?" * len(columns))
        connection.connection.cursor().executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608 — table and column names are ours
            rows,
        )


def _new_ids(model: type[models.Model], after: int) -> list[int]:
    return list(model.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True))


def floor(kind: str, path: str, extra_events: int, accounts: int, expected_rows: int) -> dict:
    """The floor: the same file's rows into the same tables with executemany (SQLite) or
    COPY (PostgreSQL), one transaction per 50,000 rows like the import, no checks, no
    matching, no scoring. Leads: one crm_lead row and one created event per row, plus as
    many further events (stage, assigned) and accounts as the import wrote. Touchpoints:
    one crm_touchpoint row per row, its lead found by email from one dictionary."""
    cpu = time.process_time()
    started = time.perf_counter()
    # Off the memory map like the import: with it, every page touched counts as memory.
    with memory_map_off(), open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if kind == "leads":
            rows = _floor_leads(reader, header, extra_events, accounts, expected_rows)
        else:
            rows = _floor_touchpoints(reader, header)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "rows": rows,
        "peak_rss_mib": peak_rss_mib(),
    }


def _floor_leads(reader, header: list[str], extra_events: int, accounts: int, expected_rows: int) -> int:
    now = _now_text()
    with transaction.atomic():
        account_cols, account_src = _columns(Account, [], {"created_at": now})
        build_account = _builder(account_src)
        account_rows = [build_account(None) for _ in range(accounts)]
        name_at, domain_at = account_cols.index("name"), account_cols.index("domain")
        first = Account.objects.order_by("-pk").values_list("pk", flat=True).first() or 0  # unique past those held
        for n, row in enumerate(account_rows):
            row = list(row)
            row[name_at], row[domain_at] = f"Account {first + n}", f"account-{first + n}.example"
            account_rows[n] = tuple(row)
        _insert(Account, account_cols, account_rows)
    lead_cols, lead_src = _columns(Lead, header, {"stage": "lead", "scored_at": now, "updated_at": now})
    event_cols, event_src = _columns(LeadEvent, [], {"kind": "created", "occurred_at": now})
    build_lead, build_event = _builder(lead_src), _builder(event_src)
    lead_at = event_cols.index("lead_id")
    total, extra_left = 0, extra_events
    last_id = Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 0  # a database may hold leads
    batch: list[tuple] = []

    def flush(last: bool) -> None:
        nonlocal last_id, extra_left
        with transaction.atomic():
            _insert(Lead, lead_cols, batch)
            ids = _new_ids(Lead, last_id)
            last_id = ids[-1]
            template = build_event(None)
            events = [(*template[:lead_at], pk, *template[lead_at + 1 :]) for pk in ids]
            extra = extra_left if last else min(extra_left, extra_events * len(ids) // expected_rows)
            events += [events[n % len(ids)] for n in range(extra)]
            extra_left -= extra
            _insert(LeadEvent, event_cols, events)

    for row in reader:
        batch.append(build_lead(row))
        total += 1
        if len(batch) >= BATCH and total < expected_rows:
            flush(last=False)
            batch = []
    if batch:
        flush(last=True)
    return total


def _floor_touchpoints(reader, header: list[str]) -> int:
    # The floor stored emails as the file wrote them; touchpoint files use lower case.
    leads = {email.lower(): pk for email, pk in Lead.objects.values_list("email", "pk").iterator(chunk_size=50_000)}
    cols, src = _columns(Touchpoint, header, {"created_at": _now_text()})
    build = _builder(src)
    lead_at, email_at = cols.index("lead_id"), header.index("email")
    total, batch = 0, []
    for row in reader:
        values = build(row)
        batch.append((*values[:lead_at], leads.get(row[email_at].lower()), *values[lead_at + 1 :]))
        total += 1
        if len(batch) >= BATCH:
            with transaction.atomic():
                _insert(Touchpoint, cols, batch)
            batch = []
    if batch:
        with transaction.atomic():
            _insert(Touchpoint, cols, batch)
    return total


def counts() -> dict:
    from django.db.models import Count

    return {
        "leads": Lead.objects.count(),
        "lead_events": LeadEvent.objects.count(),
        "accounts": Account.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "stages": dict(Lead.objects.values_list("stage").annotate(n=Count("id")).order_by("stage")),
        "events_by_kind": dict(LeadEvent.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")),
        "mql_with_owner": Lead.objects.filter(stage="mql", owner__isnull=False).count(),
        "unscored": Lead.objects.filter(scored_at__isnull=True).count(),
    }


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["org"]:
        result = org()
    elif args[:1] == ["import"] and len(args) in (3, 4):
        result = run_import(args[1], args[2], int(args[3]) if len(args) == 4 else 50_000)
    elif args[:1] == ["floor"] and len(args) == 6:
        result = floor(args[1], args[2], int(args[3]), int(args[4]), int(args[5]))
    elif args[:1] == ["counts"]:
        result = counts()
    else:
        raise SystemExit(__doc__)
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
