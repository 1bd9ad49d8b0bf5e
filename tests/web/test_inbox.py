"""The rep's inbox: what is listed, in which order, with which countdown, the HTMX
accept and reject that replace one row, and the CSV of the same rows."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accord.crm import services
from accord.crm.models import Account, Lead, LeadEvent, Stage
from accord.exports.rows import LEAD_COLUMNS
from accord.people.models import User
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for, qualified_lead, snapshot

HTMX = {"HX-Request": "true"}
FRIDAY_10 = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)
NOW = MONDAY_10 + timedelta(minutes=1)  # what the inbox view reads as now


@pytest.fixture
def inbox_leads(world, accounts):
    """Deadlines (rep in London, 09-17 Mon-Fri, 4 business hours):
    late   Fri 10:00 → due Fri 14:00      overdue at Mon 10:01 by 2 days 20h 1m = 68h 01m
    soon   Fri 15:00 → 2h Fri + 2h Mon → due Mon 11:00   due in 59m
    early  Mon 09:00 → due Mon 13:00      due in 2h 59m
    vp     Mon 10:00 → due Mon 14:00      due in 3h 59m
    mate   Mon 10:30 → due Mon 14:30      due in 4h 29m (teammate's)
    """
    leads = {
        "vp": qualified_lead(world, "vp@bigco.example", at=MONDAY_10),
        "late": qualified_lead(world, "late@bigco.example", at=FRIDAY_10),
        "early": qualified_lead(world, "early@bigco.example", at=MONDAY_10 - timedelta(hours=1)),
        "soon": qualified_lead(world, "soon@bigco.example", at=FRIDAY_10 + timedelta(hours=5)),
        "accepted": qualified_lead(world, "done@bigco.example", at=MONDAY_10),
        "mate": qualified_lead(world, "mate@teamco.example", at=MONDAY_10 + timedelta(minutes=30)),
        "americas": qualified_lead(world, "ann@usco.example", at=MONDAY_10, country="US", company="Usco"),
    }
    services.lead_accept(lead_id=leads["accepted"].pk, acting_user=world.rep, at=MONDAY_10)
    assert leads["mate"].owner == world.other_rep
    assert leads["americas"].owner == world.americas_rep
    return leads


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(email, due state, due text) per inbox row, in page order."""
    return re.findall(
        r'data-lead="([^"]+)">.*?<span class="due due-(\w+)">([^<]+)</span>',
        html,
        flags=re.DOTALL,
    )


def _errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert"[^>]*>([^<]+)</p>', html)


def test_inbox_lists_the_reps_own_mqls_soonest_deadline_first(world, inbox_leads, view_clock):
    # given
    view_clock(NOW)

    # when
    response = client_for(world, "owner").get("/inbox/")

    # then
    assert response.status_code == 200
    assert _rows(response.content.decode()) == [
        ("late@bigco.example", "overdue", "overdue by 68h 01m"),
        ("soon@bigco.example", "soon", "due in 59m"),
        ("early@bigco.example", "ok", "due in 2h 59m"),
        ("vp@bigco.example", "ok", "due in 3h 59m"),
    ]


def test_manager_inbox_lists_the_whole_team_and_names_the_owner(world, inbox_leads, view_clock):
    view_clock(NOW)

    response = client_for(world, "manager").get("/inbox/")

    html = response.content.decode()
    assert _rows(html) == [
        ("late@bigco.example", "overdue", "overdue by 68h 01m"),
        ("soon@bigco.example", "soon", "due in 59m"),
        ("early@bigco.example", "ok", "due in 2h 59m"),
        ("vp@bigco.example", "ok", "due in 3h 59m"),
        ("mate@teamco.example", "ok", "due in 4h 29m"),
    ]
    assert html.count("Owner: rep@accord.test") == 4
    assert html.count("Owner: other@accord.test") == 1


def test_a_lead_nobody_could_take_is_last_in_the_managers_inbox(world, inbox_leads, view_clock):
    # given: both EMEA reps away, so the next EMEA lead waits for the manager without a clock
    User.objects.filter(pk__in=[world.rep.pk, world.other_rep.pk]).update(is_out_of_office=True)
    waiting = qualified_lead(world, "wait@waitco.example", at=MONDAY_10, company="Waitco")
    assert (waiting.owner, waiting.team) == (None, world.emea)
    view_clock(NOW)

    # when
    html = client_for(world, "manager").get("/inbox/").content.decode()

    # then
    assert re.findall(r'data-lead="([^"]+)"', html)[-1] == "wait@waitco.example"
    assert '<span class="due due-none">no clock</span>' in html


def test_inbox_shows_why_each_lead_qualified(world, inbox_leads, view_clock):
    view_clock(NOW)

    html = client_for(world, "owner").get("/inbox/").content.decode()

    row = re.search(r'<tr id="lead-\d+" data-lead="vp@bigco.example">.*?</tr>', html, flags=re.DOTALL).group()
    reasons = re.findall(r"<li>([^<]+)</li>", row)
    assert reasons == ["Score 50 ≥ MQL threshold 50", "Contact known", "Need known"]
    assert '<td class="num">50.0</td>' in row


def test_empty_inbox_says_so(world, view_clock):
    view_clock(NOW)

    html = client_for(world, "owner").get("/inbox/").content.decode()

    assert "Nothing waiting." in html
    assert "<table" not in html


def _csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="inbox.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith(",".join(LEAD_COLUMNS) + "\r\n")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("persona", "emails"),
    [
        ("owner", ["late@bigco.example", "soon@bigco.example", "early@bigco.example", "vp@bigco.example"]),
        (
            "manager",
            [
                "late@bigco.example",
                "soon@bigco.example",
                "early@bigco.example",
                "vp@bigco.example",
                "mate@teamco.example",
            ],
        ),
        ("other_team_rep", ["ann@usco.example"]),
    ],
)
def test_csv_export_holds_the_inbox_rows_in_inbox_order(world, inbox_leads, persona, emails):
    rows = _csv_rows(client_for(world, persona).get("/inbox/?format=csv"))

    assert [(row["id"], row["email"], row["stage"]) for row in rows] == [
        (str(Lead.objects.get(email=email).pk), email, "mql") for email in emails
    ]


