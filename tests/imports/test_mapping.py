"""Mapping files: which column is which field (or none), value translations, defaults,
date formats and the timezone of times written without an offset, owners by email or by
name (created when asked), columns kept as custom attributes — and clear errors."""

from datetime import UTC, datetime

import pytest

from accord.core.errors import InvalidInput
from accord.crm.models import Lead
from accord.imports.mapping import Mapping, mapping_parse, plan_columns
from accord.people.models import Role, User
from tests.imports.conftest import accord_import, summary, write


def import_with(tmp_path, content: str, mapping: str, *args: str):
    write(tmp_path, "mapping.json", mapping)
    path = write(tmp_path, "leads.csv", content)
    return accord_import("leads", path, "--mapping", tmp_path / "mapping.json", *args)


# --- the plan: which column goes where ------------------------------------------------------


def test_mapped_columns_first_then_field_names_then_custom_attributes():
    mapping = mapping_parse({"columns": {"E-Mail": "email", "Vorname": "first_name", "Notes": None}}, kind="leads")

    plan = plan_columns("leads", ["E-Mail", "Vorname", "Notes", "Company ", "Farbe", "id"], mapping=mapping)

    assert plan.columns == {"E-Mail": "email", "Vorname": "first_name", "Company ": "company"}
    assert (plan.custom, plan.ignored) == (["Farbe"], ["Notes", "id"])


def test_columns_nobody_maps_are_ignored_for_kinds_without_custom_attributes():
    plan = plan_columns("accounts", ["Name", "Domain", "Colour"])

    assert (plan.columns, plan.custom, plan.ignored) == ({"Name": "name", "Domain": "domain"}, [], ["Colour"])


def test_a_second_column_for_a_field_already_mapped_is_ignored():
    plan = plan_columns("leads", ["email", "Email", "E-Mail"], mapping=Mapping(columns={"E-Mail": "email"}))

    assert (plan.columns, plan.ignored) == ({"email": "email"}, ["Email", "E-Mail"])


def test_the_mapping_overrides_the_preset():
    mapping = Mapping(columns={"Email": None, "Work Email": "email", "Lifecycle Stage": "source"})

    plan = plan_columns("leads", ["Email", "Work Email", "Lifecycle Stage"], preset="hubspot", mapping=mapping)

    assert (plan.columns, plan.ignored) == ({"Work Email": "email", "Lifecycle Stage": "source"}, ["Email"])


@pytest.mark.parametrize(
    ("date_format", "formats"),
    [(None, []), ("%d.%m.%Y", ["%d.%m.%Y"]), (["%d.%m.%Y %H:%M", "%d.%m.%Y"], ["%d.%m.%Y %H:%M", "%d.%m.%Y"])],
)
def test_date_format_is_one_format_or_a_list_tried_in_order(date_format, formats):
    assert mapping_parse({"date_format": date_format}, kind="leads").date_formats == formats


# --- mistakes in the mapping ----------------------------------------------------------------


LEAD_FIELDS = (
    "email, external_id, first_name, last_name, company, title, phone, country, region, industry, company_size, "
    "source, campaign, utm_source, utm_medium, utm_campaign, need, authority, budget, timeline, consent_email, "
    "do_not_call, stage, owner, created_at"
)


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (
            {"columns": {"Mail": "e_mail"}},
            "leads",
            f"m.json: 'e_mail' is not a leads field; use one of: {LEAD_FIELDS}.",
        ),
        ({"values": {"lifecycle": {"a": "b"}}}, "leads", "m.json: 'lifecycle' is not a leads field; use one of: "),
        ({"defaults": {"sorce": "fair"}}, "leads", "m.json: 'sorce' is not a leads field; use one of: "),
        (
            {"columns": {"Extra": "custom"}},
            "accounts",
            "m.json: 'custom' is not a accounts field; use one of: name, domain, industry, country, company_size, "
            "owner, created_at.",
        ),
        ({"timezone": "Berlin"}, "leads", "m.json: timezone: Value error, 'Berlin' is not an IANA timezone name"),
        ({"date_format": 5}, "leads", "m.json: date_format.str: Input should be a valid string"),
        ({"create_users": "maybe"}, "leads", "m.json: create_users: Input should be a valid boolean"),
        ({"column": {}}, "leads", "m.json: column: Extra inputs are not permitted"),
        ([], "leads", "m.json: the mapping must be a JSON object."),
    ],
)
def test_mistakes_in_a_mapping_name_what_is_wrong(data, kind, message):
    with pytest.raises(InvalidInput) as raised:
        mapping_parse(data, kind=kind, source="m.json")

    assert raised.value.field == "mapping"
    assert raised.value.message.startswith(message)


