"""The compensation export over a March built by hand through the real services.

The test definition gives 4 business hours to follow up. Every rep works 09:00–17:00
Monday to Friday, Europe/London: UTC+0 until Sunday 29 March 2026, UTC+1 (BST) after.
Other Rep is on leave (out of office) all month, so every EMEA lead goes to Rita Rep.

The policy (amounts in EUR; reward per on-time hand-off / penalty per ignored / bonus per
won marketing lead):

P1 from Sun 1 Mar, added 15 Feb:  1.00 / 4.00 / 100.00   (a typo: corrected by P2)
P2 from Sun 1 Mar, added 20 Feb: 10.00 / 4.00 / 100.00   (same day, added later: applies)
P3 from Mon 16 Mar, added 10 Mar: 12.50 / 5.00 / 150.00

Rita's hand-offs (UTC) and what each earns:

H  Mon 23 Feb 10:00, accepted 10:30; won 25 Feb          before any policy: nothing
A  Mon  2 Mar 10:00, due 14:00; accepted 13:59,
   a minute before the deadline                         on time  P2  +10.00
C1 Tue  3 Mar 10:00, due 14:00; recycled 16:00           late         0
D  Wed  4 Mar 10:00, due 14:00; accepted only 2 Apr      ignored  P2   −4.00
B  Fri  6 Mar 15:00, due Mon 9 Mar 11:00 (the weekend
   skipped); a call Mon 10:00                           on time  P2  +10.00
C2 Thu 12 Mar 10:00 (C qualifies again), due 14:00;
   accepted 11:00                                       on time  P2  +10.00
G  Tue 17 Mar 10:00, due 14:00; never followed up        ignored  P3   −5.00
F  Fri 27 Mar 14:00, due Mon 30 Mar 09:00 UTC (3 h
   Friday, then 09:00–10:00 BST); accepted 08:30         on time  P3  +12.50
F2 Fri 27 Mar 15:00, due Mon 30 Mar 10:00 UTC (2 h + 2 h);
   accepted 10:30 — on time had the deadline ignored
   the clocks going forward (11:00 UTC)                 late         0
E  Tue 31 Mar 15:00, due Wed 1 Apr 11:00                 waiting      0

Wins (stage events to customer):
- A's deal won Tue 10 Mar: an MQL before → P2 bonus 100.00
- C's deal won Thu 19 Mar: an MQL before → P3 bonus 150.00
- F's deal won Mon 30 Mar 12:00, reopened Tue 31 Mar 09:00: by the end of March the win
  is taken back (no bonus); over 1–30 March it stands (P3, 150.00)
- Sam's deal (Americas rep), a lead sales brought in that never was an MQL, won Fri
  20 Mar: no bonus, no win counted

March for Rita: 9 handed over = 4 on time + 2 late + 2 ignored + 1 waiting; 2 wins.
reward 10 + 10 + 10 + 12.50 = 42.50; penalty 4 + 5 = 9.00; bonus 100 + 150 = 250.00;
total 42.50 − 9.00 + 250.00 = 283.50, under P2 and P3.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.core.errors import InvalidInput, NotAllowed
from accord.crm import services
from accord.crm.models import Lead
from accord.reports.compensation import (
    compensation_report,
    compensation_report_for,
    policy_create,
    policy_history,
    report_rows,
)
from accord.reports.models import CompensationPolicy
from tests.conftest import QUALIFIABLE, qualify

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
COUNTS = ("handed_over", "on_time", "late", "ignored", "reassigned", "waiting", "won")
ZEROS = {
    **dict.fromkeys(COUNTS, 0),
    "reward": "0.00",
    "penalty": "0.00",
    "bonus": "0.00",
    "total": "0.00",
    "policy_versions": [],
    "without_policy": 0,
}


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def policies(world) -> dict[str, CompensationPolicy]:
    def version(reward, penalty, bonus, effective_from, at, by=world.admin):
        return policy_create(
            acting_user=by,
            reward_on_time=reward,
            penalty_ignored=penalty,
            bonus_won=bonus,
            effective_from=effective_from,
            at=at,
        )

    return {
        "P1": version("1.00", "4.00", "100.00", date(2026, 3, 1), utc(2, 15, 9)),
        "P2": version("10.00", "4.00", "100.00", date(2026, 3, 1), utc(2, 20, 9)),
        "P3": version("12.50", "5", "150", date(2026, 3, 16), utc(3, 10, 9), by=world.executive),
    }


@pytest.fixture
def march(world, definition, policies):
    definition.activated_at = utc(2, 1, 0)
    definition.save(update_fields=["activated_at"])
    world.rep.first_name, world.rep.last_name = "Rita", "Rep"
    world.rep.save(update_fields=["first_name", "last_name"])
    world.other_rep.is_out_of_office = True
    world.other_rep.save(update_fields=["is_out_of_office"])
    world.americas_rep.first_name, world.americas_rep.last_name = "Sam", "Seller"
    world.americas_rep.save(update_fields=["first_name", "last_name"])
    rep = world.rep

    def hand_off(name: str, at: datetime, lead: Lead | None = None) -> Lead:
        if lead is None:
            lead = qualify(world, at=at, email=f"{name}@bigco.example")
        else:
            services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=at)
            lead.refresh_from_db()
        assert (lead.stage, lead.owner) == ("mql", rep), name
        return lead

    def win(lead: Lead, converted: datetime, won: datetime, by=rep):
        deal = services.opportunity_create(lead_id=lead.pk, acting_user=by, amount="1000", at=converted)
        return services.opportunity_close(opportunity_id=deal.pk, acting_user=by, won=True, at=won)

    leads = {}
    leads["H"] = hand_off("h", utc(2, 23, 10))
    services.lead_accept(lead_id=leads["H"].pk, acting_user=rep, at=utc(2, 23, 10, 30))
    win(leads["H"], utc(2, 24, 10), utc(2, 25, 10))
    leads["A"] = hand_off("a", utc(3, 2, 10))
    services.lead_accept(lead_id=leads["A"].pk, acting_user=rep, at=utc(3, 2, 13, 59))
    leads["C"] = hand_off("c", utc(3, 3, 10))
    services.lead_reject(lead_id=leads["C"].pk, acting_user=rep, reason="no_budget", action="recycle", at=utc(3, 3, 16))
    leads["D"] = hand_off("d", utc(3, 4, 10))
    leads["B"] = hand_off("b", utc(3, 6, 15))
    services.lead_log_activity(lead_id=leads["B"].pk, acting_user=rep, type="call", at=utc(3, 9, 10))
    win(leads["A"], utc(3, 3, 9), utc(3, 10, 9))
    hand_off("c", utc(3, 12, 10), lead=leads["C"])
    services.lead_accept(lead_id=leads["C"].pk, acting_user=rep, at=utc(3, 12, 11))
    leads["G"] = hand_off("g", utc(3, 17, 10))
    win(leads["C"], utc(3, 13, 9), utc(3, 19, 9))
    sam = world.americas_rep
    leads["S"] = Lead.objects.create(
        **{**QUALIFIABLE, "email": "s@usco.example", "country": "US"}, stage="sal", owner=sam, team=world.americas
    )
    win(leads["S"], utc(3, 5, 9), utc(3, 20, 9), by=sam)
    leads["F"] = hand_off("f", utc(3, 27, 14))
    leads["F2"] = hand_off("f2", utc(3, 27, 15))
    services.lead_accept(lead_id=leads["F"].pk, acting_user=rep, at=utc(3, 30, 8, 30))
    services.lead_accept(lead_id=leads["F2"].pk, acting_user=rep, at=utc(3, 30, 10, 30))
    f_deal = win(leads["F"], utc(3, 30, 9), utc(3, 30, 12))
    services.opportunity_reopen(opportunity_id=f_deal.pk, acting_user=rep, at=utc(3, 31, 9))
    leads["E"] = hand_off("e", utc(3, 31, 15))
    services.lead_accept(lead_id=leads["D"].pk, acting_user=rep, at=utc(4, 2, 10))
    return leads


def row_of(report: dict, name: str) -> dict:
    return next(row for row in report["rows"] if row["rep"] == name)


def money(row: dict) -> tuple:
    return tuple(row[name] for name in ("reward", "penalty", "bonus", "total"))


def test_march_per_rep(world, march, policies):
    report = compensation_report(**MARCH).as_dict()

    assert (report["from"], report["to"], report["currency"]) == ("2026-03-01", "2026-03-31", "EUR")
    assert [row["rep"] for row in report["rows"]] == ["other@accord.test", "Rita Rep", "Sam Seller"]
    rita = row_of(report, "Rita Rep")
    assert (rita["rep_id"], rita["email"]) == (world.rep.pk, "rep@accord.test")
    assert tuple(rita[name] for name in COUNTS) == (9, 4, 2, 2, 0, 1, 2)
    assert money(rita) == ("42.50", "9.00", "250.00", "283.50")
    assert (rita["policy_versions"], rita["without_policy"]) == ([policies["P2"].pk, policies["P3"].pk], 0)
    # On leave all month: no lead reached them, so nothing was ignored or paid either.
    assert row_of(report, "other@accord.test") == {
        "rep": "other@accord.test", "rep_id": world.other_rep.pk, "email": "other@accord.test", **ZEROS,
    }  # fmt: skip
    # Sam's win was never a marketing lead: no win counted, no bonus.
    assert row_of(report, "Sam Seller") == {
        "rep": "Sam Seller", "rep_id": world.americas_rep.pk, "email": "am-rep@accord.test", **ZEROS,
    }  # fmt: skip
    assert report["total"] == {**rita, "rep": "All", "rep_id": None, "email": ""}
    assert [(p["id"], p["reward_on_time"], p["effective_from"]) for p in report["policies"]] == [
        (policies["P2"].pk, "10.00", "2026-03-01"),
        (policies["P3"].pk, "12.50", "2026-03-16"),
    ]


def test_a_win_reopened_after_the_period_stays_in_it(world, march, policies):
    """Over 1–30 March: no E (31 March); F's win of the 30th stands, its reopening on the
    31st is after the period. Bonus 100 + 150 + 150 = 400.00; total 42.50 − 9.00 + 400.00."""
    rita = row_of(compensation_report(date_from=date(2026, 3, 1), date_to=date(2026, 3, 30)).as_dict(), "Rita Rep")

    assert tuple(rita[name] for name in COUNTS) == (8, 4, 2, 2, 0, 0, 3)
    assert money(rita) == ("42.50", "9.00", "400.00", "433.50")


def test_before_any_policy_nothing_is_paid_and_the_report_says_so(world, march):
    """February: H on time and won, both before the first version (1 March)."""
    report = compensation_report(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)).as_dict()

    rita = row_of(report, "Rita Rep")
    assert tuple(rita[name] for name in COUNTS) == (1, 1, 0, 0, 0, 0, 1)
    assert money(rita) == ("0.00", "0.00", "0.00", "0.00")
    assert (rita["policy_versions"], rita["without_policy"]) == ([], 2)
    assert (report["policies"], report["currency"]) == ([], "EUR")


def test_february_and_march_together(world, march, policies):
    """H adds one hand-off on time and one win, both unpaid; D is still ignored (accepted
    in April), E still waiting."""
    rita = row_of(compensation_report(date_from=date(2026, 2, 1), date_to=date(2026, 3, 31)).as_dict(), "Rita Rep")

    assert tuple(rita[name] for name in COUNTS) == (10, 5, 2, 2, 0, 1, 3)
    assert money(rita) == ("42.50", "9.00", "250.00", "283.50")
    assert rita["without_policy"] == 2


def test_the_first_half_of_march_alone(world, march, policies):
    """1–15 March, all under P2: A, B, C2 on time (3 × 10.00); D ignored (4.00); C1 late;
    A's win (100.00). Total 30.00 − 4.00 + 100.00 = 126.00."""
    rita = row_of(compensation_report(date_from=date(2026, 3, 1), date_to=date(2026, 3, 15)).as_dict(), "Rita Rep")

    assert tuple(rita[name] for name in COUNTS) == (5, 3, 1, 1, 0, 0, 1)
    assert money(rita) == ("30.00", "4.00", "100.00", "126.00")
    assert rita["policy_versions"] == [policies["P2"].pk]


