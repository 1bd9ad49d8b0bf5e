"""The new-lead form: creates, updates the lead with the same email, and shows field errors
without writing anything."""

import re

import pytest

from accord.crm import services
from accord.crm.models import Lead, LeadEvent, Stage
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for, messages_of

NEW_LEAD = {
    "email": "  Nia.Lee@Newco.Example ",
    "first_name": "Nia",
    "last_name": "Lee",
    "company": "Newco",
    "title": "Head of Ops",
    "country": "GB",
    "company_size": "80",
    "source": "webinar",
    "campaign": "webinar-1",
    "need": "One funnel",
    "consent_email": "on",
}


def test_form_page_lists_the_fields(world):
    html = client_for(world, "marketing").get("/leads/new/").content.decode()

    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="(\w+)"', html)
    assert [n for n in names if n != "csrfmiddlewaretoken"] == [
        "email",
        "first_name",
        "last_name",
        "title",
        "phone",
        "consent_email",
        "company",
        "country",
        "region",
        "industry",
        "company_size",
        "source",
        "campaign",
        "need",
        "authority",
        "budget",
        "timeline",
    ]
    assert '<option value="webinar-1">Webinar 1</option>' in html


def test_new_lead_form_creates_the_lead(world):
    # when
    response = client_for(world, "marketing").post("/leads/new/", NEW_LEAD, follow=True)

    # then
    lead = Lead.objects.get()
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert messages_of(response) == ["Lead created."]
    assert (lead.email, lead.full_name, lead.company, lead.title) == (
        "nia.lee@newco.example",
        "Nia Lee",
        "Newco",
        "Head of Ops",
    )
    assert (lead.country.code, lead.company_size, lead.source, lead.campaign) == ("GB", 80, "webinar", world.campaign)
    assert (lead.need, lead.consent_email, lead.stage) == ("One funnel", True, Stage.LEAD)
    # fit: 80 employees ≥ 50 → 20; "Head of Ops" is no VP; no engagement yet
    assert (lead.score_fit, lead.score_total) == (20, 20)
    assert list(lead.events.values_list("kind", flat=True)) == ["created"]
    assert lead.events.get().actor == world.marketer


def test_the_same_email_updates_the_existing_lead(world):
    # given
    existing, _ = services.lead_capture(
        data={"email": "nia.lee@newco.example", "first_name": "Nia", "company": "Newco", "company_size": 80},
        acting_user=world.marketer,
        at=MONDAY_10,
    )

    # when
    response = client_for(world, "marketing_lead").post(
        "/leads/new/", {"email": "NIA.LEE@newco.example", "title": "VP Operations", "first_name": ""}, follow=True
    )

    # then
    assert response.redirect_chain == [(f"/leads/{existing.pk}/", 302)]
    assert messages_of(response) == ["A lead with this email existed: updated it."]
    lead = Lead.objects.get()
    assert (lead.pk, lead.first_name, lead.title) == (existing.pk, "Nia", "VP Operations")
    assert lead.score_fit == 30  # 20 for size + 10 for VP
    assert list(lead.events.values_list("kind", flat=True)) == ["created", "updated"]
    assert lead.events.last().data == {"fields": ["title"]}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("country", "XX", "Select a valid choice. XX is not one of the available choices."),
        ("company_size", "-1", "Ensure this value is greater than or equal to 0."),
        ("company_size", "many", "Enter a whole number."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "", "This field is required."),
        ("campaign", "nope", "Select a valid choice. nope is not one of the available choices."),
        ("title", "x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_bad_input_shows_the_field_error_and_writes_nothing(world, field, value, error):
    # when
    response = client_for(world, "marketing").post("/leads/new/", {**NEW_LEAD, field: value})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<p class="error" role="alert" id="([\w-]+)">([^<]+)</p>', html) == [
        (f"id_{field}_error", error.replace("'", "&#x27;"))
    ]
    assert re.search(rf'<div class="field invalid">\s*<label for="id_{field}">', html)
    # The invalid input points screen readers at its error.
    assert re.search(rf'<(input|select)[^>]*aria-describedby="id_{field}_error"[^>]*id="id_{field}"', html)
    assert (Lead.objects.count(), LeadEvent.objects.count()) == (0, 0)


def test_a_rejected_form_keeps_what_was_typed(world):
    response = client_for(world, "marketing").post("/leads/new/", {**NEW_LEAD, "company_size": "-1"})

    html = response.content.decode()
    assert 'name="email" value="  Nia.Lee@Newco.Example "' in html
    assert 'value="Newco"' in html
    assert '<option value="GB" selected>' in html


def test_a_company_size_too_big_to_store_is_a_field_error(world):
    """Neither database can store 10^20 employees: the form must say so, not fail with a 500."""
    response = client_for(world, "marketing").post("/leads/new/", {**NEW_LEAD, "company_size": "1" + "0" * 20})

    assert response.status_code == 200
    assert re.findall(r'<p class="error" role="alert" id="([\w-]+)">', response.content.decode()) == [
        "id_company_size_error"
    ]
    assert (Lead.objects.count(), LeadEvent.objects.count()) == (0, 0)
