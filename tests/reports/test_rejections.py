"""The rejection report and the fate of recycled leads, over a history built by hand;
every number is worked out below.

Every lead is QUALIFIABLE (VP, 120 employees, need: fit 30) unless the table says
otherwise; a content download (20) qualifies it, a demo request fast-tracks it. EMEA
(DE, GB, FR) round-robins rep, other_rep, rep, … in the order the leads qualify; the US
goes to the Americas team, whose only rep is americas_rep. All times 2026, 10:00 UTC.

lead  source   campaign   industry  size  country  history
L5    webinar  —          —         1200  GB       Feb 20 MQL → rep; Mar 2 (09:00) rep recycles (not_ready);
                                                   Mar 25 re-qualifies → other_rep; Mar 26 accepted
L1    ads      webinar-1  Software  120   DE       Mar 2 MQL → other_rep; feedback other_rep 2 (no_budget,
                                                   not_ready), manager 1 (no_budget); Mar 3 recycled (no_budget)
L2    ads      —          Software  120   DE       Mar 4 MQL → rep; feedback rep 5; accepted, deal, won Mar 20
L3    ads      —          Retail    10    US       gmail, engineer: Mar 5 demo request (fast track) →
                                                   americas_rep; feedback 1 (no_need, bad_data);
                                                   Mar 6 disqualified (no_need)
L4    webinar  webinar-1  Retail    120   DE       Mar 10 MQL → other_rep; accepted, deal lost Mar 15
                                                   (competitor) → recycled; Apr 2 re-qualifies → rep,
                                                   accepted Apr 3, deal Apr 4, won Apr 10
L6    ads      —          Software  120   DE       Mar 11 MQL → rep; Mar 12 recycled (wrong_contact);
                                                   Mar 20 re-qualifies → other_rep
L8    ads      —          Software  —     FR       Mar 21 demo request → rep; Mar 22 recycled by an import
                                                   (no acting user: not a rejection)

March hand-offs (stage events to mql) and what followed each, up to the lead's next one:
H1 L1 Mar 2   other_rep  rejected: recycled, no_budget   rule 50+ employees
H2 L2 Mar 4   rep        won                             rule 50+ employees
H3 L3 Mar 5   am-rep     rejected: disqualified, no_need rule Free mail (no fit rule matched)
H4 L4 Mar 10  other_rep  rejected: deal lost, competitor rule 50+ employees (its win in April
                                                         follows its next hand-off)
H5 L6 Mar 11  rep        rejected: recycled, wrong_contact rule 50+ employees
H6 L6 Mar 20  other_rep  —                               rule 50+ employees
H7 L8 Mar 21  rep        — (the import's recycling)      rule VP
H8 L5 Mar 25  other_rep  — (accepted)                    rule 50+ employees
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.events import stage_change
from accord.crm.feedback import lead_feedback_give
from accord.crm.models import Lead, Stage
from accord.reports.rejections import rejection_report, requalified_report
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def history(world):
    def capture(n, when, without=(), **extra):
        data = {**{k: v for k, v in QUALIFIABLE.items() if k not in without}, "email": f"l{n}@bigco.example", **extra}
        lead, _ = services.lead_capture(data=data, acting_user=world.marketer, at=when)
        return lead

    def touch(lead, kind, when):
        services.touchpoint_record(lead_id=lead.pk, type=kind, acting_user=world.marketer, at=when)
        return Lead.objects.get(pk=lead.pk)

    def reject(lead, action, reason, when):
        services.lead_reject(lead_id=lead.pk, acting_user=lead.owner, reason=reason, action=action, at=when)

    def feedback(lead, user, rating, *problems):
        lead_feedback_give(lead_id=lead.pk, acting_user=user, rating=rating, problems=problems)

    def win(lead, accepted, converted, won_at):
        services.lead_accept(lead_id=lead.pk, acting_user=lead.owner, at=accepted)
        deal = services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=1000, at=converted)
        services.opportunity_close(opportunity_id=deal.pk, acting_user=lead.owner, won=True, at=won_at)

    rep, other = world.rep, world.other_rep
    l5 = touch(capture(5, at(20, 2), source="webinar", company_size=1200, country="GB"), "content_download", at(20, 2))
    reject(l5, "recycle", "not_ready", at(2, hour=9))

    l1 = capture(1, at(2), source="ads", campaign="webinar-1", industry="Software")
    l1 = touch(l1, "content_download", at(2))
    feedback(l1, l1.owner, 2, "no_budget", "not_ready")
    feedback(l1, world.manager, 1, "no_budget")
    reject(l1, "recycle", "no_budget", at(3))

    l2 = touch(capture(2, at(4), source="ads", industry="Software"), "content_download", at(4))
    feedback(l2, l2.owner, 5)
    win(l2, at(4, hour=11), at(5), at(20))

    l3 = capture(
        3, at(5), email="l3@gmail.com", title="Engineer", company_size=10, country="US", source="ads", industry="Retail"
    )
    l3 = touch(l3, "demo_request", at(5))
    feedback(l3, l3.owner, 1, "no_need", "bad_data")
    reject(l3, "disqualify", "no_need", at(6))

    l4 = capture(4, at(10), source="webinar", campaign="webinar-1", industry="Retail")
    l4 = touch(l4, "content_download", at(10))
    l4_owner = l4.owner
    services.lead_accept(lead_id=l4.pk, acting_user=l4.owner, at=at(10, hour=11))
    deal = services.opportunity_create(lead_id=l4.pk, acting_user=l4.owner, amount=800, at=at(11))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=l4.owner, won=False, reason="competitor", at=at(15))

    l6 = touch(capture(6, at(11), source="ads", industry="Software"), "content_download", at(11))
    l6_first_owner = l6.owner
    reject(l6, "recycle", "wrong_contact", at(12))
    l6 = touch(l6, "content_download", at(20))

    l8 = capture(8, at(21), without=["company_size"], source="ads", industry="Software", country="FR")
    l8 = touch(l8, "demo_request", at(21))
    l8_owner = l8.owner
    stage_change(l8, Stage.RECYCLED, actor=None, at=at(22), reason="import", note="Set to recycled by an import")

    l5 = touch(l5, "content_download", at(25))
    l5_owner = l5.owner
    services.lead_accept(lead_id=l5.pk, acting_user=l5.owner, at=at(26))

    l4 = touch(l4, "content_download", at(2, 4))
    win(l4, at(3, 4), at(4, 4), at(10, 4))

    owners = [l1.owner, l2.owner, l3.owner, l4_owner, l6_first_owner, l6.owner, l8_owner, l5_owner, l4.owner]
    assert owners == [other, rep, world.americas_rep, other, rep, other, rep, other, rep]
    assert [Lead.objects.get(pk=x.pk).stage for x in (l1, l2, l3, l4, l5, l6, l8)] == [
        "recycled", "customer", "disqualified", "customer", "sal", "mql", "recycled",
    ]  # fmt: skip


FEEDBACK_ALL = {
    # L1: 2 and 1, L2: 5, L3: 1 → 9 / 4
    "feedback_count": 4,
    "average_rating": 2.25,
    # no_budget twice; bad_data, no_need and not_ready once each: the first two by name
    "top_problems": [{"code": "no_budget", "count": 2}, {"code": "bad_data", "count": 1},
                     {"code": "no_need", "count": 1}],
}  # fmt: skip
NO_FEEDBACK = {"feedback_count": 0, "average_rating": None, "top_problems": []}


def summary(report) -> list[tuple]:
    return [(r.group, r.handed_over, r.rejected, r.rejection_rate, r.won) for r in report.rows]


def test_all_hand_offs_of_the_period(history):
    report = rejection_report(**MARCH)

    assert report.as_dict() == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "by": None,
        "rows": [
            {
                "group": "All",
                "handed_over": 8,  # H1–H8
                "rejected": 4,  # H1, H3, H4, H5
                "rejection_rate": 0.5,
                "recycled": 2,  # H1, H5
                "disqualified": 1,  # H3
                "deal_lost": 1,  # H4
                "won": 1,  # H2
                "won_rate": 0.125,
                # one each: the first three by name (wrong_contact is fourth)
                "top_reasons": [{"code": "competitor", "count": 1}, {"code": "no_budget", "count": 1},
                                {"code": "no_need", "count": 1}],
                **FEEDBACK_ALL,
            }
        ],
        "months": [{"month": "2026-03", "handed_over": 8, "rejected": 4, "rejection_rate": 0.5}],
    }  # fmt: skip


def test_by_source(history):
    rows = rejection_report(**MARCH, by="source").rows

    assert [row.as_dict() for row in rows[:2]] == [
        {
            "group": "ads",  # L1 L2 L3 L6 L8: H1 H2 H3 H5 H6 H7
            "handed_over": 6,
            "rejected": 3,
            "rejection_rate": 0.5,
            "recycled": 2,
            "disqualified": 1,
            "deal_lost": 0,
            "won": 1,
            "won_rate": 0.1667,
            "top_reasons": [{"code": "no_budget", "count": 1}, {"code": "no_need", "count": 1},
                            {"code": "wrong_contact", "count": 1}],
            **FEEDBACK_ALL,  # all of it was given on ads leads
        },
        {
            "group": "webinar",  # L4 L5: H4 H8
            "handed_over": 2,
            "rejected": 1,
            "rejection_rate": 0.5,
            "recycled": 0,
            "disqualified": 0,
            "deal_lost": 1,
            "won": 0,
            "won_rate": 0.0,
            "top_reasons": [{"code": "competitor", "count": 1}],
            **NO_FEEDBACK,
        },
    ]  # fmt: skip
    assert rows[2].group == "All"
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("campaign", [
            ("(none)", 6, 2, 0.3333, 1),  # H2 H3 H5 H6 H7 H8; rejected H3 H5
            ("webinar-1", 2, 2, 1.0, 0),  # H1 H4
        ]),
        ("industry", [
            ("Software", 5, 2, 0.4, 1),  # H1 H2 H5 H6 H7; rejected H1 H5
            ("Retail", 2, 2, 1.0, 0),  # H3 H4
            ("(none)", 1, 0, 0.0, 0),  # H8
        ]),
        ("company_size", [
            ("50–249", 5, 3, 0.6, 1),  # L1 L2 L4 L6: H1 H2 H4 H5 H6
            ("1000+", 1, 0, 0.0, 0),  # L5: H8
            ("1–49", 1, 1, 1.0, 0),  # L3: H3
            ("unknown", 1, 0, 0.0, 0),  # L8: H7
        ]),
        ("country", [
            ("DE", 5, 3, 0.6, 1),
            ("FR", 1, 0, 0.0, 0),
            ("GB", 1, 0, 0.0, 0),
            ("US", 1, 1, 1.0, 0),
        ]),
        ("rep", [  # the owner the hand-off was assigned to
            ("other@accord.test", 4, 2, 0.5, 0),  # H1 H4 H6 H8
            ("rep@accord.test", 3, 1, 0.3333, 1),  # H2 H5 H7
            ("am-rep@accord.test", 1, 1, 1.0, 0),  # H3
        ]),
        ("rule", [
            ("50+ employees", 6, 3, 0.5, 1),  # 20 points beat VP's 10
            ("Free mail", 1, 1, 1.0, 0),  # L3: the only fit or negative rule it matched
            ("VP", 1, 0, 0.0, 0),  # L8: no company size
        ]),
        ("reason", [
            ("(not rejected)", 4, 0, 0.0, 1),  # H2 H6 H7 H8
            ("competitor", 1, 1, 1.0, 0),
            ("no_budget", 1, 1, 1.0, 0),
            ("no_need", 1, 1, 1.0, 0),
            ("wrong_contact", 1, 1, 1.0, 0),
        ]),
    ],
)  # fmt: skip
def test_grouped(history, by, expected):
    report = rejection_report(**MARCH, by=by)

    assert summary(report) == [*expected, ("All", 8, 4, 0.5, 1)]


def test_feedback_and_problems_per_group(history):
    rows = {row.group: row for row in rejection_report(**MARCH, by="country").rows}

    # DE: L1 (2, 1) and L2 (5); US: L3 (1).
    assert (rows["DE"].feedback_count, rows["DE"].average_rating) == (3, 2.67)
    assert rows["DE"].top_problems == [{"code": "no_budget", "count": 2}, {"code": "not_ready", "count": 1}]
    assert (rows["US"].feedback_count, rows["US"].average_rating) == (1, 1.0)
    assert rows["US"].top_problems == [{"code": "bad_data", "count": 1}, {"code": "no_need", "count": 1}]
    assert (rows["GB"].feedback_count, rows["GB"].average_rating, rows["GB"].top_problems) == (0, None, [])


def test_the_trend_per_month(history):
    report = rejection_report(date_from=date(2026, 2, 1), date_to=date(2026, 3, 31))

    # February: L5's first hand-off, recycled by its rep on March 2nd.
    assert [month.as_dict() for month in report.months] == [
        {"month": "2026-02", "handed_over": 1, "rejected": 1, "rejection_rate": 1.0},
        {"month": "2026-03", "handed_over": 8, "rejected": 4, "rejection_rate": 0.5},
    ]
    assert summary(report) == [("All", 9, 5, 0.5556, 1)]


def test_a_rejection_of_an_earlier_hand_off_does_not_count_in_the_period(history):
    # L5 was handed over in February and recycled on March 2nd: not one of March's.
    (total,) = rejection_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)).rows

    assert (total.handed_over, total.rejected, total.top_reasons) == (1, 1, [{"code": "no_budget", "count": 1}])


def test_without_an_assigned_rep_the_rejecting_user_is_the_rep(world):
    world.americas_rep.capacity = 0  # nobody to route to in the Americas
    world.americas_rep.save()
    data = {**QUALIFIABLE, "email": "us@bigco.example", "country": "US"}
    lead, _ = services.lead_capture(data=data, acting_user=world.marketer, at=at(2, 5))
    services.touchpoint_record(lead_id=lead.pk, type="demo_request", acting_user=world.marketer, at=at(2, 5))
    assert Lead.objects.get(pk=lead.pk).owner is None
    services.lead_reject(
        lead_id=lead.pk, acting_user=world.americas_manager, reason="no_need", action="disqualify", at=at(3, 5)
    )

    report = rejection_report(date_from=date(2026, 5, 1), date_to=date(2026, 5, 31), by="rep")

    assert summary(report) == [("am-manager@accord.test", 1, 1, 1.0, 0), ("All", 1, 1, 1.0, 0)]
    assert report.rows[0].disqualified == 1


def test_recycled_leads_that_qualified_again(history):
    report = requalified_report(**MARCH)

    # Recycled in March: L5 (2nd), L1 (3rd), L6 (12th), L4 (15th, deal lost), L8 (22nd, import).
    # Qualified again later: L6 (20th), L5 (25th), L4 (April 2nd). Accepted after it: L5, L4;
    # a deal and a win after it: L4.
    assert report.as_dict() == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "recycled": 5,
        "requalified": 3,
        "requalified_rate": 0.6,
        "accepted": 2,
        "accepted_rate": 0.6667,
        "opportunities": 1,
        "opportunity_rate": 0.3333,
        "won": 1,
        "won_rate": 0.3333,
    }


def test_requalified_counts_a_lead_once_from_its_first_recycling_in_the_period(history):
    # Only L6's recycling on the 12th falls in 12–14 March.
    report = requalified_report(date_from=date(2026, 3, 12), date_to=date(2026, 3, 14))
    assert (report.recycled, report.requalified, report.accepted) == (1, 1, 0)


def test_bad_parameters_name_the_field(db):
    with pytest.raises(InvalidInput) as refused:
        rejection_report(**MARCH, by="weather")
    assert refused.value.field == "by"
    with pytest.raises(InvalidInput) as refused:
        rejection_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert refused.value.field == "to"
    with pytest.raises(InvalidInput) as refused:
        requalified_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert refused.value.field == "to"


def test_an_empty_period(db):
    report = rejection_report(date_from=date(2020, 1, 1), date_to=date(2020, 2, 29), by="source")

    assert [row.as_dict() for row in report.rows] == [
        {
            "group": "All",
            "handed_over": 0,
            "rejected": 0,
            "rejection_rate": None,
            "recycled": 0,
            "disqualified": 0,
            "deal_lost": 0,
            "won": 0,
            "won_rate": None,
            "top_reasons": [],
            **NO_FEEDBACK,
        }
    ]
    assert [m.month for m in report.months] == ["2020-01", "2020-02"]
    assert (
        requalified_report(date_from=date(2020, 1, 1), date_to=date(2020, 2, 29)).as_dict()["requalified_rate"] is None
    )
