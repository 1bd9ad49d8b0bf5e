"""The attribution page over a tiny history built with the ORM (times UTC, 2026; the period
is March; look-back 90 days). Campaigns: webinar-1 "Webinar 1" (channel webinar), ads-1
"Spring ads" (paid_search).

L1  created 2 Mar 10:00 through webinar-1 (its capture is a touch of webinar-1); an ads-1
    touch 5 Mar 10:00 (after its creation).
L2  created 3 Mar 10:00, no campaign or source (no capture touch); a webinar-1 touch
    24 Feb 10:00 (7 days before) and an ads-1 touch 3 Mar 10:00 (at its creation).
L3  created 4 Mar 10:00, never touched.
D1  L1's deal, 1,000, created 10 Mar 10:00, won 20 Mar 10:00.
D2  L3's deal, 3,000, created 12 Mar 10:00, still open.

Leads of March by campaign (3 conversions, 1 without a touch: L3):
  L1's journey: [webinar-1] (the ads touch came after it) → webinar-1 1 under every model.
  L2's journey: [webinar-1 (first), ads-1 (at the creation: the lead-creation touch)]:
    first → webinar-1; last → ads-1; linear ½ each; U-shaped 40% + 40%, scaled → ½ each;
    W-shaped and full path (no deal: no deal roles) likewise ½ each;
    time decay, half-life 7: ages 7 and 0 days → weights ½ and 1 → ⅓ and ⅔;
  Markov (order 1; no unconverted paths for leads): paths [webinar-1] and [webinar-1, ads-1];
    start → webinar-1 1; webinar-1 → conversion ½, → ads-1 ½; ads-1 → conversion 1.
    Without webinar-1 nothing converts: effect 1; without ads-1 ½ of it: effect ½;
    the 2 touched conversions shared 1 : ½ → webinar-1 4/3, ads-1 2/3.
  webinar-1  first 2, last 1, linear 1.5, U 1.5, W 1.5, full 1.5, decay 1⅓, Markov 1⅓
  ads-1      first 0, last 1, linear 0.5, U 0.5, W 0.5, full 0.5, decay ⅔, Markov ⅔
  (no touch) 1 under every model; All 3.

Pipeline of March by campaign (D1 1,000 touched; D2 3,000 untouched):
  D1's journey (L1 alone, no account): webinar-1 capture 2 Mar, ads-1 5 Mar; deal 10 Mar.
  first → webinar-1 1,000; last → ads-1 1,000; linear 500 / 500;
  U-shaped: webinar-1 is first and lead creation (0.8), ads-1 the rest (0.2): 800 / 200;
  W-shaped: webinar-1 0.3 + 0.3, ads-1 the deal's creation 0.3, "others" none: ⅔ / ⅓ =
    666.67 / 333.33; full path (no close for pipeline) 0.45 / 0.225 → the same;
  time decay with half-life 3: ages 8 and 5 days → weights 2^(−8/3) : 2^(−5/3) = 1 : 2 →
    333.33 / 666.67;
  Markov: the unconverted path is L2's [ads-1] (its touch in March; the February one is
    outside the period); D1's path [webinar-1, ads-1]. start → webinar-1 ½, → ads-1 ½;
    webinar-1 → ads-1 1; ads-1 → conversion ½, → null ½: P = ½·½ + ½·½ = ½.
    Without webinar-1: ¼, effect ½; without ads-1: 0, effect 1 → 333.33 / 666.67.

Pipeline influence, March: D1 touched by both campaigns, D2 by none: each campaign 1
opportunity, 1,000, won 1 (1,000), share of opportunities 1/2 = 50.0%, of amount
1,000 / 4,000 = 25.0%; 1 of 2 opportunities influenced (1,000.00 of 4,000.00).
"""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accord.campaigns.models import Campaign
from accord.crm.models import Lead, LeadEvent, Opportunity, OpportunityEvent, Touchpoint
from tests.web.conftest import PERSONAS, client_for, login_url

