"""Velocity over a February and a March built by hand through the real services.

A stay runs from the event that put a lead in a stage to the one that took it out; a period
counts the stays that ended in it. Days are elapsed time / 24 h. All times UTC; London moved
to BST (UTC+1) at 01:00 UTC on Sunday 29 March 2026. Leads on bigco.example belong to
Rita Rep, on teamco.example to Other Rep (account control).

lead source   what happened                                      stays (days) that ended
A  webinar    created Fri 6 Mar 10:00, a lead                    lead  Mon 9 Mar    3.00 (a weekend)
              qualified Mon 9 Mar 10:00                          mql   Tue 10 Mar   1.25
              accepted Tue 10 Mar 16:00                          sal   Thu 12 Mar   1.8333 (44 h)
              converted Thu 12 Mar 12:00                         sql   Sat 28 Mar  16.00
              won Sat 28 Mar 12:00                               creation → customer 22.0833 (22 d 2 h)
B  ads        created and qualified Sat 28 Mar 12:00 UTC         lead  Sat 28 Mar   0.00
              accepted Mon 30 Mar 11:00 UTC (12:00 BST)          mql   Mon 30 Mar   1.9583 (47 h, not
                                                                 the 2 days the wall clock shows)
C  ads        created and qualified Mon 2 Mar 10:00              lead  Mon 2 Mar    0.00
              recycled Tue 3 Mar 10:00                           mql   Tue 3 Mar    1.00
              qualified again Mon 16 Mar 10:00                   (recycled: not a measured stage)
              accepted Wed 18 Mar 22:00                          mql   Wed 18 Mar   2.50
D  —          subscribed (email only) Mon 2 Mar 10:00
              contact details Wed 4 Mar 16:00                    subscriber Wed 4 Mar 2.25
E  webinar    created and qualified Mon 2 Feb 10:00              lead  Mon 2 Feb    0.00
              accepted Thu 5 Feb 10:00                           mql   Thu 5 Feb    3.00
              converted Mon 2 Mar 10:00                          sal   Mon 2 Mar   25.00 (began in February)
F  webinar    created Mon 9 Feb 10:00, a lead                    lead  Wed 11 Feb   2.00
              qualified Wed 11 Feb 10:00                         mql   Wed 11 Feb   0.50
              accepted Wed 11 Feb 22:00                          sal   Fri 13 Feb   1.50
              converted Fri 13 Feb 10:00                         sql   Fri 27 Feb  14.00
              won Fri 27 Feb 10:00                               creation → customer 18.00
G  ads        created Tue 31 Mar 10:00, qualified Wed 1 Apr      lead  in April: counted in neither

March: subscriber [2.25]; lead [0, 0, 3]; mql [1.0, 1.25, 1.9583, 2.5]; sal [1.8333, 25];
sql [16]; creation → customer [22.0833].
February: lead [0, 2]; mql [0.5, 3]; sal [1.5]; sql [14]; creation → customer [18].

Median and 90th percentile interpolate between the nearest ranks (rank q·(n − 1)):
- March lead: median 0; p90 at rank 1.8: 0 + 0.8 × 3 = 2.4.
- March mql: median (1.25 + 1.9583) / 2 = 1.6042 → 1.6; p90 at rank 2.7:
  1.9583 + 0.7 × (2.5 − 1.9583) = 2.3375 → 2.34.
- March sal: median (1.8333 + 25) / 2 = 13.4167 → 13.42; p90 at rank 0.9:
  1.8333 + 0.9 × 23.1667 = 22.6833 → 22.68.
- February lead: median 1.0, p90 1.8; mql: median 1.75, p90 0.5 + 0.9 × 2.5 = 2.75.
"""

from datetime import UTC, date, datetime

import pytest

