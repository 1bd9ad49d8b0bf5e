"""Marketing records what a campaign cost and reads the cost report, with the keyboard
basics of every page (skip link, labelled controls, unique ids, a clean console).

March 2026 holds 3,100.00 for webinar-1 (recorded below) and one lead of the campaign,
created 2 March: cost per lead 3,100.00. The marketer first types the month wrongly, then
adds 310.00 more for March: 3,410.00, per lead 3,410.00."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from accord.campaigns.services import campaign_cost_record
from accord.crm import services
from tests.browser.test_accessibility import DUPLICATE_IDS, UNLABELLED_CONTROLS
from tests.conftest import QUALIFIABLE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
MARCH = "/reports/cost/?date_from=2026-03-01&date_to=2026-03-31"


@pytest.mark.browser
def test_marketing_adds_a_cost_and_the_report_follows(page, world, sign_in, browser_log):
    # Given: webinar-1 cost 3,100.00 in March and brought one lead.
    campaign_cost_record(acting_user=world.marketer, campaign_code="webinar-1", month="2026-03", amount="3100")
    services.lead_capture(
        data={**QUALIFIABLE, "campaign": "webinar-1"}, acting_user=world.marketer, at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    sign_in(world.marketer)
    page.goto(MARCH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaign cost")
    table = page.get_by_role("table", name="Cost and results of 2026-03-01 – 2026-03-31 by campaign")
    webinar = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="webinar-1"))
    expect(webinar.locator("td").nth(2)).to_have_text("3,100.00")

    # And: the keyboard reaches main first; every control is labelled, ids are unique.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they add an entry with the month typed wrongly.
    form = page.get_by_role("form", name="Add a cost entry")
    form.get_by_label("Campaign").select_option("webinar-1")
    form.get_by_label("Month").evaluate("(input) => { input.type = 'text'; }")  # type a month no picker gives
    form.get_by_label("Month").fill("March")
    form.get_by_label("Amount").fill("310")
    form.get_by_role("button", name="Add entry").click()

    # Then: the form says what is wrong, and the report stayed on March.
    expect(page.get_by_role("alert")).to_have_text("'March' is not a month; write it as YYYY-MM, e.g. 2026-03.")
    expect(page.get_by_label("Month")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they put it right.
    form.get_by_label("Month").evaluate("(input) => { input.type = 'text'; }")
    form.get_by_label("Month").fill("2026-03")
    form.get_by_role("button", name="Add entry").click()

    # Then: back on March's report, with the new cost in it.
    expect(page).to_have_url(MARCH + "&by=campaign")
    expect(page.get_by_role("status")).to_have_text("Recorded 310.00 for Webinar 1 in 2026-03.")
    expect(webinar.locator("td").nth(2)).to_have_text("3,410.00")
    expect(webinar.locator("td").nth(9)).to_have_text("3,410.00")  # per lead: one lead
    browser_log.assert_clean()
