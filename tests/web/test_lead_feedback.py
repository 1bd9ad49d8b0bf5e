"""Sales' rating of a lead on its page, and while rejecting it from the inbox or the lead
page: the rating is written before the rejection (which takes the lead from its rep) and
in the same transaction, so a refused rejection keeps no rating and a refused rating
rejects nothing. The scene is tests/web/conftest.py's: `lead` is an MQL owned by `rep`."""

import re

import pytest

from accord.crm.feedback import lead_feedback_give
from accord.crm.models import Lead, LeadFeedback, Stage
from tests.web.conftest import client_for, login_url, messages_of, snapshot

HTMX = {"HX-Request": "true"}
RATING = {"rating": "2", "problems": ["no_budget", "not_ready"], "note": "Wants it next year"}
REJECT = {"reason": "no_budget", "note": "", "action": "recycle"}


def feedback_rows():
    return list(LeadFeedback.objects.values_list("lead_id", "user__email", "rating", "problems", "note"))


# --- the lead page ----------------------------------------------------------------------


def test_the_owner_sees_the_rating_form(world, scene):
    html = client_for(world, "owner").get(f"/leads/{scene.lead.pk}/").content.decode()

    form = re.search(r'<form [^>]*aria-label="Rate this lead".*?</form>', html, flags=re.DOTALL).group(0)
    assert f'action="/leads/{scene.lead.pk}/feedback/"' in form
    assert "<legend>Rate this lead, from 1 (useless) to 5 (just right)" in form
    assert re.findall(r'type="radio" name="rating" value="(\d)"', form) == ["1", "2", "3", "4", "5"]
    assert "<legend>Problems</legend>" in form
    assert re.findall(r'type="checkbox" name="problems" value="(\w+)"', form)[:3] == [
        "not_ready",
        "no_budget",
        "no_authority",
    ]
    assert "No one has rated this lead yet." in html


@pytest.mark.parametrize(("persona", "shown"), [("teammate", False), ("marketing", False), ("manager", True)])
def test_who_sees_the_rating_form(world, scene, persona, shown):
    html = client_for(world, persona).get(f"/leads/{scene.lead.pk}/").content.decode()

    assert ('aria-label="Rate this lead"' in html) is shown


def test_rating_a_lead_shows_it_on_the_page(world, scene):
    client = client_for(world, "owner")

    response = client.post(f"/leads/{scene.lead.pk}/feedback/", RATING, follow=True)

    assert response.redirect_chain == [(f"/leads/{scene.lead.pk}/", 302)]
    assert messages_of(response) == ["Thank you: your rating of this lead is saved."]
    assert feedback_rows() == [(scene.lead.pk, "rep@accord.test", 2, ["no_budget", "not_ready"], "Wants it next year")]
    html = response.content.decode()
    assert "<strong>2/5</strong> by rep@accord.test" in html
    assert ": No budget, Not ready<p>Wants it next year</p>" in html
    # the form holds what was said, to change it
    assert 'value="2" id="id_feedback_rating_1" required checked' in html
    assert ">Update my rating</button>" in html


def test_others_see_the_feedback_without_the_form(world, scene):
    lead_feedback_give(lead_id=scene.lead.pk, acting_user=world.rep, rating=4, problems=["not_ready"])

    html = client_for(world, "executive").get(f"/leads/{scene.lead.pk}/").content.decode()

    assert "<strong>4/5</strong> by rep@accord.test" in html
    assert 'aria-label="Rate this lead"' not in html


def test_a_rating_without_a_number_is_refused(world, scene):
    response = client_for(world, "owner").post(f"/leads/{scene.lead.pk}/feedback/", {"problems": ["no_budget"]})

    assert response.status_code == 302
    assert feedback_rows() == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("other_team_rep", 404),  # cannot see the lead
        ("teammate", 403),
        ("marketing", 403),
        ("marketing_lead", 403),
        ("executive", 403),
    ],
)
def test_who_may_not_rate_and_nothing_is_written(world, scene, persona, status):
    url = f"/leads/{scene.lead.pk}/feedback/"
    before = snapshot(scene)

    response = client_for(world, persona).post(url, RATING)

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == login_url(url)
    assert feedback_rows() == []
    assert snapshot(scene) == before


