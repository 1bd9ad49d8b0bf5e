"""GET /api/v1/reports/attribution and /reports/influence over a history small enough to
work out by hand. Times UTC, 2026; the period is March.

Campaigns: webinar-1 "Webinar 1" (channel webinar; the `world`'s), ads-1 "Spring ads"
(channel paid_search).

Ann   created 10 Mar 12:00 with campaign ads-1, source paid_search (her capture is a touch)
      T1  webinar-1 touch  3 Mar 12:00 — 7 days before her creation
Bob   created 12 Mar 12:00, no campaign and no source (no capture touch)
      T2  ads-1 touch     11 Mar 12:00 — 1 day before his creation
      T3  webinar-1 touch 20 Mar 12:00 — after his creation
      D   his deal, no account, 1,000, created 21 Mar 12:00, won 25 Mar 12:00
Cy    created 15 Mar 12:00, no campaign, no source, no touch

Conversion `lead` (leads created in March): Ann, Bob, Cy → 3 conversions, each weighing 1,
so the total value is 3; Cy has no touch → no_touch 1, "(no touch)" 1 under every model.
Journeys (touches up to the creation, 90 days back):
  Ann: T1 (webinar-1, 3 Mar), capture (ads-1, 10 Mar);  Bob: T2 (ads-1) — T3 is after.
  first:  Ann → webinar-1, Bob → ads-1                 → ads-1 1,   webinar-1 1
  last:   Ann → ads-1 (capture), Bob → ads-1           → ads-1 2,   webinar-1 0
  linear: Ann ½ + ½, Bob 1                             → ads-1 1.5, webinar-1 0.5
          shares of 3: ads-1 0.5, (no touch) ⅓, webinar-1 ⅙; most value first:
          ads-1 1.5, (no touch) 1, webinar-1 0.5
  time_decay (half-life 7 days): Ann's T1 is 7 days old → weight ½, her capture 1 →
          shares ⅓ and ⅔; Bob 1 → ads-1 ⅔ + 1 = 5/3, webinar-1 ⅓
  markov: paths webinar-1 > ads-1 (Ann) and ads-1 (Bob), both converted, none lost.
          Chain: (start) → webinar-1 ½, (start) → ads-1 ½, webinar-1 → ads-1 1,
          ads-1 → (conversion) 1; P(convert) = 1.
          Without ads-1 nothing converts → removal effect 1 − 0/1 = 1;
          without webinar-1 only the ½ through (start) → ads-1 does → 1 − ½/1 = ½.
          The 2 touched conversions shared 1 : ½ → ads-1 2 × ⅔ = 4/3, webinar-1 2 × ⅓ = ⅔.
Conversion `pipeline` and influence (deals created in March): D alone, 1,000. Its journey
(Bob's touches up to 21 Mar 12:00): T2 (ads-1, 11 Mar), T3 (webinar-1, 20 Mar).
  first → ads-1 1,000; last → webinar-1 1,000; linear 500 / 500;
  u_shaped: T2 is first (0.4) and the last touch at the lead's creation (0.4), T3 the other
          (0.2) → 800 / 200;
  w_shaped: T2 first + lead creation 0.6, T3 the last touch at the deal's creation 0.3, no
          other touch for 0.1 → scaled by 1/0.9: 666.67 / 333.33;
  full_path: T2 0.225 + 0.225, T3 0.225 (a deal not closed has no close role), scaled by
          1/0.675: ⅔ / ⅓ → 666.67 / 333.33;
  time_decay: T2 10 days old, T3 1 day → weights 2^(−10/7), 2^(−1/7) → T2's share
          1 / (1 + 2^(9/7)).
  Influence: both campaigns touched D → each 1 deal, 1,000, won (25 Mar, before the end of
  March) 1, 1,000; shares 1 and 1; total 1 deal, 1,000, influenced 1, 1,000.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accord.campaigns.models import Campaign
from accord.crm.models import Lead, Opportunity, OpportunityEvent, Touchpoint
from tests.api.conftest import UNAUTHORIZED

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
ALL_EIGHT = ["first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay", "markov"]


def utc(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def journeys(world) -> dict:
    """The history of the module's docstring."""
    ads = Campaign.objects.create(code="ads-1", name="Spring ads", channel="paid_search")
    webinar = world.campaign
    ann = Lead.objects.create(email="ann@a.example", created_at=utc(3, 10), campaign=ads, source="paid_search")
    bob = Lead.objects.create(email="bob@b.example", created_at=utc(3, 12))
    Lead.objects.create(email="cy@c.example", created_at=utc(3, 15))
    Touchpoint.objects.create(lead=ann, type="webinar", campaign=webinar, occurred_at=utc(3, 3))  # T1
    Touchpoint.objects.create(lead=bob, type="page_view", campaign=ads, occurred_at=utc(3, 11))  # T2
    Touchpoint.objects.create(lead=bob, type="webinar", campaign=webinar, occurred_at=utc(3, 20))  # T3
    deal = Opportunity.objects.create(
        name="Bob's deal", lead=bob, owner=world.rep, amount=Decimal(1000), created_at=utc(3, 21),
        status="won", closed_at=utc(3, 25),
    )  # fmt: skip
    for kind, status, moment in (("created", "open", utc(3, 21)), ("won", "won", utc(3, 25))):
        OpportunityEvent.objects.create(
            opportunity=deal, kind=kind, status=status, amount=Decimal(1000), occurred_at=moment
        )
    return {"deal": deal}