def test_who_reads_which_rows(world, march):
    def rows(user) -> list[str]:
        return [row.rep for row in compensation_report_for(acting_user=user, **MARCH).rows]

    assert rows(world.admin) == rows(world.executive) == ["other@accord.test", "Rita Rep", "Sam Seller"]
    assert rows(world.manager) == ["other@accord.test", "Rita Rep"]  # EMEA's reps
    assert rows(world.americas_manager) == ["Sam Seller"]
    assert rows(world.other_rep) == ["other@accord.test"]
    # A rep's total is their own row's.
    mine = compensation_report_for(acting_user=world.other_rep, **MARCH).as_dict()
    assert (mine["total"]["handed_over"], mine["total"]["total"], mine["policies"]) == (0, "0.00", [])
    for user in (world.marketer, world.marketing_lead):
        with pytest.raises(NotAllowed):
            compensation_report_for(acting_user=user, **MARCH)


def test_the_payroll_rows(world, march, policies):
    rows = report_rows(compensation_report(**MARCH))

    assert rows[1] == (
        "rep@accord.test", "Rita Rep", world.rep.pk, 9, 4, 2, 2, 0, 1, 2,
        Decimal("42.50"), Decimal("9.00"), Decimal("250.00"), Decimal("283.50"),
        "EUR", [policies["P2"].pk, policies["P3"].pk], 0,
    )  # fmt: skip
    assert len(rows) == 3  # one per rep, no total: payroll imports people


