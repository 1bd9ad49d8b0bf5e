"""Import jobs: a file uploaded in the web UI, mapped by a person, run by the worker.

draft (file stored, waiting for a mapping) → queued (mapping checked, task enqueued in the
same transaction) → running → done | failed. The run itself is `import_run`, the same as
the command line's; this module stores the file, checks the mapping before anything is
queued, and records what the run said.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from accord.core.tasks import enqueue_on_commit
from accord.imports import storage
from accord.imports.mapping import Mapping, Plan, mapping_parse
from accord.imports.models import ImportJob, ImportKind
from accord.imports.policies import can_import, visible_jobs
from accord.imports.presets import PRESET_NAMES
from accord.imports.services import import_plan, import_run, require_columns
from accord.people.models import User
from accord.reports.tasks import summaries_refresh_task

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
Status = ImportJob.Status
# A run reports after every chunk (seconds apart); this long without a report, its worker died.
STALLED_AFTER = timedelta(minutes=10)


def _import_allowed(user: User) -> None:
    if not can_import(user):
        raise NotAllowed("Only admins and marketing can import files.")


# --- reads --------------------------------------------------------------------------


def job_list(*, user: User) -> QuerySet[ImportJob]:
    return visible_jobs(user).select_related("created_by")


def job_get(*, user: User, job_id: int) -> ImportJob:
    _import_allowed(user)
    job = visible_jobs(user).select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such import.")
    return job


@dataclass(frozen=True, slots=True)
class Preview:
    """The first rows of a draft's file and how its columns would be read unless the
    person mapping them says otherwise."""

    header: list[str]
    rows: list[list[str]]
    plan: Plan
    encoding: str
    delimiter: str


def _with_encoding(job: ImportJob, mapping: Mapping | None = None) -> Mapping:
    """The mapping, reading the file in the encoding found at upload unless it names one:
    detecting it reads the whole file (about a second per gigabyte), too slow to repeat in
    every request that looks at the first rows."""
    mapping = mapping or Mapping()
    return mapping if mapping.encoding else mapping.model_copy(update={"encoding": job.encoding or None})


def job_preview(job: ImportJob, *, rows: int = PREVIEW_ROWS) -> Preview:
    """Raises UnreadableFile if the stored file cannot be read."""
    source, plan = import_plan(job.kind, storage.source_path(job.pk), preset=job.preset, mapping=_with_encoding(job))
    return Preview(source.header, source.preview(rows), plan, source.encoding, source.delimiter)


def job_progress(job: ImportJob) -> storage.Progress:
    """What the worker last reported; nothing read yet before it started."""
    progress = storage.progress_read(job.pk)
    if progress is not None:
        return progress
    path = storage.source_path(job.pk)
    return storage.Progress(bytes_total=path.stat().st_size if path.is_file() else 0)


# --- writes -------------------------------------------------------------------------


def job_create(*, kind: str, uploaded_file: UploadedFile, preset: str, acting_user: User) -> ImportJob:
    """Store an uploaded file as a draft job. The file must at least have a header line:
    a file that cannot be read is refused here, not after someone has mapped it."""
    _import_allowed(acting_user)
    if kind not in ImportKind.values:
        raise InvalidInput(f"Choose what the file holds: {', '.join(ImportKind.values)}.", field="kind")
    if preset not in PRESET_NAMES:
        raise InvalidInput(f"Choose a preset: {', '.join(PRESET_NAMES)}.", field="preset")
    file_name = Path(uploaded_file.name or "").name[:255] or "upload.csv"
    with transaction.atomic():
        job = ImportJob.objects.create(kind=kind, file_name=file_name, preset=preset, created_by=acting_user)
        # A restored or recreated database can hand out an id again: never mix in old files.
        storage.job_files_remove(job.pk)
        try:
            storage.source_save(job.pk, uploaded_file.chunks())
            source, _ = import_plan(kind, storage.source_path(job.pk), preset=preset)
        except Exception:
            storage.job_files_remove(job.pk)
            raise
        job.encoding = source.encoding
        job.save(update_fields=["encoding"])
    return job


def _mapping_check(job: ImportJob, mapping: Mapping) -> None:
    """What mapping_parse cannot know without the file: the columns exist, no field is fed
    by two columns, and every required field (and a way to match rows) is mapped."""
    source, plan = import_plan(
        job.kind, storage.source_path(job.pk), preset=job.preset, mapping=_with_encoding(job, mapping)
    )
    unknown = [header for header in mapping.columns if header not in source.header]
    if unknown:
        raise InvalidInput(f"'{unknown[0]}' is not a column of {job.file_name}.", field="mapping")
    for header, target in mapping.columns.items():
        if target and plan.columns.get(header) != target:  # the plan skips a second column for a field
            raise InvalidInput(
                f"Columns '{plan.header_for(target)}' and '{header}' are both mapped to '{target}'; keep one.",
                field="mapping",
            )
    require_columns(job.kind, plan)


def job_start(*, job_id: int, mapping: dict, dry_run: bool, all_or_nothing: bool, acting_user: User) -> ImportJob:
    """Check the mapping against the file and queue the run. Nothing changes on refusal."""
    _import_allowed(acting_user)
    from accord.imports.tasks import import_job_run  # the task calls back into this module

    with transaction.atomic():
        job = visible_jobs(acting_user).select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None:
            raise NotFound("No such import.")
        if job.status != Status.DRAFT:
            raise InvalidTransition(f"This import was already started (it is {job.get_status_display().lower()}).")
        parsed = mapping_parse(mapping, kind=job.kind)
        _mapping_check(job, parsed)
        job.mapping = parsed.model_dump(mode="json", exclude_defaults=True)
        job.dry_run, job.all_or_nothing = dry_run, all_or_nothing
        job.status = Status.QUEUED
        job.save(update_fields=["mapping", "dry_run", "all_or_nothing", "status"])
        enqueue_on_commit(import_job_run, job.pk)
    return job


def job_last_report(job: ImportJob) -> datetime | None:
    """When the run last said anything: its progress report, else its start."""
    path = storage.job_dir(job.pk) / storage.PROGRESS
    if path.is_file():
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.UTC)
    return job.started_at


def job_is_stalled(job: ImportJob, *, now: datetime | None = None) -> bool:
    """Running, but silent for longer than any chunk takes: the worker stopped under it."""
    if job.status != Status.RUNNING:
        return False
    last = job_last_report(job)
    return last is None or (now or timezone.now()) - last > STALLED_AFTER


def job_resume(*, job_id: int, acting_user: User, now: datetime | None = None) -> ImportJob:
    """Queue a stalled run again. Safe: a second run matches every row on its key, writes
    what the first did not and nothing twice."""
    _import_allowed(acting_user)
    from accord.imports.tasks import import_job_run

    with transaction.atomic():
        job = visible_jobs(acting_user).select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None:
            raise NotFound("No such import.")
        if not job_is_stalled(job, now=now):
            raise InvalidTransition(
                "Only an import whose run has stopped reporting can be run again; "
                f"this one is {job.get_status_display().lower()}."
            )
        storage.progress_write(job.pk, job_progress(job))  # restarts the silence clock
        enqueue_on_commit(import_job_run, job.pk)
    return job


def _finish(job: ImportJob, status: str, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.status, job.finished_at = status, timezone.now()
    job.save(update_fields=["status", "finished_at", *fields])


def job_run(*, job_id: int) -> bool:
    """Run a queued job to its end; False if there is nothing to run (a draft, a finished
    job). A job left `running` by a worker that died is run again: an import matches every
    row on a key, so a second run writes what the first did not and nothing twice."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update().filter(pk=job_id, status__in=(Status.QUEUED, Status.RUNNING)).first()
        )
        if job is None:
            return False
        job.status, job.started_at = Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])

    source = storage.source_path(job.pk)
    size = source.stat().st_size if source.is_file() else 0
    storage.progress_write(job.pk, storage.Progress(0, size, {}))

    def report(bytes_done: int, bytes_total: int, summary: dict) -> None:
        storage.progress_write(job.pk, storage.Progress(bytes_done, bytes_total, summary))

    try:
        result = import_run(
            job.kind,
            source,
            preset=job.preset,
            mapping=mapping_parse(job.mapping, kind=job.kind),
            dry_run=job.dry_run,
            all_or_nothing=job.all_or_nothing,
            errors_path=storage.errors_path(job.pk),
            progress=report,
        )
    except InvalidInput as error:  # the file or its mapping, e.g. UnreadableFile
        _finish(job, Status.FAILED, message=error.message)
        return True
    except Exception as error:
        # The worker must go on with other tasks; the person who started it must see why.
        logger.exception("Import job %s failed", job.pk)
        _finish(job, Status.FAILED, message=f"The import stopped on an unexpected error: {error}")
        return True
    storage.progress_write(job.pk, storage.Progress(size, size, result.summary))
    _finish(
        job,
        Status.DONE,
        summary=result.summary,
        messages=result.messages,
        error_count=storage.errors_count(job.pk),
    )
    enqueue_on_commit(summaries_refresh_task)
    return True
