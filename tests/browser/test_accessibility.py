"""Keyboard and accessibility basics on the pages the journeys use: the skip link comes
first and moves focus to main, every form control has a label, ids are unique (a repeated
id silently steals a label from the second control), and the browser logs no console error
and no CSP violation."""

import re

import pytest
from playwright.sync_api import expect

from accord.crm import services
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden")
  .filter((el) => !(el.labels && el.labels.length > 0))
  .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 160))"""
DUPLICATE_IDS = """() => {
  const counts = {};
  for (const el of document.querySelectorAll("[id]")) counts[el.id] = (counts[el.id] || 0) + 1;
  return Object.keys(counts).filter((id) => counts[id] > 1);
}"""


def inbox_as_rep(world):
    qualify(world, email="ada@alpha.example", first_name="Ada")
    qualify(world, email="ben@beta.example", first_name="Ben")  # round-robin: other_rep's
    qualify(world, email="cy@gamma.example", first_name="Cy")
    return world.rep, "/inbox/", "Inbox", 2


def lead_as_owner(world):
    lead = qualify(world)
    return world.rep, f"/leads/{lead.pk}/", "Vera Penn Marketing qualified", 0


def lead_as_admin(world):
    # Every form of the page at once: assign, accept/reject, activity, convert, touchpoint.
    lead = qualify(world)
    return world.admin, f"/leads/{lead.pk}/", "Vera Penn Marketing qualified", 0


def lead_with_open_opportunity_as_admin(world):
    lead = qualify(world)
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    return world.admin, f"/leads/{lead.pk}/", "Vera Penn Sales qualified (opportunity)", 0


def opportunities_as_owner(world):
    lead = qualify(world)
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    return lead.owner, "/opportunities/", "Opportunities", 0


def funnel_as_marketer(world):
    qualify(world)
    return world.marketer, "/reports/funnel/?date_from=2026-01-01&date_to=2026-12-31&by=source", "Funnel", 0


def funnel_compared_as_executive(world):
    qualify(world)
    path = "/reports/funnel/?date_from=2026-01-01&date_to=2026-12-31&by=owner&compare=previous"
    return world.executive, path, "Funnel", 0


def velocity_as_rep(world):
    qualify(world)
    return world.rep, "/reports/velocity/?date_from=2026-01-01&date_to=2026-12-31&by=source", "Velocity", 0


def wins_as_marketer(world):
    from django.utils import timezone

    lead = qualify(world)
    deal = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    services.opportunity_close(opportunity_id=deal.pk, acting_user=lead.owner, won=True)
    today = timezone.now().date()
    return world.marketer, f"/reports/wins/?date_from={today.replace(day=1)}&date_to={today}", "Wins", 0


def _proposal(world):
    from accord.definitions import services as definitions
    from accord.definitions.models import LeadDefinition

    active = LeadDefinition.objects.get(status="active")
    draft = definitions.definition_copy(definition_id=active.pk, acting_user=world.marketer)
    return draft


def definition_proposed_as_signer(world):
    from accord.definitions import services as definitions

    draft = _proposal(world)
    definitions.definition_propose(definition_id=draft.pk, acting_user=world.marketer, comment="Please sign")
    return world.marketing_lead, f"/definitions/{draft.pk}/", f"v{draft.version} Test Proposed", 0


def definition_edit_as_marketer(world):
    draft = _proposal(world)
    return world.marketer, f"/definitions/{draft.pk}/edit/", f"Edit draft v{draft.version}", 0


def definition_backtest_as_manager(world):
    qualify(world)
    draft = _proposal(world)
    path = f"/definitions/{draft.pk}/backtest/?date_from=2026-01-01&date_to=2026-12-31"
    return world.manager, path, f"Backtest of v{draft.version} Draft", 0


def _today():
    from django.utils import timezone

    return timezone.localdate()


def sla_scorecard_as_manager(world):
    qualify(world)  # the page opens on the months up to today: a count that opens its leads
    return world.manager, "/reports/sla/", "SLA scorecard", 0


def sla_leads_as_manager(world):
    lead = qualify(world)
    today = _today()
    path = f"/reports/sla/leads/?date_from={today}&date_to={today}&measure=handed_over&group_id={lead.owner_id}"
    return world.manager, path, "Handed over", 0


def pipeline_by_owner_as_executive(world):
    lead = qualify(world)
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    today = _today()
    return world.executive, f"/reports/pipeline/?date_from={today}&date_to={today}&by=owner", "Pipeline and revenue", 0


def sourcing_as_manager(world):
    lead = qualify(world)
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    return world.manager, "/reports/sourcing/", "Marketing-sourced vs sales-sourced", 0


def _goal_today(world) -> str:
    from accord.reports.goal import goal_set

    today = _today()
    goal_set(acting_user=world.executive, revenue="1000", date_from=today, date_to=today)
    return f"date_from={today}&date_to={today}&team="


def goal_with_the_form_as_admin(world):
    # The plan, the rate it is missing (no history), the chart, and both forms: period and set.
    return world.admin, f"/reports/goal/?{_goal_today(world)}", "Revenue goal", 0


def inbox_with_the_goal_as_rep(world):
    _goal_today(world)
    qualify(world)
    return world.rep, "/inbox/", "Inbox", 1


def lead_list_with_the_goal_as_marketer(world):
    _goal_today(world)
    return world.marketer, "/leads/", "Leads", 0


def dashboard_as_executive(world):
    # The tiles, the funnel chart and the goal panel, this month beside the last.
    lead = qualify(world)
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    _goal_today(world)
    return world.executive, "/reports/dashboard/", "Dashboard", 0


PAGES = {
    "inbox": inbox_as_rep,
    "lead-as-owner": lead_as_owner,
    "lead-as-admin": lead_as_admin,
    "lead-with-opportunity": lead_with_open_opportunity_as_admin,
    "funnel": funnel_as_marketer,
    "funnel-compared": funnel_compared_as_executive,
    "velocity": velocity_as_rep,
    "wins": wins_as_marketer,
    "opportunities": opportunities_as_owner,
    "definition-proposed": definition_proposed_as_signer,
    "definition-edit": definition_edit_as_marketer,
    "definition-backtest": definition_backtest_as_manager,
    "sla-scorecard": sla_scorecard_as_manager,
    "sla-leads": sla_leads_as_manager,
    "pipeline": pipeline_by_owner_as_executive,
    "sourcing": sourcing_as_manager,
    "goal": goal_with_the_form_as_admin,
    "inbox-with-goal": inbox_with_the_goal_as_rep,
    "leads-with-goal": lead_list_with_the_goal_as_marketer,
    "dashboard": dashboard_as_executive,
}


@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_skip_link_labels_and_a_clean_console(page, world, sign_in, browser_log, name):
    # Given: a signed-in user on one of the journeys' pages.
    user, path, heading, inbox_rows = PAGES[name](world)
    sign_in(user)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("table.inbox tbody tr")).to_have_count(inbox_rows)

    # When: the keyboard user presses Tab once.
    page.keyboard.press("Tab")

    # Then: the skip link has the focus and shows itself.
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    # When: they follow it.
    page.keyboard.press("Enter")

    # Then: main has the focus, and the next Tab lands inside main, past the navigation.
    expect(page.get_by_role("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # And: every control has a label, no id repeats, and the browser logged nothing wrong.
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    browser_log.assert_clean()


@pytest.mark.browser
def test_inbox_row_after_a_server_error_keeps_labels_and_unique_ids(page, world, sign_in, browser_log):
    # Given: the rep's inbox with one lead.
    lead = qualify(world)
    sign_in(world.rep)
    row = page.locator(f"#lead-{lead.pk}")

    # When: a reject comes back with an error and htmx swaps the row.
    row.get_by_text("Reject…").click()
    row.get_by_label("Reason").select_option(label="Other")
    row.get_by_role("button", name="Reject lead").click()
    expect(row.get_by_role("alert")).to_have_text("Reason 'other' needs a note.")

    # Then: the swapped-in controls are labelled and the page's ids are still unique.
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    browser_log.assert_clean()


@pytest.mark.browser
def test_login_page_is_labelled_and_starts_in_the_email_field(page, world, browser_log):
    # Given/When: someone opens the sign-in page.
    page.goto("/login/")

    # Then: the email field has the focus (autofocus), both fields are labelled, and
    # the console is clean.
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    browser_log.assert_clean()


@pytest.mark.browser
def test_wrong_password_is_announced_and_signs_nobody_in(page, world, sign_in, browser_log):
    # Given: the rep has a password.
    sign_in(world.rep)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login/")

    # When: they type a wrong one.
    page.get_by_label("Email").fill(world.rep.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_label("Password").press("Enter")

    # Then: an alert says so and they stay on the sign-in page.
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email address and password.")
    expect(page).to_have_url("/login/")
    expect(page.locator(".who")).to_have_count(0)
    browser_log.assert_clean()
