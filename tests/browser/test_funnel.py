"""Marketing reads the funnel of a period grouped by source, as a table, a chart and a CSV."""

import csv
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.crm import services
from accord.crm.models import Stage
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def captured_only(world, *, at, **data):
    lead, _ = services.lead_capture(data=data, acting_user=world.marketer, at=at)
    assert lead.stage == Stage.LEAD
    return lead


@pytest.fixture
def january(world):
    """Six leads created in January 2026 (UTC) and two just outside it.

    webinar  L1 01-05 mql → accepted → converted → won        reaches mql, sal, sql, customer
             L2 01-08 mql → rejected, disqualified (no_budget)  reaches mql; exit disqualified
             L3 01-12 stays a lead
    ads      L4 01-15 mql → converted (accepted on the way) → lost → recycled
                                                              reaches mql, sal, sql; exit recycled
             L5 01-31 23:59 mql, waiting                      reaches mql
    (none)   L6 01-01 00:00 stays a lead
    outside  L7 2025-12-31 23:59 (webinar, mql) and L8 2026-02-01 00:00 (ads, accepted)
    """
    l1 = qualify(world, at=utc(2026, 1, 5, 9), email="l1@one.example", source="webinar")
    services.lead_accept(lead_id=l1.pk, acting_user=l1.owner, at=utc(2026, 1, 5, 10))
    won = services.opportunity_create(lead_id=l1.pk, acting_user=l1.owner, amount="1000", at=utc(2026, 1, 6, 9))
    services.opportunity_close(opportunity_id=won.pk, acting_user=l1.owner, won=True, at=utc(2026, 1, 20, 9))

    l2 = qualify(world, at=utc(2026, 1, 8, 9), email="l2@two.example", source="webinar")
    services.lead_reject(
        lead_id=l2.pk, acting_user=l2.owner, reason="no_budget", action="disqualify", at=utc(2026, 1, 8, 11)
    )
    captured_only(world, at=utc(2026, 1, 12, 9), email="l3@three.example", first_name="L3", source="webinar")

    l4 = qualify(world, at=utc(2026, 1, 15, 9), email="l4@four.example", source="ads")
    lost = services.opportunity_create(lead_id=l4.pk, acting_user=l4.owner, amount="500", at=utc(2026, 1, 16, 9))
    services.opportunity_close(
        opportunity_id=lost.pk, acting_user=l4.owner, won=False, reason="no_budget", at=utc(2026, 1, 25, 9)
    )
    qualify(world, at=utc(2026, 1, 31, 23, 59), email="l5@five.example", source="ads")
    captured_only(world, at=utc(2026, 1, 1), email="l6@six.example", first_name="L6")

    qualify(world, at=utc(2025, 12, 31, 23, 59), email="l7@seven.example", source="webinar")
    l8 = qualify(world, at=utc(2026, 2, 1), email="l8@eight.example", source="ads")
    services.lead_accept(lead_id=l8.pk, acting_user=l8.owner, at=utc(2026, 2, 1, 9))


HEADER = [
    "Source",
    "Leads",
    "MQL",
    "SAL",
    "SQL",
    "Customers",
    "Recycled",
    "Disqualified",
    "Lead→MQL",
    "MQL→SAL",
    "SAL→SQL",
    "SQL→Customer",
    "Lead→Customer",
]
# Rates (lead→mql, mql→sal, sal→sql, sql→customer, lead→customer), shown rounded to whole %:
#   webinar 2/3 → 67, 1/2, 1/1, 1/1, 1/3 → 33;  ads 2/2, 1/2, 1/1, 0/1, 0/2
#   (none) 0/1, then nothing to divide by, 0/1;  All 4/6 → 67, 2/4, 2/2, 1/2, 1/6 → 17
TABLE = [
    ["webinar", "3", "2", "1", "1", "1", "0", "1", "67%", "50%", "100%", "100%", "33%"],
    ["ads", "2", "2", "1", "1", "0", "1", "0", "100%", "50%", "100%", "0%", "0%"],
    ["(none)", "1", "0", "0", "0", "0", "0", "0", "0%", "—", "—", "—", "0%"],
    ["All", "6", "4", "2", "2", "1", "1", "1", "67%", "50%", "100%", "50%", "17%"],
]
CSV = [
    [
        "group",
        "leads",
        "mql",
        "sal",
        "sql",
        "customer",
        "recycled",
        "disqualified",
        "lead_to_mql",
        "mql_to_sal",
        "sal_to_sql",
        "sql_to_customer",
        "lead_to_customer",
    ],
    ["webinar", "3", "2", "1", "1", "1", "0", "1", "0.6667", "0.5", "1.0", "1.0", "0.3333"],
    ["ads", "2", "2", "1", "1", "0", "1", "0", "1.0", "0.5", "1.0", "0.0", "0.0"],
    ["(none)", "1", "0", "0", "0", "0", "0", "0", "0.0", "", "", "", "0.0"],
    ["All", "6", "4", "2", "2", "1", "1", "1", "0.6667", "0.5", "1.0", "0.5", "0.1667"],
]
CHART_TITLE = "Funnel for all leads in the period: Leads 6, MQL 4, SAL 2, SQL 2, CUSTOMER 1"


