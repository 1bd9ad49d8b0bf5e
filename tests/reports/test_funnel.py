"""The cohort funnel over a history built by hand; every count is worked out below."""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Lead
from accord.reports.funnel import funnel_report
from tests.conftest import QUALIFIABLE


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@pytest.fixture
def history(world):
    """
    lead  created            source   path
    L1    2026-03-02         webinar  lead → mql → sal → sql → customer   (campaign webinar-1)
    L2    2026-03-03         webinar  lead → mql → recycled
    L3    2026-03-04         ads      lead → mql → sal
    L4    2026-03-05         ads      lead
    L5    2026-03-06         —        subscriber (email only)
    L6    2026-02-20         ads      lead → mql                        (before the period)
    L7    2026-03-31 23:59   ads      lead → mql → (sal) → sql           (last minute of the period)
    L8    2026-04-01 00:00   ads      lead                               (after the period)
    """

    def capture(n, when, source, qualify=False, **extra):
        data = {**QUALIFIABLE, "email": f"l{n}@bigco.example", "source": source, **extra}
        lead, _ = services.lead_capture(data=data, acting_user=world.marketer, at=when)
        if qualify:
            services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=when)
        return Lead.objects.get(pk=lead.pk)

    l1 = capture(1, at("2026-03-02"), "webinar", qualify=True, campaign="webinar-1")
    services.lead_accept(lead_id=l1.pk, acting_user=l1.owner, at=at("2026-03-02", 11))
    opportunity = services.opportunity_create(lead_id=l1.pk, acting_user=l1.owner, amount=1000, at=at("2026-03-09"))
    services.opportunity_close(opportunity_id=opportunity.pk, acting_user=l1.owner, won=True, at=at("2026-04-20"))

    l2 = capture(2, at("2026-03-03"), "webinar", qualify=True)
    services.lead_reject(
        lead_id=l2.pk, acting_user=l2.owner, reason="not_ready", action="recycle", at=at("2026-03-03", 11)
    )

    l3 = capture(3, at("2026-03-04"), "ads", qualify=True)
    services.lead_accept(lead_id=l3.pk, acting_user=l3.owner, at=at("2026-03-04", 11))

    capture(4, at("2026-03-05"), "ads")
    services.lead_capture(data={"email": "l5@news.example"}, acting_user=world.marketer, at=at("2026-03-06"))
    capture(6, at("2026-02-20"), "ads", qualify=True)

    l7 = capture(7, at("2026-03-31", 23, 59), "ads", qualify=True)
    services.opportunity_create(lead_id=l7.pk, acting_user=l7.owner, amount=500, at=at("2026-04-02"))

    capture(8, at("2026-04-01", 0, 0), "ads")


MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def test_totals_count_each_lead_at_every_stage_it_reached(history):
    (total,) = funnel_report(**MARCH)

    # In the period: L1, L2, L3, L4, L5, L7. Reached mql: L1 L2 L3 L7; sal: L1 L3 L7
    # (L7 was accepted on conversion); sql: L1 L7; customer: L1; recycled: L2.
    assert total.as_dict() == {
        "group": "All", "leads": 6, "mql": 4, "sal": 3, "sql": 2, "customer": 1, "recycled": 1, "disqualified": 0,
        "conversion": {
            "lead_to_mql": 0.6667, "mql_to_sal": 0.75, "sal_to_sql": 0.6667, "sql_to_customer": 0.5,
            "lead_to_customer": 0.1667,
        },
    }  # fmt: skip


def test_grouped_by_source(history):
    rows = funnel_report(**MARCH, by="source")

    summary = [
        (r.group, r.leads, r.reached["mql"], r.reached["sal"], r.reached["sql"], r.reached["customer"]) for r in rows
    ]
    assert summary == [
        ("ads", 3, 2, 2, 1, 0),  # L3, L4, L7
        ("webinar", 2, 2, 1, 1, 1),  # L1, L2
        ("(none)", 1, 0, 0, 0, 0),  # L5
        ("All", 6, 4, 3, 2, 1),
    ]
    assert rows[0].conversion["sal_to_sql"] == 0.5
    assert rows[2].conversion["lead_to_mql"] == 0.0
    assert rows[2].conversion["mql_to_sal"] is None  # nothing to convert from


def test_grouped_by_campaign(history):
    rows = funnel_report(**MARCH, by="campaign")
    assert [(r.group, r.leads, r.reached["customer"]) for r in rows] == [
        ("(none)", 5, 0),
        ("webinar-1", 1, 1),
        ("All", 6, 1),
    ]


def test_the_answer_for_a_past_period_does_not_change_with_later_stages(history, world):
    before = [r.as_dict() for r in funnel_report(**MARCH, by="source")]
    l3 = Lead.objects.get(email="l3@bigco.example")

    services.lead_reject(lead_id=l3.pk, acting_user=l3.owner, reason="no_budget", action="disqualify",
                         at=at("2026-05-01"))  # fmt: skip

    after = [r.as_dict() for r in funnel_report(**MARCH, by="source")]
    # L3 still reached sal; it now also reached disqualified — nothing else moves.
    assert after[0]["sal"] == before[0]["sal"] == 2
    assert (before[0]["disqualified"], after[0]["disqualified"]) == (0, 1)


def test_a_single_day_period_is_inclusive(history):
    (total,) = funnel_report(date_from=date(2026, 3, 31), date_to=date(2026, 3, 31))
    assert (total.leads, total.reached["sql"]) == (1, 1)


def test_bad_parameters_name_the_field(db):
    with pytest.raises(InvalidInput) as error:
        funnel_report(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert error.value.field == "to"
    with pytest.raises(InvalidInput) as error:
        funnel_report(**MARCH, by="weather")
    assert error.value.field == "by"


def test_empty_period(db):
    (total,) = funnel_report(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    assert total.leads == 0
    assert set(total.conversion.values()) == {None}
