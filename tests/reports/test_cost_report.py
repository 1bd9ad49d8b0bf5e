"""The cost report over a March built by hand through the real services; every number is
worked out below.

Campaigns (world's webinar-1, channel webinar, has nothing at all: it is left out):

code            channel      budget     cost ledger
spring-webinar  webinar      5,000.00   Feb 2,800.00 · Mar 3,100.00 · Apr 3,000.00
search-ads      paid_search 12,000.00   Mar 6,200.00, then a correction of −620.00 → 5,580.00
expo            events       8,000.00   Mar 1,550.00 (and not a single lead)
newsletter      (blank)      —          nothing

Leads (every one QUALIFIABLE, so a content download makes it an MQL; all at 10:00 UTC,
2026; "won" and "deal" are done by the lead's owner):

W0  spring-webinar  created Feb 20, MQL Feb 20; converted Mar 2 (deal 2,000.00): SQL + deal in March
W1  spring-webinar  created Mar 2, MQL; converted Mar 3 (deal 12,000.00); won Mar 20
W2  spring-webinar  created Mar 4, MQL; recycled Mar 5; qualifies again Mar 16 (a 2nd MQL); accepted Mar 17
W3  spring-webinar  created Mar 6, never qualifies
W4  spring-webinar  created Apr 2, MQL (April's)
A1  search-ads      created Mar 9, MQL; converted Mar 10 (deal 4,000.00), still open
A2, A3              created Mar 11 and 12, never qualify
A4  search-ads      created Mar 13, MQL
L1  newsletter      created Mar 24
N1  no campaign     created Mar 18, MQL; converted Mar 19 (deal 3,000.00); won Mar 23
N2  no campaign     created Mar 19
    a deal imported without a lead, created Mar 25 (5,000.00): belongs to no campaign, left out

March, per campaign (cost per = cost / count, two places; return = won / cost, four):

spring-webinar  cost 3,100.00; leads 3 (W1 W2 W3); MQLs 3 (W1, W2 twice); SQLs 2 (W0 W1);
                opportunities 2 (W0 W1); customers 1 (W1); won 12,000.00
                per lead 3,100/3 = 1,033.33; per MQL 1,033.33; per SQL 3,100/2 = 1,550.00;
                per opportunity 1,550.00; per customer 3,100.00; return 12,000/3,100 = 3.8710
search-ads      cost 6,200 − 620 = 5,580.00; leads 4; MQLs 2 (A1 A4); SQLs 1; opportunities 1;
                customers 0; won 0 — per lead 1,395.00; per MQL 2,790.00; per SQL 5,580.00;
                per opportunity 5,580.00; per customer —; return 0/5,580 = 0.0000
expo            cost 1,550.00; nothing else — every cost per —; return 0.0000
newsletter      cost 0.00; leads 1 — per lead 0.00; return — (nothing spent)
(no campaign)   no cost; leads 2; MQLs 1; SQLs 1; opportunities 1; customers 1; won 3,000.00
All             cost 3,100 + 5,580 + 1,550 = 10,230.00; budget 5,000 + 12,000 + 8,000 = 25,000.00;
                leads 3 + 4 + 1 + 2 = 10; MQLs 3 + 2 + 1 = 6; SQLs 2 + 1 + 1 = 4;
                opportunities 4; customers 2; won 15,000.00 — per lead 1,023.00; per MQL
                1,705.00; per SQL 2,557.50; per opportunity 2,557.50; per customer 5,115.00;
                return 15,000/10,230 = 1.46627… → 1.4663
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from accord.campaigns.models import Campaign
from accord.campaigns.services import campaign_cost_record
from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Lead, Opportunity
from accord.reports.cost import ROW_COLUMNS, campaign_costs_in, cost_report, month_shares, report_rows
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Costs:
    webinar: Campaign
    ads: Campaign
    expo: Campaign
    newsletter: Campaign
    leads: dict[str, Lead]


def record(world, campaign: Campaign, month: str, amount: str, note: str = "") -> None:
    campaign_cost_record(
        acting_user=world.marketer, campaign_code=campaign.code, month=month, amount=amount, note=note, at=at(11, 1)
    )


@pytest.fixture
def costs(world) -> Costs:
    webinar = Campaign.objects.create(code="spring-webinar", name="Spring webinar", channel="webinar", budget=5000)
    ads = Campaign.objects.create(code="search-ads", name="Search ads", channel="paid_search", budget=12000)
    expo = Campaign.objects.create(code="expo", name="Expo", channel="events", budget=8000)
    newsletter = Campaign.objects.create(code="newsletter", name="Newsletter")
    record(world, webinar, "2026-02", "2800.00")
    record(world, webinar, "2026-03", "3100.00", "Platform and ads")
    record(world, webinar, "2026-04", "3000.00")
    record(world, ads, "2026-03", "6200.00", "Invoice 311")
    record(world, ads, "2026-03", "-620.00", "Credit note 311-1")
    record(world, expo, "2026-03", "1550.00", "Stand")

    def lead(name: str, when: datetime, campaign: Campaign | None, *, qualify: bool = True) -> Lead:
        data = {**QUALIFIABLE, "email": f"{name}@bigco.example"}
        if campaign is not None:
            data["campaign"] = campaign.code
        found, _ = services.lead_capture(data=data, acting_user=world.marketer, at=when)
        if qualify:
            download(found, when)
        return Lead.objects.get(pk=found.pk)

    def download(found: Lead, when: datetime) -> None:
        services.touchpoint_record(lead_id=found.pk, type="content_download", acting_user=world.marketer, at=when)

    def convert(found: Lead, amount: str, when: datetime) -> Opportunity:
        owner = Lead.objects.get(pk=found.pk).owner
        return services.opportunity_create(lead_id=found.pk, acting_user=owner, amount=amount, at=when)

    def win(deal: Opportunity, when: datetime) -> None:
        services.opportunity_close(opportunity_id=deal.pk, acting_user=deal.owner, won=True, at=when)

    leads = {}
    leads["W0"] = lead("w0", at(2, 20), webinar)
    convert(leads["W0"], "2000.00", at(3, 2))
    leads["W1"] = lead("w1", at(3, 2), webinar)
    win(convert(leads["W1"], "12000.00", at(3, 3)), at(3, 20))
    leads["W2"] = lead("w2", at(3, 4), webinar)
    w2_owner = leads["W2"].owner
    services.lead_reject(
        lead_id=leads["W2"].pk, acting_user=w2_owner, reason="no_budget", action="recycle", at=at(3, 5)
    )
    download(leads["W2"], at(3, 16))
    services.lead_accept(lead_id=leads["W2"].pk, acting_user=Lead.objects.get(pk=leads["W2"].pk).owner, at=at(3, 17))
    leads["W3"] = lead("w3", at(3, 6), webinar, qualify=False)
    leads["W4"] = lead("w4", at(4, 2), webinar)
    leads["A1"] = lead("a1", at(3, 9), ads)
    convert(leads["A1"], "4000.00", at(3, 10))
    leads["A2"] = lead("a2", at(3, 11), ads, qualify=False)
    leads["A3"] = lead("a3", at(3, 12), ads, qualify=False)
    leads["A4"] = lead("a4", at(3, 13), ads)
    leads["L1"] = lead("l1", at(3, 24), newsletter, qualify=False)
    leads["N1"] = lead("n1", at(3, 18), None)
    win(convert(leads["N1"], "3000.00", at(3, 19)), at(3, 23))
    leads["N2"] = lead("n2", at(3, 19), None, qualify=False)
    Opportunity.objects.create(name="Imported deal", amount=Decimal("5000.00"), created_at=at(3, 25))
    # The history is what the table says: W2 qualified twice, W1 and N1 customers.
    assert [Lead.objects.get(pk=leads[k].pk).stage for k in ("W0", "W1", "W2", "W3", "A1", "A4", "N1")] == [
        "sql", "customer", "sal", "lead", "sql", "mql", "customer"
    ]  # fmt: skip
    return Costs(webinar=webinar, ads=ads, expo=expo, newsletter=newsletter, leads=leads)


def counts(row: dict) -> tuple:
    return tuple(row[name] for name in ("leads", "mqls", "sqls", "opportunities", "customers"))


def per(row: dict) -> tuple:
    names = ("cost_per_lead", "cost_per_mql", "cost_per_sql", "cost_per_opportunity", "cost_per_customer")
    return tuple(row[name] for name in names)


def test_march_by_campaign(world, costs):
    report = cost_report(**MARCH).as_dict()

    rows = {row["group"]: row for row in report["rows"]}
    # The most costly first; the leads without a campaign after the campaigns; webinar-1 left out.
    assert list(rows) == ["search-ads", "spring-webinar", "expo", "newsletter", "(no campaign)"]

    webinar = rows["spring-webinar"]
    assert (webinar["name"], webinar["channel"], webinar["budget"], webinar["cost"]) == (
        "Spring webinar", "webinar", 5000.0, 3100.0
    )  # fmt: skip
    assert counts(webinar) == (3, 3, 2, 2, 1)
    assert webinar["won_revenue"] == 12000.0
    assert per(webinar) == (1033.33, 1033.33, 1550.0, 1550.0, 3100.0)
    assert webinar["return"] == 3.871

    ads = rows["search-ads"]
    assert (ads["channel"], ads["budget"], ads["cost"], ads["won_revenue"]) == ("paid_search", 12000.0, 5580.0, 0.0)
    assert counts(ads) == (4, 2, 1, 1, 0)
    assert per(ads) == (1395.0, 2790.0, 5580.0, 5580.0, None)
    assert ads["return"] == 0.0

    expo = rows["expo"]
    assert (expo["cost"], counts(expo), per(expo), expo["return"]) == (1550.0, (0,) * 5, (None,) * 5, 0.0)

    newsletter = rows["newsletter"]
    assert (newsletter["channel"], newsletter["budget"], newsletter["cost"]) == ("(none)", None, 0.0)
    assert (counts(newsletter), per(newsletter), newsletter["return"]) == (
        (1, 0, 0, 0, 0), (0.0, None, None, None, None), None
    )  # fmt: skip

    unattributed = rows["(no campaign)"]
    assert (unattributed["channel"], unattributed["budget"], unattributed["cost"]) == (None, None, None)
    assert (counts(unattributed), unattributed["won_revenue"]) == ((2, 1, 1, 1, 1), 3000.0)
    assert (per(unattributed), unattributed["return"]) == ((None,) * 5, None)

    total = report["total"]
    assert (total["group"], total["budget"], total["cost"], total["won_revenue"]) == ("All", 25000.0, 10230.0, 15000.0)
    assert counts(total) == (10, 6, 4, 4, 2)
    assert per(total) == (1023.0, 1705.0, 2557.5, 2557.5, 5115.0)
    assert total["return"] == 1.4663


def test_by_channel(world, costs):
    """The same March folded by the campaigns' channel: webinar holds spring-webinar alone
    (webinar-1 had nothing), newsletter's blank channel is "(none)"."""
    report = cost_report(**MARCH, by="channel").as_dict()

    assert [(row["group"], row["budget"], row["cost"], counts(row), row["won_revenue"]) for row in report["rows"]] == [
        ("paid_search", 12000.0, 5580.0, (4, 2, 1, 1, 0), 0.0),
        ("webinar", 5000.0, 3100.0, (3, 3, 2, 2, 1), 12000.0),
        ("events", 8000.0, 1550.0, (0, 0, 0, 0, 0), 0.0),
        ("(none)", None, 0.0, (1, 0, 0, 0, 0), 0.0),
        ("(no campaign)", None, None, (2, 1, 1, 1, 1), 3000.0),
    ]
    webinar = report["rows"][1]
    assert (per(webinar), webinar["return"]) == ((1033.33, 1033.33, 1550.0, 1550.0, 3100.0), 3.871)
    assert (report["total"]["cost"], report["total"]["return"]) == (10230.0, 1.4663)