def test_the_inbox_links_its_csv_only_when_it_lists_leads(world, inbox_leads, view_clock):
    view_clock(NOW)
    link = '<a class="button secondary" href="?format=csv">Download CSV</a>'

    assert link in client_for(world, "owner").get("/inbox/").content.decode()
    Lead.objects.filter(stage=Stage.MQL).update(stage=Stage.SAL)
    assert link not in client_for(world, "owner").get("/inbox/").content.decode()


def test_accept_via_htmx_returns_only_the_row(world, inbox_leads, view_clock):
    # given
    view_clock(NOW)
    lead = inbox_leads["vp"]

    # when
    response = client_for(world, "owner").post(f"/leads/{lead.pk}/accept/", headers=HTMX)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="lead-{lead.pk}" data-lead="vp@bigco.example">')
    assert html.strip().endswith("</tr>")
    assert '<p class="done" role="status">Accepted</p>' in html
    assert "<html" not in html
    assert "<h1>" not in html
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL
    assert SlaClock.objects.get(lead=lead).outcome == "accepted"


def test_htmx_accept_of_a_lead_already_accepted_answers_htmx_not_with_a_page_redirect(world, scene, view_clock):
    """Two tabs, or the rep and the manager at once: the second accept fails. htmx follows a
    plain redirect silently and would swap the whole lead page into the table row, so the
    answer must be the row with the error, or an explicit htmx redirect/refresh."""
    view_clock(NOW)
    services.lead_accept(lead_id=scene.lead.pk, acting_user=world.manager, at=MONDAY_10)
    before = snapshot(scene)

    response = client_for(world, "owner").post(f"/leads/{scene.lead.pk}/accept/", headers=HTMX)

    html = response.content.decode()
    htmx_navigation = {"HX-Redirect", "HX-Location", "HX-Refresh"} & set(response.headers)
    row_with_error = (
        response.status_code == 200
        and html.strip().startswith(f'<tr id="lead-{scene.lead.pk}"')
        and "Only a marketing qualified lead can be accepted" in html
    )
    assert htmx_navigation or row_with_error, (response.status_code, response.headers.get("Location"))
    assert snapshot(scene) == before


