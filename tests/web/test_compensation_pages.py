"""The compensation page over the March of tests/reports/test_compensation.py, whose
numbers are worked out there."""

import csv
import io
from decimal import Decimal

import pytest

from accord.reports.compensation import policy_create
from accord.reports.models import CompensationPolicy
from accord.web.charts import grouped_bars
from tests.reports.test_compensation import march, policies  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
PAGE = "/reports/compensation/"
NEW = "/reports/compensation/policies/new/"
VERSION = {
    "reward_on_time": "11.00",
    "penalty_ignored": "4.50",
    "bonus_won": "120",
    "currency": "EUR",
    "effective_from": "2026-04-01",
    "note": "Q2",
}


def cells(*values) -> str:
    return "".join(f'<td class="num">{value}</td>' for value in values)


def test_the_table_chart_and_history(world, march, policies):  # noqa: F811
    response = client_for(world, "manager").get(PAGE, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<caption>Compensation of 2026-03-01 – 2026-03-31, amounts in EUR</caption>" in html
    p2, p3 = policies["P2"].pk, policies["P3"].pk
    assert (
        '<tr><th scope="row">Rita Rep</th>\n    ' + cells(9, 4, 2, 2, 0, 1, 2) + "\n    "
        + cells("42.50", "9.00", "250.00", "283.50") + f'\n    <td>v{p2}, v{p3}</td><td class="num">0</td></tr>'
    ) in html  # fmt: skip
    assert '<tr><th scope="row">other@accord.test</th>' in html
    assert "Sam Seller" not in html  # Americas: not the manager's team
    assert '<svg role="img" aria-labelledby="compensation-chart-title"' in html
    assert "Total amount per rep in EUR — Rita Rep: Total 283.50; other@accord.test: Total 0.00</title>" in html
    # The history: P3, P2, P1 — the two paid this period marked.
    assert f'<tr><th scope="row">v{p3}</th><td>2026-03-16</td>' + cells("12.50", "5.00", "150.00") in html
    assert html.count("<td>Yes</td></tr>") == 2
    assert 'action="/reports/compensation/policies/new/' not in html  # a manager adds no version


def test_a_rep_sees_their_own_row(world, march):  # noqa: F811
    html = client_for(world, "owner").get(PAGE, MARCH).content.decode()

    assert '<tr><th scope="row">Rita Rep</th>' in html
    assert "other@accord.test</th>" not in html
    assert '<tr class="total"><th scope="row">All</th>' in html


@pytest.mark.parametrize("persona", ["marketing", "marketing_lead"])
def test_marketing_may_not_read_sales_pay(world, march, persona):  # noqa: F811
    assert client_for(world, persona).get(PAGE, MARCH).status_code == 403


def test_the_csv_is_the_payroll_file(world, march, policies):  # noqa: F811
    response = client_for(world, "executive").get(PAGE, {**MARCH, "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="compensation-2026-03-01-2026-03-31.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["rep_email", "rep", "rep_id", "handed_over"]
    assert rows[2] == [
        "rep@accord.test", "Rita Rep", str(world.rep.pk), "9", "4", "2", "2", "0", "1", "2",
        "42.50", "9.00", "250.00", "283.50", "EUR", f"[{policies['P2'].pk},{policies['P3'].pk}]", "0",
    ]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["other@accord.test", "rep@accord.test", "am-rep@accord.test"]


def test_an_admin_adds_a_version_and_returns_to_the_period(world):
    client = client_for(world, "admin")
    assert 'action="/reports/compensation/policies/new/?date_from=2026-03-01&amp;date_to=2026-03-31"' in (
        client.get(PAGE, MARCH).content.decode()
    )

    response = client.post(f"{NEW}?date_from=2026-03-01&date_to=2026-03-31", VERSION)

    stored = CompensationPolicy.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{PAGE}?date_from=2026-03-01&date_to=2026-03-31")
    assert (stored.reward_on_time, stored.penalty_ignored, stored.bonus_won) == (
        Decimal("11.00"),
        Decimal("4.50"),
        Decimal("120.00"),
    )
    assert (stored.created_by, stored.note) == (world.admin, "Q2")
    followed = client.get(response["Location"])
    assert f"Added policy v{stored.pk}, applying from 2026-04-01." in followed.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reward_on_time": "-1"}, "reward_on_time", "An amount is 0 or more and below 1,000,000,000."),
        ({"bonus_won": "1000000000"}, "bonus_won", "An amount is 0 or more and below 1,000,000,000."),
        ({"penalty_ignored": "4.555"}, "penalty_ignored", "An amount has at most two decimal places (cents)."),
        ({"currency": "E1R"}, "currency", "&#x27;E1R&#x27; is not a currency: give its three-letter ISO 4217 code"),
    ],
)
def test_a_refused_version_is_shown_on_its_field_and_writes_nothing(world, changes, field, message):
    response = client_for(world, "executive").post(NEW, {**VERSION, **changes})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<p class="error" role="alert" id="id_policy_{field}_error">{message}' in html
    assert not CompensationPolicy.objects.exists()


def test_a_bad_period_is_shown_on_the_form(world):
    html = client_for(world, "manager").get(PAGE, {"date_from": "2026-03-31", "date_to": "2026-03-01"}).content
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.decode()


def test_a_period_in_two_currencies_is_shown_on_the_form(world, march):  # noqa: F811
    """A version in dollars from 31 March applies to E, handed over that day; the rest of
    March is paid in euros."""
    policy_create(
        acting_user=world.admin,
        reward_on_time="1",
        penalty_ignored="1",
        bonus_won="1",
        effective_from="2026-03-31",
        currency="USD",
    )

    html = client_for(world, "admin").get(PAGE, MARCH).content.decode()

    assert '<p class="error" role="alert">The period is paid in EUR and USD, which cannot be added up' in html
    assert '<table class="data" id="compensation-table">' not in html


def test_amounts_below_zero_hang_from_the_axis():
    """Totals 30 and −10: the scale spans 40 over the 180 px plot, so zero sits
    180 × 10 / 40 = 45 px above the plot's bottom (190), at 145; 30 rises 135 px to 10,
    −10 hangs 45 px from 145."""
    chart = grouped_bars(["Ann", "Bo"], [("Total", [Decimal("30.00"), Decimal("-10.00")])])

    ann, bo = (group["bars"][0] for group in chart["groups"])
    assert chart["axis_y"] == 145.0
    assert (ann["y"], ann["height"], bo["y"], bo["height"]) == (10.0, 135.0, 145.0, 45.0)
    assert chart["summary"] == "Ann: Total 30.00; Bo: Total -10.00"