def test_a_month_is_prorated_by_its_days_inside_the_period(world, costs):
    """15 February – 15 March: 14 of February's 28 days and 15 of March's 31.
    spring-webinar 2,800 × 14/28 + 3,100 × 15/31 = 1,400 + 1,500 = 2,900.00;
    search-ads 5,580 × 15/31 = 2,700.00; expo 1,550 × 15/31 = 750.00.
    20 March – 10 April: 12 of March's 31 days, 10 of April's 30:
    spring-webinar 3,100 × 12/31 + 3,000 × 10/30 = 1,200 + 1,000 = 2,200.00; search-ads 5,580 × 12/31 = 2,160.00."""
    assert month_shares(date(2026, 2, 15), date(2026, 3, 15)) == {
        date(2026, 2, 1): Fraction(14, 28),
        date(2026, 3, 1): Fraction(15, 31),
    }
    assert campaign_costs_in(date(2026, 2, 15), date(2026, 3, 15)) == {
        costs.webinar.pk: Decimal("2900.00"),
        costs.ads.pk: Decimal("2700.00"),
        costs.expo.pk: Decimal("750.00"),
    }
    assert campaign_costs_in(date(2026, 3, 20), date(2026, 4, 10)) == {
        costs.webinar.pk: Decimal("2200.00"),
        costs.ads.pk: Decimal("2160.00"),
        costs.expo.pk: Decimal("600.00"),  # 1,550 × 12/31
    }
    # A whole month counts fully, a whole quarter is the sum of its months.
    assert month_shares(date(2026, 3, 1), date(2026, 3, 31)) == {date(2026, 3, 1): Fraction(1)}
    assert campaign_costs_in(date(2026, 2, 1), date(2026, 4, 30))[costs.webinar.pk] == Decimal("8900.00")