def test_custom_is_a_field_of_leads_only():
    assert mapping_parse({"columns": {"Extra": "custom"}}, kind="leads").columns == {"Extra": "custom"}


# --- whole imports ----------------------------------------------------------------------------


def test_columns_values_and_defaults(world, tmp_path):
    content = (
        "E-Mail;Vorname;Phase;Land;Newsletter;Quelle;Notizen;Farbe;Größe\n"
        "anna@bau.example;Anna;Kunde;Deutschland;Ja;Website;intern;rot;\n"
        "bernd@bau.example;Bernd;kalt;;nein;;;;12\n"
    )
    mapping = """{
      "columns": {"E-Mail": "email", "Vorname": "first_name", "Phase": "stage", "Land": "country",
                  "Newsletter": "consent_email", "Quelle": "source", "Notizen": null},
      "values": {"stage": {"Kunde": "customer", "Kalt": "lead"}, "country": {"deutschland": "DE"},
                 "consent_email": {"ja": true, "NEIN": false}},
      "defaults": {"source": "Messe 2024", "country": "AT", "do_not_call": true}
    }"""

    result = import_with(tmp_path, content, mapping)

    assert result.stdout.splitlines() == [
        "read 2, created 2, updated 0, unchanged 0, rejected 0",
        "Kept as custom attributes: Farbe, Größe.",
        "Ignored columns: Notizen.",
    ]
    assert list(
        Lead.objects.order_by("email").values_list(
            "email", "stage", "country", "consent_email", "do_not_call", "source", "custom"
        )
    ) == [
        ("anna@bau.example", "customer", "DE", True, True, "Website", {"Farbe": "rot"}),
        ("bernd@bau.example", "lead", "AT", False, True, "Messe 2024", {"Größe": "12"}),
    ]


