"""A marketer imports a CSV in the browser: upload, fix one column of the proposed mapping,
start, watch the progress until the worker is done, read the rejected cells and download
the error report.

The worker is django-tasks-db's, run in this process (`db_worker --batch`, what
`accord worker --once` runs) so it sees the live server's test database; the page finds
out by itself, through htmx polling, that the job is done.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accord.crm.models import Lead
from accord.imports.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILE = (
    "E-mail address,First name,Company,Company size,Country\n"
    "ada@alpha.example,Ada,Alpha,120,DE\n"
    "not-an-email,Ben,Beta,10,GB\n"
    "cy@gamma.example,Cy,Gamma,lots,Narnia\n"
    "dee@delta.example,Dee,Delta,5,FR\n"
)
ERROR_REPORT = (
    "line,column,value,reason\r\n"
    "3,E-mail address,not-an-email,Not a valid email address.\r\n"
    "4,Country,Narnia,Not a country name or ISO 3166 code.\r\n"
    '4,Company size,lots,"Not a whole number from 0 to 10,000,000."\r\n'
)
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea, progress")]
  .filter((el) => el.type !== "hidden")
  .filter((el) => !(el.labels && el.labels.length > 0))
  .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 160))"""


@pytest.fixture(autouse=True)
def import_home(settings, tmp_path):
    settings.ACCORD_HOME = tmp_path
    return tmp_path


@pytest.mark.browser
def test_marketer_imports_a_file_fixes_the_mapping_and_downloads_the_errors(page, world, sign_in, browser_log):
    # Given: a marketer signed in, on the imports page through the main navigation.
    sign_in(world.marketer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    expect(page.get_by_role("table")).to_contain_text("No imports yet.")

    # When: they upload a lead file with the generic preset.
    page.get_by_label("The file holds").select_option("leads")
    page.get_by_label("Exported from").select_option("generic")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": FILE.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()

    # Then: the first rows are shown, with a proposed field per column; the unknown email
    # column is proposed as a custom attribute.
    job = ImportJob.objects.get()
    expect(page).to_have_url(f"/imports/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of people.csv")
    preview = page.get_by_role("table", name="First 4 rows of people.csv (utf-8, comma-separated)")
    expect(preview.locator("tbody tr")).to_have_count(4)
    expect(preview.locator("tbody tr").nth(1).locator("td")).to_have_text(["not-an-email", "Ben", "Beta", "10", "GB"])
    expect(page.get_by_label("E-mail address")).to_have_value("__keep__")
    expect(page.get_by_label("First name")).to_have_value("first_name")
    expect(page.get_by_label("Company size")).to_have_value("company_size")
    assert page.evaluate(UNLABELLED_CONTROLS) == []

    # When: they map the email column to Email and start, from the keyboard.
    page.get_by_label("E-mail address").select_option("email")
    page.get_by_role("button", name="Start import").focus()
    page.keyboard.press("Enter")

    # Then: the job waits for the worker, and the page polls for its progress.
    expect(page.get_by_role("heading", name="Queued")).to_be_visible()
    expect(page.get_by_label("Progress")).to_be_visible()
    expect(page.locator("#import-progress-text")).to_have_text("Waiting for the worker to start it.")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.evaluate("window.__sameDocument = true")

    # When: the worker runs what is due.
    call_command("db_worker", batch=True, interval=0, startup_delay=False)

    # Then: without a reload, the progress gives way to the counts and the rejected cells.
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true")
    expect(page.get_by_role("status")).to_have_text("Import done.")
    expect(page.locator(".import-summary dt")).to_have_text(
        ["Rows read", "Created", "Updated", "Unchanged", "Rejected", "Accounts created"]
    )
    expect(page.locator(".import-summary dd")).to_have_text(["4", "2", "0", "0", "2", "2"])
    errors = page.get_by_role("table", name="3 problems")
    expect(errors.locator("tbody tr")).to_have_text(
        [
            "3E-mail addressnot-an-emailNot a valid email address.",
            "4CountryNarniaNot a country name or ISO 3166 code.",
            "4Company sizelotsNot a whole number from 0 to 10,000,000.",
        ]
    )
    assert list(Lead.objects.order_by("email").values_list("email", flat=True)) == [
        "ada@alpha.example",
        "dee@delta.example",
    ]

    # When: they download the error report.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download error report (CSV)").click()

    # Then: it holds every rejected cell.
    assert download.value.suggested_filename == f"import-{job.pk}-errors.csv"
    with open(download.value.path(), encoding="utf-8", newline="") as report:
        assert report.read() == ERROR_REPORT

    # And: the list shows the job with its counts.
    page.get_by_role("link", name="← Imports").click()
    row = page.locator(f'tr[data-job="{job.pk}"] td')
    expect(row).to_have_text(
        [
            "people.csv",
            "Leads",
            "Done",
            "4",
            "2",
            "0",
            "0",
            "2",
            "marketer@accord.test",
            job.created_at.strftime("%Y-%m-%d %H:%M"),
        ]
    )
    browser_log.assert_clean()