from accord.campaigns.models import Campaign
from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Account, Lead
from accord.reports.velocity import report_rows, row_columns, velocity_report
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def journeys(world):
    world.rep.first_name, world.rep.last_name = "Rita", "Rep"
    world.rep.save(update_fields=["first_name", "last_name"])
    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.rep)
    Account.objects.create(name="Teamco", domain="teamco.example", owner=world.other_rep)
    marketer = world.marketer

    def capture(email: str, at: datetime, **data) -> Lead:
        lead, _ = services.lead_capture(data={**QUALIFIABLE, "email": email, **data}, acting_user=marketer, at=at)
        return lead

    def qualify(lead: Lead, at: datetime) -> Lead:
        services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=marketer, at=at)
        lead.refresh_from_db()
        assert lead.stage == "mql", lead.email
        return lead

    def won(lead: Lead, converted: datetime, closed: datetime) -> None:
        deal = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000", at=converted)
        services.opportunity_close(opportunity_id=deal.pk, acting_user=lead.owner, won=True, at=closed)

    e = qualify(capture("e@bigco.example", utc(2, 2, 10), source="webinar"), utc(2, 2, 10))
    services.lead_accept(lead_id=e.pk, acting_user=e.owner, at=utc(2, 5, 10))
    f = qualify(capture("f@bigco.example", utc(2, 9, 10), source="webinar"), utc(2, 11, 10))
    services.lead_accept(lead_id=f.pk, acting_user=f.owner, at=utc(2, 11, 22))
    won(f, utc(2, 13, 10), utc(2, 27, 10))

    c = qualify(capture("c@teamco.example", utc(3, 2, 10), source="ads"), utc(3, 2, 10))
    services.lead_reject(lead_id=c.pk, acting_user=c.owner, reason="not_ready", action="recycle", at=utc(3, 3, 10))
    d, _ = services.lead_capture(data={"email": "d@news.example"}, acting_user=marketer, at=utc(3, 2, 10))
    services.opportunity_create(lead_id=e.pk, acting_user=e.owner, amount="500", at=utc(3, 2, 10))
    services.lead_capture(
        data={"email": "d@news.example", "first_name": "Dee", "company": "News"}, acting_user=marketer, at=utc(3, 4, 16)
    )
    a = qualify(capture("a@bigco.example", utc(3, 6, 10), source="webinar"), utc(3, 9, 10))
    services.lead_accept(lead_id=a.pk, acting_user=a.owner, at=utc(3, 10, 16))
    c = qualify(c, utc(3, 16, 10))
    services.lead_accept(lead_id=c.pk, acting_user=c.owner, at=utc(3, 18, 22))
    won(a, utc(3, 12, 12), utc(3, 28, 12))
    b = qualify(capture("b@bigco.example", utc(3, 28, 12), source="ads"), utc(3, 28, 12))
    services.lead_accept(lead_id=b.pk, acting_user=b.owner, at=utc(3, 30, 11))
    g = capture("g@bigco.example", utc(3, 31, 10), source="ads")
    qualify(g, utc(4, 1, 10))

    assert dict(Lead.objects.values_list("email", "stage")) == {
        "a@bigco.example": "customer",
        "b@bigco.example": "sal",
        "c@teamco.example": "sal",
        "d@news.example": "lead",
        "e@bigco.example": "sql",
        "f@bigco.example": "customer",
        "g@bigco.example": "mql",
    }
    return {"a": a, "b": b, "c": c, "d": d}


def times(count, median, p90) -> dict:
    return {"count": count, "median_days": median, "p90_days": p90}


NONE = times(0, None, None)


