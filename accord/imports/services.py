"""Running an import: read the file in chunks, type and check each chunk in bulk, write
the good rows, report the bad ones.

Exact and safe:
- each chunk commits on its own (or the whole file in one transaction with
  `all_or_nothing`, or nothing at all with `dry_run`), and every row is matched on a key
  (email, external id, domain/name, or a stable hash of the row) — so a run killed
  halfway and started again writes exactly one copy of every row;
- a second run of the same file finds every row unchanged.
"""

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone

from accord.core.bulk import memory_map_off
from accord.core.errors import InvalidInput
from accord.crm.models import Lead
from accord.crm.rescoring import leads_rescore_bulk
from accord.definitions.selectors import definition_active
from accord.exports.formats import csv_safe
from accord.imports.context import Run
from accord.imports.convert import Converted, Lookups, chunk_convert, chunk_frame
from accord.imports.mapping import Mapping, Plan, plan_columns
from accord.imports.reader import Chunk, CsvSource, RowError, UnreadableFile
from accord.imports.schema import KINDS, fields_by_name

CHUNK_ROWS = 50_000
KEPT_ERRORS = 1_000  # in memory for the summary; the error file has all of them
Progress = Callable[[int, int, dict], None]


@dataclass(slots=True)
class ImportResult:
    kind: str
    summary: dict[str, int]
    errors: list[RowError]  # the first KEPT_ERRORS
    written: bool  # False after a dry run, or an all-or-nothing run that rejected rows
    encoding: str
    delimiter: str
    plan: Plan
    messages: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 1 if self.summary["rejected"] else 0


def _writer(kind: str):
    from accord.imports import accounts, leads, opportunities, touchpoints

    return {
        "leads": leads.write_leads,
        "accounts": accounts.write_accounts,
        "touchpoints": touchpoints.write_touchpoints,
        "opportunities": opportunities.write_opportunities,
    }[kind]


def require_columns(kind: str, plan: Plan) -> None:
    mapped = set(plan.columns.values()) | {name for name, value in plan.defaults.items() if value not in (None, "")}
    for spec in fields_by_name(kind).values():
        if spec.required and spec.name not in mapped:
            raise UnreadableFile(f"No column is mapped to the required field '{spec.name}'.", field=spec.name)
    identity = {"leads": ("email", "external_id"), "touchpoints": ("email", "lead_external_id")}.get(kind)
    if identity and not mapped & set(identity):
        raise UnreadableFile(
            f"No column is mapped to {' or '.join(identity)}: rows cannot be matched.", field=identity[0]
        )


def import_plan(kind: str, path: str | Path, *, preset: str = "generic", mapping: Mapping | None = None):
    """Open the file and resolve its columns: (source, plan). Raises UnreadableFile."""
    if kind not in KINDS:
        raise UnreadableFile(f"Unknown import kind '{kind}'; use one of: {', '.join(KINDS)}.", field="kind")
    source = CsvSource(path, encoding=mapping.encoding if mapping else None)
    return source, plan_columns(kind, source.header, preset=preset, mapping=mapping)