def test_a_share_is_rounded_to_the_cent_half_up(world):
    """1,000.00 over 1–15 March: 1,000 × 15/31 = 483.8709… → 483.87; over 1–16 March:
    1,000 × 16/31 = 516.1290… → 516.13; 0.01 over 1–15 June: 0.01 × 15/30 = 0.005 exactly
    → 0.01 (half up; half to even would give 0.00)."""
    campaign = Campaign.objects.create(code="tiny", name="Tiny")
    record(world, campaign, "2026-03", "1000.00")
    record(world, campaign, "2026-06", "0.01")

    assert campaign_costs_in(date(2026, 3, 1), date(2026, 3, 15)) == {campaign.pk: Decimal("483.87")}
    assert campaign_costs_in(date(2026, 3, 1), date(2026, 3, 16)) == {campaign.pk: Decimal("516.13")}
    assert campaign_costs_in(date(2026, 6, 1), date(2026, 6, 15)) == {campaign.pk: Decimal("0.01")}


def test_the_first_half_of_march(world, costs):
    """1–15 March: costs 1,500.00 (webinar), 2,700.00 (ads), 750.00 (expo). Webinar: W1 W2
    W3 created, MQLs W1 and W2 (its second MQL is on the 16th), SQLs W0 W1, no customer
    yet (W1 is won on the 20th): per lead 1,500/3 = 500.00, per MQL 750.00, per SQL 750.00.
    Ads: A1–A4, MQLs A1 A4, SQL A1: per lead 675.00, per MQL 1,350.00, per SQL 2,700.00.
    No lead without a campaign yet (N1 on the 18th): no "(no campaign)" row."""
    report = cost_report(date_from=date(2026, 3, 1), date_to=date(2026, 3, 15))

    assert [(row.group, row.cost, tuple(row.counts.values())) for row in report.rows] == [
        ("search-ads", Decimal("2700.00"), (4, 2, 1, 1, 0)),
        ("spring-webinar", Decimal("1500.00"), (3, 2, 2, 2, 0)),
        ("expo", Decimal("750.00"), (0, 0, 0, 0, 0)),
    ]
    webinar, ads = report.rows[1], report.rows[0]
    assert [webinar.cost_per(name) for name in ("leads", "mqls", "sqls", "customers")] == [
        Decimal("500.00"), Decimal("750.00"), Decimal("750.00"), None
    ]  # fmt: skip
    assert [ads.cost_per(name) for name in ("leads", "mqls", "sqls")] == [
        Decimal("675.00"), Decimal("1350.00"), Decimal("2700.00")
    ]  # fmt: skip
    assert (report.total.cost, report.total.counts["leads"]) == (Decimal("4950.00"), 7)


