"""The lead definition as a signed contract, in the browser: a marketing lead drafts a new
version from the active one, raises a fit rule's points in the form (from the keyboard),
and proposes it; a sales manager signs for sales; the marketing lead signs for marketing,
and the version becomes active. The page then follows the rescoring of open leads by
itself (htmx polling) while the worker runs it.

The worker is django-tasks-db's, run in this process (`db_worker --batch`, as in the
import journey) so it sees the live server's test database.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accord.definitions.models import LeadDefinition
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea, progress")]
  .filter((el) => el.type !== "hidden")
  .filter((el) => !(el.labels && el.labels.length > 0))
  .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 160))"""
DUPLICATE_IDS = """() => {
  const counts = {};
  for (const el of document.querySelectorAll("[id]")) counts[el.id] = (counts[el.id] || 0) + 1;
  return Object.keys(counts).filter((id) => counts[id] > 1);
}"""


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible()


@pytest.mark.browser
def test_a_new_version_is_drafted_edited_proposed_and_signed_by_both_sides(page, world, sign_in, browser_log):
    # Given: one open lead (captured and qualified under v2, "Test"), and a marketing lead
    # signed in, on the definitions through the main navigation.
    qualify(world)
    sign_in(world.marketing_lead)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Definitions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lead definitions")
    # (v1, the migration's starter, is there unless an earlier transactional test flushed it.)
    expect(page.locator("tr[data-version] th").first).to_have_text("v2")

    # When: they start a new draft from the active version.
    page.get_by_role("button", name="New draft").click()

    # Then: the draft's form opens with the active version's rules.
    draft = LeadDefinition.objects.get(version=3)
    expect(page).to_have_url(f"/definitions/{draft.pk}/edit/")
    expect(page.locator(".messages")).to_have_text("Draft v3 created from v2.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit draft v3")
    points = page.get_by_label("Fit rule 1: Points")
    expect(points).to_have_value("20")
    expect(page.get_by_label("Fit rule 1: Label")).to_have_value("50+ employees")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they raise the points of "50+ employees" from the keyboard and save.
    points.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("25")
    page.get_by_role("button", name="Save draft").focus()
    page.keyboard.press("Enter")

    # Then: the version's page says so in words.
    expect(page).to_have_url(f"/definitions/{draft.pk}/")
    expect(page.locator(".messages")).to_have_text("Draft v3 saved.")
    terms = page.get_by_role("region", name="The definition")
    expect(terms.locator("ul.terms").first.locator("li")).to_have_text(
        ['"50+ employees" (company_size ≥ 50) +25', '"VP" (title contains VP) +10']
    )
    assert LeadDefinition.objects.get(pk=draft.pk).document["fit_rules"][0]["points"] == 25.0

    # When: they propose it with a note.
    page.get_by_label("Note (optional)").fill("Bigger companies count more")
    page.get_by_role("button", name="Propose for signature").click()

    # Then: it waits for both signatures.
    expect(page.locator(".messages")).to_have_text("v3 proposed: it now waits for both sides to sign.")
    expect(page.get_by_role("heading", level=1)).to_have_text("v3 Test Proposed")
    sign_out(page)

    # When: a sales manager signs for sales.
    sign_in(world.manager)
    page.goto(f"/definitions/{draft.pk}/")
    expect(page.get_by_text("You sign for sales.")).to_be_visible()
    page.get_by_role("button", name="Sign for sales").click()

    # Then: one side has signed; the version is still proposed.
    expect(page.locator(".messages")).to_have_text("Signed v3.")
    signatures = page.get_by_role("region", name="Signatures")
    expect(signatures.locator("dd")).to_have_text(
        [
            "Waiting for a signature Who signs: any marketing lead",
            f"Signed by manager@accord.test on {draft_signed_at(draft, 'sales')} Who signs: any sales manager",
        ]
    )
    sign_out(page)

    # When: the marketing lead signs for marketing.
    sign_in(world.marketing_lead)
    page.goto(f"/definitions/{draft.pk}/")
    page.get_by_role("button", name="Sign for marketing").click()

    # Then: the version is active and v2 retired; the page follows the rescoring.
    expect(page.locator(".messages")).to_have_text(
        "Signed: both sides have signed, v3 is now active. Open leads are being rescored."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("v3 Test Active")
    expect(page.get_by_role("heading", name="Rescoring open leads: Queued")).to_be_visible()
    assert LeadDefinition.objects.get(version=2).status == "retired"
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    page.evaluate("window.__sameDocument = true")

    # When: the worker runs what is due.
    call_command("db_worker", batch=True, interval=0, startup_delay=False)

    # Then: without a reload, the progress gives way to the counts.
    expect(page.get_by_role("heading", name="Rescoring open leads: Done")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")
    expect(page.locator("#rescore-announcement")).to_have_text("Rescoring done.")
    expect(page.locator(".rescore-counts dt")).to_have_text(["Rescored", "Qualified", "Returned to nurture"])
    expect(page.locator(".rescore-counts dd")).to_have_text(["1", "0", "0"])

    # And: the list shows the new order of things.
    page.get_by_role("link", name="← Lead definitions").click()
    statuses = page.locator("tr[data-version] td:nth-of-type(2)")
    expect(statuses.nth(0)).to_have_text("Active")  # v3
    expect(statuses.nth(1)).to_have_text("Retired")  # v2 (and v1, where it survived earlier tests)
    browser_log.assert_clean()


def draft_signed_at(draft: LeadDefinition, side: str) -> str:
    return f"{draft.signatures.get(side=side).signed_at:%Y-%m-%d %H:%M}"
