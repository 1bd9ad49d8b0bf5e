"""The funnel of March 2026 beside February's, by every new grouping, over leads built by
hand. Leads on bigco.example belong to Rita Rep and on teamco.example to Other Rep (both
EMEA, by account control); a lead from the US (Usco, an account without owner) goes to the
default team, Americas, whose one rep is am-rep@accord.test. QUALIFIABLE: "VP Sales", qualified by one content download.

lead created  campaign (channel)       size   country  path                      team / owner now
M1   3 Mar    webinar-1 (webinar)      120    DE       mql → sal                 EMEA / Rita Rep
M2   4 Mar    ads-1 (paid_search)      50     GB       mql → recycled            EMEA / — (recycling
                                                                                 takes the owner)
M3   5 Mar    —                        2000   US       mql → sal → sql           Americas / am-rep
M4   6 Mar    —                        —      —        subscriber (email only)   — / —
F1  10 Feb    webinar-1 (webinar)      120    DE       mql                       EMEA / Rita Rep
F2  11 Feb    webinar-1 (webinar)      500    DE       lead (never qualified)    — / —

Counts are (leads, mql, sal, sql, customer, recycled, disqualified); conversions
(lead→mql, mql→sal, sal→sql, sql→customer, lead→customer), None with nothing to divide.
All of March: 4 leads; mql 3 (M1–M3), sal 2 (M1, M3), sql 1 (M3), recycled 1 (M2) →
3/4, 2/3, 1/2, 0/1, 0/4. February: 2 leads, mql 1 (F1) → 1/2, 0/1, —, —, 0/2.
Change: counts March − February; conversions 0.75 − 0.5 = 0.25, 0.6667 − 0 = 0.6667,
then none (February had no sal, no sql), 0 − 0 = 0.
"""

from datetime import UTC, date, datetime

import pytest

from accord.campaigns.models import Campaign
from accord.crm import services
from accord.crm.models import Account, Lead
from accord.reports.funnel import CONVERSIONS, funnel_compared, funnel_report, report_rows, row_columns
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
COUNT_NAMES = ("leads", "mql", "sal", "sql", "customer", "recycled", "disqualified")
ZEROS = (0, 0, 0, 0, 0, 0, 0)
NOTHING = (None, None, None, None, None)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.fixture
def cohorts(world):
    world.rep.first_name, world.rep.last_name = "Rita", "Rep"
    world.rep.save(update_fields=["first_name", "last_name"])
    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.rep)
    Account.objects.create(name="Teamco", domain="teamco.example", owner=world.other_rep)
    Campaign.objects.create(code="ads-1", name="Ads", channel="paid_search")

    def capture(email: str, when: datetime, *, qualify: bool = True, **data) -> Lead:
        lead, _ = services.lead_capture(
            data={**QUALIFIABLE, "email": email, **data}, acting_user=world.marketer, at=when
        )
        if qualify:
            services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=when)
        return Lead.objects.get(pk=lead.pk)

    m1 = capture("m1@bigco.example", at(3, 3), campaign="webinar-1", company_size=120, country="DE")
    services.lead_accept(lead_id=m1.pk, acting_user=m1.owner, at=at(3, 4))
    m2 = capture("m2@teamco.example", at(3, 4), campaign="ads-1", company_size=50, country="GB")
    services.lead_reject(lead_id=m2.pk, acting_user=m2.owner, reason="not_ready", action="recycle", at=at(3, 5))
    m3 = capture("m3@usco.example", at(3, 5), company="Usco", company_size=2000, country="US")
    services.opportunity_create(lead_id=m3.pk, acting_user=m3.owner, amount="1000", at=at(3, 6))
    services.lead_capture(data={"email": "m4@news.example"}, acting_user=world.marketer, at=at(3, 6))
    capture("f1@bigco.example", at(2, 10), campaign="webinar-1", company_size=120, country="DE")
    capture("f2@bigco.example", at(2, 11), qualify=False, campaign="webinar-1", company_size=500, country="DE")

    people = {
        lead.email: (lead.stage, lead.team.name if lead.team else None, lead.owner.email if lead.owner else None)
        for lead in Lead.objects.select_related("team", "owner")
    }
    assert people == {
        "m1@bigco.example": ("sal", "EMEA", "rep@accord.test"),
        "m2@teamco.example": ("recycled", "EMEA", None),
        "m3@usco.example": ("sql", "Americas", "am-rep@accord.test"),
        "m4@news.example": ("subscriber", None, None),
        "f1@bigco.example": ("mql", "EMEA", "rep@accord.test"),
        "f2@bigco.example": ("lead", None, None),
    }