def test_a_campaign_with_nothing_in_the_period_is_left_out(world, costs):
    """January: no cost entry, no lead, no event — no row at all, and a total of zeros."""
    report = cost_report(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)).as_dict()

    assert report["rows"] == []
    assert (report["total"]["cost"], counts(report["total"]), report["total"]["return"]) == (0.0, (0,) * 5, None)


def test_a_campaign_with_cost_and_no_leads_counts_its_cost(world, costs):
    """Expo cost 1,550.00 in March and brought nothing: it still has its row, every cost per
    is undefined, and the return is 0."""
    expo = next(row for row in cost_report(**MARCH).rows if row.group == "expo")

    assert (expo.cost, expo.won_revenue, expo.return_on_cost) == (Decimal("1550.00"), Decimal("0.00"), Decimal("0"))
    assert [expo.cost_per(name) for name in ("leads", "mqls", "sqls", "opportunities", "customers")] == [None] * 5


def test_corrections_bring_a_month_to_zero_and_the_campaign_drops_out(world, costs):
    """Expo's March corrected to nothing (1,550.00 − 1,550.00 = 0) and no lead: left out."""
    record(world, costs.expo, "2026-03", "-1550.00", "Cancelled: refunded")

    assert [row.group for row in cost_report(**MARCH).rows] == [
        "search-ads", "spring-webinar", "newsletter", "(no campaign)"
    ]  # fmt: skip