def test_a_period_in_two_currencies_is_refused(world, march):
    """From April the policy pays in dollars; one lead is handed over on Wed 1 April."""
    policy_create(
        acting_user=world.admin,
        reward_on_time="11",
        penalty_ignored="5",
        bonus_won="160",
        effective_from=date(2026, 4, 1),
        currency="usd",
        at=utc(3, 25, 9),
    )
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": "april@bigco.example"}, acting_user=world.marketer, at=utc(4, 1, 10)
    )
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=utc(4, 1, 10))

    with pytest.raises(InvalidInput) as error:
        compensation_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    assert error.value.field == "to"
    april = compensation_report(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))
    assert (april.currency, april.as_dict()["total"]["handed_over"]) == ("USD", 1)


def test_a_backwards_period_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        compensation_report(date_from=date(2026, 3, 31), date_to=date(2026, 3, 1))
    assert error.value.field == "to"


# --- the policy ---------------------------------------------------------------------------


def test_policy_history_is_newest_first(world, policies):
    assert [policy.pk for policy in policy_history()] == [policies[k].pk for k in ("P3", "P2", "P1")]
    p3 = policy_history()[0]
    assert (p3.reward_on_time, p3.penalty_ignored, p3.bonus_won) == (Decimal("12.50"), Decimal("5.00"), Decimal("150"))
    assert (p3.currency, p3.created_by, p3.created_at) == ("EUR", world.executive, utc(3, 10, 9))