@pytest.mark.parametrize(("persona", "email"), [("owner", "rep@accord.test"), ("manager", "manager@accord.test"),
                                                ("other_manager", "am-manager@accord.test"),
                                                ("admin", "admin@accord.test")])  # fmt: skip
def test_who_may_rate(world, scene, persona, email):
    response = client_for(world, persona).post(f"/leads/{scene.lead.pk}/feedback/", RATING)

    assert (response.status_code, response["Location"]) == (302, f"/leads/{scene.lead.pk}/")
    assert [row[1:3] for row in feedback_rows()] == [(email, 2)]


def test_get_on_the_rating_form_is_405(world, scene):
    assert client_for(world, "owner").get(f"/leads/{scene.lead.pk}/feedback/").status_code == 405


# --- rating while rejecting ---------------------------------------------------------------


def test_the_inbox_reject_form_offers_a_rating_and_problems(world, scene):
    html = client_for(world, "owner").get("/inbox/").content.decode()

    row = re.search(rf'<tr id="lead-{scene.lead.pk}".*?</tr>', html, flags=re.DOTALL).group(0)
    assert "<legend>Rate the lead (optional)</legend>" in row
    assert re.findall(r'type="radio" name="rating" value="(\d)"', row) == ["1", "2", "3", "4", "5"]
    assert "<legend>Problems (optional)</legend>" in row
    assert '<input type="checkbox" name="problems" value="no_budget"> No budget' in row


def test_rejecting_from_the_inbox_with_a_rating(world, scene):
    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {**REJECT, "rating": "1", "problems": ["no_budget"]}, headers=HTMX
    )

    assert response.status_code == 200
    assert '<p class="done" role="status">Recycled to nurture</p>' in response.content.decode()
    assert feedback_rows() == [(scene.lead.pk, "rep@accord.test", 1, ["no_budget"], "")]
    lead = Lead.objects.get(pk=scene.lead.pk)
    assert (lead.stage, lead.owner) == (Stage.RECYCLED, None)


def test_rejecting_from_the_lead_page_with_a_rating(world, scene):
    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {**REJECT, "action": "disqualify", "rating": "3"}
    )

    assert response.status_code == 302
    assert feedback_rows() == [(scene.lead.pk, "rep@accord.test", 3, [], "")]
    assert Lead.objects.get(pk=scene.lead.pk).stage == Stage.DISQUALIFIED


def test_rejecting_without_a_rating_writes_no_feedback(world, scene):
    client_for(world, "owner").post(f"/leads/{scene.lead.pk}/reject/", REJECT, headers=HTMX)

    assert feedback_rows() == []
    assert Lead.objects.get(pk=scene.lead.pk).stage == Stage.RECYCLED


def test_problems_without_a_rating_reject_nothing(world, scene):
    before = snapshot(scene)

    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {**REJECT, "problems": ["no_budget"]}, headers=HTMX
    )

    assert '<p class="error" role="alert" id="rating-' in response.content.decode()
    assert "Give a rating with the problems." in response.content.decode()
    assert feedback_rows() == []
    assert snapshot(scene) == before


def test_a_refused_rejection_keeps_no_rating(world, scene):
    # The rating is valid and written first; "other" without a note then refuses the
    # rejection, and the transaction takes the rating back with it.
    before = snapshot(scene)

    response = client_for(world, "owner").post(
        f"/leads/{scene.lead.pk}/reject/", {**REJECT, "reason": "other", "rating": "2"}, headers=HTMX
    )

    assert "Reason &#x27;other&#x27; needs a note." in response.content.decode()
    assert feedback_rows() == []
    assert snapshot(scene) == before


def test_an_invalid_rating_rejects_nothing(world, scene):
    before = snapshot(scene)

    response = client_for(world, "owner").post(f"/leads/{scene.lead.pk}/reject/", {**REJECT, "rating": "9"})

    assert response.status_code == 302
    assert feedback_rows() == []
    assert snapshot(scene) == before


def test_a_teammate_may_neither_rate_nor_reject(world, scene):
    before = snapshot(scene)

    response = client_for(world, "teammate").post(f"/leads/{scene.lead.pk}/reject/", {**REJECT, "rating": "2"})

    assert response.status_code == 403
    assert feedback_rows() == []
    assert snapshot(scene) == before
