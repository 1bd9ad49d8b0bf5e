"""The import pages: upload, map on a preview, follow the progress (htmx polling), read
and download what was rejected — and who may do each.

The file (FILE) has four rows, two of them bad (see tests/imports/test_jobs.py for the
same file worked out row by row): line 3 has a bad email, line 4 a bad country and a bad
company size. Its email column, "E-mail address", is proposed as a custom attribute.
"""

import csv
import io
import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accord.crm.models import Lead
from accord.imports import jobs, storage
from accord.imports.models import ImportJob
from accord.imports.tasks import import_job_run
from tests.web.conftest import client_for, login_url, messages_of

FILE = (
    "E-mail address,First name,Company,Company size,Country\n"
    "ada@alpha.example,Ada,Alpha,120,DE\n"
    "not-an-email,Ben,Beta,10,GB\n"
    "cy@gamma.example,Cy,Gamma,lots,Narnia\n"
    "dee@delta.example,Dee,Delta,5,FR\n"
)
SIZE = len(FILE.encode())
# The selects as proposed: email column kept, the others by their names.
PROPOSED = {
    "column_0": "__keep__",
    "column_1": "first_name",
    "column_2": "company",
    "column_3": "company_size",
    "column_4": "country",
}
EDITED = {**PROPOSED, "column_0": "email"}
ERROR_ROWS = [
    ["3", "E-mail address", "not-an-email", "Not a valid email address."],
    ["4", "Country", "Narnia", "Not a country name or ISO 3166 code."],
    ["4", "Company size", "lots", "Not a whole number from 0 to 10,000,000."],
]
ERROR_REPORT = (
    "line,column,value,reason\r\n"
    "3,E-mail address,not-an-email,Not a valid email address.\r\n"
    "4,Country,Narnia,Not a country name or ISO 3166 code.\r\n"
    '4,Company size,lots,"Not a whole number from 0 to 10,000,000."\r\n'
)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def import_home(settings, tmp_path):
    settings.ACCORD_HOME = tmp_path
    return tmp_path


def upload(content: str = FILE, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), "text/csv")


def draft(world, content: str = FILE, user=None) -> ImportJob:
    return jobs.job_create(
        kind="leads", uploaded_file=upload(content), preset="generic", acting_user=user or world.marketer
    )


def started(world, content: str = FILE, mapping: dict | None = None) -> ImportJob:
    """Queued with FILE's email column mapped (another file: with the mapping given)."""
    job = draft(world, content)
    jobs.job_start(
        job_id=job.pk,
        mapping={"columns": {"E-mail address": "email"}} if mapping is None else mapping,
        dry_run=False,
        all_or_nothing=False,
        acting_user=world.marketer,
    )
    return ImportJob.objects.get(pk=job.pk)


def finished(world, content: str = FILE, mapping: dict | None = None) -> ImportJob:
    job = started(world, content, mapping)
    import_job_run.call(job.pk)
    return ImportJob.objects.get(pk=job.pk)


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, flags=re.DOTALL).group(1)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


# --- permissions -----------------------------------------------------------------------

LOGIN, DONE = "login", "done"
ROLES = ("anonymous", "owner", "manager", "marketing", "marketing_lead", "executive", "admin")
# The jobs belong to `marketing`; `owner` is a sales rep, `manager` a sales manager.
# fmt: off
GET_MATRIX = {
    #                                  anon   rep  mgr  mkt  m-lead exec admin
    "/imports/":                      (LOGIN, 403, 403, 200, 200,   403, 200),
    "/imports/?format=csv":           (LOGIN, 403, 403, 200, 200,   403, 200),
    "/imports/{draft}/":              (LOGIN, 403, 403, 200, 404,   403, 200),
    "/imports/{done}/":               (LOGIN, 403, 403, 200, 404,   403, 200),
    "/imports/{done}/errors.csv":     (LOGIN, 403, 403, 200, 404,   403, 200),
    "/imports/{missing}/":            (LOGIN, 403, 403, 404, 404,   403, 404),
}
POST_MATRIX = {
    #                                  anon   rep  mgr  mkt   m-lead exec admin
    "/imports/":                      (LOGIN, 403, 403, DONE, DONE,  403, DONE),
    "/imports/{draft}/start/":        (LOGIN, 403, 403, DONE, 404,   403, DONE),
}
# fmt: on


