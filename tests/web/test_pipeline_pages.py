"""The pipeline and sourcing pages, and reopening a deal from its lead's page, over the deals
of tests/reports/test_pipeline.py, whose numbers are worked out there."""

import csv
import io

from accord.crm.models import Opportunity, OpportunityEvent
from tests.reports.test_pipeline import deals  # noqa: F401 — the hand-built deals
from tests.web.conftest import client_for

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def cells(html: str, group: str) -> str:
    start = html.index(f'<th scope="row">{group}</th>')
    return html[start : html.index("</tr>", start)]


def test_the_pipeline_by_owner(world, deals):  # noqa: F811
    response = client_for(world, "marketing").get("/reports/pipeline/", {**MARCH, "by": "owner"})

    html = response.content.decode()
    assert response.status_code == 200
    assert cells(html, "Rita Rep").split('<td class="num">')[1:] == [
        "3</td>", "19,000.00</td>", "1</td>", "6,000.00</td>", "2</td>", "1</td>", "66.7%</td>",
        "14,000.00</td>", "7,000.00</td>", "20.5</td>",
    ]  # fmt: skip
    assert '<th scope="col">Owner</th>' in html
    assert '<svg role="img" aria-labelledby="pipeline-chart-title"' in html
    assert "Rita Rep, Won revenue: 14000" in html


def test_the_pipeline_csv_is_the_table(world, deals):  # noqa: F811
    response = client_for(world, "owner").get("/reports/pipeline/", {**MARCH, "by": "team", "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["group", "created", "open", "won", "lost"]
    assert [row[:5] for row in rows[1:]] == [
        ["EMEA", "3", "1", "2", "1"],
        ["(no team)", "1", "0", "1", "0"],
        ["Americas", "1", "0", "0", "1"],
        ["All", "5", "1", "3", "2"],
    ]


def test_sourcing_side_by_side(world, deals):  # noqa: F811
    html = client_for(world, "executive").get("/reports/sourcing/", MARCH).content.decode()

    assert cells(html, "Marketing-sourced").count("<td") == 10
    assert '<td class="num">50.0%</td>' in cells(html, "Sales-sourced")
    assert '<th scope="row">All</th>' in html


def test_a_bad_period_is_shown_on_the_form(world, deals):  # noqa: F811
    html = client_for(world, "owner").get("/reports/pipeline/", {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.content.decode()


def test_reopening_a_deal_from_its_leads_page(world, deals):  # noqa: F811
    deal = deals["D1"]
    client = client_for(world, "owner")
    page = client.get(f"/leads/{deal.lead_id}/").content.decode()
    assert f'aria-label="Reopen {deal.name}"' in page

    response = client.post(f"/opportunities/{deal.pk}/reopen/", {"note": "Signed the wrong order form"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == Opportunity.Status.OPEN
    event = OpportunityEvent.objects.filter(opportunity=deal).latest("occurred_at")
    assert (event.kind, event.note, event.actor) == ("reopened", "Signed the wrong order form", world.rep)
