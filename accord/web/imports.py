"""Import pages: upload a file, map its columns on a preview, follow the worker's progress,
read what it rejected. Only roles that may import see them (`imports.policies`); the run
itself happens in the worker, never in a request."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.core.errors import DomainError, InvalidTransition
from accord.crm.policies import is_admin
from accord.imports import jobs, storage
from accord.imports.context import COUNTS
from accord.imports.models import ImportJob, ImportKind
from accord.imports.policies import can_import
from accord.imports.presets import PRESET_NAMES
from accord.imports.reader import UnreadableFile
from accord.imports.schema import FIELDS
from accord.web.views import LIST_PAGE_SIZE, _apply_error, _list_query, _raise_for, _wants_csv, csv_response

PRESET_LABELS = {
    "generic": "Generic (columns named like Accord's fields)",
    "hubspot": "HubSpot export",
    "salesforce": "Salesforce export",
}
SKIP, KEEP = "__skip__", "__keep__"  # the choices of a column that are not a field
ERRORS_SHOWN = 50
EXAMPLES_SHOWN = 3
COUNT_LABELS = {"read": "Rows read"}
DELIMITER_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="The file holds")
    preset = forms.ChoiceField(
        choices=[(name, PRESET_LABELS.get(name, name)) for name in PRESET_NAMES],
        initial="generic",
        label="Exported from",
    )
    file = forms.FileField(label="CSV file", widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv"}))


class MappingForm(forms.Form):
    """One choice per column of the file, proposed from the preset and the header names."""

    dry_run = forms.BooleanField(required=False, label="Dry run: check every row, write nothing")
    all_or_nothing = forms.BooleanField(required=False, label="All or nothing: write nothing if any row is rejected")

    def __init__(self, data=None, *, kind: str, preview: jobs.Preview):
        super().__init__(data)
        self.headers = preview.header
        plan = preview.plan
        field_choices = [(f.name, f"{f.title} (required)" if f.required else f.title) for f in FIELDS[kind]]
        self.column_names = []
        for index, header in enumerate(self.headers):
            proposed = plan.columns.get(header)
            choices = [(SKIP, "Skip this column")]
            if header in plan.custom:  # a column no preset or field name claims
                choices.append((KEEP, "Keep as custom attribute"))
            if proposed == "custom":  # the `custom` column of Accord's own lead export
                choices.append(("custom", "Custom attributes (JSON object)"))
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                choices=choices + field_choices,
                initial=proposed or (KEEP if header in plan.custom else SKIP),
                label=header,
            )
            self.column_names.append(name)

    def columns(self, rows: list[list[str]]):
        """(bound select, first non-empty values) per column, for the mapping table."""
        for index, name in enumerate(self.column_names):
            values = [row[index] for row in rows if row[index].strip()]
            yield self[name], values[:EXAMPLES_SHOWN]

    def mapping(self) -> dict:
        """The mapping document (see accord.imports.mapping); a kept column is left out,
        as an unmapped column is kept."""
        columns = {}
        for header, name in zip(self.headers, self.column_names, strict=True):
            choice = self.cleaned_data[name]
            if choice != KEEP:
                columns[header] = None if choice == SKIP else choice
        return {"columns": columns}


def _importer(request) -> None:
    if not can_import(request.user):
        raise PermissionDenied


def _job(request, job_id: int) -> ImportJob:
    try:
        return jobs.job_get(user=request.user, job_id=job_id)
    except DomainError as error:
        _raise_for(error)
        raise


# --- the list and the upload --------------------------------------------------------

JOB_COLUMNS = (
    "id", "kind", "file_name", "preset", "status", "dry_run", "all_or_nothing", *COUNTS, "errors",
    "created_by", "created_at", "started_at", "finished_at", "message",
)  # fmt: skip


def _job_rows(queryset):
    for job in queryset.iterator(chunk_size=2000):
        yield (
            job.pk,
            job.kind,
            job.file_name,
            job.preset,
            job.status,
            job.dry_run,
            job.all_or_nothing,
            *(job.summary.get(name) for name in COUNTS),
            job.error_count if job.status == ImportJob.Status.DONE else None,
            job.created_by.email if job.created_by else None,
            job.created_at,
            job.started_at,
            job.finished_at,
            job.message,
        )


@require_http_methods(["GET", "POST"])
@login_required
def import_list(request):
    _importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = jobs.job_create(
                kind=data["kind"], uploaded_file=data["file"], preset=data["preset"], acting_user=request.user
            )
        except DomainError as error:
            _apply_error(form, error)
        else:
            return redirect("import_detail", job_id=job.pk)
    job_list = jobs.job_list(user=request.user)
    if _wants_csv(request):
        return csv_response("imports.csv", JOB_COLUMNS, _job_rows(job_list))
    page = Paginator(job_list, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accord/import_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(job, [job.summary.get(name) for name in COUNTS]) for job in page],
            "sees_all": is_admin(request.user),
            "query": _list_query(request),
        },
    )


# --- one job ------------------------------------------------------------------------


def _draft_page(request, job: ImportJob, preview: jobs.Preview | None = None, form: MappingForm | None = None):
    unreadable = ""
    if preview is None:
        try:
            preview = jobs.job_preview(job)
        except UnreadableFile as error:
            unreadable = error.message
    if preview is not None and form is None:
        form = MappingForm(kind=job.kind, preview=preview)
    return render(
        request,
        "accord/import_detail.html",
        {
            "job": job,
            "preview": preview,
            "form": form,
            "columns": list(form.columns(preview.rows)) if form else [],
            "required": [f.title for f in FIELDS[job.kind] if f.required],
            "delimiter": DELIMITER_NAMES.get(preview.delimiter, preview.delimiter) if preview else "",
            "unreadable": unreadable,
        },
    )


def _summary(summary: dict) -> list[tuple[str, int]]:
    """The five counts in their order, then whatever else the run counted (stored as JSON,
    whose key order PostgreSQL does not keep)."""
    extras = sorted(name for name in summary if name not in COUNTS)
    return [(COUNT_LABELS.get(name, name.capitalize()), summary.get(name, 0)) for name in (*COUNTS, *extras)]


@require_GET
@login_required
def import_detail(request, job_id: int):
    _importer(request)
    job = _job(request, job_id)
    if job.status == ImportJob.Status.DRAFT:
        return _draft_page(request, job)
    finished = job.is_finished
    context = {
        "job": job,
        "progress": None if finished else jobs.job_progress(job),
        "stalled": jobs.job_is_stalled(job),
        "last_report": jobs.job_last_report(job) if job.status == ImportJob.Status.RUNNING else None,
        "summary": _summary(job.summary),
        "errors": storage.errors_head(job.pk, ERRORS_SHOWN) if job.error_count else [],
        "errors_shown": ERRORS_SHOWN,
    }
    # htmx polls the status block while the job runs; its last answer has no poller left.
    template = "accord/import_detail.html#job-status" if request.htmx else "accord/import_detail.html"
    return render(request, template, context)


@require_POST
@login_required
def import_start(request, job_id: int):
    _importer(request)
    job = _job(request, job_id)
    try:
        preview = jobs.job_preview(job)
    except UnreadableFile as error:
        messages.error(request, error.message)
        return redirect("import_detail", job_id=job.pk)
    form = MappingForm(request.POST, kind=job.kind, preview=preview)
    if form.is_valid():
        try:
            jobs.job_start(
                job_id=job.pk,
                mapping=form.mapping(),
                dry_run=form.cleaned_data["dry_run"],
                all_or_nothing=form.cleaned_data["all_or_nothing"],
                acting_user=request.user,
            )
        except InvalidTransition as error:  # e.g. started meanwhile in another tab
            messages.error(request, error.message)
            return redirect("import_detail", job_id=job.pk)
        except DomainError as error:
            _apply_error(form, error)
        else:
            return redirect("import_detail", job_id=job.pk)
    return _draft_page(request, job, preview, form)


@require_GET
@login_required
def import_errors(request, job_id: int):
    _importer(request)
    job = _job(request, job_id)
    if not storage.errors_path(job.pk).is_file():
        raise Http404("This import has no error report.")
    # Through the export writer: a rejected cell such as =HYPERLINK(…) stays text in a spreadsheet.
    return csv_response(f"import-{job.pk}-errors.csv", storage.ERROR_COLUMNS, storage.errors_rows(job.pk))


@require_POST
@login_required
def import_resume(request, job_id: int):
    """Queue a run whose worker stopped again (an import run twice writes nothing twice)."""
    _importer(request)
    job = _job(request, job_id)
    try:
        jobs.job_resume(job_id=job.pk, acting_user=request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Queued again: the worker picks it up where the rows still need writing.")
    return redirect("import_detail", job_id=job.pk)
