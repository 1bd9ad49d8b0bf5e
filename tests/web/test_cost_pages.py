"""The cost report page (/reports/cost/) over the March of tests/reports/test_cost_report.py,
whose numbers are worked out there, its CSV files, and the form marketing records costs
through."""

import csv
import io
from datetime import date
from decimal import Decimal

from accord.campaigns.models import CampaignCost
from tests.reports.test_cost_report import costs  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for, messages_of

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
PAGE = "/reports/cost/"
NEW = "/reports/cost/entries/new/"
QUERY = "date_from=2026-03-01&date_to=2026-03-31&by=campaign"


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_report_by_campaign(world, costs):  # noqa: F811
    response = client_for(world, "manager").get(PAGE, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<caption id="cost-caption">Cost and results of 2026-03-01 – 2026-03-31 by campaign</caption>' in html
    # spring-webinar: budget, cost, the five counts, won, the five costs per, the return.
    assert (
        '<th scope="row">spring-webinar<br><span class="muted">Spring webinar</span></th>\n'
        "    <td>webinar</td>\n"
        '    <td class="num">5,000.00</td><td class="num">3,100.00</td>\n'
        '    <td class="num">3</td><td class="num">3</td><td class="num">2</td><td class="num">2</td>'
        '<td class="num">1</td>\n'
        '    <td class="num">12,000.00</td>\n'
        '    <td class="num">1,033.33</td><td class="num">1,033.33</td><td class="num">1,550.00</td>'
        '<td class="num">1,550.00</td><td class="num">3,100.00</td>\n'
        '    <td class="num">3.87×</td>'
    ) in html
    assert '<tr class="total"><th scope="row">All</th>' in html
    assert '<td class="num">1,023.00</td><td class="num">1,705.00</td><td class="num">2,557.50</td>' in html
    assert (
        '<title id="cost-chart-title">Cost and won revenue per campaign — search-ads: Cost 5580, Won revenue 0; '
        "spring-webinar: Cost 3100, Won revenue 12000; expo: Cost 1550, Won revenue 0; newsletter: Cost 0, "
        "Won revenue 0</title>"
    ) in html
    # A sales manager reads the report and the ledger, and records nothing.
    assert "Add a cost entry" not in html
    assert '<td>search-ads</td><td>2026-03</td><td class="num">-620.00</td>' in html
    assert f'<a class="button secondary" href="{PAGE}?{QUERY.replace("&", "&amp;")}&amp;format=csv">' in html


def test_marketing_sees_the_entry_form(world, costs):  # noqa: F811
    html = client_for(world, "marketing").get(PAGE, MARCH).content.decode()

    assert '<h2 id="cost-entry-heading">Add a cost entry</h2>' in html
    assert f'<form method="post" action="{NEW}?{QUERY.replace("&", "&amp;")}"' in html
    assert '<label for="id_entry_campaign">Campaign <span aria-hidden="true">*</span></label>' in html
    assert '<option value="spring-webinar">Spring webinar (spring-webinar)</option>' in html
    assert '<p class="muted" id="id_entry_amount_helptext">Negative to correct the month’s earlier entries.</p>' in html


def test_the_csv_is_the_table(world, costs):  # noqa: F811
    response = client_for(world, "executive").get(PAGE, {**MARCH, "by": "channel", "format": "csv"})

    rows = csv_rows(response)
    assert response["Content-Disposition"] == 'attachment; filename="cost.csv"'
    assert [row[:6] for row in rows] == [
        ["group", "name", "channel", "budget", "cost", "leads"],
        ["paid_search", "paid_search", "paid_search", "12000.00", "5580.00", "4"],
        ["webinar", "webinar", "webinar", "5000.00", "3100.00", "3"],
        ["events", "events", "events", "8000.00", "1550.00", "0"],
        ["(none)", "(none)", "(none)", "", "0.00", "1"],
        ["(no campaign)", "(no campaign)", "", "", "", "2"],
        ["All", "All", "", "25000.00", "10230.00", "10"],
    ]
    assert rows[2][10:] == ["12000.00", "1033.33", "1033.33", "1550.00", "1550.00", "3100.00", "3.8710"]


def test_the_ledger_csv_holds_every_entry(world, costs):  # noqa: F811
    rows = csv_rows(client_for(world, "owner").get(PAGE, {"format": "csv", "table": "ledger"}))

    assert rows[0] == ["id", "campaign", "month", "amount", "note", "created_by", "created_at"]
    assert [row[1:6] for row in rows[1:]] == [
        ["expo", "2026-03", "1550.00", "Stand", "marketer@accord.test"],
        ["search-ads", "2026-03", "-620.00", "Credit note 311-1", "marketer@accord.test"],
        ["search-ads", "2026-03", "6200.00", "Invoice 311", "marketer@accord.test"],
        ["spring-webinar", "2026-04", "3000.00", "", "marketer@accord.test"],
        ["spring-webinar", "2026-03", "3100.00", "Platform and ads", "marketer@accord.test"],
        ["spring-webinar", "2026-02", "2800.00", "", "marketer@accord.test"],
    ]


def test_recording_an_entry_returns_to_the_same_period(world, costs):  # noqa: F811
    client = client_for(world, "marketing_lead")

    response = client.post(
        f"{NEW}?{QUERY}", {"campaign": "expo", "month": "2026-04", "amount": "420.50", "note": "Mailing"}
    )

    assert (response.status_code, response["Location"]) == (302, f"{PAGE}?{QUERY}")
    entry = CampaignCost.objects.latest("id")
    assert (entry.campaign.code, entry.month, entry.amount, entry.note, entry.created_by) == (
        "expo", date(2026, 4, 1), Decimal("420.50"), "Mailing", world.marketing_lead
    )  # fmt: skip
    assert messages_of(client.get(response["Location"])) == ["Recorded 420.50 for Expo in 2026-04."]


def test_a_bad_entry_is_shown_on_the_form_and_writes_nothing(world, costs):  # noqa: F811
    client = client_for(world, "marketing")
    before = CampaignCost.objects.count()

    bad_month = client.post(f"{NEW}?{QUERY}", {"campaign": "expo", "month": "2026-3", "amount": "10"})
    below_zero = client.post(f"{NEW}?{QUERY}", {"campaign": "expo", "month": "2026-03", "amount": "-1550.01"})
    no_campaign = client.post(f"{NEW}?{QUERY}", {"campaign": "", "month": "2026-03", "amount": "10"})

    html = bad_month.content.decode()
    assert bad_month.status_code == 200
    assert (
        '<p class="error" role="alert" id="id_entry_month_error">&#x27;2026-3&#x27; is not a month; write it as '
        "YYYY-MM, e.g. 2026-03.</p>"
    ) in html
    assert 'aria-describedby="id_entry_month_helptext id_entry_month_error"' in html
    # The answer is the report page again: the period it showed, and links back to it.
    assert '<form method="get" class="filters" aria-label="Cost report period" action="/reports/cost/">' in html
    assert '<td class="num">3.87×</td>' in html
    assert (
        '<p class="error" role="alert" id="id_entry_amount_error">This correction would bring expo 2026-03 to -0.01; '
        "its entries add up to 1,550.00.</p>"
    ) in below_zero.content.decode()
    assert 'id="id_entry_campaign_error">This field is required.</p>' in no_campaign.content.decode()
    assert CampaignCost.objects.count() == before


def test_a_rep_may_not_record_costs(world, costs):  # noqa: F811
    before = CampaignCost.objects.count()

    response = client_for(world, "owner").post(NEW, {"campaign": "expo", "month": "2026-04", "amount": "10"})

    assert response.status_code == 403
    assert CampaignCost.objects.count() == before


def test_a_bad_period_is_shown_on_the_form(world):
    html = client_for(world, "manager").get(PAGE, {"date_from": "2026-03-31", "date_to": "2026-03-01"}).content
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.decode()


def test_the_default_period_and_no_costs_yet(world):
    response = client_for(world, "marketing").get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>No costs recorded yet.</p>" in html
    assert '<tr class="total"><th scope="row">All</th>' in html
