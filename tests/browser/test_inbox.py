"""A rep works the inbox: accept or reject qualified leads in place (htmx), no page reload."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accord.crm.models import Lead, LeadEvent, Stage
from accord.routing.models import SlaClock
from tests.browser.builders import due_in
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = "table.inbox tbody tr"


@pytest.fixture
def inbox(world):
    """Three MQLs routed round-robin in EMEA: Ada → rep, Ben → other_rep, Cy → rep.
    The rep's two deadlines: Cy in 45 minutes (soon), Ada in 2h 30m."""
    ada = qualify(world, email="ada@alpha.example", first_name="Ada", last_name="Archer", company="Alpha")
    ben = qualify(world, email="ben@beta.example", first_name="Ben", last_name="Brook", company="Beta")
    cy = qualify(world, email="cy@gamma.example", first_name="Cy", last_name="Cole", company="Gamma")
    assert (ada.owner, ben.owner, cy.owner) == (world.rep, world.other_rep, world.rep)
    due_in(cy, timedelta(minutes=45))
    due_in(ada, timedelta(hours=2, minutes=30))
    return ada, cy


def mark_document(page) -> None:
    """A flag that survives only as long as this document does: a full reload loses it."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


@pytest.mark.browser
def test_rep_accepts_one_lead_and_its_row_changes_in_place(page, world, inbox, sign_in, browser_log):
    # Given: the rep's inbox lists their two MQLs, soonest deadline first, with countdowns.
    ada, cy = inbox
    sign_in(world.rep)
    expect(page).to_have_url("/inbox/")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-lead", "cy@gamma.example")
    expect(rows.nth(0).locator(".due")).to_have_text("due in 45m")
    expect(rows.nth(0).locator(".due")).to_have_class("due due-soon")
    expect(rows.nth(1)).to_have_attribute("data-lead", "ada@alpha.example")
    expect(rows.nth(1).locator(".due")).to_have_text("due in 2h 30m")
    expect(rows.nth(1).locator(".due")).to_have_class("due due-ok")
    expect(rows.nth(1).locator("td").nth(0)).to_contain_text("Ada Archer")
    expect(rows.nth(1).locator(".reasons li")).to_have_text(
        ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"]
    )
    expect(rows.nth(1).locator("td.num")).to_have_text("50.0")

    # When: the rep clicks "Accept" on Ada's row.
    mark_document(page)
    ada_row = page.locator(f"#lead-{ada.pk}")
    with page.expect_response(f"**/leads/{ada.pk}/accept/") as accepted:
        ada_row.get_by_role("button", name="Accept").click()

    # Then: htmx swapped that row only; the page was not reloaded.
    assert accepted.value.status == 200
    assert accepted.value.request.headers.get("hx-request") == "true"
    expect(ada_row.get_by_role("status")).to_have_text("Accepted")
    expect(ada_row.locator("td").nth(3)).to_have_text("—")
    expect(ada_row.get_by_role("button", name="Accept")).to_have_count(0)
    expect(rows).to_have_count(2)
    expect(page.locator(f"#lead-{cy.pk}").get_by_role("button", name="Accept")).to_be_visible()
    assert still_same_document(page)

    # And: the lead is sales-accepted and its clock stopped; Cy's is untouched.
    ada.refresh_from_db()
    assert ada.stage == Stage.SAL
    clock = SlaClock.objects.get(lead=ada)
    assert clock.outcome == SlaClock.Outcome.ACCEPTED
    assert clock.stopped_at is not None
    assert list(ada.events.filter(kind="stage").values_list("from_stage", "to_stage", "actor__email")) == [
        ("lead", "mql", "marketer@accord.test"),
        ("mql", "sal", "rep@accord.test"),
    ]
    assert Lead.objects.get(pk=cy.pk).stage == Stage.MQL
    assert SlaClock.objects.get(lead=cy).stopped_at is None

    # And: after a reload only Cy is waiting.
    page.reload()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-lead", "cy@gamma.example")
    browser_log.assert_clean()


@pytest.mark.browser
def test_reject_needs_a_reason_then_disqualifies_with_no_budget(page, live_server, world, inbox, sign_in, browser_log):
    # Given: the rep has opened "Reject…" on Ada's row.
    ada, cy = inbox
    reject_posts = []
    page.on("request", lambda r: reject_posts.append(r.url) if r.url.endswith("/reject/") else None)
    sign_in(world.rep)
    ada_row = page.locator(f"#lead-{ada.pk}")
    ada_row.get_by_text("Reject…").click()
    reason = ada_row.get_by_label("Reason")
    expect(reason).to_be_visible()
    expect(reason).to_have_value("")
    mark_document(page)

    # When: they submit without choosing a reason.
    ada_row.get_by_role("button", name="Reject lead").click()

    # Then: the browser blocks it: the required select is invalid and takes the focus.
    expect(reason).to_be_focused()
    assert reason.evaluate("el => el.validity.valueMissing") is True

    # When: they choose "No budget", type a note, pick "Disqualify" and submit.
    reason.select_option(label="No budget")
    ada_row.get_by_label("Note").press_sequentially("Budget frozen until 2027")
    ada_row.get_by_label("Disqualify").check()
    with page.expect_response(f"**/leads/{ada.pk}/reject/") as rejected:
        ada_row.get_by_role("button", name="Reject lead").click()

    # Then: the row says so, in place; only that one request was ever sent.
    assert rejected.value.status == 200
    expect(ada_row.get_by_role("status")).to_have_text("Disqualified")
    expect(ada_row.get_by_role("button", name="Reject lead")).to_have_count(0)
    assert still_same_document(page)
    assert [url.removeprefix(live_server.url) for url in reject_posts] == [f"/leads/{ada.pk}/reject/"]

    # And: the lead is disqualified with the reason and note on its event; the clock stopped.
    ada.refresh_from_db()
    assert (ada.stage, ada.owner) == (Stage.DISQUALIFIED, None)
    event = ada.events.get(kind="stage", to_stage="disqualified")
    assert (event.from_stage, event.reason, event.note, event.actor) == (
        "mql",
        "no_budget",
        "Budget frozen until 2027",
        world.rep,
    )
    assert event.data == {"action": "disqualify", "owner": "rep@accord.test"}
    assert SlaClock.objects.get(lead=ada).outcome == SlaClock.Outcome.REJECTED
    assert Lead.objects.get(pk=cy.pk).stage == Stage.MQL
    browser_log.assert_clean()


@pytest.mark.browser
def test_reject_as_other_without_a_note_shows_the_error_in_the_row_and_changes_nothing(
    page, world, inbox, sign_in, browser_log
):
    # Given: the rep chose reason "Other" and "Disqualify" but wrote no note.
    ada, _ = inbox
    events_before = LeadEvent.objects.filter(lead=ada).count()
    sign_in(world.rep)
    ada_row = page.locator(f"#lead-{ada.pk}")
    ada_row.get_by_text("Reject…").click()
    ada_row.get_by_label("Reason").select_option(label="Other")
    ada_row.get_by_label("Disqualify").check()
    mark_document(page)

    # When: they submit.
    with page.expect_response(f"**/leads/{ada.pk}/reject/") as response:
        ada_row.get_by_role("button", name="Reject lead").click()

    # Then: the server's error shows in the row, next to the note, with their choices kept.
    assert response.value.status == 200
    note = ada_row.get_by_label("Note")
    expect(ada_row.get_by_role("alert")).to_have_text("Reason 'other' needs a note.")
    expect(note).to_be_visible()
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_accessible_description("Reason 'other' needs a note.")
    expect(ada_row.get_by_label("Reason")).to_have_value("other")
    expect(ada_row.get_by_label("Disqualify")).to_be_checked()
    expect(ada_row.get_by_role("status")).to_have_count(0)
    assert still_same_document(page)

    # And: nothing changed.
    ada.refresh_from_db()
    assert (ada.stage, ada.owner) == (Stage.MQL, world.rep)
    assert LeadEvent.objects.filter(lead=ada).count() == events_before
    assert SlaClock.objects.get(lead=ada).stopped_at is None

    # When: they add the note and submit again from the re-rendered row.
    note.fill("Asked to be removed")
    ada_row.get_by_role("button", name="Reject lead").click()

    # Then: the lead is disqualified — the choice made before the error still holds.
    expect(ada_row.get_by_role("status")).to_have_text("Disqualified")
    event = Lead.objects.get(pk=ada.pk).events.get(kind="stage", to_stage="disqualified")
    assert (event.reason, event.note) == ("other", "Asked to be removed")
    browser_log.assert_clean()