def test_a_version_is_never_changed_or_removed(world, policies):
    version = policies["P1"]

    for change in (
        lambda: version.save(),
        lambda: version.delete(),
        lambda: CompensationPolicy.objects.filter(pk=version.pk).update(reward_on_time=2),
        lambda: CompensationPolicy.objects.all().delete(),
    ):
        with pytest.raises(TypeError):
            change()
    assert CompensationPolicy.objects.get(pk=version.pk).reward_on_time == Decimal("1.00")


GOOD = {"reward_on_time": "10", "penalty_ignored": "4", "bonus_won": "100", "effective_from": date(2026, 3, 1)}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"reward_on_time": "-1"}, "reward_on_time", id="negative-reward"),
        pytest.param({"penalty_ignored": "-0.01"}, "penalty_ignored", id="negative-penalty"),
        pytest.param({"bonus_won": "-5"}, "bonus_won", id="negative-bonus"),
        pytest.param({"reward_on_time": "1000000000"}, "reward_on_time", id="reward-1e9"),
        pytest.param({"penalty_ignored": "1e9"}, "penalty_ignored", id="penalty-1e9"),
        pytest.param({"bonus_won": "999999999.995"}, "bonus_won", id="bonus-three-decimals"),
        pytest.param({"bonus_won": "ten"}, "bonus_won", id="bonus-not-a-number"),
        pytest.param({"reward_on_time": "NaN"}, "reward_on_time", id="reward-nan"),
        pytest.param({"penalty_ignored": "Infinity"}, "penalty_ignored", id="penalty-infinite"),
        pytest.param({"reward_on_time": None}, "reward_on_time", id="reward-missing"),
        pytest.param({"currency": "EURO"}, "currency", id="currency-four-letters"),
        pytest.param({"currency": "E1R"}, "currency", id="currency-digit"),
        pytest.param({"currency": "€"}, "currency", id="currency-symbol"),
        pytest.param({"effective_from": "1 March"}, "effective_from", id="day-not-iso"),
        pytest.param({"effective_from": None}, "effective_from", id="day-missing"),
        pytest.param({"effective_from": utc(3, 1, 0)}, "effective_from", id="day-a-moment"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, changes, field):
    with pytest.raises(InvalidInput) as error:
        policy_create(acting_user=world.admin, **{**GOOD, **changes})

    assert error.value.field == field
    assert not CompensationPolicy.objects.exists()