URL = "/reports/attribution/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
MODEL_COLUMNS = ["first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay", "markov"]


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def deal(name: str, lead: Lead, amount: int, events: list[tuple[str, str, datetime]]) -> Opportunity:
    opportunity = Opportunity.objects.create(name=name, lead=lead, amount=Decimal(amount), created_at=events[0][2])
    for kind, status, moment in events:
        OpportunityEvent.objects.create(
            opportunity=opportunity, kind=kind, status=status, amount=Decimal(amount), occurred_at=moment
        )
    return opportunity


@pytest.fixture
def history(world):
    """The leads, touches and deals of the module's docstring."""
    webinar = world.campaign
    ads = Campaign.objects.create(code="ads-1", name="Spring ads", channel="paid_search")
    l1 = Lead.objects.create(email="l1@one.example", campaign=webinar, created_at=utc(3, 2))
    Touchpoint.objects.create(lead=l1, type="page_view", campaign=ads, occurred_at=utc(3, 5))
    l2 = Lead.objects.create(email="l2@two.example", created_at=utc(3, 3))
    Touchpoint.objects.create(lead=l2, type="webinar", campaign=webinar, occurred_at=utc(2, 24))
    Touchpoint.objects.create(lead=l2, type="page_view", campaign=ads, occurred_at=utc(3, 3))
    l3 = Lead.objects.create(email="l3@three.example", created_at=utc(3, 4))
    deal("D1", l1, 1000, [("created", "open", utc(3, 10)), ("won", "won", utc(3, 20))])
    deal("D2", l3, 3000, [("created", "open", utc(3, 12))])


