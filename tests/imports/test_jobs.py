"""Import jobs: a file stored as a draft, a mapping checked before anything is queued, and
the run in the worker's task recording its counts, its progress file and its error report.

The file (FILE below) has four rows, two of them bad, worked out by hand:

    line 2  ada@alpha.example  Ada  Alpha  120   DE      good
    line 3  not-an-email       Ben  Beta   10    GB      bad email
    line 4  cy@gamma.example   Cy   Gamma  lots  Narnia  bad country and company size
    line 5  dee@delta.example  Dee  Delta  5     FR      good

Its email column is called "E-mail address", which no preset knows: it is proposed as a
custom attribute until someone maps it to email.
"""

import json
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.core.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from accord.crm.models import Lead
from accord.imports import jobs, reader, storage
from accord.imports.models import ImportJob
from accord.imports.tasks import import_job_run
from accord.people.models import Role, User

FILE = (
    "E-mail address,First name,Company,Company size,Country\n"
    "ada@alpha.example,Ada,Alpha,120,DE\n"
    "not-an-email,Ben,Beta,10,GB\n"
    "cy@gamma.example,Cy,Gamma,lots,Narnia\n"
    "dee@delta.example,Dee,Delta,5,FR\n"
)
MAPPED = {"columns": {"E-mail address": "email"}}
SUMMARY = {"read": 4, "created": 2, "updated": 0, "unchanged": 0, "rejected": 2, "accounts created": 2}
ERROR_REPORT = (
    "line,column,value,reason\r\n"
    "3,E-mail address,not-an-email,Not a valid email address.\r\n"
    "4,Country,Narnia,Not a country name or ISO 3166 code.\r\n"
    '4,Company size,lots,"Not a whole number from 0 to 10,000,000."\r\n'
)
TASK_PATH = "accord.imports.tasks.import_job_run"


@pytest.fixture(autouse=True)
def import_home(settings, tmp_path):
    """Job files go to this test's own directory, not the shared ACCORD_HOME."""
    settings.ACCORD_HOME = tmp_path
    return tmp_path


def upload(content: str | bytes = FILE, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content, "text/csv")


def draft(world, content: str | bytes = FILE, **kwargs) -> ImportJob:
    return jobs.job_create(
        kind=kwargs.pop("kind", "leads"),
        uploaded_file=upload(content),
        preset=kwargs.pop("preset", "generic"),
        acting_user=kwargs.pop("user", world.marketer),
    )


def start(world, job: ImportJob, mapping=None, **options) -> ImportJob:
    return jobs.job_start(
        job_id=job.pk,
        mapping=MAPPED if mapping is None else mapping,
        dry_run=options.get("dry_run", False),
        all_or_nothing=options.get("all_or_nothing", False),
        acting_user=options.get("user", world.marketer),
    )


def leads() -> list[tuple]:
    return list(Lead.objects.order_by("email").values_list("email", "first_name", "company", "company_size", "country"))


# --- creating a draft ------------------------------------------------------------


def test_an_upload_is_stored_as_a_draft(world, import_home):
    # when
    job = draft(world)

    # then
    job.refresh_from_db()
    assert (job.kind, job.file_name, job.preset, job.status, job.created_by) == (
        "leads",
        "people.csv",
        "generic",
        ImportJob.Status.DRAFT,
        world.marketer,
    )
    assert (import_home / "imports" / str(job.pk) / "source.csv").read_text() == FILE
    assert DBTaskResult.objects.count() == 0


def test_the_preview_proposes_a_field_per_column_and_keeps_the_unknown_one(world):
    # given
    job = draft(world)

    # when
    preview = jobs.job_preview(job)

    # then
    assert preview.header == ["E-mail address", "First name", "Company", "Company size", "Country"]
    assert preview.rows == [
        ["ada@alpha.example", "Ada", "Alpha", "120", "DE"],
        ["not-an-email", "Ben", "Beta", "10", "GB"],
        ["cy@gamma.example", "Cy", "Gamma", "lots", "Narnia"],
        ["dee@delta.example", "Dee", "Delta", "5", "FR"],
    ]
    assert preview.plan.columns == {
        "First name": "first_name",
        "Company": "company",
        "Company size": "company_size",
        "Country": "country",
    }
    assert (preview.plan.custom, preview.plan.ignored) == (["E-mail address"], [])
    assert (preview.encoding, preview.delimiter) == ("utf-8", ",")


