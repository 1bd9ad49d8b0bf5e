"""POST /api/v1/leads/{id}/feedback: sales rates a handed-over lead and names its problems.

The scene is tests/api/conftest.py's: `lead` is an MQL of EMEA owned by `rep`."""

import pytest

from accord.crm.models import LeadFeedback
from tests.api.conftest import ACTORS, UNAUTHORIZED, assert_nothing_changed, db_state


def path(scene) -> str:
    return f"/leads/{scene.lead.pk}/feedback"


RATING = {"rating": 2, "problems": ["no_budget", "not_ready"], "note": "Wants it next year"}


def test_the_owner_rates_the_lead_with_201(world, scene, api):
    response = api(world.rep).post(path(scene), RATING)

    assert response.status_code == 201
    body = response.json()
    stored = LeadFeedback.objects.get()
    assert body == {
        "id": stored.pk,
        "lead_id": scene.lead.pk,
        "user": "rep@accord.test",
        "rating": 2,
        "problems": ["no_budget", "not_ready"],
        "note": "Wants it next year",
        "created_at": body["created_at"],
    }
    assert (stored.lead_id, stored.user, stored.rating, stored.problems) == (
        scene.lead.pk,
        world.rep,
        2,
        ["no_budget", "not_ready"],
    )


def test_rating_again_replaces_the_first(world, scene, api):
    client = api(world.rep)
    client.post(path(scene), RATING)

    response = client.post(path(scene), {"rating": 4})

    assert response.status_code == 201
    assert (response.json()["rating"], response.json()["problems"], response.json()["note"]) == (4, [], "")
    assert list(LeadFeedback.objects.values_list("rating", "problems")) == [(4, [])]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "3"}, "rating"),
        ({"rating": True}, "rating"),
        ({}, "rating"),
        ({"rating": 3, "problems": ["weather"]}, "problems"),
        ({"rating": 3, "problems": "no_budget"}, "problems"),
        ({"rating": 3, "note": "x" * 5001}, "note"),
        ({"rating": 3, "mood": "bad"}, "mood"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(world, scene, api, body, field):
    before = db_state(scene)

    response = api(world.rep).post(path(scene), body)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert LeadFeedback.objects.count() == 0
    assert_nothing_changed(before, scene)


# Who may rate `lead` (EMEA, owned by rep): whoever works it, and sales managers and admins
# who see it; a rep of another team does not see it (404); the rest see it but may not.
EXPECTED = {
    "anonymous": 401,
    "malformed": 401,
    "revoked": 401,
    "inactive": 401,
    "owner": 201,
    "teammate": 403,
    "manager": 201,
    "other_manager": 201,
    "other_rep": 404,
    "marketer": 403,
    "marketing_lead": 403,
    "executive": 403,
    "admin": 201,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_rate_a_lead(scene, client_as, actor):
    client = client_as(actor)
    before = db_state(scene)

    response = client.post(path(scene), RATING)

    assert response.status_code == EXPECTED[actor], response.content
    if EXPECTED[actor] == 201:
        assert LeadFeedback.objects.get().rating == 2
        return
    assert LeadFeedback.objects.count() == 0
    assert_nothing_changed(before, scene)
    if EXPECTED[actor] == 401:
        assert response.json() == UNAUTHORIZED


def test_an_unknown_lead_is_404(world, scene, api):
    response = api(world.admin).post("/leads/999999/feedback", RATING)

    assert response.status_code == 404
    assert LeadFeedback.objects.count() == 0