def test_linear_credit_of_the_leads_created(world, journeys, api):
    response = api(world.rep).get("/reports/attribution", **MARCH, model="linear")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("from", "to", "conversion", "by", "lookback_days", "order")} == {
        "from": "2026-03-01", "to": "2026-03-31", "conversion": "lead", "by": "campaign", "lookback_days": 90,
        "order": 1,
    }  # fmt: skip
    assert (body["half_life_days"], body["total_conversions"], body["total_value"], body["no_touch"]) == (
        7.0,
        3,
        3.0,
        1,
    )
    assert list(body["models"]) == ["linear"]
    assert "transitions" not in body  # Markov's alone
    assert body["models"]["linear"] == [
        {"group": "ads-1", "name": "Spring ads", "channel": "paid_search", "conversions": 1.5, "value": 1.5,
         "share": 0.5},
        {"group": "(no touch)", "name": "(no touch)", "channel": None, "conversions": 1.0, "value": 1.0,
         "share": pytest.approx(1 / 3)},
        {"group": "webinar-1", "name": "Webinar 1", "channel": "webinar", "conversions": 0.5, "value": 0.5,
         "share": pytest.approx(1 / 6)},
    ]  # fmt: skip


def test_first_touch_by_channel(world, journeys, api):
    """By channel: T1 takes its campaign's channel (webinar), Ann's capture her source and T2
    ads-1's (both paid_search); first touch gives Ann to webinar and Bob to paid_search."""
    body = api(world.marketer).get("/reports/attribution", **MARCH, model="first", by="channel").json()

    assert body["by"] == "channel"
    assert [(row["group"], row["name"], row["value"]) for row in body["models"]["first"]] == [
        ("(no touch)", "(no touch)", 1.0),  # ties on value go by group
        ("paid_search", "paid_search", 1.0),
        ("webinar", "webinar", 1.0),
    ]


def test_all_models_side_by_side_add_up_to_the_total(world, journeys, api):
    body = api(world.executive).get("/reports/attribution", **MARCH).json()

    assert list(body["models"]) == ALL_EIGHT
    for model, rows in body["models"].items():
        assert sum(row["value"] for row in rows) == pytest.approx(3.0), model
        assert {row["group"] for row in rows} == {"ads-1", "webinar-1", "(no touch)"}
    values = {model: {row["group"]: row["value"] for row in rows} for model, rows in body["models"].items()}
    assert values["first"] == {"ads-1": 1.0, "webinar-1": 1.0, "(no touch)": 1.0}
    assert values["last"] == {"ads-1": 2.0, "webinar-1": 0.0, "(no touch)": 1.0}
    assert values["time_decay"] == pytest.approx({"ads-1": 5 / 3, "webinar-1": 1 / 3, "(no touch)": 1.0})
    assert values["markov"] == pytest.approx({"ads-1": 4 / 3, "webinar-1": 2 / 3, "(no touch)": 1.0})
    assert "transitions" in body