def test_a_value_the_translation_does_not_know_is_checked_as_written(world, tmp_path):
    result = import_with(
        tmp_path,
        "email,stage\na@x.example,Kunde\nb@x.example,warm\n",
        '{"values": {"stage": {"Kunde": "customer"}}}',
        "--errors",
        str(tmp_path / "errors.csv"),
    )

    assert summary(result.stdout) == {"read": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert (tmp_path / "errors.csv").read_text().splitlines()[1] == (
        '3,stage,warm,"Not one of: subscriber, lead, mql, sal, sql, customer, recycled, disqualified."'
    )


def _created() -> dict[str, datetime]:
    return dict(Lead.objects.values_list("email", "created_at"))


def test_a_date_format_with_the_timezone_of_the_file(world, tmp_path):
    # Berlin is UTC+1 in January and UTC+2 (summer time) in July.
    result = import_with(
        tmp_path,
        "email,created_at\njan@x.example,15.01.2024\njul@x.example,15.07.2024\n",
        '{"date_format": "%d.%m.%Y", "timezone": "Europe/Berlin"}',
    )

    assert result.exit_code == 0
    assert _created() == {
        "jan@x.example": datetime(2024, 1, 14, 23, 0, tzinfo=UTC),
        "jul@x.example": datetime(2024, 7, 14, 22, 0, tzinfo=UTC),
    }


def test_a_list_of_date_formats_is_tried_in_order(world, tmp_path):
    result = import_with(
        tmp_path,
        "email,created_at\n"
        "a@x.example,15.07.2024 10:30\n"
        "b@x.example,15.01.2024\n"
        "c@x.example,2024-01-15\n"
        "d@x.example,\n",
        '{"date_format": ["%d.%m.%Y %H:%M", "%d.%m.%Y"], "timezone": "Europe/Berlin"}',
        "--errors",
        str(tmp_path / "errors.csv"),
    )

    assert (result.exit_code, summary(result.stdout)["rejected"]) == (1, 1)
    assert (tmp_path / "errors.csv").read_text().splitlines()[1] == (
        '4,created_at,2024-01-15,"Not a date/time (%d.%m.%Y %H:%M, %d.%m.%Y)."'
    )
    created = _created()
    assert (created["a@x.example"], created["b@x.example"]) == (
        datetime(2024, 7, 15, 8, 30, tzinfo=UTC),
        datetime(2024, 1, 14, 23, 0, tzinfo=UTC),
    )
    assert created["d@x.example"] > datetime(2025, 1, 1, tzinfo=UTC)  # no date: the time of the import


def test_without_a_date_format_iso_dates_are_read_in_the_files_timezone(world, tmp_path):
    result = import_with(
        tmp_path,
        "email,created_at\n"
        "a@x.example,2024-07-15 10:30\n"
        "b@x.example,2024-07-15T10:30:00+05:00\n"
        "c@x.example,2024-07-15T10:30:00Z\n"
        "d@x.example,2024-01-15\n",
        '{"timezone": "America/New_York"}',
    )

    assert result.exit_code == 0
    assert _created() == {
        "a@x.example": datetime(2024, 7, 15, 14, 30, tzinfo=UTC),  # EDT, UTC-4
        "b@x.example": datetime(2024, 7, 15, 5, 30, tzinfo=UTC),
        "c@x.example": datetime(2024, 7, 15, 10, 30, tzinfo=UTC),
        "d@x.example": datetime(2024, 1, 15, 5, 0, tzinfo=UTC),  # EST, UTC-5
    }


def test_owners_by_email_or_full_name_in_any_case(named, tmp_path):
    result = accord_import(
        "leads",
        write(
            tmp_path,
            "leads.csv",
            "email,owner\na@x.example,REP@accord.test\nb@x.example,otto other\nc@x.example, Rita Rep \n",
        ),
    )

    assert result.exit_code == 0
    assert dict(Lead.objects.values_list("email", "owner__email")) == {
        "a@x.example": "rep@accord.test",
        "b@x.example": "other@accord.test",
        "c@x.example": "rep@accord.test",
    }
    assert set(Lead.objects.values_list("team__name", flat=True)) == {"EMEA"}


def test_an_owner_nobody_knows_rejects_the_row_unless_users_are_created(named, tmp_path):
    content = "email,owner\na@x.example,Dana Seller\nb@x.example,new.rep@acme.example\nc@x.example,rita rep\n"

    refused = import_with(tmp_path, content, "{}", "--errors", str(tmp_path / "errors.csv"))

    assert (refused.exit_code, summary(refused.stdout)["created"]) == (1, 1)
    assert (tmp_path / "errors.csv").read_text().splitlines()[1:] == [
        '2,owner,Dana Seller,"No user with this email or name (add the user, or set ""create_users"": true)."',
        '3,owner,new.rep@acme.example,"No user with this email or name (add the user, or set ""create_users"": true)."',
    ]

    created = import_with(tmp_path, content, '{"create_users": true}')

    assert created.exit_code == 0
    assert summary(created.stdout) == {
        "read": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 1,
        "rejected": 0,
        "users created": 2,
    }
    dana = User.objects.get(first_name="Dana", last_name="Seller")
    new_rep = User.objects.get(email="new.rep@acme.example")
    for user in (dana, new_rep):
        assert (user.role, user.is_active, user.has_usable_password()) == (Role.SALES_REP, False, False)
    assert dana.email.endswith("@imported.invalid")
    assert dict(Lead.objects.values_list("email", "owner")) == {
        "a@x.example": dana.pk,
        "b@x.example": new_rep.pk,
        "c@x.example": named.rep.pk,
    }


def test_custom_attributes_keep_non_empty_cells_and_merge_on_later_imports(world, tmp_path):
    first = accord_import("leads", write(tmp_path, "a.csv", "email,Plan,Seats\na@x.example,pro,12\nb@x.example,,\n"))
    second = accord_import("leads", write(tmp_path, "b.csv", "email,Seats,Region Code\na@x.example,15,EU\n"))

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert summary(second.stdout)["updated"] == 1
    assert dict(Lead.objects.values_list("email", "custom")) == {
        "a@x.example": {"Plan": "pro", "Seats": "15", "Region Code": "EU"},
        "b@x.example": {},
    }


def test_the_mapping_can_name_the_encoding(world, tmp_path):
    # ISO-8859-15 puts € at A4, where Windows-1252 has ¤.
    write(tmp_path, "mapping.json", '{"encoding": "iso-8859-15"}')
    path = write(tmp_path, "leads.csv", b"email,budget\na@x.example,5000 \xa4\n")

    result = accord_import("leads", path, "--mapping", tmp_path / "mapping.json")

    assert result.exit_code == 0
    assert Lead.objects.get().budget == "5000 €"
