"""Bulk routing takes the decisions and the round-robin turns that routing lead by lead
would take, in the same order, continuing from the turns' stored state."""

from dataclasses import dataclass

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.crm.models import Account, Lead
from accord.people.models import Role, RoundRobinTurn, Team, Territory, User
from accord.routing.bulk import route_many
from accord.routing.services import route_decide


@dataclass
class Org:
    software: Team
    dach: Team
    enterprise: Team
    rest: Team
    a: User  # Software DE, capacity 2
    b: User  # Software DE, capacity 1
    c: User  # Software DE, capacity 1
    d: User  # DACH
    f: User  # Rest
    g: User  # Rest
    away: User  # Software DE, out of office
    manager: User
    accounts: dict[str, Account]


def _rep(email: str, team: Team, capacity: int = 1, **extra) -> User:
    return User.objects.create(email=email, role=Role.SALES_REP, team=team, capacity=capacity, **extra)


# Software DE's turns when the batch starts: as after two turns (a, then b) of a fresh 2:1:1 team.
STORED_TURNS = {"a": (0, 1), "b": (-2, 1), "c": (2, 0)}


@pytest.fixture
def org(db) -> Org:
    software = Team.objects.create(name="Software DE")
    dach = Team.objects.create(name="DACH")
    enterprise = Team.objects.create(name="Enterprise")
    rest = Team.objects.create(name="Rest", is_default=True)
    a, b, c = _rep("a@accord.test", software, 2), _rep("b@accord.test", software), _rep("c@accord.test", software)
    away = _rep("away@accord.test", software, 3, is_out_of_office=True)
    _rep("zero@accord.test", software, 0)
    _rep("gone@accord.test", software, 5, is_active=False)
    d = _rep("d@accord.test", dach)
    _rep("e@accord.test", enterprise, is_out_of_office=True)  # nobody in Enterprise is available
    f, g = _rep("f@accord.test", rest), _rep("g@accord.test", rest)
    manager = User.objects.create(email="manager@accord.test", role=Role.SALES_MANAGER, team=dach)
    Territory.objects.create(name="Enterprise", team=enterprise, priority=5, min_company_size=1000)
    Territory.objects.create(
        name="Software Germany", team=software, priority=10, countries=["DE"], industries=["Software"]
    )
    Territory.objects.create(name="Giessen", team=dach, priority=15, countries=["DE"], regions=["GIESSEN"])
    Territory.objects.create(name="DACH", team=dach, priority=20, countries=["DE", "AT", "CH"], max_company_size=999)
    for member, (weight, count) in zip((a, b, c), STORED_TURNS.values(), strict=True):
        RoundRobinTurn.objects.create(team=software, member=member, current_weight=weight, assigned_count=count)
    accounts = {
        "owned": Account.objects.create(name="Owned", owner=f),
        "away": Account.objects.create(name="Away", owner=away),
        "managed": Account.objects.create(name="Managed", owner=manager),
        "nobody": Account.objects.create(name="Nobody"),
    }
    return Org(software, dach, enterprise, rest, a, b, c, d, f, g, away, manager, accounts)


# (account, country, region, industry, company_size) → (owner, team, rule), worked out by hand.
# Software DE continues from a 0, b −2, c 2 (capacities 2, 1, 1, total 4): each turn everyone
# gains their capacity and the highest (the lower id on a tie) pays back 4:
#   a 2, b −1, c 3 → c;  a 4, b 0, c 0 → a;  a 2, b 1, c 1 → a;  a 0, b 2, c 2 → b;  then c.
# Rest (f, g at 1 each) alternates f, g.
LEADS = [
    (("owned", "US", "", "", None), ("f", "rest", "account_owner")),
    (("", "DE", "", "Software", 50), ("c", "software", "territory")),
    (("away", "DE", "", "Software", 50), ("a", "software", "territory")),  # owner out of office
    (("", "US", "", "", 5000), (None, "enterprise", "territory")),  # nobody available there
    (("", "DE", "", "Software", 5000), (None, "enterprise", "territory")),  # priority 5 beats 10
    (("", "AT", "", "Retail", 20), ("d", "dach", "territory")),
    (("", "DE", "Gießen", "Software", None), ("a", "software", "territory")),  # priority 10 beats 15
    (("", "DE", "Gießen", "Retail", None), ("d", "dach", "territory")),  # "GIESSEN" casefolds alike
    (("nobody", "FR", "", "Software", 10), ("f", "rest", "default_team")),
    (("", "DE", "", "software", None), ("b", "software", "territory")),  # industries ignore case
    (("managed", "US", "", "", None), ("g", "rest", "default_team")),  # a manager is no rep
    (("", "DE", "", "SOFTWARE", 999), ("c", "software", "territory")),
    (("", "CH", "", "", 1000), (None, "enterprise", "territory")),  # size bounds are inclusive
    (("", "CH", "", "", 999), ("d", "dach", "territory")),
]


def _frame(org: Org, specs) -> pl.DataFrame:
    rows = [
        {
            "account_owner_id": org.accounts[account].owner_id if account else None,
            "country": country,
            "region": region,
            "industry": industry,
            "company_size": size,
        }
        for account, country, region, industry, size in specs
    ]
    return pl.DataFrame(rows, infer_schema_length=None)


def _lead(org: Org, spec) -> Lead:
    account, country, region, industry, size = spec
    return Lead(
        email="x@example.com",
        country=country,
        region=region,
        industry=industry,
        company_size=size,
        account=Account.objects.select_related("owner").get(pk=org.accounts[account].pk) if account else None,
    )