def test_markov_carries_its_removal_effects_and_the_chain(world, journeys, api):
    body = api(world.rep).get("/reports/attribution", **MARCH, model="markov").json()

    rows = {row["group"]: row for row in body["models"]["markov"]}
    assert (rows["ads-1"]["removal_effect"], rows["ads-1"]["removal_effect_value"]) == pytest.approx((1.0, 1.0))
    assert (rows["webinar-1"]["removal_effect"], rows["webinar-1"]["removal_effect_value"]) == pytest.approx((0.5, 0.5))
    assert sorted((t["from"], t["to"], t["probability"]) for t in body["transitions"]) == [
        ("(start)", "ads-1", 0.5),  # 1 of the 2 walks, counted as transitions: exact
        ("(start)", "webinar-1", 0.5),
        ("ads-1", "(conversion)", 1.0),
        ("webinar-1", "ads-1", 1.0),
    ]
    linear = api(world.rep).get("/reports/attribution", **MARCH, model="linear").json()
    assert all("removal_effect" not in row for row in linear["models"]["linear"])


def test_pipeline_is_credited_in_money(world, journeys, api):
    body = api(world.rep).get("/reports/attribution", **MARCH, conversion="pipeline").json()

    assert (body["conversion"], body["total_conversions"], body["total_value"], body["no_touch"]) == (
        "pipeline", 1, 1000.0, 0
    )  # fmt: skip
    values = {model: {row["group"]: row["value"] for row in rows} for model, rows in body["models"].items()}
    assert values["first"]["ads-1"] == 1000.0
    assert values["last"]["webinar-1"] == 1000.0
    assert values["linear"] == {"ads-1": 500.0, "webinar-1": 500.0, "(no touch)": 0.0}
    assert values["u_shaped"] == pytest.approx({"ads-1": 800.0, "webinar-1": 200.0, "(no touch)": 0.0})
    assert values["w_shaped"] == pytest.approx({"ads-1": 2000 / 3, "webinar-1": 1000 / 3, "(no touch)": 0.0})


def test_the_options_are_echoed(world, journeys, api):
    """A 14-day half-life makes T1 (7 days) weigh 2^(−½) against the capture's 1: Ann gives
    webinar-1 2^(−½) / (1 + 2^(−½)); a 5-day look-back drops T1 (7 days before Ann) so Ann's
    capture alone takes her: ads-1 2 under time decay, and webinar-1, touching no journey,
    is no row at all."""
    longer = api(world.rep).get("/reports/attribution", **MARCH, model="time_decay", half_life_days=14).json()
    shorter = api(world.rep).get("/reports/attribution", **MARCH, model="time_decay", lookback_days=5).json()

    webinar = 2**-0.5 / (1 + 2**-0.5)
    assert longer["half_life_days"] == 14.0
    assert {row["group"]: row["value"] for row in longer["models"]["time_decay"]} == pytest.approx(
        {"ads-1": 2 - webinar, "webinar-1": webinar, "(no touch)": 1.0}
    )
    assert shorter["lookback_days"] == 5
    assert {row["group"]: row["value"] for row in shorter["models"]["time_decay"]} == {
        "ads-1": 2.0, "(no touch)": 1.0
    }  # fmt: skip


