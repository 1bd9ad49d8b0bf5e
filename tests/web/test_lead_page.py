"""The lead page: timeline, the "why", which action forms whom, and the convert and close
forms end to end."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from accord.crm import services
from accord.crm.models import Lead, Opportunity, Stage
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE
from tests.web.conftest import client_for, form_actions, messages_of, snapshot


def _timeline(html: str) -> list[tuple[str, str, str, str]]:
    """(kind, datetime, headline, actor) per timeline entry, in page order."""
    return re.findall(
        r'<li class="event event-(\w+)">\s*<time datetime="([^"]+)">[^<]*</time>\s*'
        r"<strong>([^<]*)</strong>.*?<span class=\"muted\">by ([^<]+)</span>",
        html,
        flags=re.DOTALL,
    )


def test_timeline_lists_events_newest_first(world, accounts):
    # given: captured 10:00, qualified and routed 10:05, accepted 10:30, a call logged 10:45
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=MONDAY_10)
    services.touchpoint_record(
        lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10 + timedelta(minutes=5)
    )
    services.lead_accept(lead_id=lead.pk, acting_user=world.rep, at=MONDAY_10 + timedelta(minutes=30))
    services.lead_log_activity(
        lead_id=lead.pk,
        acting_user=world.rep,
        type="call",
        note="Intro call booked",
        at=MONDAY_10 + timedelta(minutes=45),
    )

    # when
    html = client_for(world, "owner").get(f"/leads/{lead.pk}/").content.decode()

    # then
    assert _timeline(html) == [
        ("activity", "2026-03-02T10:45:00+00:00", "Activity logged", "rep@accord.test"),
        ("stage", "2026-03-02T10:30:00+00:00", "Marketing qualified → Sales accepted", "rep@accord.test"),
        ("assigned", "2026-03-02T10:05:00+00:00", "Assigned", "marketer@accord.test"),
        ("stage", "2026-03-02T10:05:00+00:00", "Lead → Marketing qualified", "marketer@accord.test"),
        ("created", "2026-03-02T10:00:00+00:00", "Created as Lead", "marketer@accord.test"),
    ]
    assert "<p>Intro call booked</p>" in html


def _why(html: str) -> tuple[str, list[str], list[tuple[str, str, str]]]:
    section = re.search(r'<section aria-labelledby="h-why".*?</section>', html, flags=re.DOTALL).group()
    heading = re.search(r'<h2 id="h-why">([^<]+)</h2>', section).group(1)
    reasons = re.findall(r"<li>([^<]+)</li>", section)
    rules = re.findall(
        r"<tr><td>(\w+)</td><td>([^<]+?)(?: <span[^>]*>[^<]*</span>)?</td><td class=\"num\">([^<]+)</td>", section
    )
    return heading, reasons, rules


def test_lead_page_explains_why_the_lead_qualified(world, scene):
    html = client_for(world, "owner").get(f"/leads/{scene.lead.pk}/").content.decode()

    # fit 20 (50+ employees) + 10 (VP) + engagement 20 (one download, age 0) = 50 ≥ 50
    assert _why(html) == (
        "Why qualified",
        ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"],
        [("fit", "50+ employees", "20.00"), ("fit", "VP", "10.00"), ("engagement", "content_download", "20.00")],
    )
    assert "Score <strong>50.0</strong> = fit 30.0 + engagement 20.0" in html
    assert "under definition v2" in html
    assert "1 × 20 pts, half-life 10 days" in html


def test_lead_page_explains_why_a_lead_is_not_qualified(world):
    lead, _ = services.lead_capture(data={**QUALIFIABLE, "email": "vp@gmail.com"}, acting_user=world.marketer)

    html = client_for(world, "marketing").get(f"/leads/{lead.pk}/").content.decode()

    # fit 30, free mail −15: 15 < 50
    assert _why(html) == (
        "Why not qualified",
        ["Score 15 &lt; MQL threshold 50", "Contact known", "Need known"],
        [("fit", "50+ employees", "20.00"), ("fit", "VP", "10.00"), ("negative", "Free mail", "-15.00")],
    )


ACCEPT, REJECT, ASSIGN = "/leads/{lead}/accept/", "/leads/{lead}/reject/", "/leads/{lead}/assign/"
ACTIVITY, CONVERT, TOUCHPOINT = "/leads/{lead}/activity/", "/leads/{lead}/convert/", "/leads/{lead}/touchpoint/"
CLOSE, STAGE = "/opportunities/{opportunity}/close/", "/opportunities/{opportunity}/stage/"
FEEDBACK = "/leads/{lead}/feedback/"  # "Rate this lead": whoever works it, and sales managers and admins

# Forms on the page of an MQL owned by `owner` (the Americas rep cannot open it at all).
MQL_FORMS = {
    "owner": {ACCEPT, REJECT, ACTIVITY, CONVERT, FEEDBACK},
    "teammate": set(),
    "manager": {ACCEPT, REJECT, ACTIVITY, CONVERT, ASSIGN, FEEDBACK},
    "other_manager": {FEEDBACK},
    "marketing": {TOUCHPOINT},
    "marketing_lead": {TOUCHPOINT},
    "executive": set(),
    "admin": {ACCEPT, REJECT, ACTIVITY, CONVERT, TOUCHPOINT, ASSIGN, FEEDBACK},
}

# Forms on the page of a converted lead (sql) with an open opportunity owned by `owner`.
SQL_FORMS = {
    "owner": {ACTIVITY, STAGE, CLOSE, FEEDBACK},
    "teammate": set(),
    "manager": {ACTIVITY, STAGE, CLOSE, FEEDBACK},
    "other_manager": {FEEDBACK},
    "marketing": {TOUCHPOINT},
    "marketing_lead": {TOUCHPOINT},
    "executive": set(),
    "admin": {ACTIVITY, TOUCHPOINT, STAGE, CLOSE, FEEDBACK},
}


@pytest.mark.parametrize(("persona", "forms"), MQL_FORMS.items())
def test_mql_page_shows_action_forms_only_to_who_may_act(world, scene, persona, forms):
    response = client_for(world, persona).get(f"/leads/{scene.lead.pk}/")

    assert response.status_code == 200
    assert form_actions(response.content.decode()) == {f.format(lead=scene.lead.pk) for f in forms}


@pytest.mark.parametrize(("persona", "forms"), SQL_FORMS.items())
def test_sql_page_shows_the_deal_forms_only_to_who_may_act(world, scene, persona, forms):
    response = client_for(world, persona).get(f"/leads/{scene.deal_lead.pk}/")

    assert response.status_code == 200
    expected = {f.format(lead=scene.deal_lead.pk, opportunity=scene.opportunity.pk) for f in forms}
    assert form_actions(response.content.decode()) == expected


def test_lead_page_element_ids_are_unique(world, scene):
    """Labels point at controls by id: two forms must not both render id_note."""
    html = client_for(world, "admin").get(f"/leads/{scene.lead.pk}/").content.decode()

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_lead_page_shows_the_sla_countdown(world, scene, view_clock):
    view_clock(MONDAY_10 + timedelta(hours=3, minutes=30))

    html = client_for(world, "owner").get(f"/leads/{scene.lead.pk}/").content.decode()

    assert '<span class="due due-soon">due in 30m</span>' in html
    assert "(due 2026-03-02 14:00 UTC)" in html


def test_unknown_lead_is_404(world):
    assert client_for(world, "admin").get("/leads/999999/").status_code == 404


# --- convert and close -----------------------------------------------------------------


def test_convert_form_creates_the_opportunity_with_the_exact_amount(world, scene):
    # given
    lead = scene.lead

    # when
    response = client_for(world, "owner").post(
        f"/leads/{lead.pk}/convert/",
        {"name": "Bigco rollout", "amount": "12000.50", "sales_stage": "Demo", "expected_close_on": "2026-06-30"},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert messages_of(response) == ["Opportunity created."]
    opportunity = Opportunity.objects.get(lead=lead)
    assert (opportunity.name, opportunity.amount, opportunity.sales_stage.name) == (
        "Bigco rollout",
        Decimal("12000.50"),
        "Demo",
    )
    assert (opportunity.expected_close_on, opportunity.owner, opportunity.status) == (
        date(2026, 6, 30),
        world.rep,
        "open",
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL
    assert list(lead.events.filter(kind="stage").values_list("from_stage", "to_stage"))[-2:] == [
        ("mql", "sal"),
        ("sal", "sql"),
    ]
    assert SlaClock.objects.get(lead=lead).outcome == "converted"
    assert '<td class="num">12000.50</td>' in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "amount: Ensure this value is greater than or equal to 0."),
        ("12.345", "amount: Ensure that there are no more than 2 decimal places."),
        ("", "amount: This field is required."),
        ("lots", "amount: Enter a number."),
    ],
)
def test_convert_form_rejects_a_bad_amount_and_changes_nothing(world, scene, amount, message):
    before = snapshot(scene)

    response = client_for(world, "owner").post(f"/leads/{scene.lead.pk}/convert/", {"amount": amount}, follow=True)

    assert response.redirect_chain == [(f"/leads/{scene.lead.pk}/", 302)]
    assert messages_of(response) == [message]
    assert snapshot(scene) == before


def test_close_won_makes_the_lead_a_customer(world, scene):
    response = client_for(world, "owner").post(
        f"/opportunities/{scene.opportunity.pk}/close/", {"won": "true", "reason": "", "note": "Signed"}, follow=True
    )

    assert response.redirect_chain == [(f"/leads/{scene.deal_lead.pk}/", 302)]
    assert messages_of(response) == ["Opportunity closed."]
    opportunity = Opportunity.objects.get(pk=scene.opportunity.pk)
    assert (opportunity.status, opportunity.lost_reason, opportunity.close_note) == ("won", "", "Signed")
    assert opportunity.closed_at is not None
    assert Lead.objects.get(pk=scene.deal_lead.pk).stage == Stage.CUSTOMER


def test_close_lost_needs_a_reason_and_changes_nothing_without_one(world, scene):
    before = snapshot(scene)

    response = client_for(world, "owner").post(
        f"/opportunities/{scene.opportunity.pk}/close/", {"won": "false", "reason": "", "note": ""}, follow=True
    )

    assert response.redirect_chain == [(f"/leads/{scene.deal_lead.pk}/", 302)]
    assert messages_of(response) == ["reason: A reason code is required."]
    assert snapshot(scene) == before


def test_close_lost_with_a_reason_recycles_the_lead(world, scene):
    response = client_for(world, "owner").post(
        f"/opportunities/{scene.opportunity.pk}/close/", {"won": "false", "reason": "no_budget", "note": "Cut"}
    )

    assert (response.status_code, response["Location"]) == (302, f"/leads/{scene.deal_lead.pk}/")
    opportunity = Opportunity.objects.get(pk=scene.opportunity.pk)
    assert (opportunity.status, opportunity.lost_reason, opportunity.close_note) == ("lost", "no_budget", "Cut")
    deal = Lead.objects.get(pk=scene.deal_lead.pk)
    assert (deal.stage, deal.owner) == (Stage.RECYCLED, None)


def test_close_without_an_outcome_is_a_form_error(world, scene):
    before = snapshot(scene)

    response = client_for(world, "owner").post(f"/opportunities/{scene.opportunity.pk}/close/", {}, follow=True)

    assert messages_of(response) == ["won: This field is required."]
    assert snapshot(scene) == before


def test_activity_form_logs_the_call_and_stops_the_clock(world, scene):
    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/activity/", {"type": "meeting", "note": "Demo held"}, follow=True
    )

    assert messages_of(response) == ["Activity logged."]
    touchpoint = scene.lead.touchpoints.get(type="meeting")
    assert (touchpoint.actor, touchpoint.note, touchpoint.channel) == (world.rep, "Demo held", "sales")
    assert SlaClock.objects.get(lead=scene.lead).outcome == "activity"


def test_touchpoint_form_records_and_rescores(world, accounts):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer)

    response = client_for(world, "marketing").post(
        f"/leads/{lead.pk}/touchpoint/",
        {"type": "content_download", "channel": "", "campaign": "webinar-1"},
        follow=True,
    )

    assert messages_of(response) == ["Touchpoint recorded and lead rescored."]
    lead.refresh_from_db()
    # 30 fit + 20 for a download just now = 50: qualified and routed to the account owner
    assert (lead.stage, lead.score_total, lead.owner) == (Stage.MQL, 50, world.rep)
    touchpoint = lead.touchpoints.get()
    assert (touchpoint.campaign, touchpoint.channel) == (world.campaign, "webinar")


def test_a_second_accept_reports_the_error_on_the_lead_page(world, scene):
    client = client_for(world, "owner")
    client.post(f"/leads/{scene.lead.pk}/accept/", follow=True)  # reads its "Lead accepted." message

    response = client.post(f"/leads/{scene.lead.pk}/accept/", follow=True)

    assert response.redirect_chain == [(f"/leads/{scene.lead.pk}/", 302)]
    assert messages_of(response) == ["Only a marketing qualified lead can be accepted; this one is 'sal'."]