def downloaded(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def table(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells (row header first) of the table `table_id`."""
    start = html.index(f'id="{table_id}"')
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    rows = re.findall(r"<tr\b.*?</tr>", body, flags=re.DOTALL)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in rows
    ]


@pytest.mark.parametrize("persona", [name for name in PERSONAS if name != "anonymous"])
def test_everyone_signed_in_reads_the_page(world, history, persona):
    response = client_for(world, persona).get(URL, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<caption id="models-caption">Leads credited by campaign under each model</caption>' in html
    assert "3 leads; 1 had no touch in the 90-day look-back window." in html


def test_anonymous_is_sent_to_sign_in_and_nothing_is_written(world, history):
    counts = [model.objects.count() for model in (Lead, LeadEvent, Touchpoint, Opportunity, OpportunityEvent)]

    response = client_for(world, "anonymous").get(URL + "?format=csv")

    assert (response.status_code, response["Location"]) == (302, login_url(URL + "?format=csv"))
    assert [model.objects.count() for model in (Lead, LeadEvent, Touchpoint, Opportunity, OpportunityEvent)] == counts


def test_the_leads_side_by_side_with_linear_marked(world, history):
    html = client_for(world, "marketing").get(URL, MARCH).content.decode()

    # Linear is the default model: most linear credit first, "(no touch)" last, then All.
    assert table(html, "models-table") == [
        ["webinar-1 Webinar 1 · webinar", "2.0", "1.0", "1.5", "1.5", "1.5", "1.5", "1.3", "1.3"],
        ["ads-1 Spring ads · paid_search", "0.0", "1.0", "0.5", "0.5", "0.5", "0.5", "0.7", "0.7"],
        ["(no touch)", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"],
        ["All", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0"],
    ]
    assert html.count('<span class="selected-mark">(selected)</span>') == 1
    assert '<th scope="col" class="num selected">Linear <span class="selected-mark">(selected)</span></th>' in html
    # The chart is the linear credit per campaign, most first.
    assert "Linear credit per campaign — webinar-1: Linear 1.5; ads-1: Linear 0.5</title>" in html
    # Linear's own table: 1.5 of 3 = 50.0%, 0.5 = 16.7%, the untouched 1 = 33.3%.
    assert table(html, "selected-table") == [
        ["webinar-1 Webinar 1", "webinar", "1.5", "50.0%"],
        ["(no touch)", "", "1.0", "33.3%"],
        ["ads-1 Spring ads", "paid_search", "0.5", "16.7%"],
    ]


def test_markov_chosen_is_marked_and_its_removal_effects_shown(world, history):
    html = client_for(world, "executive").get(URL, {**MARCH, "model": "markov"}).content.decode()

    assert (
        '<th scope="col" class="num selected">Markov chain <span class="selected-mark">(selected)</span></th>' in html
    )
    assert "Markov chain credit per campaign — webinar-1: Markov chain 1.3; ads-1: Markov chain 0.7</title>" in html
    # Removal effects (see the docstring): webinar-1 1 → 100.0%, ads-1 ½ → 50.0%; every
    # conversion weighs 1, so the value's effects are the same.
    assert table(html, "removal-table") == [["webinar-1", "100.0%", "100.0%"], ["ads-1", "50.0%", "50.0%"]]
    # The chain's transitions, most probable first: start → webinar-1 and ads-1 →
    # conversion are certain; webinar-1 goes on to either with ½.
    assert table(html, "transitions-table")[:2] == [
        ["(start)", "webinar-1", "1.000"],
        ["ads-1", "(conversion)", "1.000"],
    ]


def test_the_side_by_side_csv_is_the_table_with_exact_values(world, history):
    response = client_for(world, "marketing").get(URL, {**MARCH, "model": "first", "format": "csv"})

    # Most first-touch credit first; shared counts to four decimals (4/3 → 1.3333).
    assert response["Content-Disposition"] == 'attachment; filename="attribution.csv"'
    assert downloaded(response) == [
        ["group", "name", "channel", *MODEL_COLUMNS],
        ["webinar-1", "Webinar 1", "webinar", "2.0", "1.0", "1.5", "1.5", "1.5", "1.5", "1.3333", "1.3333"],
        ["ads-1", "Spring ads", "paid_search", "0.0", "1.0", "0.5", "0.5", "0.5", "0.5", "0.6667", "0.6667"],
        ["(no touch)", "(no touch)", "", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"],
        ["All", "", "", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0", "3.0"],
    ]


def test_pipeline_by_channel_csv_in_money(world, history):
    query = {**MARCH, "conversion": "pipeline", "by": "channel", "model": "markov", "half_life_days": "3"}
    rows = downloaded(client_for(world, "manager").get(URL, {**query, "format": "csv"}))

    # The docstring's pipeline numbers, under the campaigns' channels; most Markov credit first.
    assert rows == [
        ["group", *MODEL_COLUMNS],
        ["paid_search", "0.0", "1000.0", "500.0", "200.0", "333.33", "333.33", "666.67", "666.67"],
        ["webinar", "1000.0", "0.0", "500.0", "800.0", "666.67", "666.67", "333.33", "333.33"],
        ["(no touch)", "3000.0", "3000.0", "3000.0", "3000.0", "3000.0", "3000.0", "3000.0", "3000.0"],
        ["All", "4000.0", "4000.0", "4000.0", "4000.0", "4000.0", "4000.0", "4000.0", "4000.0"],
    ]
    html = client_for(world, "manager").get(URL, query).content.decode()
    assert "1 opportunity, worth 4,000.00; 1 had no touch" not in html  # two deals, not one
    assert "2 opportunities, worth 4,000.00; 1 had no touch in the 90-day look-back window." in html
    assert table(html, "models-table")[0] == [
        "paid_search", "0.00", "1,000.00", "500.00", "200.00", "333.33", "333.33", "666.67", "666.67",
    ]  # fmt: skip


def test_pipeline_influence_beside_the_chosen_models_pipeline(world, history):
    client = client_for(world, "marketing_lead")
    html = client.get(URL, MARCH).content.decode()

    # Linear: 500 of D1's 1,000 to each campaign; most amount first, then by code.
    assert table(html, "influence-table") == [
        ["ads-1 Spring ads", "paid_search", "1", "1,000.00", "1", "1,000.00", "50.0%", "25.0%", "500.00"],
        ["webinar-1 Webinar 1", "webinar", "1", "1,000.00", "1", "1,000.00", "50.0%", "25.0%", "500.00"],
    ]
    assert "1 of 2 opportunities created in the period (1,000.00 of 4,000.00) had a campaign touch." in html

    # Time decay at half-life 3 on a leads page: the pipeline is credited at that half-life
    # too (⅓ : ⅔), not the influence report's default of 7.
    query = {**MARCH, "model": "time_decay", "half_life_days": "3", "format": "csv", "table": "influence"}
    response = client.get(URL, query)
    assert response["Content-Disposition"] == 'attachment; filename="attribution-influence.csv"'
    assert downloaded(response) == [
        [
            "campaign", "name", "channel", "opportunities", "amount", "won", "won_amount", "share_of_opportunities",
            "share_of_amount", "attributed_model", "attributed_amount",
        ],
        ["ads-1", "Spring ads", "paid_search", "1", "1000.0", "1", "1000.0", "0.5", "0.25", "time_decay", "666.67"],
        ["webinar-1", "Webinar 1", "webinar", "1", "1000.0", "1", "1000.0", "0.5", "0.25", "time_decay", "333.33"],
    ]  # fmt: skip

    # Markov (which the influence report does not carry): the chain over the pipeline.
    markov = client.get(URL, {**MARCH, "model": "markov"}).content.decode()
    assert [row[-1] for row in table(markov, "influence-table")] == ["666.67", "333.33"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("order", "9", "The Markov order is one of 1, 2, 3, 4."),
        ("lookback_days", "5000", "The look-back window is 0 to 3650 days (got 5000)."),
        ("half_life_days", "0", "half-life"),
        ("model", "best", "Select a valid choice."),
        ("date_to", "2026-02-01", "&#x27;To&#x27; is before &#x27;From&#x27;."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_no_report(world, history, field, value, message):
    response = client_for(world, "owner").get(URL, {**MARCH, field: value})

    html = response.content.decode()
    assert response.status_code == 200
    error = re.search(rf'<p class="error" role="alert" id="id_{field}_error">([^<]*)</p>', html)
    assert error is not None
    assert message.lower() in error.group(1).lower()
    assert 'id="models-table"' not in html
    assert "Export CSV" not in html


def test_revenue_totals_when_every_win_was_touched(world, history):
    html = client_for(world, "admin").get(URL, {**MARCH, "conversion": "revenue"}).content.decode()

    # March's one win is D1 (1,000), touched by both campaigns; D2 is still open.
    assert "1 won deal, worth 1,000.00; every one had a touch in the 90-day look-back window." in html


def test_a_period_without_conversions(world, history):
    html = (
        client_for(world, "marketing").get(URL, {"date_from": "2026-01-01", "date_to": "2026-01-31"}).content.decode()
    )

    # Nothing was created, qualified or touched in January: an All of 0 under every model.
    assert "no leads in the period." in html
    assert table(html, "models-table") == [["(no touch)", *["0.0"] * 8], ["All", *["0.0"] * 8]]
    assert 'id="attribution-chart' not in html
    assert "No touched conversion in the period: the chain has nothing to learn from." in html
    assert "No opportunity created in the period had a campaign touch." in html


def test_a_bad_csv_request_downloads_nothing(world, history):
    response = client_for(world, "owner").get(URL, {**MARCH, "order": "0", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_reports_hub_links_the_page(world):
    html = client_for(world, "owner").get("/reports/").content.decode()

    assert f'<a href="{URL}">Attribution</a>' in html


def test_a_formula_campaign_name_is_defused_in_the_csv(world, history):
    Campaign.objects.filter(code="ads-1").update(name="=HYPERLINK(1)")

    rows = downloaded(client_for(world, "owner").get(URL, {**MARCH, "format": "csv"}))

    assert rows[2][:2] == ["ads-1", "'=HYPERLINK(1)"]
