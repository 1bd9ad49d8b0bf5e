"""HubSpot and Salesforce exports, hand-written with their real column labels (in
tests/imports/fixtures), through `--preset`: stages, owners by email or by full name,
dates (Salesforce's US format) and countries land where they should."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.crm.models import Account, Lead, Opportunity
from accord.imports.presets import PRESETS
from tests.imports.conftest import FIXTURES, accord_import, summary, table_counts, write


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


LEAD_COLUMNS = ("external_id", "email", "stage", "owner__email", "country", "created_at")


def leads() -> list[tuple]:
    return list(Lead.objects.order_by("external_id").values_list(*LEAD_COLUMNS))


def test_hubspot_contacts(named, tmp_path):
    result = accord_import("leads", FIXTURES / "hubspot-contacts.csv", "--preset", "hubspot")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "read 5, created 5, updated 0, unchanged 0, rejected 0, accounts created 3",
        "Kept as custom attributes: Lead Status.",
    ]
    assert leads() == [
        ("5101", "vera.penn@bigco.example", "mql", "rep@accord.test", "DE", at(2024, 1, 15, 10, 23)),
        ("5102", "sam@smallco.example", "lead", "rep@accord.test", "CA", at(2024, 2, 1, 8)),
        ("5103", "cara@gmail.com", "customer", None, "GB", at(2023, 11, 30, 17, 45)),
        ("5104", "olga@oppo.example", "sql", "other@accord.test", "FR", at(2024, 3, 5, 12)),
        ("5105", "sid@sales.example", "sal", "other@accord.test", "NL", at(2024, 3, 6, 9, 15)),
    ]
    vera = Lead.objects.get(external_id="5101")
    assert (
        vera.first_name,
        vera.last_name,
        vera.company,
        vera.title,
        vera.phone,
        vera.industry,
        vera.company_size,
        vera.source,
        vera.custom,
        vera.account.name,
    ) == (
        "Vera",
        "Penn",
        "Bigco",
        "VP Sales",
        "+49 30 1234",
        "COMPUTER_SOFTWARE",
        120,
        "Organic Search",
        {"Lead Status": "OPEN"},
        "Bigco",
    )
    assert sorted(Account.objects.values_list("name", "domain")) == [
        ("Bigco", "bigco.example"),
        ("Oppo", "oppo.example"),
        ("Smallco", "smallco.example"),
    ]


def test_hubspot_deals(named, tmp_path):
    result = accord_import(
        "opportunities", FIXTURES / "hubspot-deals.csv", "--preset", "hubspot", "--errors", tmp_path / "errors.csv"
    )

    assert result.exit_code == 1
    assert result.stdout == "read 5, created 4, updated 0, unchanged 0, rejected 1\n"
    assert (tmp_path / "errors.csv").read_text().splitlines()[1:] == [
        '6,Deal Stage,Closedwonish,"Not open, won, lost or a sales stage (Discovery, Demo, Proposal, Negotiation)."'
    ]
    deals = Opportunity.objects.order_by("external_id").values_list(
        "external_id",
        "name",
        "amount",
        "status",
        "sales_stage__name",
        "owner__email",
        "owner_name",
        "created_at",
        "closed_at",
        "expected_close_on",
    )
    assert list(deals) == [
        (
            "9001",
            "Bigco platform",
            Decimal("12500.50"),
            "open",
            "Demo",
            "rep@accord.test",
            "",
            at(2024, 2, 1, 9),
            None,
            date(2024, 6, 30),
        ),
        (
            "9002",
            "Smallco starter",
            Decimal("900.00"),
            "won",
            None,
            "rep@accord.test",
            "",
            at(2024, 2, 10, 11),
            at(2024, 3, 20, 16),
            None,
        ),
        (
            "9003",
            "Oppo pilot",
            Decimal("3000.00"),
            "lost",
            None,
            None,
            "Dana Seller",
            at(2024, 3, 6, 10),
            at(2024, 4, 2, 12),
            None,
        ),
        ("9004", "Later deal", Decimal("0.00"), "open", "Discovery", None, "", at(2024, 5, 1, 10), None, None),
    ]


def test_salesforce_leads_in_windows_1252_with_us_dates(named, tmp_path):
    result = accord_import(
        "leads", FIXTURES / "salesforce-leads.csv", "--preset", "salesforce", "--errors", tmp_path / "errors.csv"
    )

    assert result.exit_code == 1
    assert result.stdout == "read 5, created 3, updated 0, unchanged 0, rejected 2, accounts created 3\n"
    assert (tmp_path / "errors.csv").read_text().splitlines()[1:] == [
        "5,Country,Atlantis,Not a country name or ISO 3166 code.",
        '6,Create Date,2024-03-01,"Not a date/time (%m/%d/%Y, %I:%M %p, %m/%d/%Y %I:%M %p, %m/%d/%Y %H:%M, %m/%d/%Y)."',
    ]
    assert leads() == [
        ("00Q5e00000AbCdE", "jerome@creme.example", "mql", "rep@accord.test", "FR", at(2024, 1, 15)),
        ("00Q5e00000AbCdF", "mia@miller.example", "sal", "other@accord.test", "US", at(2023, 12, 3)),
        ("00Q5e00000AbCdG", "tom@taylor.example", "disqualified", "rep@accord.test", "GB", at(2024, 2, 29)),
    ]
    jerome = Lead.objects.get(email="jerome@creme.example")
    assert (jerome.first_name, jerome.last_name, jerome.company, jerome.title, jerome.source, jerome.account.name) == (
        "Jérôme",
        "Brûlé",
        "Crème & Co",
        "VP Marketing",
        "Web",
        "Crème & Co",
    )
    assert Lead.objects.get(email="mia@miller.example").company_size == 1200


@pytest.mark.parametrize(
    ("cell", "created_at"),
    [
        ("1/15/2024", at(2024, 1, 15)),
        ("01/05/2024", at(2024, 1, 5)),
        ("1/15/2024 9:05 AM", at(2024, 1, 15, 9, 5)),
        ("1/15/2024 12:30 AM", at(2024, 1, 15, 0, 30)),
        ("12/31/2023 11:59 PM", at(2023, 12, 31, 23, 59)),
        ("1/15/2024, 9:05 PM", at(2024, 1, 15, 21, 5)),  # ICU locale formats
        ("1/15/2024 14:30", at(2024, 1, 15, 14, 30)),
    ],
)
def test_salesforce_us_dates_and_times(world, tmp_path, cell, created_at):
    path = write(tmp_path, "leads.csv", f'"Email","Create Date"\n"a@x.example","{cell}"\n')

    result = accord_import("leads", path, "--preset", "salesforce")

    assert result.exit_code == 0, result.output
    assert Lead.objects.get().created_at == created_at


def test_salesforce_opportunities_join_the_accounts_the_leads_made(named, tmp_path):
    accord_import("leads", FIXTURES / "salesforce-leads.csv", "--preset", "salesforce")
    accounts_from_leads = dict(Account.objects.values_list("name", "pk"))

    result = accord_import("opportunities", FIXTURES / "salesforce-opportunities.csv", "--preset", "salesforce")

    assert result.exit_code == 0, result.output
    assert result.stdout == "read 4, created 4, updated 0, unchanged 0, rejected 0\n"
    deals = Opportunity.objects.order_by("external_id").values_list(
        "external_id",
        "name",
        "account__name",
        "amount",
        "status",
        "sales_stage__name",
        "owner__email",
        "owner_name",
        "created_at",
        "closed_at",
        "expected_close_on",
    )
    assert list(deals) == [
        (
            "0065e00000XyZ01",
            "Crème platform",
            "Crème & Co",
            Decimal("12500.00"),
            "open",
            "Proposal",
            "rep@accord.test",
            "",
            at(2024, 1, 20),
            None,
            date(2024, 6, 30),
        ),
        (
            "0065e00000XyZ02",
            "Miller renewal",
            "Miller Corp",
            Decimal("900.00"),
            "won",
            None,
            "other@accord.test",
            "",
            at(2024, 2, 1),
            at(2024, 3, 15, 14, 30),
            None,
        ),
        (
            "0065e00000XyZ03",
            "Taylor pilot",
            "Taylor Ltd",
            Decimal("3000.00"),
            "lost",
            None,
            None,
            "Dana Seller",
            at(2024, 3, 1),
            at(2024, 4, 2),
            None,
        ),
        (
            "0065e00000XyZ04",
            "New logo",
            "New Logo Inc",
            Decimal("0.00"),
            "open",
            "Discovery",
            "rep@accord.test",
            "",
            at(2024, 5, 1),
            None,
            date(2024, 9, 30),
        ),
    ]
    linked = dict(Opportunity.objects.values_list("account__name", "account_id"))
    assert {name: linked[name] for name in accounts_from_leads} == accounts_from_leads
    assert Account.objects.count() == 4


def test_each_preset_export_imported_twice_changes_nothing_the_second_time(named):
    files = [
        ("leads", "hubspot-contacts.csv", "hubspot"),
        ("opportunities", "hubspot-deals.csv", "hubspot"),
        ("leads", "salesforce-leads.csv", "salesforce"),
        ("opportunities", "salesforce-opportunities.csv", "salesforce"),
    ]
    for kind, name, preset in files:
        accord_import(kind, FIXTURES / name, "--preset", preset)
    before = table_counts()

    again = [summary(accord_import(kind, FIXTURES / name, "--preset", preset).stdout) for kind, name, preset in files]

    assert [(s["created"], s["updated"], s["unchanged"]) for s in again] == [(0, 0, 5), (0, 0, 4), (0, 0, 3), (0, 0, 4)]
    assert table_counts() == before


@pytest.mark.parametrize("preset", ["generic", "hubspot", "salesforce"])
def test_country_names_as_hubspot_and_salesforce_write_them(world, tmp_path, preset):
    column = {"generic": "country", "hubspot": "Country/Region", "salesforce": "Country"}[preset]
    path = write(tmp_path, "leads.csv", f"Email,{column}\na@x.example,United States\nb@x.example,Turkey\n")

    result = accord_import("leads", path, "--preset", preset)

    assert result.exit_code == 0, result.output
    assert dict(Lead.objects.values_list("email", "country")) == {"a@x.example": "US", "b@x.example": "TR"}


def test_every_preset_column_names_an_import_field():
    from accord.imports.schema import fields_by_name

    unknown = [
        (preset, kind, header, field)
        for preset, kinds in PRESETS.items()
        for kind, spec in kinds.items()
        for header, field in spec["columns"].items()
        if field is not None and field not in fields_by_name(kind)
    ]
    assert unknown == []
