"""The cost ledger: recording entries and corrections, what is refused (each field named,
nothing written), who may record, and a spreadsheet imported all or nothing.

The clock is 1 November 2026 10:00 UTC for every entry (`at=`), so October 2026 is the last
whole month and November the current one; December has not begun."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.campaigns.models import Campaign, CampaignCost
from accord.campaigns.services import CostFileInvalid, campaign_cost_record, campaign_costs_import, month_parse
from accord.core.errors import InvalidInput, NotAllowed, NotFound
from tests.crm.test_concurrency import run_in_parallel

NOW = datetime(2026, 11, 1, 10, tzinfo=UTC)


@pytest.fixture
def expo(world) -> Campaign:
    return Campaign.objects.create(code="expo", name="Expo", channel="events", budget=8000)


def record(user, code="expo", month="2026-03", amount="1550.00", note="", at=NOW) -> CampaignCost:
    return campaign_cost_record(acting_user=user, campaign_code=code, month=month, amount=amount, note=note, at=at)


def ledger() -> list[tuple]:
    return list(CampaignCost.objects.order_by("id").values_list("campaign__code", "month", "amount", "note"))


def test_an_entry_is_recorded_with_who_and_when(world, expo):
    entry = record(world.marketer, code=" expo ", amount="1550.5", note="  Stand and travel ")

    stored = CampaignCost.objects.get()
    assert (stored.pk, stored.campaign, stored.month, stored.amount, stored.note) == (
        entry.pk, expo, date(2026, 3, 1), Decimal("1550.50"), "Stand and travel"
    )  # fmt: skip
    assert (stored.created_by, stored.created_at) == (world.marketer, NOW)


def test_corrections_are_new_entries_down_to_zero_but_not_below(world, expo):
    """March: 1,550.00, then −550.00 (1,000.00 left), then −1,000.00 (0.00): both allowed;
    then −0.01 would make it −0.01: refused, nothing written. April is a month of its own."""
    record(world.marketer)
    record(world.marketing_lead, amount="-550.00", note="Smaller stand")
    record(world.admin, amount="-1000.00", note="Refunded")

    with pytest.raises(InvalidInput) as error:
        record(world.marketer, amount="-0.01")

    assert error.value.field == "amount"
    assert error.value.message == "This correction would bring expo 2026-03 to -0.01; its entries add up to 0.00."
    assert ledger() == [
        ("expo", date(2026, 3, 1), Decimal("1550.00"), ""),
        ("expo", date(2026, 3, 1), Decimal("-550.00"), "Smaller stand"),
        ("expo", date(2026, 3, 1), Decimal("-1000.00"), "Refunded"),
    ]
    with pytest.raises(InvalidInput):
        record(world.marketer, month="2026-04", amount="-1.00")  # April has no entry to correct


def test_the_ledger_is_append_only(world, expo):
    entry = record(world.marketer)

    entry.amount = Decimal("1.00")
    for change in (entry.save, entry.delete, CampaignCost.objects.all().delete):
        with pytest.raises(TypeError, match="append-only"):
            change()
    with pytest.raises(TypeError, match="append-only"):
        CampaignCost.objects.update(amount=Decimal("1.00"))
    assert ledger() == [("expo", date(2026, 3, 1), Decimal("1550.00"), "")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": ""}, "campaign", "Name the campaign by its code."),
        ({"code": "nope"}, "campaign", "No campaign with code 'nope'."),
        ({"month": ""}, "month", "'' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ({"month": "2026-3"}, "month", "'2026-3' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ({"month": "2026-13"}, "month", "'2026-13' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ({"month": "March 2026"}, "month", "'March 2026' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ({"month": "2026-03-01"}, "month", "'2026-03-01' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        (
            {"month": "2026-12"},
            "month",
            "2026-12 has not begun; record what a month actually cost once it has.",
        ),
        ({"amount": ""}, "amount", "'' is not an amount; write it like 1234.50."),
        ({"amount": "1,550.00"}, "amount", "'1,550.00' is not an amount; write it like 1234.50."),
        ({"amount": "NaN"}, "amount", "'NaN' is not an amount; write it like 1234.50."),
        ({"amount": "Infinity"}, "amount", "'Infinity' is not an amount; write it like 1234.50."),
        ({"amount": "0"}, "amount", "An amount of 0 records nothing."),
        ({"amount": "12.345"}, "amount", "An amount has at most two decimal places (cents)."),
        ({"amount": "10000000000"}, "amount", "An amount is below 10,000,000,000 either way."),
        ({"amount": "-10000000000"}, "amount", "An amount is below 10,000,000,000 either way."),
        ({"amount": "1e30"}, "amount", "An amount is below 10,000,000,000 either way."),
        ({"note": "x" * 501}, "note", "At most 500 characters."),
    ],
    ids=[
        "no-campaign", "unknown-campaign", "no-month", "one-digit-month", "month-13", "month-in-words", "a-day",
        "future-month", "no-amount", "thousands-separator", "nan", "infinity", "zero", "fractions-of-a-cent",
        "too-much", "too-much-negative", "huge", "long-note",
    ],
)  # fmt: skip
def test_bad_input_names_its_field_and_writes_nothing(world, expo, changes, field, message):
    values = {"code": "expo", "month": "2026-03", "amount": "1550.00", "note": "", **changes}
    kind = NotFound if changes.get("code") == "nope" else InvalidInput

    with pytest.raises(kind) as error:
        record(world.marketer, **values)

    assert (error.value.field, error.value.message) == (field, message)
    assert ledger() == []


def test_the_current_month_may_be_recorded_and_a_date_is_its_first_day(world, expo):
    record(world.marketer, month="2026-11")

    assert month_parse(date(2026, 3, 1)) == date(2026, 3, 1)
    with pytest.raises(InvalidInput) as error:
        month_parse(date(2026, 3, 2))
    assert error.value.field == "month"
    assert ledger() == [("expo", date(2026, 11, 1), Decimal("1550.00"), "")]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("marketer", True),
        ("marketing_lead", True),
        ("admin", True),
        ("rep", False),
        ("manager", False),
        ("executive", False),
    ],
)
def test_who_may_record_costs(world, expo, actor, allowed):
    user = getattr(world, actor)

    if allowed:
        record(user)
        assert ledger() == [("expo", date(2026, 3, 1), Decimal("1550.00"), "")]
        return
    with pytest.raises(NotAllowed) as error:
        record(user, code="nope", month="bad")  # permission is decided before the input is read
    assert error.value.message == "Only marketing, marketing leads and admins record campaign costs."
    assert ledger() == []


def test_an_inactive_marketer_may_not_record(world, expo):
    world.marketer.is_active = False
    world.marketer.save(update_fields=["is_active"])

    with pytest.raises(NotAllowed):
        record(world.marketer)
    assert ledger() == []


# --- a spreadsheet at once -----------------------------------------------------------


def write(tmp_path, text: str, name: str = "costs.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(user, path):
    return campaign_costs_import(acting_user=user, path=path, at=NOW)


def test_a_file_is_recorded_in_its_order(world, expo, tmp_path):
    """Row 4 corrects row 3 (1,000.00 − 200.00 = 800.00 for webinar-1's February): allowed
    because the rows are recorded in the file's order. The note column may be blank."""
    path = write(
        tmp_path,
        "Campaign,Month,Amount,Note\n"
        "expo,2026-03,1550.00,Stand\n"
        "webinar-1,2026-02,1000,\n"
        "webinar-1,2026-02,-200.00,Discount agreed\n",
    )

    created = import_file(world.marketing_lead, path)

    assert len(created) == 3
    assert ledger() == [
        ("expo", date(2026, 3, 1), Decimal("1550.00"), "Stand"),
        ("webinar-1", date(2026, 2, 1), Decimal("1000.00"), ""),
        ("webinar-1", date(2026, 2, 1), Decimal("-200.00"), "Discount agreed"),
    ]
    assert {entry.created_by for entry in CampaignCost.objects.all()} == {world.marketing_lead}


def test_a_spreadsheet_saved_with_semicolons_and_without_notes(world, expo, tmp_path):
    path = write(tmp_path, "campaign;month;amount\r\nexpo;2026-04;99.90\r\n")

    import_file(world.marketer, path)

    assert ledger() == [("expo", date(2026, 4, 1), Decimal("99.90"), "")]


def test_one_bad_row_refuses_the_whole_file_naming_every_problem(world, expo, tmp_path):
    """Rows 2 and 6 are fine, but nothing of the file is written. Row 3 names an unknown
    campaign, row 4 a month that is no month, row 5 an amount with a comma; row 7 would
    bring expo's March (1,550.00 from row 2, 1,550.00 − 2,000.00) below zero; row 8 has a
    field too many."""
    path = write(
        tmp_path,
        "campaign,month,amount,note\n"
        "expo,2026-03,1550.00,Stand\n"
        "expoo,2026-03,10.00,\n"
        "expo,03/2026,10.00,\n"
        'expo,2026-03,"1,5",\n'
        "webinar-1,2026-03,500.00,\n"
        "expo,2026-03,-2000.00,Refund\n"
        "expo,2026-03,1.00,,extra\n",
    )

    with pytest.raises(CostFileInvalid) as error:
        import_file(world.marketer, path)

    assert [(p.row, p.field, p.message) for p in error.value.problems] == [
        (3, "campaign", "No campaign with code 'expoo'."),
        (4, "month", "'03/2026' is not a month; write it as YYYY-MM, e.g. 2026-03."),
        (5, "amount", "'1,5' is not an amount; write it like 1234.50."),
        (7, "amount", "This correction would bring expo 2026-03 to -450.00; its entries add up to 1,550.00."),
        (8, "row", "The row has 5 fields; the header has 4."),
    ]
    assert (error.value.field, error.value.message) == ("file", "5 problems in the file; nothing was recorded.")
    assert str(error.value.problems[0]) == "row 3, campaign: No campaign with code 'expoo'."
    assert ledger() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("campaign,month,amount,cost centre\nexpo,2026-03,1.00,A\n",
         "Unknown column 'cost centre'; the columns are campaign, month, amount, note (note may be left out)."),
        ("campaign,month,note\nexpo,2026-03,A\n", "The file has no 'amount' column."),
        ("campaign,month,amount\n", "The file has no rows under its header."),
        ("", "The file is empty."),
    ],
    ids=["unknown-column", "missing-column", "no-rows", "empty"],
)  # fmt: skip
def test_a_file_that_is_not_a_cost_file_is_refused(world, expo, tmp_path, text, message):
    with pytest.raises(InvalidInput) as error:
        import_file(world.marketer, write(tmp_path, text))

    assert (error.value.field, error.value.message) == ("file", message)
    assert ledger() == []


