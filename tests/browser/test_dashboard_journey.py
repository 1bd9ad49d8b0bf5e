"""An executive signs in, lands on the dashboard, reads March beside February, follows a
figure to the report behind it, and exports the dashboard — over
tests/reports/test_dashboard.py's history, whose numbers are worked out there."""

import csv

import pytest
from playwright.sync_api import expect

from tests.reports.test_dashboard import history  # noqa: F401 — the hand-built history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_the_executive_reads_march_and_drills_into_the_scorecard(
    page,
    world,
    history,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: an executive, signed in, on their home page: the dashboard.
    sign_in(world.executive)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    # When: they choose March 2026 with the keyboard, beside the previous period.
    page.get_by_role("textbox", name="From", exact=True).fill("2026-03-01")
    page.get_by_role("textbox", name="To", exact=True).fill("2026-03-31")
    page.get_by_label("Compare with").select_option("previous")
    page.get_by_label("Compare with").press("Tab")
    page.keyboard.press("Enter")  # the focus is on Show

    # Then: each section holds its figures, each beside February's with the change in words.
    expect(page).to_have_url("/reports/dashboard/?date_from=2026-03-01&date_to=2026-03-31&compare=previous")
    revenue = page.get_by_role("region", name="Revenue")
    won = revenue.locator("#figure-won_revenue")
    expect(won.locator("dt, dd")).to_have_text(["Won revenue", "10,000.00", "previous 0.00 ▲up 10,000.00"])
    expect(revenue.locator("#figure-win_rate .tile-value")).to_have_text("100.0%")
    handoff = page.get_by_role("region", name="Hand-off")
    expect(handoff.locator("#figure-ignored .tile-previous")).to_have_text("previous 1 ▼down 1")
    expect(handoff.locator("#figure-median_hours .tile-value")).to_have_text("2.00 h")
    cost = page.get_by_role("region", name="Cost")
    expect(cost.locator("#figure-cost_per_sql .tile-previous")).to_have_text("previous 500.00 no change")
    expect(
        page.get_by_role(
            "img",
            name="Leads created in the period and how many reached each stage — Leads: This period 4, Comparison "
            "period 2; MQL: This period 3, Comparison period 2; SQL: This period 2, Comparison period 1; "
            "Customers: This period 1, Comparison period 0",
        )
    ).to_be_visible()

    # When: they export the dashboard.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "dashboard.csv"
    download_info.value.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][:7] == ["revenue", "won_revenue", "Won revenue", "money", "10000.0", "0.0", "10000.0"]

    # When: they follow "Followed up on time" to the scorecard behind it.
    handoff.get_by_role("link", name="Followed up on time").click()

    # Then: the SLA scorecard of the same period, whose total holds the same 3 hand-offs.
    expect(page).to_have_url("/reports/sla/?date_from=2026-03-01&date_to=2026-03-31")
    expect(page.get_by_role("heading", level=1)).to_have_text("SLA scorecard")
    browser_log.assert_clean()