def test_input_is_normalised(world):
    created = policy_create(
        acting_user=world.executive,
        reward_on_time=" 12.5 ",
        penalty_ignored=0,
        bonus_won="-0",
        effective_from="2026-04-01",
        currency=" gbp ",
        note="  Q2 plan  ",
    )

    stored = CompensationPolicy.objects.get(pk=created.pk)
    assert (str(stored.reward_on_time), str(stored.penalty_ignored), str(stored.bonus_won)) == ("12.50", "0.00", "0.00")
    assert (stored.effective_from, stored.currency, stored.note) == (date(2026, 4, 1), "GBP", "Q2 plan")


def test_the_currency_defaults_to_the_setting(world, settings):
    settings.ACCORD_CURRENCY = "CHF"

    assert policy_create(acting_user=world.admin, **GOOD).currency == "CHF"


@pytest.mark.parametrize("who", ["manager", "rep", "marketer", "marketing_lead"])
def test_only_admins_and_executives_set_the_policy(world, who):
    with pytest.raises(NotAllowed):
        policy_create(acting_user=getattr(world, who), **GOOD)

    assert not CompensationPolicy.objects.exists()


def test_a_hand_off_at_a_versions_first_midnight_is_paid_under_it(world, march, policies):
    """X is handed over Sun 15 March 23:59 UTC, Y at Mon 16 March 00:00 UTC, the first
    instant of P3's day; both accepted Mon 09:30, inside the first four business hours
    (09:00–13:00). Over 15–16 March (no other hand-off or win): X on time under P2 (10.00),
    Y on time under P3 (12.50): 22.50."""
    x = qualify(world, at=utc(3, 15, 23, 59), email="x@bigco.example")
    y = qualify(world, at=utc(3, 16, 0), email="y@bigco.example")
    for lead in (x, y):
        assert lead.owner == world.rep
        services.lead_accept(lead_id=lead.pk, acting_user=world.rep, at=utc(3, 16, 9, 30))

    report = compensation_report(date_from=date(2026, 3, 15), date_to=date(2026, 3, 16)).as_dict()

    rita = row_of(report, "Rita Rep")
    assert tuple(rita[name] for name in COUNTS) == (2, 2, 0, 0, 0, 0, 0)
    assert money(rita) == ("22.50", "0.00", "0.00", "22.50")
    assert (rita["policy_versions"], rita["without_policy"]) == ([policies["P2"].pk, policies["P3"].pk], 0)