@pytest.fixture
def two_jobs(world):
    return draft(world), finished(world)


def _url(path: str, two_jobs) -> str:
    draft_job, done_job = two_jobs
    return path.format(draft=draft_job.pk, done=done_job.pk, missing=done_job.pk + 100)


def state(import_home) -> dict:
    """Everything a request on the import pages could change."""
    directory = import_home / "imports"
    return {
        "jobs": list(ImportJob.objects.order_by("pk").values_list("pk", "status", "mapping", "dry_run")),
        "tasks": DBTaskResult.objects.count(),
        "leads": Lead.objects.count(),
        "files": sorted(str(path.relative_to(directory)) for path in directory.rglob("*")),
    }


def _cases(matrix):
    return [
        pytest.param(path, persona, expected, id=f"{path}-{persona}")
        for path, row in matrix.items()
        for persona, expected in zip(ROLES, row, strict=True)
    ]


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(GET_MATRIX))
def test_get_pages(world, two_jobs, import_home, path, persona, expected):
    # given
    url = _url(path, two_jobs)
    before = state(import_home)

    # when
    response = client_for(world, persona).get(url)

    # then
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert state(import_home) == before


def _post_data(path: str) -> dict:
    if path == "/imports/":
        return {"kind": "leads", "preset": "generic", "file": upload(name="more.csv")}
    return EDITED


@pytest.mark.parametrize(("path", "persona", "expected"), _cases(POST_MATRIX))
def test_post_forms(world, two_jobs, import_home, path, persona, expected):
    # given
    url = _url(path, two_jobs)
    draft_job = two_jobs[0]
    before = state(import_home)

    # when
    response = client_for(world, persona).post(url, _post_data(path))

    # then
    if expected == DONE:
        if path == "/imports/":
            new = ImportJob.objects.get(file_name="more.csv")
            assert (response.status_code, response["Location"]) == (302, f"/imports/{new.pk}/")
            assert (new.status, new.created_by.email) == ("draft", client_user_email(world, persona))
        else:
            assert (response.status_code, response["Location"]) == (302, f"/imports/{draft_job.pk}/")
            draft_job.refresh_from_db()
            assert draft_job.status == ImportJob.Status.QUEUED
            assert DBTaskResult.objects.count() == before["tasks"] + 1
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert state(import_home) == before
    assert ImportJob.objects.get(pk=draft_job.pk).status == ImportJob.Status.DRAFT


def client_user_email(world, persona: str) -> str:
    return {"marketing": world.marketer, "marketing_lead": world.marketing_lead, "admin": world.admin}[persona].email


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("marketing", True), ("marketing_lead", True), ("admin", True), ("owner", False), ("executive", False)],
)
def test_the_imports_link_is_shown_to_those_who_may_import(world, persona, shown):
    html = body(client_for(world, persona).get("/reports/funnel/"))

    assert ('href="/imports/"' in html) is shown


def test_the_list_shows_a_marketer_their_jobs_and_an_admin_everyones(world):
    # given
    mine = draft(world)
    theirs = draft(world, user=world.marketing_lead)

    # when
    marketer_rows = client_for(world, "marketing").get("/imports/").context["rows"]
    admin_rows = client_for(world, "admin").get("/imports/").context["rows"]

    # then
    assert [job for job, _ in marketer_rows] == [mine]
    assert [job for job, _ in admin_rows] == [theirs, mine]


# --- upload and mapping ----------------------------------------------------------------