def test_march_against_february(journeys):
    report = velocity_report(**MARCH).as_dict()

    assert (report["compare"], report["compare_from"], report["compare_to"]) == ("previous", "2026-02-01", "2026-02-28")
    assert report["rows"] == [
        {
            "group": "All",
            "subscriber": times(1, 2.25, 2.25),
            "lead": times(3, 0.0, 2.4),
            "mql": times(4, 1.6, 2.34),
            "sal": times(2, 13.42, 22.68),
            "sql": times(1, 16.0, 16.0),
            "lead_to_customer": times(1, 22.08, 22.08),
            "previous": {
                "subscriber": NONE,
                "lead": times(2, 1.0, 1.8),
                "mql": times(2, 1.75, 2.75),
                "sal": times(1, 1.5, 1.5),
                "sql": times(1, 14.0, 14.0),
                "lead_to_customer": times(1, 18.0, 18.0),
            },
            # Medians less medians, as shown (two decimals); none beside a stage without stays.
            "change": {
                "subscriber": times(1, None, None),
                "lead": times(1, -1.0, 0.6),  # 0 − 1.0; 2.4 − 1.8
                "mql": times(2, -0.15, -0.41),  # 1.6 − 1.75; 2.34 − 2.75
                "sal": times(1, 11.92, 21.18),  # 13.42 − 1.5; 22.68 − 1.5
                "sql": times(0, 2.0, 2.0),
                "lead_to_customer": times(0, 4.08, 4.08),  # 22.08 − 18.0
            },
        }
    ]


def test_a_weekend_counts_as_calendar_days(journeys):
    """A: a lead from Friday 6 March 10:00 to Monday 9 March 10:00 — three days, though
    only one of them a working day."""
    (total,) = velocity_report(date_from=date(2026, 3, 9), date_to=date(2026, 3, 9), compare="none").rows

    assert total.as_dict()["lead"] == times(1, 3.0, 3.0)


def test_a_stay_across_the_clock_change_is_elapsed_time(journeys):
    """B: an MQL from 12:00 GMT on Saturday 28 March to 12:00 BST on Monday 30 March. The
    wall clock says two days; 47 hours passed (28 Mar 12:00 UTC → 30 Mar 11:00 UTC):
    47 / 24 = 1.9583 → 1.96."""
    (total,) = velocity_report(date_from=date(2026, 3, 30), date_to=date(2026, 3, 30), compare="none").rows

    assert total.as_dict()["mql"] == times(1, 1.96, 1.96)


def test_a_lead_recycled_and_qualified_again_has_two_mql_stays(journeys, world):
    """C, Other Rep's: an MQL for 1 day before it was recycled, then 2.5 days after it
    qualified again. Median (1 + 2.5) / 2 = 1.75; p90 1 + 0.9 × 1.5 = 2.35."""
    rows = velocity_report(**MARCH, by="owner", compare="none").rows

    other = next(row for row in rows if row.group == "other@accord.test")
    assert other.as_dict()["mql"] == times(2, 1.75, 2.35)
    assert other.as_dict()["lead"] == times(1, 0.0, 0.0)


def test_grouped_by_source_against_february(journeys):
    """By the leads' source: webinar A and E (F in February), ads B and C, D has none.

    webinar March: lead [3]; mql [1.25]; sal [1.8333, 25] → 13.42, 22.68; sql [16];
      creation → customer [22.08]. February (E, F): lead [0, 2] → 1.0, 1.8; mql [3, 0.5]
      → 1.75, 2.75; sal [1.5]; sql [14]; creation → customer [18].
    ads March: lead [0, 0]; mql [1.0, 1.9583, 2.5] → median 1.96, p90 at rank 1.8:
      1.9583 + 0.8 × 0.5417 = 2.3917 → 2.39. Nothing in February.
    Five stays each: ads before webinar by name; then (none) with D's one."""
    rows = velocity_report(**MARCH, by="source").rows

    assert [row.group for row in rows] == ["ads", "webinar", "(none)", "All"]
    ads, webinar, none, _ = (row.as_dict() for row in rows)
    assert {name: ads[name] for name in ("subscriber", "lead", "mql", "sal")} == {
        "subscriber": NONE,
        "lead": times(2, 0.0, 0.0),
        "mql": times(3, 1.96, 2.39),
        "sal": NONE,
    }
    assert ads["previous"]["mql"] == NONE  # no ads stays in February: none counted
    assert ads["change"]["mql"] == times(3, None, None)
    assert webinar["sal"] == times(2, 13.42, 22.68)
    assert webinar["previous"] == {
        "subscriber": NONE,
        "lead": times(2, 1.0, 1.8),
        "mql": times(2, 1.75, 2.75),
        "sal": times(1, 1.5, 1.5),
        "sql": times(1, 14.0, 14.0),
        "lead_to_customer": times(1, 18.0, 18.0),
    }
    assert webinar["change"] == {
        "subscriber": times(0, None, None),
        "lead": times(-1, 2.0, 1.2),  # 3 − 1.0; 3 − 1.8
        "mql": times(-1, -0.5, -1.5),  # 1.25 − 1.75; 1.25 − 2.75
        "sal": times(1, 11.92, 21.18),
        "sql": times(0, 2.0, 2.0),
        "lead_to_customer": times(0, 4.08, 4.08),
    }
    assert none["subscriber"] == times(1, 2.25, 2.25)


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("campaign", ["(none)"]),
        ("channel", ["(none)"]),
        ("segment", ["100–999", "(unknown)"]),  # QUALIFIABLE: 120 employees; D gave no size
        ("country", ["DE", "(none)"]),
        ("team", ["EMEA", "(none)"]),
        ("owner", ["Rita Rep", "other@accord.test", "(none)"]),  # A, B, E: 7 stays; C: 3; D: 1
    ],
)
def test_every_grouping_splits_the_same_stays(journeys, by, groups):
    rows = velocity_report(**MARCH, by=by, compare="none").rows

    assert [row.group for row in rows] == [*groups, "All"]
    assert sum(row.count for row in rows[:-1]) == rows[-1].count == 11  # 1 + 3 + 4 + 2 + 1