def test_the_encoding_is_found_once_at_upload_and_reused_by_the_previews(world, monkeypatch):
    # given: a Windows-1252 file (ü is one byte, 0xFC)
    job = draft(world, "email,last_name\nmu@example.com,Müller\n".encode("cp1252"))

    # when: the whole file is not read again to find its encoding
    def whole_file_read(path):
        raise AssertionError(f"{path} read again to detect its encoding")

    monkeypatch.setattr(reader, "_detect_encoding", whole_file_read)
    preview = jobs.job_preview(job)

    # then
    assert job.encoding == "cp1252"
    assert (preview.encoding, preview.rows) == ("cp1252", [["mu@example.com", "Müller"]])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"\n\nada@alpha.example\n", "The first line is empty; it must name the columns.", id="no-header"),
    ],
)
def test_an_unreadable_upload_is_refused_and_nothing_is_kept(world, import_home, content, message):
    # when
    with pytest.raises(InvalidInput) as refused:
        draft(world, content)

    # then
    assert (refused.value.field, refused.value.message) == ("file", message)
    assert ImportJob.objects.count() == 0
    assert list((import_home / "imports").iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "preset", "field"),
    [("contacts", "generic", "kind"), ("leads", "pipedrive", "preset")],
)
def test_an_unknown_kind_or_preset_is_refused(world, kind, preset, field):
    with pytest.raises(InvalidInput) as refused:
        draft(world, kind=kind, preset=preset)

    assert refused.value.field == field
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("role", ["rep", "manager", "executive"])
def test_only_admins_and_marketing_may_upload(world, import_home, role):
    with pytest.raises(NotAllowed):
        draft(world, user=getattr(world, role))

    assert ImportJob.objects.count() == 0
    assert not (import_home / "imports").exists()


# --- starting: the mapping is checked before anything is queued ----------------------


def test_start_queues_the_task_with_the_checked_mapping(world, django_capture_on_commit_callbacks):
    # given
    job = draft(world)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        start(world, job, dry_run=False, all_or_nothing=True)

    # then
    job.refresh_from_db()
    assert (job.status, job.mapping, job.dry_run, job.all_or_nothing) == (
        ImportJob.Status.QUEUED,
        MAPPED,
        False,
        True,
    )
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.args_kwargs["args"]) == (TASK_PATH, [job.pk])


@pytest.mark.parametrize(
    ("mapping", "field", "message"),
    [
        pytest.param(
            {},
            "email",
            "No column is mapped to email or external_id: rows cannot be matched.",
            id="proposal-leaves-no-email",
        ),
        pytest.param(
            {"columns": {"E-mail address": "email", "Mail": "email"}},
            "mapping",
            "'Mail' is not a column of people.csv.",
            id="unknown-column",
        ),
        pytest.param(
            {"columns": {"E-mail address": "email", "Company": "first_name"}},
            "mapping",
            "Columns 'First name' and 'Company' are both mapped to 'first_name'; keep one.",
            id="two-columns-one-field",
        ),
        pytest.param(
            {"columns": {"E-mail address": "mail"}},
            "mapping",
            "mapping: 'mail' is not a leads field; use one of: email, external_id, first_name, last_name, company, "
            "title, phone, country, region, industry, company_size, source, campaign, utm_source, utm_medium, "
            "utm_campaign, need, authority, budget, timeline, consent_email, do_not_call, stage, owner, created_at.",
            id="unknown-field",
        ),
        pytest.param(
            {"columns": {"E-mail address": "email"}, "timezone": "Mars/Olympus"},
            "mapping",
            "mapping: timezone: Value error, 'Mars/Olympus' is not an IANA timezone name, e.g. Europe/Berlin",
            id="bad-timezone",
        ),
    ],
)
def test_a_mapping_that_cannot_work_is_refused_and_the_job_stays_a_draft(world, mapping, field, message):
    # given
    job = draft(world)

    # when
    with pytest.raises(InvalidInput) as refused:
        start(world, job, mapping)

    # then
    assert (refused.value.field, refused.value.message) == (field, message)
    job.refresh_from_db()
    assert (job.status, job.mapping) == (ImportJob.Status.DRAFT, {})
    assert DBTaskResult.objects.count() == 0


def test_a_job_is_started_once(world):
    # given
    job = draft(world)
    start(world, job)

    # when
    with pytest.raises(InvalidTransition) as refused:
        start(world, job, all_or_nothing=True)

    # then
    assert refused.value.message == "This import was already started (it is queued)."
    job.refresh_from_db()
    assert job.all_or_nothing is False
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize(
    ("starter", "error"),
    [("marketing_lead", NotFound), ("rep", NotAllowed), ("executive", NotAllowed), ("manager", NotAllowed)],
)
def test_only_the_uploader_or_an_admin_may_start_a_job(world, starter, error):
    # given
    job = draft(world)

    # when
    with pytest.raises(error):
        start(world, job, user=getattr(world, starter))

    # then
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DRAFT
    assert DBTaskResult.objects.count() == 0


def test_an_admin_may_start_anyones_job(world):
    job = draft(world)

    start(world, job, user=world.admin)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED


# --- the run, in the worker's task ---------------------------------------------------


