"""The rejections page and the suggested changes page, over the hand-built histories of
tests/reports/test_rejections.py and tests/reports/test_suggestions.py (whose numbers are
worked out there); only for the people who negotiate the definition."""

import csv
import io

import pytest

from accord.crm.models import LeadFeedback
from accord.definitions.models import DefinitionEvent, LeadDefinition, Signatory
from tests.reports.test_rejections import history  # noqa: F401 — the hand-built history
from tests.reports.test_suggestions import scene  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for, login_url, messages_of

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
REJECTIONS = "/reports/rejections/"
SUGGESTIONS = "/definitions/suggestions/"
APPLY = "/definitions/suggestions/apply/"
APPLY_ADS = {**MARCH, "key": "source:ads", "min_leads": "3", "factor": "1.5"}


def _state() -> tuple[int, int, int]:
    return LeadFeedback.objects.count(), LeadDefinition.objects.count(), DefinitionEvent.objects.count()


# --- rejections -------------------------------------------------------------------------


def test_rejections_by_source_with_the_trend_and_the_requalified(world, history):  # noqa: F811
    response = client_for(world, "marketing_lead").get(REJECTIONS, {**MARCH, "by": "source"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">Source</th>' in html
    # ads: H1 H2 H3 H5 H6 H7, three rejected; recycled H1 H5, disqualified H3; won H2
    assert (
        '<th scope="row">ads</th><td class="num">6</td><td class="num">3</td><td class="num">50.0%</td>'
        '<td class="num">2</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>'
        '<td class="num">16.7%</td>'
    ) in html
    # every rating was given on ads leads: 2, 1, 5, 1 → 2.25
    assert "<td>No budget (1), No need (1), Wrong contact (1)</td><td>4 · 2.25</td>" in html
    assert "<td>No budget (2), Bad data (1), No need (1)</td>" in html
    assert '<tr class="total"><th scope="row">All</th><td class="num">8</td><td class="num">4</td>' in html
    assert "Hand-offs and rejections per month — 2026-03: Handed over 8, Rejected 4</title>" in html
    # recycled in March: L5 L1 L6 L4 L8; again: L6 L5 L4; accepted L5 L4; a deal and a win: L4
    assert '<th scope="row">Recycled in the period</th><td class="num">5</td><td class="num"></td>' in html
    assert '<th scope="row">Qualified again later</th><td class="num">3</td><td class="num">60.0%</td>' in html
    assert '<th scope="row">… won</th><td class="num">1</td><td class="num">33.3%</td>' in html
    assert 'href="?date_from=2026-03-01&amp;date_to=2026-03-31&amp;by=source&amp;format=csv"' in html


def test_the_trend_has_a_bar_pair_per_month(world, history):  # noqa: F811
    html = client_for(world, "manager").get(REJECTIONS, {"date_from": "2026-02-01", "date_to": "2026-03-31"})

    text = html.content.decode()
    assert "2026-02: Handed over 1, Rejected 1; 2026-03: Handed over 8, Rejected 4</title>" in text
    assert text.count('class="bar bar-1"') == 2
    assert text.count('class="bar bar-2"') == 2


def test_rejections_csv(world, history):  # noqa: F811
    response = client_for(world, "admin").get(REJECTIONS, {**MARCH, "by": "source", "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="rejections.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["group", "handed_over", "rejected", "rejection_rate"]
    assert rows[2] == ["webinar", "2", "1", "0.5", "0", "0", "1", "0", "0.0", "competitor (1)", "0", "", ""]
    assert [row[0] for row in rows[1:]] == ["ads", "webinar", "All"]


def test_a_period_backwards_is_a_field_error(world, db):
    response = client_for(world, "admin").get(REJECTIONS, {"date_from": "2026-03-31", "date_to": "2026-03-01"})

    html = response.content.decode()
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html
    assert 'id="rejections-table"' not in html


def test_without_a_period_the_last_months(world, db):
    response = client_for(world, "marketing").get(REJECTIONS)

    assert response.status_code == 200
    assert 'id="rejections-table"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("owner", 403),
        ("other_team_rep", 403),
        ("executive", 403),
        ("marketing", 200),
        ("marketing_lead", 200),
        ("manager", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("path", [REJECTIONS, SUGGESTIONS])
def test_who_may_read_the_pages(world, path, persona, status):
    before = _state()

    response = client_for(world, persona).get(path, MARCH)

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == login_url(path + "?date_from=2026-03-01&date_to=2026-03-31")
    assert _state() == before


def test_links_to_the_pages_for_those_who_may_read_them(world, db):
    analyst, rep = client_for(world, "manager"), client_for(world, "owner")

    assert 'href="/reports/rejections/"' in analyst.get("/reports/funnel/").content.decode()
    assert 'href="/definitions/suggestions/"' in analyst.get("/definitions/").content.decode()
    assert 'href="/reports/rejections/"' not in rep.get("/reports/funnel/").content.decode()
    assert 'href="/definitions/suggestions/"' not in rep.get("/definitions/").content.decode()


# --- suggestions --------------------------------------------------------------------------


def test_a_suggestion_in_words_with_its_backtest(world, scene, definition):  # noqa: F811
    response = client_for(world, "marketing_lead").get(SUGGESTIONS, {**MARCH, "min_leads": 3, "factor": 1.5})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<section class="card suggestion"') == 1
    assert (
        "Sales rejected 2 of the 3 leads handed over with source “ads” (66.7%, against 33.3% overall) "
        "and won none of them (0.0%, against 16.7% overall)."
    ) in html
    assert "Add the negative rule “Suggested: exclude source ads”: source = ads, -50 points." in html
    assert '<th scope="row">MQLs</th><td class="num">6</td><td class="num">4</td>' in html
    assert '<th scope="row">Accepted by sales</th><td class="num">33.3%</td><td class="num">50.0%</td>' in html
    assert '<th scope="row">Won revenue</th><td class="num">1,000.00</td><td class="num">1,000.00</td>' in html
    assert "It would gain 0 leads (0 won), lose 2 (0 won) and keep 4." in html
    assert '<input type="hidden" name="key" value="source:ads">' in html
    assert ">Make a draft</button>" in html


def test_nothing_to_suggest_by_default(world, scene, definition):  # noqa: F811
    html = client_for(world, "manager").get(SUGGESTIONS, MARCH).content.decode()  # 20 hand-offs by default

    assert "Nothing to suggest for this period." in html


def test_a_signatory_who_does_not_draft_sees_no_button(world, scene, definition):  # noqa: F811
    Signatory.objects.create(user=world.rep, side="sales")

    html = client_for(world, "owner").get(SUGGESTIONS, {**MARCH, "min_leads": 3}).content.decode()

    assert "Suggested: exclude source ads" in html
    assert "Make a draft" not in html


def test_make_a_draft_goes_to_the_new_draft(world, scene, definition):  # noqa: F811
    response = client_for(world, "marketing").post(APPLY, APPLY_ADS)

    draft = LeadDefinition.objects.get(status="draft", based_on=definition)
    assert (response.status_code, response["Location"]) == (302, f"/definitions/{draft.pk}/")
    assert (draft.version, draft.name, draft.created_by) == (3, "Suggested: exclude source ads", world.marketer)
    assert draft.document["negative_rules"][-1]["when"] == {"field": "source", "op": "eq", "value": "ads"}


def test_a_key_the_period_does_not_suggest_writes_nothing(world, scene, definition):  # noqa: F811
    before = _state()

    response = client_for(world, "marketing").post(APPLY, {**APPLY_ADS, "key": "source:web"}, follow=True)

    assert response.redirect_chain == [
        ("/definitions/suggestions/?date_from=2026-03-01&date_to=2026-03-31&min_leads=3&factor=1.5", 302)
    ]
    assert messages_of(response) == ["The period suggests no change 'source:web' (suggested: source:ads)."]
    assert _state() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("owner", 403), ("other_team_rep", 403), ("executive", 403)],
)
def test_who_may_not_make_a_draft(world, scene, definition, persona, status):  # noqa: F811
    before = _state()

    response = client_for(world, persona).post(APPLY, APPLY_ADS)

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == login_url(APPLY)
    assert _state() == before


@pytest.mark.parametrize("persona", ["marketing", "marketing_lead", "manager", "admin"])
def test_who_may_make_a_draft(world, scene, definition, persona):  # noqa: F811
    response = client_for(world, persona).post(APPLY, APPLY_ADS)

    assert response.status_code == 302
    assert LeadDefinition.objects.filter(status="draft", name="Suggested: exclude source ads").count() == 1


def test_get_on_make_a_draft_is_405(world, db):
    response = client_for(world, "admin").get(APPLY)

    assert (response.status_code, response["Allow"]) == (405, "POST")
