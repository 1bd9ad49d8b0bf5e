"""The lead page: its history newest first, why it qualified, and logging a call from it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.crm.models import Touchpoint
from accord.routing.models import SlaClock
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def minute(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


@pytest.mark.browser
def test_lead_page_shows_history_and_why_and_a_logged_call_joins_both(page, world, sign_in, browser_log):
    # Given: Vera was captured at T-10 min and qualified by a download at T-5 min (T = this
    # minute, UTC — the page shows UTC times): 30 fit + 20 engagement = 50, routed to the rep.
    t = timezone.now().replace(second=0, microsecond=0)
    created_at, qualified_at = t - timedelta(minutes=10), t - timedelta(minutes=5)
    lead = qualify(world, at=created_at, download_at=qualified_at)
    assert lead.owner == world.rep
    sign_in(world.rep)

    # When: the rep opens the lead.
    page.goto(f"/leads/{lead.pk}/")

    # Then: the timeline lists the events newest first; qualification and assignment share
    # a moment and assignment was written second, so it is on top.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vera Penn Marketing qualified")
    timeline = page.locator("ol.timeline > li")
    expect(timeline.locator("strong")).to_have_text(["Assigned", "Lead → Marketing qualified", "Created as Lead"])
    expect(timeline.locator("time")).to_have_text([minute(qualified_at), minute(qualified_at), minute(created_at)])
    expect(timeline.nth(0).locator("p")).to_have_text("Territory Europe → team EMEA; round-robin → rep@accord.test")
    expect(timeline.nth(1).locator(".reason")).to_have_text("score")
    expect(timeline.nth(1).locator("p")).to_have_text(
        "Qualified under v2: Score 50 ≥ MQL threshold 50; Contact known; Need known"
    )
    expect(timeline.locator(".muted")).to_have_text(["by marketer@accord.test"] * 3)

    # And: "why" gives the score, the reasons and the points of each rule.
    why = page.get_by_role("region", name="Why qualified")
    expect(why.locator("p").first).to_have_text("Score 50.0 = fit 30.0 + engagement 20.0 under definition v2")
    expect(why.locator(".reasons li")).to_have_text(["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"])
    rules = why.get_by_role("table", name="Points per rule").locator("tbody tr")
    expect(rules).to_have_count(3)
    expect(rules.nth(0).locator("td")).to_have_text(["fit", "50+ employees", "20.00"])
    expect(rules.nth(1).locator("td")).to_have_text(["fit", "VP", "10.00"])
    expect(rules.nth(2).locator("td")).to_have_text(
        ["engagement", "content_download 1 × 20 pts, half-life 10 days", "20.00"]
    )
    touchpoints = page.get_by_role("region", name="Touchpoints").locator("tbody tr")
    expect(touchpoints).to_have_count(1)
    expect(touchpoints.nth(0).locator("td")).to_have_text([minute(qualified_at), "Content download", "—", "—"])

    # When: the rep logs a call with a note from the page.
    activity = page.get_by_role("form", name="Log an activity")
    activity.get_by_label("Type").select_option(label="Call")
    activity.get_by_label("Note").fill("Left a voicemail")
    activity.get_by_role("button", name="Log activity").click()

    # Then: back on the lead page, the call is the newest touchpoint and the newest event,
    # and the SLA clock has stopped.
    expect(page.get_by_role("status")).to_have_text("Activity logged.")
    call = Touchpoint.objects.get(lead=lead, type="call")
    assert (call.actor, call.channel, call.note) == (world.rep, "sales", "Left a voicemail")
    expect(touchpoints).to_have_count(2)
    expect(touchpoints.nth(0).locator("td")).to_have_text(
        [minute(call.occurred_at), "Call by rep@accord.test", "sales", "—"]
    )
    expect(touchpoints.nth(1).locator("td").nth(1)).to_have_text("Content download")
    expect(timeline.locator("strong")).to_have_text(
        ["Activity logged", "Assigned", "Lead → Marketing qualified", "Created as Lead"]
    )
    expect(timeline.nth(0).locator("time")).to_have_text(minute(call.occurred_at))
    expect(timeline.nth(0).locator("p")).to_have_text("Left a voicemail")
    expect(timeline.nth(0).locator(".muted")).to_have_text("by rep@accord.test")
    expect(page.get_by_role("region", name="Hand-off").locator("dd").nth(1)).to_have_text("No clock running")
    assert SlaClock.objects.get(lead=lead).outcome == SlaClock.Outcome.ACTIVITY
    browser_log.assert_clean()