def test_groups_follow_the_leads_current_campaign(journeys, world):
    """Groups use the lead's attributes now: A moved to a paid campaign shows under its
    channel in March (as it would in any period)."""
    Campaign.objects.create(code="search-1", name="Search", channel="paid_search")
    services.lead_capture(
        data={"email": "a@bigco.example", "campaign": "search-1"}, acting_user=world.marketer, at=utc(4, 2, 10)
    )

    rows = velocity_report(**MARCH, by="channel", compare="none").rows

    assert [(row.group, row.count) for row in rows] == [("(none)", 7), ("paid_search", 4), ("All", 11)]


def test_compared_with_a_year_earlier(journeys):
    report = velocity_report(**MARCH, compare="year")
    (total,) = report.rows

    assert (report.compare_from, report.compare_to) == (date(2025, 3, 1), date(2025, 3, 31))
    assert total.as_dict()["previous"]["mql"] == NONE


def test_a_past_period_does_not_change_when_leads_move_on(journeys):
    before = velocity_report(**MARCH).as_dict()
    services.lead_reject(
        lead_id=journeys["b"].pk, acting_user=journeys["b"].owner, reason="no_budget", action="disqualify",
        at=utc(4, 3, 10),
    )  # fmt: skip

    assert velocity_report(**MARCH).as_dict() == before


def test_flat_rows_for_csv(journeys):
    report = velocity_report(date_from=date(2026, 3, 30), date_to=date(2026, 3, 30), compare="none")

    assert row_columns(report)[:4] == ("group", "subscriber_count", "subscriber_median_days", "subscriber_p90_days")
    assert report_rows(report) == [("All", 0, None, None, 0, None, None, 1, 1.96, 1.96, *(0, None, None) * 3)]


def test_an_empty_period(db):
    (total,) = velocity_report(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31)).rows

    assert total.as_dict() == {
        "group": "All",
        **dict.fromkeys(("subscriber", "lead", "mql", "sal", "sql", "lead_to_customer"), NONE),
        "previous": dict.fromkeys(("subscriber", "lead", "mql", "sal", "sql", "lead_to_customer"), NONE),
        "change": dict.fromkeys(("subscriber", "lead", "mql", "sal", "sql", "lead_to_customer"), times(0, None, None)),
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 1)}, "to"),
        ({**MARCH, "by": "weather"}, "by"),
        ({**MARCH, "compare": "week"}, "compare"),
    ],
)
def test_bad_parameters_name_the_field(db, params, field):
    with pytest.raises(InvalidInput) as error:
        velocity_report(**params)

    assert error.value.field == field