def test_uploading_a_file_opens_its_preview_with_the_proposed_mapping(world):
    # given
    client = client_for(world, "marketing")

    # when
    response = client.post("/imports/", {"kind": "leads", "preset": "generic", "file": upload()}, follow=True)

    # then
    job = ImportJob.objects.get()
    assert response.redirect_chain == [(f"/imports/{job.pk}/", 302)]
    html = body(response)
    assert {name: selected(html, name) for name in PROPOSED} == PROPOSED
    assert '<label for="id_column_0">E-mail address</label>' in html
    assert '<option value="__keep__" selected>Keep as custom attribute</option>' in html
    # Only a column nothing claims can be kept as a custom attribute.
    assert html.count('value="__keep__"') == 1
    preview = re.search(
        r"<caption>First 4 rows of people.csv \(utf-8, comma-separated\)</caption>.*?</table>", html, re.S
    )
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", preview.group(0))
    assert cells == [
        "E-mail address", "First name", "Company", "Company size", "Country",
        "ada@alpha.example", "Ada", "Alpha", "120", "DE",
        "not-an-email", "Ben", "Beta", "10", "GB",
        "cy@gamma.example", "Cy", "Gamma", "lots", "Narnia",
        "dee@delta.example", "Dee", "Delta", "5", "FR",
    ]  # fmt: skip