def test_only_those_who_record_costs_import_them(world, expo, tmp_path):
    path = write(tmp_path, "campaign,month,amount\nexpo,2026-03,1.00\n")

    with pytest.raises(NotAllowed):
        import_file(world.manager, path)
    assert ledger() == []


@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_once_cannot_both_spend_the_same_total(world, expo):
    """March holds 1,000.00; two corrections of −600.00 race. Each alone is fine, both
    would leave −200.00: the campaign's row lock lets one through and refuses the other."""
    record(world.marketer, amount="1000.00")

    results = run_in_parallel([lambda: record(world.marketer, amount="-600.00") for _ in range(2)])

    assert sorted(type(result).__name__ for result in results) == ["CampaignCost", "InvalidInput"]
    assert sum(CampaignCost.objects.values_list("amount", flat=True)) == Decimal("400.00")


def test_the_admin_shows_the_ledger_read_only(world, expo, client):
    record(world.marketer, note="Stand")
    client.force_login(world.admin)

    page = client.get(f"/admin/campaigns/campaign/{expo.pk}/change/")
    saved = client.post(
        f"/admin/campaigns/campaign/{expo.pk}/change/",
        {"code": "expo", "name": "Expo 2026", "channel": "events", "kind": "", "status": "live", "offer": "",
         "starts_on": "", "ends_on": "", "budget": "8000", "owner": "",
         "costs-TOTAL_FORMS": "1", "costs-INITIAL_FORMS": "1", "costs-MIN_NUM_FORMS": "0",
         "costs-MAX_NUM_FORMS": "1000"},
    )  # fmt: skip

    html = page.content.decode()
    assert page.status_code == 200
    assert "Stand" in html
    assert 'name="costs-0-amount"' not in html  # shown, not editable
    assert (saved.status_code, Campaign.objects.get(pk=expo.pk).name) == (302, "Expo 2026")
    assert ledger() == [("expo", date(2026, 3, 1), Decimal("1550.00"), "Stand")]