@pytest.mark.browser
def test_marketing_reads_the_funnel_by_source_and_exports_the_same_numbers(
    page, world, january, sign_in, browser_log, tmp_path
):
    # Given: a marketer on the funnel page.
    sign_in(world.marketer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funnel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funnel")

    # When: they type January 2026 into From and To, group by source and submit.
    date_from = page.get_by_role("textbox", name="From", exact=True)
    date_to = page.get_by_role("textbox", name="To", exact=True)
    date_from.focus()  # Chromium puts the caret in the month segment (en-US: mm/dd/yyyy)
    page.keyboard.type("01012026")
    date_to.focus()
    page.keyboard.type("01312026")
    expect(date_from).to_have_value("2026-01-01")
    expect(date_to).to_have_value("2026-01-31")
    page.get_by_label("Group by").select_option(label="Source")
    page.get_by_role("button", name="Show").click()

    # Then: the table has the counts worked out above, largest group first, total last (the
    # comparison select was left at its default, no comparison).
    expect(page).to_have_url("/reports/funnel/?date_from=2026-01-01&date_to=2026-01-31&by=source&compare=none")
    table = page.get_by_role("table", name="Counts per stage and stage-to-stage conversion")
    expect(table.locator("thead th")).to_have_text(HEADER)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(TABLE))
    for i, expected in enumerate(TABLE):
        expect(rows.nth(i).locator("th, td")).to_have_text(expected)
    expect(rows.last).to_have_class("total")

    # And: the chart is visible and named for assistive technology; bars scale to 380 = 6 leads.
    chart = page.get_by_role("img", name=CHART_TITLE)
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(5)
    widths = chart.locator("rect").evaluate_all("rects => rects.map(r => r.getAttribute('width'))")
    assert widths == ["380", "253", "127", "127", "63"]
    expect(chart.locator("text.chart-value")).to_have_text(["6", "4", "2", "2", "1"])

    # When: they export the CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()

    # Then: the file holds the same numbers, with the exact rates.
    download = download_info.value
    assert download.suggested_filename == "funnel.csv"
    saved = tmp_path / "funnel.csv"
    download.save_as(saved)
    with saved.open(newline="") as handle:
        assert list(csv.reader(handle)) == CSV
    browser_log.assert_clean()


@pytest.mark.browser
def test_export_of_the_default_period_downloads_that_period(page, world, sign_in, browser_log, tmp_path):
    # Given: one lead qualified today, and a marketer who opens the funnel without choosing
    # a period (the page shows the last 180 days).
    qualify(world, email="today@one.example")
    today = timezone.localdate()
    sign_in(world.marketer)
    page.goto("/reports/funnel/")
    expect(page.get_by_role("textbox", name="From", exact=True)).to_have_value(f"{today - timedelta(days=180)}")
    expect(page.get_by_role("textbox", name="To", exact=True)).to_have_value(f"{today}")

    # When: they export the CSV.
    export = page.get_by_role("link", name="Export CSV")
    expect(export).to_have_attribute("href", f"?date_from={today - timedelta(days=180)}&date_to={today}&format=csv")
    with page.expect_download() as download_info:
        export.click()

    # Then: they get the CSV of that period: 1 lead, 1 MQL; rates 1/1, 0/1, then nothing
    # to divide by, and 0/1 lead → customer.
    saved = tmp_path / "funnel.csv"
    download_info.value.save_as(saved)
    with saved.open(newline="") as handle:
        assert list(csv.reader(handle)) == [
            CSV[0],
            ["All", "1", "1", "0", "0", "0", "0", "0", "1.0", "0.0", "", "", "0.0"],
        ]
    browser_log.assert_clean()