def summary(row: dict) -> tuple:
    """(group, counts, conversions, previous counts and conversions, change of both)."""

    def counts(part: dict) -> tuple:
        return tuple(part[name] for name in COUNT_NAMES)

    def rates(part: dict) -> tuple:
        return tuple(part["conversion"][name] for name in CONVERSIONS)

    previous, change = row["previous"], row["change"]
    return row["group"], counts(row), rates(row), counts(previous), rates(previous), counts(change), rates(change)


# The rows of the groups that had no leads in February: beside them zeros and nothing to
# divide, and a change in counts equal to March's.
def new_in_march(group: str, counts: tuple, rates: tuple) -> tuple:
    return group, counts, rates, ZEROS, NOTHING, counts, NOTHING


ALL = (
    "All", (4, 3, 2, 1, 0, 1, 0), (0.75, 0.6667, 0.5, 0.0, 0.0),
    (2, 1, 0, 0, 0, 0, 0), (0.5, 0.0, None, None, 0.0),
    (2, 2, 2, 1, 0, 1, 0), (0.25, 0.6667, None, None, 0.0),
)  # fmt: skip
# M1 against F1 and F2 (webinar, 100–999, DE): 1 lead, mql, sal → 1/1, 1/1, 0/1, —, 0/1;
# February 2 leads, mql 1 → 1/2, 0/1, —, —, 0/2; change 1 − 0.5 = 0.5, 1 − 0 = 1.0, then none.
M1_AGAINST_F1_F2 = (
    (1, 1, 1, 0, 0, 0, 0), (1.0, 1.0, 0.0, None, 0.0),
    (2, 1, 0, 0, 0, 0, 0), (0.5, 0.0, None, None, 0.0),
    (-1, 0, 1, 0, 0, 0, 0), (0.5, 1.0, None, None, 0.0),
)  # fmt: skip
M2 = ((1, 1, 0, 0, 0, 1, 0), (1.0, 0.0, None, None, 0.0))  # mql, recycled
M3 = ((1, 1, 1, 1, 0, 0, 0), (1.0, 1.0, 1.0, 0.0, 0.0))  # mql, sal, sql
M4 = ((1, 0, 0, 0, 0, 0, 0), (0.0, None, None, None, 0.0))  # a subscriber

