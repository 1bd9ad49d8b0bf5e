"""A rep rejects a lead from the inbox with a rating and the problems it had, with the
keyboard only; the sales manager then finds the reason on the rejections page."""

import pytest
from playwright.sync_api import expect

from accord.crm.models import LeadFeedback, Stage
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_rep_rates_while_rejecting_and_the_report_shows_why(page, world, sign_in, browser_log):
    # Given: an MQL of the rep's, waiting in the inbox with "Reject…" opened by keyboard.
    ada = qualify(world, email="ada@alpha.example", first_name="Ada", last_name="Archer", company="Alpha")
    assert ada.owner == world.rep
    sign_in(world.rep)
    expect(page).to_have_url("/inbox/")
    row = page.locator(f"#lead-{ada.pk}")
    row.locator("summary").focus()
    page.keyboard.press("Enter")
    reason = row.get_by_label("Reason")
    expect(reason).to_be_visible()

    # When: they choose the reason, rate the lead 2, tick two problems and submit — keys only.
    reason.focus()
    reason.select_option("no_budget")
    row.get_by_label("2", exact=True).focus()
    page.keyboard.press("Space")
    row.get_by_label("No budget").focus()
    page.keyboard.press("Space")
    row.get_by_label("Not ready").focus()
    page.keyboard.press("Space")
    expect(row.get_by_label("2", exact=True)).to_be_checked()
    expect(row.get_by_role("group", name="Rate the lead (optional)")).to_be_visible()
    with page.expect_response(f"**/leads/{ada.pk}/reject/") as rejected:
        row.get_by_role("button", name="Reject lead").focus()
        page.keyboard.press("Enter")

    # Then: the row says so in place; the rating was kept before the lead left the rep.
    assert rejected.value.status == 200
    expect(row.get_by_role("status")).to_have_text("Recycled to nurture")
    ada.refresh_from_db()
    assert (ada.stage, ada.owner) == (Stage.RECYCLED, None)
    assert list(LeadFeedback.objects.values_list("lead_id", "user__email", "rating", "problems")) == [
        (ada.pk, "rep@accord.test", 2, ["not_ready", "no_budget"])
    ]
    browser_log.assert_clean()

    # When: the sales manager opens the rejections, grouped by reason.
    page.get_by_role("button", name="Sign out").click()
    sign_in(world.manager)
    page.goto("/reports/rejections/")
    page.get_by_label("Group by").select_option("reason")
    page.get_by_role("button", name="Show").click()

    # Then: the rep's reason, rating and problems are there.
    table = page.locator("#rejections-table")
    expect(table.locator("tbody th")).to_have_text(["no_budget", "All"])
    no_budget = table.locator("tbody tr").first
    expect(no_budget.locator("td.num").nth(2)).to_have_text("100.0%")
    expect(no_budget).to_contain_text("1 · 2.00")
    expect(no_budget).to_contain_text("No budget (1), Not ready (1)")
    browser_log.assert_clean()