def test_influence_of_march(world, journeys, api):
    response = api(world.manager).get("/reports/influence", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert {key: value for key, value in body.items() if key != "campaigns"} == {
        "from": "2026-03-01", "to": "2026-03-31", "lookback_days": 90, "half_life_days": 7.0, "order": 1,
        "total_opportunities": 1,
        "total_amount": 1000.0, "influenced_opportunities": 1, "influenced_amount": 1000.0,
    }  # fmt: skip
    common = {"opportunities": 1, "amount": 1000.0, "won": 1, "won_amount": 1000.0,
              "share_of_opportunities": 1.0, "share_of_amount": 1.0}  # fmt: skip
    ads, webinar = body["campaigns"]  # the same amount: by code
    assert {key: ads[key] for key in ("group", "name", "channel", *common)} == {
        "group": "ads-1", "name": "Spring ads", "channel": "paid_search", **common
    }  # fmt: skip
    assert {key: webinar[key] for key in ("group", "name", "channel", *common)} == {
        "group": "webinar-1", "name": "Webinar 1", "channel": "webinar", **common
    }  # fmt: skip
    decayed = 1000 / (1 + 2 ** (9 / 7))
    assert ads["attributed"] == pytest.approx(
        {"first": 1000.0, "last": 0.0, "linear": 500.0, "u_shaped": 800.0, "w_shaped": 2000 / 3,
         "full_path": 2000 / 3, "time_decay": decayed}
    )  # fmt: skip
    assert webinar["attributed"] == pytest.approx(
        {"first": 0.0, "last": 1000.0, "linear": 500.0, "u_shaped": 200.0, "w_shaped": 1000 / 3,
         "full_path": 1000 / 3, "time_decay": 1000 - decayed}
    )  # fmt: skip


def test_influence_with_a_window_too_short_for_any_touch(world, journeys, api):
    """A 0-day look-back keeps only touches at the deal's very creation: none."""
    body = api(world.manager).get("/reports/influence", **MARCH, lookback_days=0).json()

    assert (body["total_opportunities"], body["influenced_opportunities"], body["campaigns"]) == (1, 0, [])


@pytest.mark.parametrize("path", ["/reports/attribution", "/reports/influence"])
def test_without_a_token_is_401(world, api, path):
    response = api(None).get(path, **MARCH)

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "shapley"}, "model"),
        ({"conversion": "customer"}, "conversion"),
        ({"by": "source"}, "by"),
        ({"order": 5}, "order"),
        ({"order": 0}, "order"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"half_life_days": "nan"}, "half_life_days"),
        ({"lookback_days": 3651}, "lookback_days"),
        ({"lookback_days": -1}, "lookback_days"),
    ],
)
def test_bad_attribution_parameters_name_the_field(world, api, params, field):
    response = api(world.rep).get("/reports/attribution", **MARCH, **params)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize("path", ["/reports/attribution", "/reports/influence"])
def test_a_backwards_or_missing_period_names_the_field(world, api, path):
    backwards = api(world.rep).get(path, **{"from": "2026-03-31", "to": "2026-03-01"})
    missing = api(world.rep).get(path)

    assert (backwards.status_code, missing.status_code) == (422, 422)
    assert backwards.json()["errors"] == [{"field": "to", "message": "'to' is before 'from'."}]
    assert {error["field"] for error in missing.json()["errors"]} == {"from", "to"}


def test_a_bad_influence_window_names_the_field(world, api):
    response = api(world.rep).get("/reports/influence", **MARCH, lookback_days=4000)

    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "lookback_days")


def test_a_period_without_conversions(world, journeys, api):
    """January has no lead, deal or touch: every model has the "(no touch)" row alone, at 0,
    with no share of a total of 0; Markov has no chain."""
    body = api(world.rep).get("/reports/attribution", **{"from": "2026-01-01", "to": "2026-01-31"}).json()
    influence = api(world.rep).get("/reports/influence", **{"from": "2026-01-01", "to": "2026-01-31"}).json()

    assert (body["total_conversions"], body["total_value"], body["no_touch"]) == (0, 0.0, 0)
    empty = {"group": "(no touch)", "name": "(no touch)", "channel": None, "conversions": 0.0, "value": 0.0,
             "share": None}  # fmt: skip
    assert body["models"] == {model: [empty] for model in ALL_EIGHT[:-1]} | {
        "markov": [{**empty, "removal_effect": None, "removal_effect_value": None}]
    }
    assert body["transitions"] == []
    assert (influence["total_opportunities"], influence["total_amount"], influence["campaigns"]) == (0, 0.0, [])