def test_a_deal_reopened_and_won_again_is_one_sql(world, costs):
    """W1's deal, won on 20 March, is reopened on 21 March (the lead goes back to sql) and
    won again on 22 March: the reopening is not a new SQL (still 2 for spring-webinar); the
    lead became a customer twice (2 stage events); the deal is won once (12,000.00)."""
    deal = Opportunity.objects.get(lead=costs.leads["W1"])
    services.opportunity_reopen(opportunity_id=deal.pk, acting_user=deal.owner, note="Contract query", at=at(3, 21))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=deal.owner, won=True, at=at(3, 22))

    webinar = next(row for row in cost_report(**MARCH).rows if row.group == "spring-webinar")

    assert (webinar.counts["sqls"], webinar.counts["customers"], webinar.won_revenue) == (2, 2, Decimal("12000.00"))


def test_report_rows_are_the_csv_columns(world, costs):
    rows = report_rows(cost_report(**MARCH))

    assert ROW_COLUMNS == (
        "group", "name", "channel", "budget", "cost", "leads", "mqls", "sqls", "opportunities", "customers",
        "won_revenue", "cost_per_lead", "cost_per_mql", "cost_per_sql", "cost_per_opportunity",
        "cost_per_customer", "return",
    )  # fmt: skip
    assert rows[1] == (
        "spring-webinar", "Spring webinar", "webinar", Decimal("5000.00"), Decimal("3100.00"), 3, 3, 2, 2, 1,
        Decimal("12000.00"), Decimal("1033.33"), Decimal("1033.33"), Decimal("1550.00"), Decimal("1550.00"),
        Decimal("3100.00"), Decimal("3.8710"),
    )  # fmt: skip
    assert rows[-1][:5] == ("All", "All", None, Decimal("25000.00"), Decimal("10230.00"))


def test_bad_groupings_and_periods_are_refused(world):
    with pytest.raises(InvalidInput) as error:
        cost_report(**MARCH, by="source")
    assert error.value.field == "by"
    with pytest.raises(InvalidInput) as error:
        cost_report(date_from=date(2026, 3, 31), date_to=date(2026, 3, 1))
    assert error.value.field == "to"


def test_a_lead_that_moves_campaign_takes_its_past_counts_along(world, costs):
    """W0 (created in February: its March SQL and deal are read off the lead itself) and W1
    (created in March) are captured again in April naming search-ads: March counts them
    there now.

    spring-webinar  leads 3 − W1 = 2 (W2 W3); MQLs 3 − W1 = 2 (W2 twice); SQLs 2 − W0 − W1 = 0;
                    opportunities 2 − 2 = 0; customers 1 − W1 = 0; won 12,000 − 12,000 = 0
    search-ads      leads 4 + W1 = 5; MQLs 2 + W1 = 3; SQLs 1 + 2 = 3; opportunities 1 + 2 = 3;
                    customers 0 + W1 = 1; won 0 + 12,000 = 12,000 → return 12,000/5,580 = 2.15053… → 2.1505
    The total is the same: leads 10, MQLs 6, SQLs 4, opportunities 4, customers 2, won 15,000."""
    for key in ("W0", "W1"):
        services.lead_capture(
            data={**QUALIFIABLE, "email": f"{key.lower()}@bigco.example", "campaign": costs.ads.code},
            acting_user=world.marketer,
            at=at(4, 5),
        )
    assert {Lead.objects.get(pk=costs.leads[key].pk).campaign_id for key in ("W0", "W1")} == {costs.ads.pk}

    report = cost_report(**MARCH).as_dict()
    rows = {row["group"]: row for row in report["rows"]}
    assert counts(rows["spring-webinar"]) == (2, 2, 0, 0, 0)
    assert rows["spring-webinar"]["won_revenue"] == 0.0
    assert counts(rows["search-ads"]) == (5, 3, 3, 3, 1)
    assert (rows["search-ads"]["won_revenue"], rows["search-ads"]["return"]) == (12000.0, 2.1505)
    assert counts(report["total"]) == (10, 6, 4, 4, 2)
    assert report["total"]["won_revenue"] == 15000.0