# fmt: off
EXPECTED = {
    "channel": [
        new_in_march("(none)", (2, 1, 1, 1, 0, 0, 0), (0.5, 1.0, 1.0, 0.0, 0.0)),  # M3, M4
        new_in_march("paid_search", *M2),
        ("webinar", *M1_AGAINST_F1_F2),
    ],
    # One lead each in March: by name, "(" before digits, "," before "0" before "–".
    "segment": [
        new_in_march("(unknown)", *M4),
        new_in_march("1,000+", *M3),
        ("100–999", *M1_AGAINST_F1_F2),
        new_in_march("1–99", *M2),
    ],
    "country": [
        new_in_march("(none)", *M4),
        ("DE", *M1_AGAINST_F1_F2),
        new_in_march("GB", *M2),
        new_in_march("US", *M3),
    ],
    "team": [
        # M1, M2: 2 leads, mql 2, sal 1, recycled 1 → 2/2, 1/2, 0/1, —, 0/2; February F1:
        # 1/1, 0/1, —, —, 0/1; change 1 − 1 = 0, 0.5 − 0 = 0.5, then none, 0.
        (
            "EMEA", (2, 2, 1, 0, 0, 1, 0), (1.0, 0.5, 0.0, None, 0.0),
            (1, 1, 0, 0, 0, 0, 0), (1.0, 0.0, None, None, 0.0),
            (1, 1, 1, 0, 0, 1, 0), (0.0, 0.5, None, None, 0.0),
        ),
        # M4 against F2: one lead each, neither qualified.
        ("(none)", *M4, *M4, ZEROS, (0.0, None, None, None, 0.0)),
        new_in_march("Americas", *M3),
    ],
    "owner": [
        # M2 (its owner taken by recycling) and M4: 2 leads, mql 1, recycled 1 → 1/2, 0/1, —,
        # —, 0/2; February F2: 0/1, —, —, —, 0/1; change 0.5 − 0 = 0.5, then none, 0.
        (
            "(none)", (2, 1, 0, 0, 0, 1, 0), (0.5, 0.0, None, None, 0.0),
            (1, 0, 0, 0, 0, 0, 0), (0.0, None, None, None, 0.0),
            (1, 1, 0, 0, 0, 1, 0), (0.5, None, None, None, 0.0),
        ),
        new_in_march("am-rep@accord.test", *M3),  # no name: the email
        # M1 against F1: 1/1 both, then 1/1 against 0/1.
        (
            "Rita Rep", (1, 1, 1, 0, 0, 0, 0), (1.0, 1.0, 0.0, None, 0.0),
            (1, 1, 0, 0, 0, 0, 0), (1.0, 0.0, None, None, 0.0),
            (0, 0, 1, 0, 0, 0, 0), (0.0, 1.0, None, None, 0.0),
        ),
    ],
}
# fmt: on


@pytest.mark.parametrize("by", EXPECTED)
def test_march_against_february(cohorts, by):
    report = funnel_compared(**MARCH, by=by).as_dict()

    assert (report["by"], report["compare"], report["compare_from"], report["compare_to"]) == (
        by, "previous", "2026-02-01", "2026-02-28",
    )  # fmt: skip
    assert [summary(row) for row in report["rows"]] == [*EXPECTED[by], ALL]


def test_without_grouping_only_the_total(cohorts):
    assert [summary(row) for row in funnel_compared(**MARCH).as_dict()["rows"]] == [ALL]


def test_a_group_with_leads_only_before_has_no_row_but_counts_in_the_total(cohorts):
    """April against March: no lead was created in April, so no channel has a row; the
    total's previous period holds all of March (4 leads, 1 sql)."""
    report = funnel_compared(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), by="channel")

    (total,) = report.rows
    assert (total.group, total.leads, total.previous.leads, total.previous.reached["sql"]) == ("All", 0, 4, 1)
    assert total.change()["leads"] == -4


def test_a_year_earlier_is_empty(cohorts):
    report = funnel_compared(**MARCH, compare="year")

    (total,) = report.rows
    assert (report.compare_from, report.compare_to) == (date(2025, 3, 1), date(2025, 3, 31))
    assert total.previous.leads == 0
    assert total.change()["conversion"] == dict.fromkeys(CONVERSIONS)


def test_without_comparison_the_rows_are_the_funnel_of_old(cohorts):
    report = funnel_compared(**MARCH, by="team", compare="none")

    assert (report.compare_from, report.compare_to) == (None, None)
    assert [row.as_dict() for row in report.rows] == [row.as_dict() for row in funnel_report(**MARCH, by="team")]
    assert "previous" not in report.rows[0].as_dict()
    assert row_columns(report) == (
        "group", *COUNT_NAMES, "lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_customer", "lead_to_customer",
    )  # fmt: skip


def test_flat_rows_put_previous_and_change_after_the_period(cohorts):
    report = funnel_compared(**MARCH)

    columns = row_columns(report)
    assert (len(columns), columns[13], columns[25], columns[-1]) == (37, "previous_leads", "change_leads",
                                                                     "change_lead_to_customer")  # fmt: skip
    (flat,) = report_rows(report)
    assert flat == ("All", *ALL[1], *ALL[2], *ALL[3], *ALL[4], *ALL[5], *ALL[6])
