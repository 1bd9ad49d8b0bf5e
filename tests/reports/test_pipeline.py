"""Pipeline and revenue, and marketing-sourced against sales-sourced, over deals built by hand.

Rita Rep (EMEA) works the German leads, am-rep@accord.test (Americas) the American one;
Other Rep is on leave. Times UTC, every deal at 10:00 unless said:

D1  lead A (source webinar, campaign webinar-1): created Mon 2 Mar, 10,000, won Fri 20 Mar     18 days
D2  lead B (webinar): created Tue 10 Feb, 4,000, won Thu 5 Mar (Feb 2026 has 28 days)           23 days
D3  lead C (ads): created Tue 3 Mar, 6,000, won Tue 10 Mar, REOPENED Thu 12 Mar, won Thu 2 Apr  30 days
D4  lead E (ads, United States): created Wed 4 Mar, 2,000, lost Wed 25 Mar
D5  imported, no lead, owner "Sam Seller" (not a user): created 1 Mar 00:00, 8,000,
    won 31 Mar 00:00                                                                           30 days
D6  imported for lead W, which sales found (imported, never an MQL), owner rep@accord.test:
    created 15 Mar 12:00, 3,000, lost 28 Mar 12:00

March by owner:
  Rita Rep   created D1 D3 D6 = 3 (19,000); open at the end D3 (6,000); won D1 D2 (14,000);
             lost D6; win rate 2/3; average 7,000; median cycle of 18, 23 = 20.5
  Sam Seller created D5 (8,000); won D5 (8,000); win rate 1; average 8,000; cycle 30
  am-rep     created D4 (2,000); lost D4; win rate 0
  All        created 5 (29,000); open 1 (6,000); won 3 (22,000); lost 2; win rate 3/5;
             average 22,000 / 3 = 7,333.33; median of 18, 23, 30 = 23
D3 was won in March but reopened before March ended: not won in March, open at its end.

Sourcing, March: marketing = D1 D2 D3 D4 (each lead an MQL before its deal);
sales = D5 (no lead) and D6 (its lead never was an MQL).
  marketing  created D1 D3 D4 = 3 (18,000); open D3 (6,000); won D1 D2 (14,000); lost D4;
             win rate 2/3; average 7,000; median 20.5
  sales      created D5 D6 = 2 (11,000); won D5 (8,000); lost D6; win rate 1/2; average 8,000;
             median 30
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput, InvalidTransition
from accord.crm import services
from accord.crm.models import OpportunityEvent
from accord.imports.services import import_run
from accord.reports.pipeline import pipeline_report, sourcing_report
from tests.conftest import qualify

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
APRIL = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


LEADS_FILE = "email,company,source,created_at\nwalkin@corp.example,Corp,,2026-03-14T09:00:00Z\n"
DEALS_FILE = """external_id,name,lead,owner,amount,stage,created_at,closed_at,lost_reason
SF-5,Sam's deal,,Sam Seller,8000,won,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,
SF-6,Walk-in,walkin@corp.example,rep@accord.test,3000,lost,2026-03-15T12:00:00Z,2026-03-28T12:00:00Z,no_budget
"""


@pytest.fixture
def deals(world, definition, tmp_path):
    definition.activated_at = utc(1, 1)
    definition.save(update_fields=["activated_at"])
    world.rep.first_name, world.rep.last_name = "Rita", "Rep"
    world.rep.save(update_fields=["first_name", "last_name"])
    world.other_rep.is_out_of_office = True
    world.other_rep.save(update_fields=["is_out_of_office"])

    def deal(name, source, created, amount, *, country="DE", campaign=None):
        extra = {"campaign": campaign} if campaign else {}
        lead = qualify(
            world, at=created.replace(hour=8), email=f"{name}@bigco.example", source=source, country=country, **extra
        )
        assert lead.stage == "mql", name
        return services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=amount, at=created)

    def close(opportunity, at, won=True):
        reason = None if won else "no_budget"
        services.opportunity_close(
            opportunity_id=opportunity.pk, acting_user=opportunity.owner, won=won, reason=reason, at=at
        )

    made = {}
    made["D1"] = deal("a", "webinar", utc(3, 2), 10_000, campaign=world.campaign.code)
    made["D2"] = deal("b", "webinar", utc(2, 10), 4_000)
    made["D3"] = deal("c", "ads", utc(3, 3), 6_000)
    made["D4"] = deal("e", "ads", utc(3, 4), 2_000, country="US")
    assert made["D4"].owner == world.americas_rep
    close(made["D2"], utc(3, 5))
    close(made["D3"], utc(3, 10))
    services.opportunity_reopen(opportunity_id=made["D3"].pk, acting_user=world.rep, at=utc(3, 12))
    close(made["D1"], utc(3, 20))
    close(made["D4"], utc(3, 25), won=False)
    close(made["D3"], utc(4, 2))
    for kind, text in (("leads", LEADS_FILE), ("opportunities", DEALS_FILE)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = import_run(kind, path, now=utc(4, 10))
        assert result.summary.get("rejected", 0) == 0, result.summary
    return made


def flat(row: dict) -> tuple:
    names = ("created", "created_amount", "open", "open_amount", "won", "won_revenue", "lost")
    return (row["group"], *(row[n] for n in names), row["win_rate"], row["average_deal"], row["median_cycle_days"])


def test_march_by_owner(deals):
    report = pipeline_report(**MARCH, by="owner").as_dict()

    assert [flat(row) for row in report["rows"]] == [
        ("Rita Rep", 3, 19_000.0, 1, 6_000.0, 2, 14_000.0, 1, round(2 / 3, 4), 7_000.0, 20.5),
        ("Sam Seller", 1, 8_000.0, 0, 0.0, 1, 8_000.0, 0, 1.0, 8_000.0, 30.0),
        ("am-rep@accord.test", 1, 2_000.0, 0, 0.0, 0, 0.0, 1, 0.0, None, None),
    ]
    assert flat(report["total"]) == ("All", 5, 29_000.0, 1, 6_000.0, 3, 22_000.0, 2, 0.6, 7_333.33, 23.0)


def test_by_team_source_and_campaign(deals):
    def rows(by):
        return {row["group"]: flat(row)[1:] for row in pipeline_report(**MARCH, by=by).as_dict()["rows"]}

    assert rows("team") == {
        "EMEA": (3, 19_000.0, 1, 6_000.0, 2, 14_000.0, 1, round(2 / 3, 4), 7_000.0, 20.5),
        "(no team)": (1, 8_000.0, 0, 0.0, 1, 8_000.0, 0, 1.0, 8_000.0, 30.0),
        "Americas": (1, 2_000.0, 0, 0.0, 0, 0.0, 1, 0.0, None, None),
    }
    # webinar: D1 created and won, D2 won; ads: D3 created and open, D4 created and lost;
    # D6's lead has no source; D5 has no lead.
    assert rows("source") == {
        "webinar": (1, 10_000.0, 0, 0.0, 2, 14_000.0, 0, 1.0, 7_000.0, 20.5),
        "(no lead)": (1, 8_000.0, 0, 0.0, 1, 8_000.0, 0, 1.0, 8_000.0, 30.0),
        "ads": (2, 8_000.0, 1, 6_000.0, 0, 0.0, 1, 0.0, None, None),
        "(none)": (1, 3_000.0, 0, 0.0, 0, 0.0, 1, 0.0, None, None),
    }
    assert rows("campaign") == {
        "webinar-1": (1, 10_000.0, 0, 0.0, 1, 10_000.0, 0, 1.0, 10_000.0, 18.0),
        "(no lead)": (1, 8_000.0, 0, 0.0, 1, 8_000.0, 0, 1.0, 8_000.0, 30.0),
        "(none)": (3, 11_000.0, 1, 6_000.0, 1, 4_000.0, 2, round(1 / 3, 4), 4_000.0, 23.0),
    }


def test_by_month_counts_the_open_deals_at_each_months_end(deals):
    report = pipeline_report(date_from=date(2026, 2, 1), date_to=date(2026, 3, 31), by="month").as_dict()

    # February: D2 created and still open at its end.
    assert [flat(row) for row in report["rows"]] == [
        ("2026-02", 1, 4_000.0, 1, 4_000.0, 0, 0.0, 0, None, None, None),
        ("2026-03", 5, 29_000.0, 1, 6_000.0, 3, 22_000.0, 2, 0.6, 7_333.33, 23.0),
    ]
    assert flat(report["total"]) == ("All", 6, 33_000.0, 1, 6_000.0, 3, 22_000.0, 2, 0.6, 7_333.33, 23.0)


def test_a_reopened_deal_counts_where_it_finally_closed(deals):
    """D3 won 10 March, reopened 12 March, won 2 April: in April, once."""
    april = pipeline_report(**APRIL).as_dict()["total"]
    assert flat(april) == ("All", 0, 0.0, 0, 0.0, 1, 6_000.0, 0, 1.0, 6_000.0, 30.0)
    # Over March and April, D3 is won once, not twice.
    both = pipeline_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30)).as_dict()["total"]
    assert (both["won"], both["won_revenue"], both["open"]) == (4, 28_000.0, 0)
    # Its lead went customer → sql → customer.
    lead = deals["D3"].lead
    stages = [(e.from_stage, e.to_stage) for e in lead.events.filter(kind="stage").order_by("occurred_at", "id")]
    assert stages[-3:] == [("sql", "customer"), ("customer", "sql"), ("sql", "customer")]


def test_a_past_period_does_not_change_when_a_deal_reopens_later(deals, world):
    before = pipeline_report(**MARCH).as_dict()
    services.opportunity_reopen(opportunity_id=deals["D1"].pk, acting_user=world.rep, at=utc(4, 15))

    assert pipeline_report(**MARCH).as_dict() == before
    assert pipeline_report(**APRIL).as_dict()["total"]["open"] == 1


def test_marketing_sourced_against_sales_sourced(deals):
    report = sourcing_report(**MARCH).as_dict()

    assert [flat(row) for row in report["rows"]] == [
        ("marketing", 3, 18_000.0, 1, 6_000.0, 2, 14_000.0, 1, round(2 / 3, 4), 7_000.0, 20.5),
        ("sales", 2, 11_000.0, 0, 0.0, 1, 8_000.0, 1, 0.5, 8_000.0, 30.0),
    ]
    assert flat(report["total"])[1:] == (5, 29_000.0, 1, 6_000.0, 3, 22_000.0, 2, 0.6, 7_333.33, 23.0)


def test_the_history_of_every_deal(deals):
    def kinds(deal):
        return [(e.kind, e.status) for e in OpportunityEvent.objects.filter(opportunity=deal).order_by("occurred_at")]

    assert kinds(deals["D3"]) == [
        ("created", "open"),
        ("won", "won"),
        ("reopened", "open"),
        ("won", "won"),
    ]
    assert kinds(deals["D4"]) == [("created", "open"), ("lost", "lost")]
    imported = OpportunityEvent.objects.filter(opportunity__external_id="SF-5").order_by("occurred_at")
    assert [(e.kind, e.occurred_at) for e in imported] == [("created", utc(3, 1, 0)), ("won", utc(3, 31, 0))]


def test_only_a_closed_deal_reopens_and_not_before_it_closed(deals, world):
    services.opportunity_reopen(opportunity_id=deals["D2"].pk, acting_user=world.rep, at=utc(4, 3))
    with pytest.raises(InvalidTransition):
        services.opportunity_reopen(opportunity_id=deals["D2"].pk, acting_user=world.rep, at=utc(4, 4))
    count = OpportunityEvent.objects.count()
    with pytest.raises(InvalidInput) as error:
        services.opportunity_reopen(opportunity_id=deals["D1"].pk, acting_user=world.rep, at=utc(3, 19))
    assert error.value.field == "at"
    assert OpportunityEvent.objects.count() == count


def test_a_reopened_lost_deal_takes_its_lead_back_from_nurture(deals, world):
    lead = deals["D4"].lead
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == ("recycled", None)

    services.opportunity_reopen(opportunity_id=deals["D4"].pk, acting_user=world.americas_rep, at=utc(3, 26))

    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == ("sql", world.americas_rep)


def test_unknown_grouping_names_the_field(deals):
    with pytest.raises(InvalidInput) as error:
        pipeline_report(**MARCH, by="planet")
    assert error.value.field == "by"