def import_run(
    kind: str,
    path: str | Path,
    *,
    preset: str = "generic",
    mapping: Mapping | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    errors_path: str | Path | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    now: datetime | None = None,
) -> ImportResult:
    source, plan = import_plan(kind, path, preset=preset, mapping=mapping)
    require_columns(kind, plan)
    run = Run(kind=kind, plan=plan, now=now or timezone.now(), definition=definition_active(), lookups=Lookups())
    run.load()
    write = _writer(kind)
    kept: list[RowError] = []
    try:
        error_file = Path(errors_path).open("w", newline="", encoding="utf-8") if errors_path else None  # noqa: SIM115
    except OSError as error:
        raise InvalidInput(f"Cannot write the error file {errors_path}: {error.strerror}.", field="errors") from None
    error_csv = csv.writer(error_file) if error_file else None
    if error_csv:
        error_csv.writerow(["line", "column", "value", "reason"])
    one_transaction = dry_run or all_or_nothing
    written = True
    try:
        with (
            memory_map_off(),
            closing(_read_ahead(source, chunk_rows, kind, plan, run.lookups)) as chunks,
            transaction.atomic(durable=False) if one_transaction else nullcontext(),
        ):
            for chunk, converted in chunks:
                with transaction.atomic():
                    errors = list(chunk.errors)
                    if converted is not None:
                        errors += converted.errors
                        bad_lines = {e.line for e in converted.errors}
                        good = converted.frame
                        if bad_lines:
                            good = good.filter(~pl.col("_line").is_in(list(bad_lines)))
                        errors += write(good, run)
                run.summary.add("read", chunk.read)
                run.summary.add("rejected", len({e.line for e in errors}))
                errors.sort(key=lambda e: e.line)
                if error_csv:
                    # Cells come from the user's file: a spreadsheet must not run them as formulas.
                    error_csv.writerows([e.line, csv_safe(e.column), csv_safe(e.value), e.reason] for e in errors)
                kept.extend(errors[: KEPT_ERRORS - len(kept)])
                if progress:
                    progress(chunk.bytes_read, source.size, run.summary.as_dict())
            _rescore_pending(run)
            if dry_run or (all_or_nothing and run.summary.rejected):
                written = False
                transaction.set_rollback(True)
    finally:
        if error_file:
            error_file.close()
    messages = []
    if plan.custom:
        messages.append(f"Kept as custom attributes: {', '.join(plan.custom)}.")
    if plan.ignored:
        messages.append(f"Ignored columns: {', '.join(plan.ignored)}.")
    if not written:
        messages.append(
            "Dry run: nothing was written."
            if dry_run
            else "Some rows were rejected and --all-or-nothing was given: nothing was written."
        )
    return ImportResult(
        kind=kind,
        summary=run.summary.as_dict(),
        errors=kept,
        written=written,
        encoding=source.encoding,
        delimiter=source.delimiter,
        plan=plan,
        messages=messages,
    )


def _read_ahead(
    source: CsvSource, chunk_rows: int, kind: str, plan: Plan, lookups: Lookups
) -> Iterator[tuple[Chunk, Converted | None]]:
    """Each chunk of the file with its rows typed and checked (None when it has no rows).
    The next chunk is read and converted in a second thread while the caller writes this
    one: neither needs the database, and SQLite and PostgreSQL's drivers let go of the
    interpreter while the database works, so on two cores the two overlap. At most one
    chunk waits; closing the generator early waits for that one and stops the thread."""

    chunks = source.chunks(chunk_rows)

    def read_next() -> tuple[Chunk, Converted | None] | None:
        chunk = next(chunks, None)
        if chunk is None:
            return None
        return chunk, chunk_convert(chunk_frame(chunk, source.header), kind, plan, lookups) if chunk.rows else None

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as pool:
        ahead = pool.submit(read_next)
        try:
            while (item := ahead.result()) is not None:
                ahead = pool.submit(read_next)
                yield item
        finally:
            ahead.cancel()


def _rescore_pending(run: Run) -> None:
    """Every lead a touchpoint file names is rescored when the file is done, and any lead
    never scored yet (a subscriber a touchpoint created). Naming them all, not only those
    that got new rows, covers a run killed before this step: the next run of the file finds
    its rows stored and still rescores their leads. Scores that come out the same are not
    written, so a second run of the same file changes nothing."""
    if run.kind != "touchpoints" or run.definition is None:
        return
    pending = run.rescore.union(Lead.objects.filter(scored_at__isnull=True).values_list("pk", flat=True))
    if pending:
        with transaction.atomic():
            counts = leads_rescore_bulk(pending, definition=run.definition, now=run.now)
        for name, count in (("leads rescored", counts["changed"]), ("leads qualified", counts["qualified"])):
            if count:
                run.summary.add(name, count)
