"""Content-Security-Policy on every page, and CSRF on every form."""

import re

import pytest
from django.test import Client

from accord.crm.models import Lead, LeadEvent, Stage
from accord.routing.models import SlaClock
from tests.web.conftest import client_for, post_forms, snapshot


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


PAGES = [
    ("anonymous", "/login/"),
    ("owner", "/inbox/"),
    ("owner", "/leads/"),
    ("owner", "/leads/{lead}/"),
    ("owner", "/opportunities/"),
    ("marketing", "/leads/new/"),
    ("executive", "/reports/funnel/?date_from=2026-03-01&date_to=2026-03-31"),
    ("owner", "/notifications/"),
    ("owner", "/leads/999999/"),  # the 404 page
    ("executive", "/inbox/"),  # the 403 page
]


@pytest.mark.parametrize(("persona", "path"), PAGES)
def test_pages_carry_a_csp_without_inline_scripts(world, scene, persona, path):
    response = client_for(world, persona).get(path.format(lead=scene.lead.pk))

    policy = _policy(response)
    scripts = policy.get("script-src", policy["default-src"])
    assert "'self'" in scripts
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert "'unsafe-inline'" not in policy["default-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html)), "inline <script> would be blocked"
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers would be blocked"


PAGES_WITH_FORMS = [
    ("anonymous", "/login/", 1),
    ("owner", "/inbox/", 2),  # sign out + one reject form per row
    ("owner", "/leads/{lead}/", 6),  # sign out, accept, reject, activity, convert, rate
    ("manager", "/leads/{lead}/", 7),  # … and assign
    ("owner", "/leads/{deal}/", 5),  # sign out, activity, the opportunity's stage and close, rate
    ("marketing", "/leads/new/", 2),  # sign out + the lead
    ("owner", "/notifications/", 2),  # sign out + mark all read
    ("owner", "/opportunities/", 1),  # sign out; the filters are a GET form
]


@pytest.mark.parametrize(("persona", "path", "count"), PAGES_WITH_FORMS)
def test_every_post_form_carries_a_csrf_token(world, scene, persona, path, count):
    html = client_for(world, persona).get(path.format(lead=scene.lead.pk, deal=scene.deal_lead.pk)).content.decode()

    forms = post_forms(html)
    assert len(forms) == count
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)


def test_htmx_requests_send_the_token_in_a_header(world, scene):
    html = client_for(world, "owner").get("/inbox/").content.decode()

    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'>", html)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/leads/{lead}/accept/", {}),
        ("/leads/{lead}/reject/", {"reason": "not_ready", "action": "recycle"}),
        ("/leads/{lead}/activity/", {"type": "call"}),
        ("/leads/{lead}/convert/", {"amount": "100"}),
        ("/opportunities/{opportunity}/stage/", {"sales_stage": "Demo"}),
        ("/opportunities/{opportunity}/close/", {"won": "true"}),
        ("/notifications/", {}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(world, scene, path, data):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    before = snapshot(scene)

    # when
    response = client.post(path.format(lead=scene.lead.pk, opportunity=scene.opportunity.pk), data)

    # then
    assert response.status_code == 403
    assert snapshot(scene) == before


def test_new_lead_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.marketer)

    response = client.post("/leads/new/", {"email": "x@newco.example", "first_name": "X"})

    assert response.status_code == 403
    assert (Lead.objects.count(), LeadEvent.objects.count()) == (0, 0)


def test_the_token_from_the_page_is_accepted(world, scene):
    # given: the page as the browser gets it
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.rep)
    html = client.get(f"/leads/{scene.lead.pk}/").content.decode()
    token = re.search(
        rf'action="/leads/{scene.lead.pk}/accept/">\s*<input type="hidden" name="csrfmiddlewaretoken" value="(\w+)"',
        html,
    ).group(1)

    # when
    response = client.post(f"/leads/{scene.lead.pk}/accept/", {"csrfmiddlewaretoken": token})

    # then
    assert response.status_code == 302
    assert SlaClock.objects.get(lead=scene.lead).outcome == "accepted"


def test_the_htmx_header_token_is_accepted(world, scene):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.rep)
    html = client.get("/inbox/").content.decode()
    token = re.search(r'"X-CSRFToken": "(\w+)"', html).group(1)

    response = client.post(f"/leads/{scene.lead.pk}/accept/", headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 200
    scene.lead.refresh_from_db()
    assert scene.lead.stage == Stage.SAL
