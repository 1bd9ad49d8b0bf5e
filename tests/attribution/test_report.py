"""The attribution report over a history written by hand, its answers worked out below.
Times UTC, 2026; the period is March ([1 Mar, 1 Apr)); look-back 90 days unless a test
says otherwise.

Campaigns: ads "Spring ads" (paid_search), news "Newsletter" (email), web1 "Webinar"
(webinar). Account Acme.

L1  created 10 Mar 09:00, campaign ads, source paid_search, account Acme
    T1  1 Mar 09:00 page view, channel organic, no campaign
    T2 12 Mar 09:00 email click, news, channel email
    T3 20 Mar 09:00 webinar, web1, no channel of its own (→ its campaign's: webinar)
    T7 25 Mar 09:00 email click, news, channel email
    MQL 15 Mar 10:00, and again (recycled, re-qualified) 25 Mar 10:00
L2  created 5 Mar 09:00, no campaign, no source, no touchpoint
L3  created 20 Feb 09:00, account Acme, no campaign, no source
    T4 25 Feb 09:00 email click, news, channel email
    T5  8 Mar 09:00 page view, ads, no channel of its own (→ paid_search)
L4  created 2 Mar 09:00, campaign web1, source webinar, no account
    T6  2 Mar 09:00 (the same instant) form fill, news, channel email
D1  10,000, Acme, lead L1: created 22 Mar 12:00, won 28 Mar 12:00
D2   5,000, no account, no lead: created 15 Mar 12:00, open

A lead's capture is a touch at its creation (campaign, source as channel): L1's is
"C1" 10 Mar 09:00 ads / paid_search, L4's "C4" 2 Mar 09:00 web1 / webinar; L2 and L3
have neither campaign nor source, so none. At the same instant the capture comes first.

Journeys:
- leads created in March: L1 [T1, C1] (T2 is after its creation); L2 none → no touch;
  L4 [C4, T6].
- MQLs in March: L1 once, at 15 Mar 10:00: [T1, C1, T2].
- deals created in March: D1, account-based over Acme's contacts L1 and L3, up to
  22 Mar 12:00: [T4, T1, T5, C1, T2, T3] (T7 is after); D2 none → no touch.
- revenue in March: D1, up to its win 28 Mar 12:00: [T4, T1, T5, C1, T2, T3, T7].
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accord.attribution.path_report import path_attribution
from accord.attribution.paths import journeys_of
from accord.attribution.report import ALL_MODELS, attribution_report, influence_report
from accord.campaigns.models import Campaign
from accord.core.errors import InvalidInput
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, OpportunityEvent, Stage, Touchpoint

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def utc(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(db):
    ads = Campaign.objects.create(code="ads", name="Spring ads", channel="paid_search")
    news = Campaign.objects.create(code="news", name="Newsletter", channel="email")
    web1 = Campaign.objects.create(code="web1", name="Webinar", channel="webinar")
    acme = Account.objects.create(name="Acme", domain="acme.example")

    def lead(email, created, **fields):
        return Lead.objects.create(email=email, created_at=created, stage=Stage.LEAD, **fields)

    l1 = lead("l1@acme.example", utc(3, 10), campaign=ads, source="paid_search", account=acme)
    lead("l2@mail.example", utc(3, 5))
    l3 = lead("l3@acme.example", utc(2, 20), account=acme)
    l4 = lead("l4@mail.example", utc(3, 2), campaign=web1, source="webinar")

    def touch(who, at, kind, campaign=None, channel=""):
        Touchpoint.objects.create(lead=who, occurred_at=at, type=kind, campaign=campaign, channel=channel)

    touch(l1, utc(3, 1), "page_view", channel="organic")  # T1
    touch(l1, utc(3, 12), "email_click", news, "email")  # T2
    touch(l1, utc(3, 20), "webinar", web1)  # T3
    touch(l3, utc(2, 25), "email_click", news, "email")  # T4
    touch(l3, utc(3, 8), "page_view", ads)  # T5
    touch(l4, utc(3, 2), "form_fill", news, "email")  # T6
    touch(l1, utc(3, 25), "email_click", news, "email")  # T7
    for at in (utc(3, 15, 10), utc(3, 25, 10)):
        LeadEvent.objects.create(lead=l1, kind=LeadEvent.Kind.STAGE, from_stage="lead", to_stage="mql", occurred_at=at)

    def deal(name, amount, created, won=None, **fields):
        made = Opportunity.objects.create(name=name, amount=Decimal(amount), created_at=created, **fields)
        OpportunityEvent.objects.create(
            opportunity=made, kind="created", status="open", amount=Decimal(amount), occurred_at=created
        )
        if won:
            OpportunityEvent.objects.create(
                opportunity=made, kind="won", status="won", amount=Decimal(amount), occurred_at=won
            )

    deal("D1", 10_000, utc(3, 22, 12), won=utc(3, 28, 12), account=acme, lead=l1)
    deal("D2", 5_000, utc(3, 15, 12))


def credit(report, model: str, field: str = "value") -> dict:
    return {row["group"]: pytest.approx(row[field], abs=1e-9) for row in report.rows(model) if row[field]}


def test_leads_created_by_campaign(history):
    report = attribution_report(**MARCH, conversion="lead", by="campaign")
    assert (report.conversions, report.value, report.no_touch) == (3, 3.0, 1)
    # L1 [T1 (no campaign), C1 ads]; L4 [C4 web1, T6 news]; L2 no touch.
    assert credit(report, "first") == {"(no campaign)": 1, "web1": 1, "(no touch)": 1}
    assert credit(report, "last") == {"ads": 1, "news": 1, "(no touch)": 1}
    assert credit(report, "linear") == {"(no campaign)": 0.5, "ads": 0.5, "web1": 0.5, "news": 0.5, "(no touch)": 1}
    # U-shaped: L1's first touch T1 and its lead-creation touch C1 take 40% each, nothing
    # is left for "the rest": scaled to ½ each. L4 alike: C4 is first, T6 (the last touch at
    # or before the creation, ordered after C4) holds lead creation.
    assert credit(report, "u_shaped") == credit(report, "linear")


def test_a_lead_journey_ends_at_its_creation_and_starts_a_window_before_it_to_the_microsecond(db):
    """A lead created 10 Mar 09:00:00.5, without campaign or source (so no capture), and a
    look-back of 10 days: its window is [28 Feb 09:00:00.5, 10 Mar 09:00:00.5], both ends
    in. The database reads a second more on either side; none of that may count."""
    created = datetime(2026, 3, 10, 9, 0, 0, 500_000, tzinfo=UTC)
    lead = Lead.objects.create(email="edge@mail.example", created_at=created, stage=Stage.LEAD)
    offsets = {  # campaign code → microseconds from the creation
        "early-by-1us": -(10 * 86_400 * 1_000_000) - 1,
        "window-start": -(10 * 86_400 * 1_000_000),
        "at-creation": 0,
        "late-by-1us": 1,
        "late-by-400ms": 400_000,
    }
    for code, microseconds in offsets.items():
        Touchpoint.objects.create(
            lead=lead,
            occurred_at=created + timedelta(microseconds=microseconds),
            type="page_view",
            campaign=Campaign.objects.create(code=code, name=code),
        )
    report = attribution_report(**MARCH, conversion="lead", by="campaign", lookback_days=10)
    assert (report.conversions, report.no_touch) == (1, 0)
    assert credit(report, "first") == {"window-start": 1}
    assert credit(report, "last") == {"at-creation": 1}
    assert credit(report, "linear") == {"window-start": 0.5, "at-creation": 0.5}


def test_an_mql_counts_once_with_its_touches_before_it(history):
    report = attribution_report(**MARCH, conversion="mql", by="channel")
    # L1 qualified twice in March: one conversion, at 15 Mar 10:00: [T1 organic, C1
    # paid_search, T2 email].
    assert (report.conversions, report.no_touch) == (1, 0)
    assert credit(report, "linear") == {"organic": 1 / 3, "paid_search": 1 / 3, "email": 1 / 3}
    # W-shaped: first T1 30%, lead creation C1 30%, no opportunity; T2 the rest 10%:
    # 0.7 in all, scaled: 3/7, 3/7, 1/7.
    assert credit(report, "w_shaped") == {"organic": 3 / 7, "paid_search": 3 / 7, "email": 1 / 7}
    # Time decay, half-life 7 days, ages from T2: T1 11 days, C1 2 days, T2 0.
    weights = {"organic": 2 ** (-11 / 7), "paid_search": 2 ** (-2 / 7), "email": 1.0}
    total = sum(weights.values())
    assert credit(report, "time_decay") == {name: weight / total for name, weight in weights.items()}
    # Half-life 1 day: 2^-11, 2^-2, 1.
    fast = attribution_report(**MARCH, conversion="mql", by="channel", half_life_days=1, models=("time_decay",))
    total = 2**-11 + 2**-2 + 1
    assert credit(fast, "time_decay") == {"organic": 2**-11 / total, "paid_search": 2**-2 / total, "email": 1 / total}


def test_the_look_back_window_drops_older_touches(history):
    # 10 days before 15 Mar 10:00 is 5 Mar 10:00: T1 (1 Mar) is out; [C1, T2].
    report = attribution_report(**MARCH, conversion="mql", by="campaign", lookback_days=10, models=("linear",))
    assert credit(report, "linear") == {"ads": 0.5, "news": 0.5}
    # A window of 0 days keeps the touches at the very instant only: none at 15 Mar 10:00.
    none = attribution_report(**MARCH, conversion="mql", by="campaign", lookback_days=0, models=("first",))
    assert (none.no_touch, credit(none, "first")) == (1, {"(no touch)": 1})


def test_deals_are_account_based_and_never_credit_a_later_touch(history):
    report = attribution_report(**MARCH, conversion="opportunity", by="campaign")
    # D1 [T4 news, T1 -, T5 ads, C1 ads, T2 news, T3 web1]; D2 no touch.
    assert (report.conversions, report.value, report.no_touch) == (2, 2.0, 1)
    assert credit(report, "linear") == {"news": 2 / 6, "(no campaign)": 1 / 6, "ads": 2 / 6, "web1": 1 / 6,
                                        "(no touch)": 1}  # fmt: skip
    # W-shaped: first T4 .3, lead creation (last at or before L1's creation 10 Mar 09:00)
    # C1 .3, opportunity creation T3 .3; T1, T5, T2 share .1: 1/30 each.
    assert credit(report, "w_shaped") == {"news": 0.3 + 1 / 30, "ads": 0.3 + 1 / 30, "web1": 0.3,
                                          "(no campaign)": 1 / 30, "(no touch)": 1}  # fmt: skip


def test_pipeline_and_revenue_weigh_the_amount(history):
    pipeline = attribution_report(**MARCH, conversion="pipeline", by="campaign", models=("linear",))
    assert (pipeline.conversions, pipeline.value) == (2, 15_000.0)
    assert credit(pipeline, "linear") == {"news": 10_000 / 3, "ads": 10_000 / 3, "(no campaign)": 10_000 / 6,
                                          "web1": 10_000 / 6, "(no touch)": 5_000}  # fmt: skip
    assert credit(pipeline, "linear", "conversions") == {"news": 1 / 3, "ads": 1 / 3, "(no campaign)": 1 / 6,
                                                         "web1": 1 / 6, "(no touch)": 1}  # fmt: skip
    revenue = attribution_report(**MARCH, conversion="revenue", by="campaign", models=("full_path", "last"))
    # D1 won 28 Mar 12:00: [T4, T1, T5, C1, T2, T3, T7]. Full path: first T4, lead creation
    # C1, opportunity creation T3, close T7 22.5% each; T1, T5, T2 share 10%.
    assert (revenue.conversions, revenue.value, revenue.no_touch) == (1, 10_000.0, 0)
    assert credit(revenue, "full_path") == {
        "news": 10_000 * (0.225 + 0.225 + 0.1 / 3),
        "ads": 10_000 * (0.225 + 0.1 / 3),
        "web1": 10_000 * 0.225,
        "(no campaign)": 10_000 * 0.1 / 3,
    }
    assert credit(revenue, "last") == {"news": 10_000}


def test_a_deal_window_of_twenty_days(history):
    # From 2 Mar 12:00 to 22 Mar 12:00: [T5 ads, C1 ads, T2 news, T3 web1].
    report = attribution_report(**MARCH, conversion="opportunity", lookback_days=20, models=("linear",))
    assert credit(report, "linear") == {"ads": 0.5, "news": 0.25, "web1": 0.25, "(no touch)": 1}


def test_every_model_sums_to_the_total(history):
    for conversion in ("lead", "mql", "opportunity", "pipeline", "revenue"):
        for by in ("campaign", "channel"):
            report = attribution_report(**MARCH, conversion=conversion, by=by)
            assert report.models == ALL_MODELS
            for model in ALL_MODELS:
                rows = report.rows(model)
                assert sum(row["value"] for row in rows) == pytest.approx(report.value, rel=1e-12)
                assert sum(row["conversions"] for row in rows) == pytest.approx(report.conversions, rel=1e-12)


def test_markov_learns_from_the_paths_that_did_not_convert(history):
    report = attribution_report(**MARCH, conversion="opportunity", by="campaign", models=("markov",))
    # Converted: D1's path. Did not convert in March: L4 (no account; its capture and T6 on
    # 2 Mar) — Acme converted, L2 has no touch. The same journeys written as a path file
    # give the same credit; D2's no-touch conversion is its own row.
    paths = journeys_of(["news > (no campaign) > ads > ads > news > web1", "web1 > news"], [1, 0], [1.0, 0.0], [0, 1])
    expected = path_attribution(paths, model="markov")
    assert {row["group"]: pytest.approx(row["conversions"]) for row in report.rows("markov")} == {
        **{row["channel"]: pytest.approx(row["conversions"]) for row in expected.channels.to_dicts()},
        "(no touch)": 1,
    }
    effects = {row["group"]: row["removal_effect"] for row in report.rows("markov") if row["group"] != "(no touch)"}
    assert effects == {row["channel"]: pytest.approx(row["removal_effect"]) for row in expected.channels.to_dicts()}
    assert report.transitions.sort("from", "to").to_dicts() == expected.transitions.sort("from", "to").to_dicts()


def test_influence_counts_each_campaign_that_touched_a_deal(history):
    influence = influence_report(**MARCH)
    # D1 (10,000, won 28 Mar) touched by news, ads and web1; D2 (5,000) by none.
    assert (influence.opportunities, influence.amount) == (2, 15_000.0)
    assert (influence.influenced, influence.influenced_amount) == (1, 10_000.0)
    rows = {row["group"]: row for row in influence.rows}
    assert set(rows) == {"news", "ads", "web1"}
    for row in rows.values():
        assert (row["opportunities"], row["amount"], row["won"], row["won_amount"]) == (1, 10_000.0, 1, 10_000.0)
        assert row["share_of_opportunities"] == 0.5
        assert row["share_of_amount"] == pytest.approx(10_000 / 15_000)
    # Beside it, what linear attributes of the pipeline: news 2/6 of D1.
    assert rows["news"]["attributed"]["linear"] == pytest.approx(10_000 / 3)
    assert rows["web1"]["attributed"]["first"] == 0.0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"conversion": "visits"}, "conversion"),
        ({"by": "owner"}, "by"),
        ({"models": ("best",)}, "model"),
        ({"order": 5}, "order"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"date_from": date(2026, 4, 1)}, "to"),
    ],
)
def test_bad_options_name_the_field(history, options, field):
    with pytest.raises(InvalidInput) as raised:
        attribution_report(**{**MARCH, **options})
    assert raised.value.field == field


def test_influence_shows_the_models_asked_for_at_the_half_life_asked_for(history):
    influence = influence_report(**MARCH, models=("time_decay", "markov"), half_life_days=3, order=2)
    # D1's journey at its creation, ages in days before its latest touch T3 (20 Mar 09:00):
    # T4 news 23, T1 (no campaign) 19, T5 ads 12, C1 ads 10, T2 news 8, T3 web1 0; each
    # weighs 2^(-age / 3), the 10,000 shared in proportion.
    weights = {"news": 2 ** (-23 / 3) + 2 ** (-8 / 3), "(no campaign)": 2 ** (-19 / 3),
               "ads": 2 ** (-12 / 3) + 2 ** (-10 / 3), "web1": 1.0}  # fmt: skip
    total = sum(weights.values())
    rows = {row["group"]: row["attributed"] for row in influence.rows}
    assert {group: attributed["time_decay"] for group, attributed in rows.items()} == {
        group: pytest.approx(10_000 * weights[group] / total) for group in ("news", "ads", "web1")
    }
    # Markov is there too, at order 2, as the pipeline attribution gives it.
    markov = attribution_report(**MARCH, conversion="pipeline", models=("markov",), order=2)
    assert {group: attributed["markov"] for group, attributed in rows.items()} == {
        row["group"]: pytest.approx(row["value"]) for row in markov.rows("markov") if row["group"] in rows
    }
    assert (influence.as_dict()["half_life_days"], influence.as_dict()["order"]) == (3, 2)


def test_markov_over_leads_learns_from_converting_paths_alone(history):
    # L3 was created in February and touched on 8 March (T5): no failed journey to a lead.
    # Converting paths: L1 [-, ads], L4 [web1, news]; L2 no touch. Every walk converts;
    # taking a group out loses the one path of the two it is on: removal effect ½ for all
    # four, so the two touched leads are shared out equally: ½ each.
    report = attribution_report(**MARCH, conversion="lead", by="campaign", models=("markov",))
    assert "(null)" not in set(report.transitions["to"])
    assert credit(report, "markov") == {"(no campaign)": 0.5, "ads": 0.5, "web1": 0.5, "news": 0.5, "(no touch)": 1}
    assert {row["group"]: row["removal_effect"] for row in report.rows("markov") if row["group"] != "(no touch)"} == {
        "(no campaign)": 0.5, "ads": 0.5, "web1": 0.5, "news": 0.5}  # fmt: skip
