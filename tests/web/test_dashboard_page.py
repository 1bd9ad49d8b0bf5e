"""The executive dashboard page and its CSV over the February and March of
tests/reports/test_dashboard.py (numbers worked out there), and the executive's home."""

import csv
import io
from datetime import UTC, datetime

from accord.crm import services
from tests.conftest import QUALIFIABLE
from tests.reports.test_dashboard import history  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31", "compare": "previous"}


def tile(html: str, key: str) -> str:
    start = html.index(f'id="figure-{key}"')
    return html[start : html.index("</div>", start)]


def test_the_figures_beside_february(world, history):  # noqa: F811
    html = client_for(world, "executive").get("/reports/dashboard/", MARCH).content.decode()

    won = tile(html, "won_revenue")
    assert '<a href="/reports/pipeline/?date_from=2026-03-01&amp;date_to=2026-03-31">Won revenue</a>' in won
    assert '<dd class="tile-value">10,000.00</dd>' in won
    assert "previous 0.00" in won
    assert 'class="change change-up change-good"' in won
    assert "10,000.00" in won
    on_time = tile(html, "on_time_rate")
    assert '<dd class="tile-value">66.7%</dd>' in on_time
    assert "previous 50.0%" in on_time
    assert "/reports/sla/?date_from=2026-03-01" in on_time
    # 0.6667 − 0.5 = 16.67 points up, shown to one decimal
    assert "16.7 pts" in on_time
    assert "change-good" in on_time
    cost = tile(html, "cost")
    assert '<dd class="tile-value">1,000.00</dd>' in cost
    assert "change-bad" in cost
    assert '<dd class="tile-value">18.00 d</dd>' in tile(html, "median_cycle_days")
    assert "beside 2026-02-01 – 2026-02-28" in html
    # The funnel chart says its numbers in words: March 4, 3, 2, 1; February 2, 2, 1, 0
    assert "Leads: This period 4, Comparison period 2; MQL: This period 3, Comparison period 2" in html
    assert "No company revenue goal covers 2026-03-31." in html


def test_csv(world, history):  # noqa: F811
    response = client_for(world, "marketing").get("/reports/dashboard/", {**MARCH, "format": "csv"})

    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["section", "key", "label", "kind", "value", "previous", "change", "trend", "target", "pace"]
    assert rows[1] == ["revenue", "won_revenue", "Won revenue", "money", "10000.0", "0.0", "10000.0", "good", "", ""]
    assert ["handoff", "ignored", "Ignored", "count", "0", "1", "-1", "good", "", ""] in rows
    assert len(rows) == 1 + 22


def test_a_bad_period_names_the_field(world, history):  # noqa: F811
    html = client_for(world, "executive").get(
        "/reports/dashboard/", {"date_from": "2026-03-31", "date_to": "2026-03-01", "compare": "previous"}
    )
    assert html.status_code == 200
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.content.decode()
    assert 'id="figure-won_revenue"' not in html.content.decode()


def test_the_executive_lands_on_it(world):
    response = client_for(world, "executive").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/dashboard/"
    page = client_for(world, "executive").get("/reports/dashboard/").content.decode()
    assert 'aria-current="page">Dashboard</a>' in page


def test_the_page_shows_a_snapshot_and_recomputes_on_demand(world, history):  # noqa: F811
    executive = client_for(world, "executive")
    first = executive.get("/reports/dashboard/", MARCH).content.decode()
    assert '<dd class="tile-value">4</dd>' in tile(first, "leads")
    assert "Figures as of " in first
    assert '<a href="?date_from=2026-03-01&amp;date_to=2026-03-31&amp;compare=previous&amp;refresh=1">' in first

    # Given a fifth lead created in March after the page was first opened
    march_6 = datetime(2026, 3, 6, 10, tzinfo=UTC)
    services.lead_capture(data={**QUALIFIABLE, "email": "l7@bigco.example"}, acting_user=world.marketer, at=march_6)

    # Then the page still shows the snapshot, until someone asks to recompute it
    kept = executive.get("/reports/dashboard/", MARCH).content.decode()
    assert '<dd class="tile-value">4</dd>' in tile(kept, "leads")
    fresh = executive.get("/reports/dashboard/", {**MARCH, "refresh": "1"}).content.decode()
    assert '<dd class="tile-value">5</dd>' in tile(fresh, "leads")
