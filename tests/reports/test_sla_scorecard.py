"""The SLA scorecard over a March built by hand through the real services.

The test definition gives 4 business hours to follow up and commits marketing to 10 MQLs a
month. Every rep works 09:00–17:00 Monday to Friday, Europe/London: UTC+0 until Sunday
29 March 2026, UTC+1 (BST) after. Other Rep is on leave (out of office) all month, so every
EMEA lead goes to Rita Rep. The hand-offs, their deadlines and follow-ups (UTC):

A  Mon  2 Mar 10:00, due 14:00;  accepted 13:59, a minute early      on time, 3.9833 h
B  Fri  6 Mar 15:00, due Mon 9 Mar 11:00 (2 h Friday, 2 h Monday);
   a call Mon 9 Mar 10:00                                             on time, 3.0 h
C1 Tue  3 Mar 10:00, due 14:00;  recycled 16:00                       late, 6.0 h
D  Wed  4 Mar 10:00, due 14:00;  accepted only on Thu 2 Apr           ignored in March
C2 Thu 12 Mar 10:00 (C qualifies again), due 14:00; accepted 11:00   on time, 1.0 h
F  Fri 27 Mar 14:00, due Mon 30 Mar 09:00 (3 h Friday GMT, then 09:00–10:00 BST, which is
   08:00–09:00 UTC); accepted 08:30                                   on time, 3.5 h
E  Tue 31 Mar 15:00 (16:00 BST), due Wed 1 Apr 11:00 UTC             waiting at March's end

Follow-up hours 1.0, 3.0, 3.5, 3.9833, 6.0: median 3.5; p90 at rank 0.9 × 4 = 3.6, so
3.9833 + 0.6 × (6.0 − 3.9833) = 5.1933.
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Lead
from accord.definitions.models import LeadDefinition
from accord.reports.sla import commitment_for, sla_drill, sla_scorecard
from tests.conftest import QUALIFIABLE, TEST_DOCUMENT

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def march(world, definition):
    definition.activated_at = utc(2, 1, 0)
    definition.save(update_fields=["activated_at"])
    world.rep.first_name, world.rep.last_name = "Rita", "Rep"
    world.rep.save(update_fields=["first_name", "last_name"])
    world.other_rep.is_out_of_office = True
    world.other_rep.save(update_fields=["is_out_of_office"])
    rep = world.rep

    def hand_off(name: str, at: datetime, lead: Lead | None = None) -> Lead:
        if lead is None:
            lead, _ = services.lead_capture(
                data={**QUALIFIABLE, "email": f"{name}@bigco.example"}, acting_user=world.marketer, at=at
            )
        services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
        lead.refresh_from_db()
        assert (lead.stage, lead.owner) == ("mql", rep), name
        return lead

    leads = {}
    leads["A"] = hand_off("a", utc(3, 2, 10))
    services.lead_accept(lead_id=leads["A"].pk, acting_user=rep, at=utc(3, 2, 13, 59))
    leads["C"] = hand_off("c", utc(3, 3, 10))
    services.lead_reject(lead_id=leads["C"].pk, acting_user=rep, reason="no_budget", action="recycle", at=utc(3, 3, 16))
    leads["D"] = hand_off("d", utc(3, 4, 10))
    leads["B"] = hand_off("b", utc(3, 6, 15))
    services.lead_log_activity(lead_id=leads["B"].pk, acting_user=rep, type="call", at=utc(3, 9, 10))
    hand_off("c", utc(3, 12, 10), lead=leads["C"])
    services.lead_accept(lead_id=leads["C"].pk, acting_user=rep, at=utc(3, 12, 11))
    leads["F"] = hand_off("f", utc(3, 27, 14))
    services.lead_accept(lead_id=leads["F"].pk, acting_user=rep, at=utc(3, 30, 8, 30))
    leads["E"] = hand_off("e", utc(3, 31, 15))
    services.lead_accept(lead_id=leads["D"].pk, acting_user=rep, at=utc(4, 2, 10))
    return leads


def counts(row: dict) -> tuple:
    names = ("handed_over", "on_time", "late", "ignored", "reassigned", "waiting", "accepted", "rejected", "recycled")
    return tuple(row[name] for name in names)


def test_march_by_rep(world, march):
    card = sla_scorecard(**MARCH).as_dict()

    rows = {row["group"]: row for row in card["rows"]}
    assert list(rows) == ["Rita Rep", "am-rep@accord.test", "other@accord.test"]
    rita = rows["Rita Rep"]
    assert rita["group_id"] == world.rep.pk
    assert counts(rita) == (7, 4, 1, 1, 0, 1, 3, 1, 1)
    assert (rita["median_hours"], rita["p90_hours"]) == (3.5, 5.19)
    assert rita["on_time_rate"] == round(4 / 6, 4)
    # On leave all month: no lead reached them, so nothing was ignored either.
    assert counts(rows["other@accord.test"]) == (0,) * 9
    assert (rows["other@accord.test"]["median_hours"], rows["other@accord.test"]["on_time_rate"]) == (None, None)
    assert counts(card["total"]) == counts(rita)
    # Seven MQLs (C twice) against 10 committed; A, C2 and F accepted in March.
    assert card["marketing"] == {
        "delivered": 7,
        "commitment": 10.0,
        "delivered_rate": 0.7,
        "accepted": 3,
        "accepted_rate": round(3 / 7, 4),
    }


def test_march_by_team(world, march):
    card = sla_scorecard(**MARCH, by="team").as_dict()

    assert [(row["group"], row["group_id"], counts(row)) for row in card["rows"]] == [
        ("EMEA", world.emea.pk, (7, 4, 1, 1, 0, 1, 3, 1, 1))
    ]


def test_a_follow_up_after_the_period_does_not_count_in_it(world, march):
    """D was accepted on 2 April: ignored in March, late over March and April."""
    march_and_april = sla_scorecard(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30)).as_dict()
    rita = next(row for row in march_and_april["rows"] if row["group"] == "Rita Rep")

    # E, waiting at the end of March, was never followed up: ignored by the end of April.
    assert counts(rita) == (7, 4, 2, 1, 0, 0, 4, 1, 1)


def test_the_first_days_alone(world, march):
    # 2–3 March: A on time; C1 late and recycled (its window runs to the end of the period).
    rita = sla_scorecard(date_from=date(2026, 3, 2), date_to=date(2026, 3, 3)).rows[0]

    assert counts(rita.as_dict()) == (2, 1, 1, 0, 0, 0, 1, 1, 1)
    # Two values: the median is their mean; p90 lies 0.9 of the way from the first to the second.
    assert (rita.median_hours, rita.p90_hours) == (round((3 + 59 / 60 + 6.0) / 2, 2), 5.8)


def test_drill_down_names_the_leads_behind_a_number(world, march):
    def leads(measure: str) -> list[int]:
        return sla_drill(**MARCH, measure=measure, group_id=world.rep.pk)["key"].to_list()

    assert leads("ignored") == [march["D"].pk]
    assert leads("waiting") == [march["E"].pk]
    assert leads("late") == [march["C"].pk]
    assert leads("accepted") == [march["A"].pk, march["C"].pk, march["F"].pk]
    assert leads("handed_over") == [march[k].pk for k in ("A", "C", "D", "B", "C", "F", "E")]
    assert sla_drill(**MARCH, measure="on_time", group_id=world.other_rep.pk).height == 0


def _g_reassigned_to_rita(world) -> Lead:
    """G qualifies at 10:00 on Mon 16 March while Rita is away, so it goes to Other Rep (due
    14:00); Rita is back and at 11:00 the manager gives it to her (due 15:00)."""
    for user, away in ((world.rep, True), (world.other_rep, False)):
        user.is_out_of_office = away
        user.save(update_fields=["is_out_of_office"])
    lead = Lead.objects.create(**{**QUALIFIABLE, "email": "g@bigco.example"})
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=utc(3, 16, 10))
    assert Lead.objects.get(pk=lead.pk).owner == world.other_rep
    world.rep.is_out_of_office = False
    world.rep.save(update_fields=["is_out_of_office"])
    services.lead_assign(lead_id=lead.pk, owner_email=world.rep.email, acting_user=world.manager, at=utc(3, 16, 11))
    return lead


def test_a_reassignment_before_the_deadline_is_not_the_reps_fault(world, march):
    """G goes to Other Rep (Rita is away that morning) at 10:00 on Mon 16 March, due 14:00;
    at 11:00 the manager gives it to Rita, whose new clock is due 15:00 and never stops."""
    _g_reassigned_to_rita(world)

    card = {row.group_id: row.counts for row in sla_scorecard(**MARCH).rows}

    assert (card[world.other_rep.pk]["handed_over"], card[world.other_rep.pk]["reassigned"]) == (1, 1)
    assert (card[world.rep.pk]["handed_over"], card[world.rep.pk]["ignored"]) == (8, 2)


def test_the_commitment_follows_the_version_active_each_day(world, definition):
    definition.activated_at, definition.retired_at = utc(2, 1, 0), utc(3, 16, 0)
    definition.status = LeadDefinition.Status.RETIRED
    definition.save()
    LeadDefinition.objects.create(
        version=3,
        status=LeadDefinition.Status.ACTIVE,
        activated_at=utc(3, 16, 0),
        document={**TEST_DOCUMENT, "sla": {"follow_up_business_hours": 4, "mql_commitment_per_month": 31}},
    )

    # 1–15 March under v2 (10 a month), 16–31 under v3 (31 a month); March has 31 days.
    assert commitment_for(utc(3, 1, 0), utc(4, 1, 0)) == round(15 * 10 / 31 + 16 * 31 / 31, 2)
    # February under v2 alone, 28 days: the whole month's 10.
    assert commitment_for(utc(2, 1, 0), utc(3, 1, 0)) == 10.0


def test_bad_groupings_and_measures_are_refused(world):
    with pytest.raises(InvalidInput) as error:
        sla_scorecard(**MARCH, by="country")
    assert error.value.field == "by"
    with pytest.raises(InvalidInput) as error:
        sla_drill(**MARCH, measure="everything")
    assert error.value.field == "measure"


def test_a_period_without_hand_offs_is_all_zeros(world, march):
    card = sla_scorecard(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)).as_dict()

    assert [counts(row) for row in card["rows"]] == [(0,) * 9] * 3
    assert card["marketing"] == {
        "delivered": 0,
        "commitment": 0.0,  # no version was active in January
        "delivered_rate": None,
        "accepted": 0,
        "accepted_rate": None,
    }


def test_one_reps_drill_down_ends_a_window_at_another_reps_hand_off(world, march):
    """G goes to Other Rep at 10:00 on Mon 16 March (Rita away that morning); at 11:00 the
    manager gives it to Rita, who accepts it at 12:00. Other Rep's hand-off ran 10:00–11:00:
    reassigned before its 14:00 deadline, and not accepted — the acceptance came in Rita's
    window (11:00 to the end of March), even when only Other Rep's leads are read."""
    lead = _g_reassigned_to_rita(world)
    services.lead_accept(lead_id=lead.pk, acting_user=world.rep, at=utc(3, 16, 12))

    def keys(measure: str, rep: int) -> list[int]:
        return sla_drill(**MARCH, measure=measure, group_id=rep)["key"].to_list()

    assert (keys("handed_over", world.other_rep.pk), keys("reassigned", world.other_rep.pk)) == ([lead.pk], [lead.pk])
    assert keys("accepted", world.other_rep.pk) == []
    # Rita's, by start: A (2 March), C2 (12th), G (16th), F (27th).
    assert keys("accepted", world.rep.pk) == [march["A"].pk, march["C"].pk, lead.pk, march["F"].pk]
    # Rita's G: on time (accepted 12:00, due 15:00 — four business hours from 11:00).
    assert lead.pk in keys("on_time", world.rep.pk)