def test_the_task_runs_the_import_and_records_counts_progress_and_errors(world, import_home):
    # given
    job = draft(world)
    start(world, job)
    size = len(FILE.encode())

    # when
    ran = import_job_run.call(job.pk)

    # then: two leads written, two rows rejected with three reasons
    assert ran is True
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.summary == SUMMARY
    assert job.messages == []
    assert (job.error_count, job.message) == (3, "")
    assert job.started_at <= job.finished_at
    assert leads() == [("ada@alpha.example", "Ada", "Alpha", 120, "DE"), ("dee@delta.example", "Dee", "Delta", 5, "FR")]
    directory = import_home / "imports" / str(job.pk)
    assert json.loads((directory / "progress.json").read_text()) == {
        "bytes_done": size,
        "bytes_total": size,
        "summary": SUMMARY,
    }
    assert (directory / "errors.csv").read_bytes().decode() == ERROR_REPORT
    assert sorted(path.name for path in directory.iterdir()) == ["errors.csv", "progress.json", "source.csv"]
    assert jobs.job_progress(job) == storage.Progress(size, size, SUMMARY)
    assert jobs.job_progress(job).percent == 100


def test_the_mapping_decides_the_outcome(world):
    # given: the same file, its email column kept as a custom attribute and its last
    # column skipped; leads matched on an external id taken from the first names
    job = draft(world)
    mapping = {"columns": {"First name": "external_id", "Country": None}}

    # when
    start(world, job, mapping)
    import_job_run.call(job.pk)

    # then: every row is written, the email as a custom attribute, no country
    job.refresh_from_db()
    assert job.summary == {
        "read": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "accounts created": 3,
    }
    assert job.messages == ["Kept as custom attributes: E-mail address.", "Ignored columns: Country."]
    assert list(Lead.objects.order_by("external_id").values_list("external_id", "email", "country", "custom")) == [
        ("Ada", None, "", {"E-mail address": "ada@alpha.example"}),
        ("Ben", None, "", {"E-mail address": "not-an-email"}),
        ("Dee", None, "", {"E-mail address": "dee@delta.example"}),
    ]


def test_progress_is_reported_from_the_start_to_the_last_byte(world, monkeypatch):
    # given
    job = draft(world)
    start(world, job)
    size = len(FILE.encode())
    written = []
    progress_write = storage.progress_write
    monkeypatch.setattr(
        storage, "progress_write", lambda job_id, progress: written.append(progress) or progress_write(job_id, progress)
    )

    # when
    import_job_run.call(job.pk)

    # then: nothing read, then the one chunk of this small file, then the end
    assert written == [
        storage.Progress(0, size, {}),
        storage.Progress(size, size, SUMMARY),
        storage.Progress(size, size, SUMMARY),
    ]


def test_progress_before_the_worker_starts_is_nothing_read_of_the_whole_file(world):
    job = draft(world)

    progress = jobs.job_progress(job)

    assert (progress, progress.percent) == (storage.Progress(0, len(FILE.encode()), {}), 0)


def test_progress_is_replaced_whole_and_leaves_no_temporary_file(world, import_home):
    # given
    storage.progress_write(7, storage.Progress(10, 40, {"read": 1}))

    # when
    storage.progress_write(7, storage.Progress(40, 40, {"read": 4}))

    # then
    assert storage.progress_read(7) == storage.Progress(40, 40, {"read": 4})
    assert [path.name for path in (import_home / "imports" / "7").iterdir()] == ["progress.json"]
    assert storage.progress_read(8) is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dry_run": True}, "Dry run: nothing was written."),
        ({"all_or_nothing": True}, "Some rows were rejected and --all-or-nothing was given: nothing was written."),
    ],
)
def test_a_dry_run_or_an_all_or_nothing_run_with_bad_rows_writes_nothing(world, options, message):
    # given
    job = draft(world)
    start(world, job, **options)

    # when
    import_job_run.call(job.pk)

    # then: the same counts and report as a real run, and no lead
    job.refresh_from_db()
    assert (job.status, job.summary, job.error_count) == (ImportJob.Status.DONE, SUMMARY, 3)
    assert job.messages == [message]
    assert leads() == []


def test_a_finished_job_is_not_run_again(world):
    # given
    job = draft(world)
    start(world, job)
    import_job_run.call(job.pk)
    job.refresh_from_db()
    Lead.objects.filter(email="ada@alpha.example").update(first_name="Changed meanwhile")

    # when
    ran = import_job_run.call(job.pk)

    # then
    assert ran is False
    assert ImportJob.objects.get(pk=job.pk).finished_at == job.finished_at
    assert Lead.objects.get(email="ada@alpha.example").first_name == "Changed meanwhile"


def test_a_draft_is_not_run(world):
    job = draft(world)

    assert import_job_run.call(job.pk) is False

    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DRAFT
    assert leads() == []