def _turns() -> dict:
    return {
        (turn.team.name, turn.member.email): (turn.current_weight, turn.assigned_count)
        for turn in RoundRobinTurn.objects.select_related("team", "member")
    }


def _restore(turns: dict) -> None:
    RoundRobinTurn.objects.all().delete()
    for (team, email), (weight, count) in turns.items():
        RoundRobinTurn.objects.create(
            team=Team.objects.get(name=team),
            member=User.objects.get(email=email),
            current_weight=weight,
            assigned_count=count,
        )


def test_route_many_gives_the_hand_worked_owners_and_stores_the_turns(org):
    decisions = route_many(_frame(org, [spec for spec, _ in LEADS]))

    expected = [
        (getattr(org, owner).pk if owner else None, getattr(org, team).pk, rule) for _, (owner, team, rule) in LEADS
    ]
    assert [(d.owner_id, d.team_id, d.rule) for d in decisions] == expected
    # Software DE took five turns (c, a, a, b, c): a 2, b −1, c −1; Rest two (f, g): back to 0, 0.
    assert _turns() == {
        ("Software DE", "a@accord.test"): (2, 3),
        ("Software DE", "b@accord.test"): (-1, 2),
        ("Software DE", "c@accord.test"): (-1, 2),
        ("Rest", "f@accord.test"): (0, 1),
        ("Rest", "g@accord.test"): (0, 1),
        ("DACH", "d@accord.test"): (0, 3),
    }
    assert decisions[2].explanation == (
        "Account owner away@accord.test is unavailable; Territory Software Germany → team Software DE; "
        "round-robin → a@accord.test"
    )
    assert decisions[10].explanation.startswith("Account owner manager@accord.test is unavailable; ")
    assert decisions[3].explanation == "Territory Enterprise → team Enterprise; no rep available"


def _one_by_one(org: Org, specs) -> list[tuple]:
    decisions = [route_decide(_lead(org, spec)) for spec in specs]
    return [(d.rep.pk if d.rep else None, d.team.pk if d.team else None, d.rule) for d in decisions]


def _in_bulk(org: Org, specs, batches: int = 1) -> list[tuple]:
    size = max(1, -(-len(specs) // batches))
    decisions = [
        d for start in range(0, len(specs), size) for d in route_many(_frame(org, specs[start : start + size]))
    ]
    return [(d.owner_id, d.team_id, d.rule) for d in decisions]


@pytest.mark.parametrize("batches", [1, 3])
def test_route_many_takes_the_turns_route_decide_takes(org, batches):
    specs = [spec for spec, _ in LEADS] * 3
    stored = _turns()

    one_by_one = _one_by_one(org, specs)
    turns_after_one_by_one = _turns()
    _restore(stored)
    in_bulk = _in_bulk(org, specs, batches)

    assert in_bulk == one_by_one
    assert _turns() == turns_after_one_by_one


def test_unrouted_without_a_matching_territory_or_a_default_team(org):
    Team.objects.filter(pk=org.rest.pk).update(is_default=False)
    specs = [("", "FR", "", "", None), ("owned", "FR", "", "", None), ("away", "FR", "", "", None)]

    decisions = route_many(_frame(org, specs))

    assert [(d.owner_id, d.team_id, d.rule) for d in decisions] == [
        (None, None, "unrouted"),
        (org.f.pk, org.rest.pk, "account_owner"),
        (None, None, "unrouted"),
    ]
    assert [(d.owner_id, d.team_id, d.rule) for d in decisions] == _one_by_one(org, specs)


def test_a_team_without_available_reps_keeps_its_turns(org):
    User.objects.filter(team=org.software).update(is_out_of_office=True)
    stored = _turns()

    decisions = route_many(_frame(org, [("", "DE", "", "Software", 10)] * 2))

    assert [(d.owner_id, d.team_id) for d in decisions] == [(None, org.software.pk)] * 2
    assert _turns() == stored


def test_columns_that_are_missing_or_all_empty_count_as_unknown(org):
    frame = pl.DataFrame({"country": ["AT", "DE"], "company_size": [None, None]})

    decisions = route_many(frame)

    # An unknown size matches no size bound: not DACH (up to 999) but the default team.
    assert [(d.owner_id, d.rule) for d in decisions] == [(org.f.pk, "default_team"), (org.g.pk, "default_team")]


SPECS = st.tuples(
    st.sampled_from(["", "owned", "away", "managed", "nobody"]),
    st.sampled_from(["", "DE", "AT", "CH", "US", "FR"]),
    st.sampled_from(["", "Gießen", "GIESSEN", "Bavaria"]),
    st.sampled_from(["", "Software", "software", "Retail"]),
    st.one_of(st.none(), st.sampled_from([0, 50, 999, 1000, 5000])),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(SPECS, min_size=1, max_size=12),
    batches=st.integers(1, 3),
    unavailable=st.sets(st.sampled_from("abcdfg")),
)
def test_route_many_agrees_with_route_decide_on_random_sequences(org, specs, batches, unavailable):
    User.objects.update(is_out_of_office=False)
    User.objects.filter(email__in=[f"{name}@accord.test" for name in unavailable] + ["away@accord.test"]).update(
        is_out_of_office=True
    )
    stored = _turns()

    one_by_one = _one_by_one(org, specs)
    turns_after_one_by_one = _turns()
    _restore(stored)
    in_bulk = _in_bulk(org, specs, batches)

    assert in_bulk == one_by_one
    assert _turns() == turns_after_one_by_one
