"""The opportunities list: who sees which deals, filters, pagination, the table's cells, and
the CSV export of exactly the filtered deals the user may see."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accord.crm.models import Account, Lead, Opportunity, SalesStage
from accord.exports.rows import OPPORTUNITY_COLUMNS
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for

HEADER = ",".join(OPPORTUNITY_COLUMNS)
ALL = ["Walk-in", "Imported deal", "Usco pilot", "Teamco renewal", "Bigco platform"]


@dataclass
class Deals:
    bigco: Opportunity
    teamco: Opportunity
    usco: Opportunity
    imported: Opportunity
    walk_in: Opportunity


@pytest.fixture
def deals(world) -> Deals:
    """
    name            created  owner               status / stage   lead (its owner, team)
    Bigco platform  10:00    rep (EMEA)          open, Demo       vp@bigco (rep, EMEA)
    Teamco renewal  11:00    other_rep (EMEA)    won              cfo@teamco (other_rep, EMEA)
    Usco pilot      12:00    americas_rep        lost, price      ann@usco (americas_rep, Americas)
    Imported deal   13:00    "Dana Seller"       open, no stage   —
    Walk-in         14:00    —                   open, no stage   —
    """

    def lead(email, owner, team):
        return Lead.objects.create(email=email, stage="sql", owner=owner, team=team, created_at=MONDAY_10)

    def deal(hours: int, **fields) -> Opportunity:
        return Opportunity.objects.create(created_at=MONDAY_10 + timedelta(hours=hours), **fields)

    return Deals(
        bigco=deal(
            0,
            name="Bigco platform",
            lead=lead("vp@bigco.example", world.rep, world.emea),
            account=Account.objects.create(name="Bigco"),
            owner=world.rep,
            amount=Decimal("12500.50"),
            sales_stage=SalesStage.objects.get(name="Demo"),
        ),
        teamco=deal(
            1,
            name="Teamco renewal",
            lead=lead("cfo@teamco.example", world.other_rep, world.emea),
            account=Account.objects.create(name="Teamco"),
            owner=world.other_rep,
            amount=Decimal("4000"),
            status="won",
            closed_at=datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
        ),
        usco=deal(
            2,
            name="Usco pilot",
            lead=lead("ann@usco.example", world.americas_rep, world.americas),
            owner=world.americas_rep,
            amount=Decimal("800"),
            status="lost",
            lost_reason="price",
            closed_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
        ),
        imported=deal(3, name="Imported deal", owner_name="Dana Seller", amount=Decimal("3000")),
        walk_in=deal(4, name="Walk-in", amount=Decimal("100")),
    )


def _names(html: str) -> list[str]:
    return re.findall(r'<tr data-opportunity="\d+"><th scope="row">([^<]+)</th>', html)


def _csv(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="opportunities.csv"'
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ALL),
        ("status=open", ["Walk-in", "Imported deal", "Bigco platform"]),
        ("status=won", ["Teamco renewal"]),
        ("owner=rep@accord.test", ["Bigco platform"]),
        ("owner=REP@accord.test", ["Bigco platform"]),
        ("owner=dana+seller", ["Imported deal"]),
        ("owner=none", ["Walk-in"]),
        ("search=bigco", ["Bigco platform"]),
        ("search=DEAL", ["Imported deal"]),
        ("status=open&search=i", ["Walk-in", "Imported deal", "Bigco platform"]),
        ("status=lost&owner=rep@accord.test", []),
    ],
)
def test_filters(world, deals, query, names):
    response = client_for(world, "marketing").get(f"/opportunities/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert _names(html) == names
    count = len(names)
    assert f'<p class="muted">{count} opportunit{"y" if count == 1 else "ies"}</p>' in html
    assert ("No opportunities match." in html) is (count == 0)


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("owner", ["Teamco renewal", "Bigco platform"]),  # their own and their team's
        ("teammate", ["Teamco renewal", "Bigco platform"]),
        ("other_team_rep", ["Usco pilot"]),
        ("manager", ALL),
        ("other_manager", ALL),
        ("marketing", ALL),
        ("marketing_lead", ALL),
        ("executive", ALL),
        ("admin", ALL),
    ],
)
def test_each_role_lists_only_the_deals_it_may_see(world, deals, persona, names):
    assert _names(client_for(world, persona).get("/opportunities/").content.decode()) == names


def test_the_table_shows_each_deals_cells(world, deals):
    html = client_for(world, "admin").get("/opportunities/").content.decode()

    rows = dict(re.findall(r'<tr data-opportunity="\d+"><th scope="row">([^<]+)</th>(.*?)</tr>', html, re.DOTALL))
    cells = {
        name: [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for name, row in rows.items()
    }
    assert cells == {
        "Bigco platform": ["vp@bigco.example", "Bigco", "rep@accord.test", "12,500.50", "Demo", "2026-03-02", "—"],
        "Teamco renewal": [
            "cfo@teamco.example",
            "Teamco",
            "other@accord.test",
            "4,000.00",
            "Won",
            "2026-03-02",
            "2026-03-10",
        ],
        "Usco pilot": ["ann@usco.example", "—", "am-rep@accord.test", "800.00", "Lost", "2026-03-02", "2026-03-05"],
        "Imported deal": ["—", "—", "Dana Seller", "3,000.00", "Open", "2026-03-02", "—"],
        "Walk-in": ["—", "—", "—", "100.00", "Open", "2026-03-02", "—"],
    }
    assert f'<a href="/leads/{deals.bigco.lead_id}/">vp@bigco.example</a>' in html


def test_a_deals_lead_is_linked_only_when_the_user_may_open_it(world, deals):
    # given: the teammate's deal on a lead that has since moved to the Americas team
    Lead.objects.filter(pk=deals.teamco.lead_id).update(owner=world.americas_rep, team=world.americas)

    # when the EMEA rep lists the deals
    html = client_for(world, "owner").get("/opportunities/").content.decode()

    # then they see the deal and its lead's name, with no link to a page that would be a 404
    assert _names(html) == ["Teamco renewal", "Bigco platform"]
    assert f'href="/leads/{deals.teamco.lead_id}/"' not in html
    assert "<td>cfo@teamco.example</td>" in html
    assert f'<a href="/leads/{deals.bigco.lead_id}/">vp@bigco.example</a>' in html


def test_filters_are_kept_in_the_form_and_the_csv_link(world, deals):
    html = client_for(world, "marketing").get("/opportunities/?status=open&owner=none&search=walk").content.decode()

    assert '<option value="open" selected>' in html
    assert 'name="owner" value="none"' in html
    assert 'name="search" value="walk"' in html
    assert 'href="?status=open&amp;owner=none&amp;search=walk&amp;format=csv">Download CSV</a>' in html


def test_filter_inputs_have_labels_and_the_table_a_caption(world, deals):
    html = client_for(world, "marketing").get("/opportunities/").content.decode()

    for name in ("search", "status", "owner"):
        control = re.search(rf'<(?:input|select) id="([^"]+)" name="{name}"', html).group(1)
        assert f'<label for="{control}">' in html
    assert "<caption" in html
    assert html.count('<th scope="col"') == 8


def test_csv_export_of_the_filtered_deals(world, deals):
    response = client_for(world, "marketing").get("/opportunities/?status=open&format=csv")

    assert _csv(response).split("\r\n") == [
        HEADER,
        f"{deals.walk_in.pk},,Walk-in,,,,100.00,open,open,2026-03-02T14:00:00+00:00,,,",
        f"{deals.imported.pk},,Imported deal,,,Dana Seller,3000.00,open,open,2026-03-02T13:00:00+00:00,,,",
        f"{deals.bigco.pk},,Bigco platform,vp@bigco.example,Bigco,rep@accord.test,12500.50,Demo,open,"
        "2026-03-02T10:00:00+00:00,,,",
        "",
    ]


def test_a_reps_csv_holds_only_the_deals_they_may_see(world, deals):
    # even asking for another team's rep by name
    everything = _csv(client_for(world, "owner").get("/opportunities/?format=csv"))
    theirs = _csv(client_for(world, "owner").get("/opportunities/?owner=am-rep@accord.test&format=csv"))

    assert everything.split("\r\n") == [
        HEADER,
        f"{deals.teamco.pk},,Teamco renewal,cfo@teamco.example,Teamco,other@accord.test,4000.00,won,won,"
        "2026-03-02T11:00:00+00:00,2026-03-10T15:00:00+00:00,,",
        f"{deals.bigco.pk},,Bigco platform,vp@bigco.example,Bigco,rep@accord.test,12500.50,Demo,open,"
        "2026-03-02T10:00:00+00:00,,,",
        "",
    ]
    assert theirs == HEADER + "\r\n"


@pytest.fixture
def many_deals(world):
    """53 open deals, deal-0 oldest; 2 won ones."""
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"deal-{i}", amount=Decimal(i), owner=world.rep, created_at=MONDAY_10 + timedelta(minutes=i)
            )
            for i in range(53)
        ]
        + [Opportunity(name=f"won-{i}", amount=Decimal(1), status="won", created_at=MONDAY_10) for i in range(2)]
    )


def test_pagination_keeps_the_filters(world, many_deals):
    client = client_for(world, "marketing")

    first = client.get("/opportunities/?status=open").content.decode()
    second = client.get("/opportunities/?status=open&page=2").content.decode()

    assert _names(first) == [f"deal-{i}" for i in range(52, 2, -1)]
    assert "Page 1 of 2" in first
    assert '<a href="?status=open&amp;page=2">Next →</a>' in first
    assert _names(second) == ["deal-2", "deal-1", "deal-0"]
    assert '<a href="?status=open&amp;page=1">← Previous</a>' in second
    assert '<p class="muted">53 opportunities</p>' in first


def test_csv_export_ignores_pagination(world, many_deals):
    text = _csv(client_for(world, "marketing").get("/opportunities/?status=open&page=2&format=csv"))

    assert len(text.splitlines()) == 1 + 53


def test_the_navigation_links_to_the_list(world, deals):
    html = client_for(world, "owner").get("/opportunities/").content.decode()

    assert '<a href="/opportunities/" aria-current="page">Opportunities</a>' in html