def test_a_job_left_running_by_a_dead_worker_is_run_again_without_doubles(world):
    # given: a run wrote its rows, then its worker died before recording the end
    job = draft(world)
    start(world, job)
    import_job_run.call(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, finished_at=None)

    # when
    assert import_job_run.call(job.pk) is True

    # then: the same rows, found unchanged
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.summary == {"read": 4, "created": 0, "updated": 0, "unchanged": 2, "rejected": 2}
    assert len(leads()) == 2


def _left_running(world, *, silent_for: timedelta) -> ImportJob:
    """A job whose worker wrote its rows and died before recording the end; its last
    progress report `silent_for` ago."""
    job = draft(world)
    start(world, job)
    import_job_run.call(job.pk)
    DBTaskResult.objects.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, finished_at=None)
    report = storage.job_dir(job.pk) / storage.PROGRESS
    moment = (timezone.now() - silent_for).timestamp()
    os.utime(report, (moment, moment))
    return ImportJob.objects.get(pk=job.pk)


def test_a_run_silent_for_eleven_minutes_is_stalled_and_can_be_queued_again(world):
    job = _left_running(world, silent_for=timedelta(minutes=11))
    assert jobs.job_is_stalled(job)

    jobs.job_resume(job_id=job.pk, acting_user=world.marketer)

    queued = DBTaskResult.objects.get()
    assert (queued.args_kwargs["args"], ImportJob.objects.get(pk=job.pk).status) == ([job.pk], "running")
    # Queued again: the report is fresh, so a second click is refused until it falls silent again.
    assert not jobs.job_is_stalled(ImportJob.objects.get(pk=job.pk))
    assert import_job_run.call(job.pk) is True
    job.refresh_from_db()
    assert job.summary == {"read": 4, "created": 0, "updated": 0, "unchanged": 2, "rejected": 2}
    assert len(leads()) == 2


@pytest.mark.parametrize("silent_minutes", [0, 9])
def test_a_run_that_reported_recently_is_not_queued_again(world, silent_minutes):
    job = _left_running(world, silent_for=timedelta(minutes=silent_minutes))

    with pytest.raises(InvalidTransition):
        jobs.job_resume(job_id=job.pk, acting_user=world.marketer)

    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize(("who", "error"), [("other_marketer", NotFound), ("rep", NotAllowed)])
def test_only_the_uploader_or_an_admin_may_queue_a_stalled_run_again(world, who, error):
    job = _left_running(world, silent_for=timedelta(minutes=30))
    other = User.objects.create_user(email="m2@accord.test", password="x", role=Role.MARKETING)
    user = other if who == "other_marketer" else world.rep

    with pytest.raises(error):
        jobs.job_resume(job_id=job.pk, acting_user=user)

    assert DBTaskResult.objects.count() == 0
    jobs.job_resume(job_id=job.pk, acting_user=world.admin)
    assert DBTaskResult.objects.count() == 1


def test_a_finished_job_is_never_stalled(world):
    job = draft(world)
    start(world, job)
    import_job_run.call(job.pk)

    assert not jobs.job_is_stalled(ImportJob.objects.get(pk=job.pk))


def test_a_file_that_became_unreadable_fails_the_job_with_its_reason(world, import_home):
    # given
    job = draft(world)
    start(world, job)
    (import_home / "imports" / str(job.pk) / "source.csv").write_bytes(b"")

    # when
    assert import_job_run.call(job.pk) is True

    # then
    job.refresh_from_db()
    assert (job.status, job.message, job.summary) == (ImportJob.Status.FAILED, "The file is empty.", {})
    assert job.finished_at is not None


def test_an_unexpected_error_fails_the_job_and_the_task_still_returns(world, monkeypatch):
    # given
    job = draft(world)
    start(world, job)

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(jobs, "import_run", broken)

    # when
    assert import_job_run.call(job.pk) is True

    # then
    job.refresh_from_db()
    assert (job.status, job.message) == (
        ImportJob.Status.FAILED,
        "The import stopped on an unexpected error: No space left on device",
    )


# --- who sees which jobs ---------------------------------------------------------------


def test_a_marketer_sees_their_own_jobs_and_an_admin_sees_all(world):
    # given
    mine = draft(world)
    theirs = draft(world, user=world.marketing_lead)

    # then
    assert list(jobs.job_list(user=world.marketer)) == [mine]
    assert list(jobs.job_list(user=world.admin)) == [theirs, mine]
    assert list(jobs.job_list(user=world.rep)) == []
    with pytest.raises(NotFound):
        jobs.job_get(user=world.marketer, job_id=theirs.pk)
    with pytest.raises(NotAllowed):
        jobs.job_get(user=world.executive, job_id=mine.pk)
    assert jobs.job_get(user=world.admin, job_id=mine.pk) == mine
