"""Marketing reads how long leads stayed in each stage in March, beside February, grouped by
source, and exports the same numbers — over tests/reports/test_velocity.py's history, whose
numbers are worked out there."""

import csv

import pytest
from playwright.sync_api import expect

from tests.reports.test_velocity import journeys  # noqa: F401 — the hand-built history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHART_TITLE = (
    "Median days per stage, all leads — Subscriber: This period 2.25, Previous period —; "
    "Lead: This period 0.0, Previous period 1.0; MQL: This period 1.6, Previous period 1.75; "
    "SAL: This period 13.42, Previous period 1.5; SQL: This period 16.0, Previous period 14.0"
)


@pytest.mark.browser
def test_marketing_compares_march_with_february_by_source(
    page,
    world,
    journeys,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: a marketer on the velocity page.
    sign_in(world.marketer)
    page.goto("/reports/velocity/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Velocity")

    # When: they type March 2026, group by source, keep the previous period and submit.
    page.get_by_role("textbox", name="From", exact=True).fill("2026-03-01")
    page.get_by_role("textbox", name="To", exact=True).fill("2026-03-31")
    page.get_by_label("Group by").select_option(label="Source")
    expect(page.get_by_label("Compare with")).to_have_value("previous")
    page.get_by_role("button", name="Show").click()

    # Then: each source is a group of rows, the total last; every number has February's
    # beside it and the change in words as well as an arrow.
    expect(page).to_have_url("/reports/velocity/?date_from=2026-03-01&date_to=2026-03-31&by=source&compare=previous")
    table = page.get_by_role(
        "table",
        name="Days in each stage, stays that ended 2026-03-01 – 2026-03-31, beside 2026-02-01 – 2026-02-28 "
        "and the change",
    )
    expect(table.locator("th[scope=rowgroup]")).to_have_text(["ads", "webinar", "(none)", "All"])
    total_lead = table.locator("tbody").last.locator("tr").nth(1)
    # Lead stays: 3 against 2; median 0.00 against 1.00 (down 1 day); p90 2.40 against 1.80.
    expect(total_lead.locator("th, td")).to_have_text(
        [
            "Lead",
            "3 previous 2 ▲up 1",
            "0.00 previous 1.00 ▼down 1.00 days",
            "2.40 previous 1.80 ▲up 0.60 days",
        ]
    )
    expect(page.get_by_role("img", name=CHART_TITLE)).to_be_visible()

    # When: they export the CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()

    # Then: the file holds the same numbers, one row per group, the total last.
    download = download_info.value
    assert download.suggested_filename == "velocity.csv"
    saved = tmp_path / "velocity.csv"
    download.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[0] for row in rows] == ["group", "ads", "webinar", "(none)", "All"]
    assert rows[-1][4:7] == ["3", "0.0", "2.4"]  # lead: stays, median, p90
    browser_log.assert_clean()