def test_reject_via_htmx_without_a_reason_shows_the_error_and_changes_nothing(world, scene, view_clock):
    # given
    view_clock(NOW)
    before = snapshot(scene)

    # when
    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {"reason": "", "note": "", "action": "recycle"}, headers=HTMX
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="lead-{scene.lead.pk}"')
    assert "<html" not in html
    assert _errors(html) == ["This field is required."]
    assert "<details open>" in html
    assert snapshot(scene) == before


def test_reject_via_htmx_with_other_and_no_note_asks_for_the_note(world, scene, view_clock):
    view_clock(NOW)
    before = snapshot(scene)

    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {"reason": "other", "note": " ", "action": "recycle"}, headers=HTMX
    )

    assert response.status_code == 200
    assert _errors(response.content.decode()) == ["Reason &#x27;other&#x27; needs a note."]
    assert snapshot(scene) == before


@pytest.mark.parametrize(
    ("action", "stage", "done", "nurture"),
    [
        ("recycle", Stage.RECYCLED, "Recycled to nurture", True),
        ("disqualify", Stage.DISQUALIFIED, "Disqualified", False),
    ],
)
def test_reject_via_htmx_with_reason_note_and_action(world, scene, view_clock, action, stage, done, nurture):
    # given
    view_clock(NOW)
    lead = scene.lead

    # when
    response = client_for(world, "owner").post(
        f"/leads/{lead.pk}/reject/",
        {"reason": "no_budget", "note": "Budget frozen until Q3", "action": action},
        headers=HTMX,
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="lead-{lead.pk}"')
    assert f'<p class="done" role="status">{done}</p>' in html
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (stage, None)
    assert (lead.nurture_since is not None) is nurture
    event = LeadEvent.objects.filter(lead=lead).last()
    assert (event.from_stage, event.to_stage, event.reason, event.note, event.actor) == (
        "mql",
        stage,
        "no_budget",
        "Budget frozen until Q3",
        world.rep,
    )
    assert event.data == {"action": action, "owner": "rep@accord.test"}
    assert SlaClock.objects.get(lead=lead).outcome == "rejected"


def test_htmx_reject_by_a_rep_without_a_team_answers_with_the_row(world, view_clock):
    """A rep outside any team gets leads through the accounts they own. Once rejected, the
    lead has neither their ownership nor their team: the answer must still be the row."""
    view_clock(NOW)
    solo = User.objects.create(email="solo@accord.test", role="sales_rep", timezone="Europe/London")
    Account.objects.create(name="Soloco", domain="soloco.example", owner=solo)
    lead = qualified_lead(world, "vp@soloco.example", company="Soloco")
    assert (lead.owner, lead.team) == (solo, None)
    client = Client()
    client.force_login(solo)

    response = client.post(f"/leads/{lead.pk}/reject/", {"reason": "no_need", "action": "recycle"}, headers=HTMX)

    assert response.status_code == 200
    assert '<p class="done" role="status">Recycled to nurture</p>' in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.RECYCLED


def test_reject_without_htmx_redirects_back_with_a_message(world, scene):
    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/",
        {"reason": "not_ready", "note": "", "action": "disqualify", "next": "/inbox/"},
        follow=True,
    )

    assert response.redirect_chain == [("/inbox/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Lead rejected: disqualified."]
    assert Lead.objects.get(pk=scene.lead.pk).stage == Stage.DISQUALIFIED


def test_htmx_reject_of_a_lead_the_user_cannot_see_is_not_found(world, scene):
    """An Americas rep cannot see an EMEA lead; an invalid reject must not reveal it or fail."""
    before = snapshot(scene)

    response = client_for(world, "other_team_rep").post(
        f"/leads/{scene.lead.pk}/reject/", {"reason": "", "action": "recycle"}, headers=HTMX
    )

    assert response.status_code == 404
    assert snapshot(scene) == before


@pytest.mark.parametrize("path", ["accept", "reject"])
def test_next_never_redirects_off_site(world, scene, path):
    data = {"reason": "not_ready", "action": "recycle", "next": "https://evil.example/phish"}

    response = client_for(world, "owner").post(f"/leads/{scene.lead.pk}/{path}/", data)

    assert (response.status_code, response["Location"]) == (302, f"/leads/{scene.lead.pk}/")