def test_an_unreadable_upload_is_refused_on_the_form(world, import_home):
    response = client_for(world, "marketing").post(
        "/imports/", {"kind": "leads", "preset": "generic", "file": SimpleUploadedFile("empty.csv", b"\n\n")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The first line is empty; it must name the columns."]}
    assert ImportJob.objects.count() == 0
    assert list((import_home / "imports").iterdir()) == []


def test_starting_with_the_proposal_explains_why_it_cannot_run_and_keeps_the_choices(world):
    # given
    job = draft(world)

    # when
    response = client_for(world, "marketing").post(f"/imports/{job.pk}/start/", {**PROPOSED, "dry_run": "on"})

    # then
    assert response.status_code == 200
    html = body(response)
    assert (
        '<p class="error" role="alert">No column is mapped to email or external_id: rows cannot be matched.</p>' in html
    )
    assert {name: selected(html, name) for name in PROPOSED} == PROPOSED
    assert 'name="dry_run" id="id_dry_run" checked' in html
    job.refresh_from_db()
    assert (job.status, job.mapping) == (ImportJob.Status.DRAFT, {})
    assert DBTaskResult.objects.count() == 0


def test_mapping_the_email_column_queues_the_job_with_that_mapping(world):
    # given
    job = draft(world)

    # when
    response = client_for(world, "marketing").post(f"/imports/{job.pk}/start/", {**EDITED, "all_or_nothing": "on"})

    # then
    assert (response.status_code, response["Location"]) == (302, f"/imports/{job.pk}/")
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.all_or_nothing) == (ImportJob.Status.QUEUED, False, True)
    assert job.mapping == {
        "columns": {
            "E-mail address": "email",
            "First name": "first_name",
            "Company": "company",
            "Company size": "company_size",
            "Country": "country",
        }
    }


def test_a_skipped_column_is_mapped_to_nothing(world):
    job = draft(world)

    client_for(world, "marketing").post(f"/imports/{job.pk}/start/", {**EDITED, "column_4": "__skip__"})

    job.refresh_from_db()
    assert job.mapping["columns"]["Country"] is None


def test_a_choice_that_is_not_offered_is_refused(world):
    job = draft(world)

    response = client_for(world, "marketing").post(f"/imports/{job.pk}/start/", {**EDITED, "column_1": "__keep__"})

    assert response.context["form"].errors == {
        "column_1": ["Select a valid choice. __keep__ is not one of the available choices."]
    }
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DRAFT


def test_starting_twice_says_it_was_already_started(world):
    # given
    job = started(world)

    # when
    response = client_for(world, "marketing").post(f"/imports/{job.pk}/start/", EDITED, follow=True)

    # then
    assert messages_of(response) == ["This import was already started (it is queued)."]
    assert DBTaskResult.objects.count() == 1


# --- progress --------------------------------------------------------------------------


def test_a_queued_job_polls_for_its_progress(world):
    # given
    job = started(world)

    # when
    html = body(client_for(world, "marketing").get(f"/imports/{job.pk}/"))

    # then
    status = re.search(r'<section id="job-status"[^>]*>', html).group(0)
    assert f'hx-get="/imports/{job.pk}/"' in status
    assert 'hx-trigger="every 1s"' in status
    assert 'hx-swap="outerHTML"' in status
    assert '<progress id="import-progress" max="100" aria-describedby="import-progress-text">' in html
    assert "Waiting for the worker to start it." in html


def test_the_poll_answers_with_the_progress_block_only(world):
    # given: the worker has read a quarter of the file
    job = started(world)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    storage.progress_write(job.pk, storage.Progress(SIZE // 4, SIZE, {"read": 1, "rejected": 0}))

    # when
    html = body(client_for(world, "marketing").get(f"/imports/{job.pk}/", headers=HTMX))

    # then
    assert html.lstrip().startswith('<section id="job-status"')
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    assert '<progress id="import-progress" max="100" value="24" aria-describedby="import-progress-text">' in html
    assert "24% of 189\xa0bytes read: 1 row so far, 0 rejected." in html


def test_the_last_poll_shows_the_result_and_stops_polling(world):
    # given
    job = finished(world)

    # when
    html = body(client_for(world, "marketing").get(f"/imports/{job.pk}/", headers=HTMX))

    # then
    assert "hx-trigger" not in html
    assert "<progress" not in html
    assert '<p id="import-announcement" hx-swap-oob="innerHTML">Import done.</p>' in html
    assert "Download error report (CSV)" in html


def test_a_finished_job_shows_its_counts_messages_and_first_errors(world):
    # given
    job = finished(world)

    # when
    response = client_for(world, "marketing").get(f"/imports/{job.pk}/")

    # then
    html = body(response)
    summary = re.search(r'<dl class="import-summary">(.*?)</dl>', html, re.S).group(1)
    assert re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", summary) == [
        ("Rows read", "4"),
        ("Created", "2"),
        ("Updated", "0"),
        ("Unchanged", "0"),
        ("Rejected", "2"),
        ("Accounts created", "2"),
    ]
    table = re.search(r'<table class="data compact import-errors">.*?</table>', html, re.S).group(0)
    assert "<caption>3 problems</caption>" in table
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    assert [list(row) for row in rows] == ERROR_ROWS
    assert f'<a class="button secondary" href="/imports/{job.pk}/errors.csv" download>' in html
    assert "hx-trigger" not in html


def test_the_error_report_downloads_every_rejected_cell(world):
    # given
    job = finished(world)

    # when
    response = client_for(world, "marketing").get(f"/imports/{job.pk}/errors.csv")

    # then
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    assert body(response) == ERROR_REPORT


def test_a_formula_in_a_rejected_cell_stays_text_in_the_report(world):
    job = finished(world, 'email,first_name\n=HYPERLINK("http://x.example"),Eve\n', mapping={})

    report = body(client_for(world, "marketing").get(f"/imports/{job.pk}/errors.csv"))

    assert report == (
        'line,column,value,reason\r\n2,email,"\'=HYPERLINK(""http://x.example"")",Not a valid email address.\r\n'
    )


def test_the_page_shows_the_first_50_errors_of_more(world):
    # given: 60 rows with a bad email each
    content = "email\n" + "".join(f"bad-{i}\n" for i in range(60))
    job = finished(world, content, mapping={})

    # when
    response = client_for(world, "marketing").get(f"/imports/{job.pk}/")

    # then
    assert job.error_count == 60
    assert [row[0] for row in response.context["errors"]] == [str(line) for line in range(2, 52)]
    assert "<caption>The first 50 of 60 problems</caption>" in body(response)


def test_a_job_without_an_error_report_has_no_download(world):
    job = started(world)

    response = client_for(world, "marketing").get(f"/imports/{job.pk}/errors.csv")

    assert response.status_code == 404


def test_a_failed_job_says_why(world, import_home):
    # given
    job = started(world)
    (import_home / "imports" / str(job.pk) / "source.csv").write_bytes(b"")
    import_job_run.call(job.pk)

    # when
    html = body(client_for(world, "marketing").get(f"/imports/{job.pk}/"))

    # then
    assert '<p class="error" role="alert">The file is empty.</p>' in html
    assert "Download error report" not in html


# --- the list and its CSV -----------------------------------------------------------------


def test_the_list_csv_has_one_row_per_job(world):
    # given
    waiting = draft(world)
    done = finished(world)

    # when
    response = client_for(world, "marketing").get("/imports/?format=csv")

    # then
    assert response["Content-Disposition"] == 'attachment; filename="imports.csv"'
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows == [
        [
            "id", "kind", "file_name", "preset", "status", "dry_run", "all_or_nothing",
            "read", "created", "updated", "unchanged", "rejected", "errors",
            "created_by", "created_at", "started_at", "finished_at", "message",
        ],
        [
            str(done.pk), "leads", "people.csv", "generic", "done", "false", "false",
            "4", "2", "0", "0", "2", "3",
            "marketer@accord.test", done.created_at.isoformat(), done.started_at.isoformat(),
            done.finished_at.isoformat(), "",
        ],
        [
            str(waiting.pk), "leads", "people.csv", "generic", "draft", "false", "false",
            "", "", "", "", "", "", "marketer@accord.test", waiting.created_at.isoformat(), "", "", "",
        ],
    ]  # fmt: skip


def test_the_list_shows_status_and_counts(world):
    # given
    done = finished(world)

    # when
    html = body(client_for(world, "marketing").get("/imports/"))

    # then
    row = re.search(rf'<tr data-job="{done.pk}">.*?</tr>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1:9] == ["Leads", "Done", "4", "2", "0", "0", "2", "marketer@accord.test"]


def test_the_list_runs_the_same_queries_for_2_jobs_as_for_12(world):
    def queries() -> int:
        client = client_for(world, "admin")
        with CaptureQueriesContext(connection) as context:
            assert client.get("/imports/").status_code == 200
        return len(context.captured_queries)

    for user in (world.marketer, world.marketing_lead):
        draft(world, user=user)
    with_2 = queries()
    for index in range(10):
        draft(world, user=(world.marketer, world.marketing_lead)[index % 2])

    assert queries() == with_2


# --- a run whose worker died ---------------------------------------------------------------


def stalled(world, minutes: int) -> ImportJob:
    """A job whose worker wrote its rows and died; its last report `minutes` ago."""
    job = finished(world)
    DBTaskResult.objects.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, finished_at=None)
    moment = time.time() - minutes * 60
    os.utime(storage.job_dir(job.pk) / storage.PROGRESS, (moment, moment))
    return job


def test_a_stalled_run_offers_to_run_it_again(world):
    job = stalled(world, minutes=30)
    client = client_for(world, "marketing")

    page = body(client.get(f"/imports/{job.pk}/"))
    assert "the worker running this import has stopped" in page
    assert f'<form method="post" action="/imports/{job.pk}/resume/">' in page

    response = client.post(f"/imports/{job.pk}/resume/")

    assert (response.status_code, response["Location"]) == (302, f"/imports/{job.pk}/")
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk]
    assert messages_of(client.get(f"/imports/{job.pk}/")) == [
        "Queued again: the worker picks it up where the rows still need writing."
    ]


def test_a_run_that_reports_is_not_offered_again_and_a_post_queues_nothing(world):
    job = stalled(world, minutes=2)
    client = client_for(world, "marketing")

    assert "Run it again" not in body(client.get(f"/imports/{job.pk}/"))
    response = client.post(f"/imports/{job.pk}/resume/")

    assert response.status_code == 302
    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", LOGIN), ("owner", 403), ("executive", 403), ("marketing_lead", 404), ("admin", DONE)],
)
def test_who_may_run_a_stalled_import_again(world, import_home, persona, expected):
    job = stalled(world, minutes=30)
    before = state(import_home)
    url = f"/imports/{job.pk}/resume/"

    response = client_for(world, persona).post(url)

    if expected == DONE:
        assert DBTaskResult.objects.count() == 1
        return
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, login_url(url))
    else:
        assert response.status_code == expected
    assert state(import_home) == before
