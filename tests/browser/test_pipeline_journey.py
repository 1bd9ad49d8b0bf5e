"""An executive reads the pipeline of March by owner, then of February and March by month, as
a table, a chart and a CSV; and marketing-sourced beside sales-sourced deals — over the deals
of tests/reports/test_pipeline.py, built by hand there (times UTC):

D1  lead A (webinar), Rita Rep: created 2 Mar, 10,000, won 20 Mar                  18 days
D2  lead B (webinar), Rita Rep: created 10 Feb, 4,000, won 5 Mar                   23 days
D3  lead C (ads), Rita Rep: created 3 Mar, 6,000, won 10 Mar, reopened 12 Mar, won 2 Apr
D4  lead E (ads, US), am-rep: created 4 Mar, 2,000, lost 25 Mar
D5  imported without a lead, owner "Sam Seller": created 1 Mar, 8,000, won 31 Mar 30 days
D6  imported for lead W (never an MQL), Rita Rep: created 15 Mar, 3,000, lost 28 Mar

March by owner (most won revenue first):
  Rita Rep    created D1 D3 D6 = 3, 19,000; open at the end D3, 6,000; won D1 D2 = 2, 14,000;
              lost D6 = 1; win rate 2/3 = 66.7%; average 14,000 / 2 = 7,000; cycle (18+23)/2 = 20.5
  Sam Seller  created D5, 8,000; won D5, 8,000; win rate 1/1; average 8,000; cycle 30
  am-rep      created D4, 2,000; lost D4; win rate 0/1; nothing won: no average, no cycle
  All         created 5, 29,000; open 1, 6,000; won 3, 22,000; lost 2; win rate 3/5 = 60.0%;
              average 22,000 / 3 = 7,333.33; cycle the median of 18, 23, 30 = 23
February and March by month:
  2026-02     created D2, 4,000, still open at February's end; nothing closed
  2026-03     March's total, above
  All         created 6, 33,000 (D2 too); open at March's end D3; the rest as March
Sourcing, March: marketing = D1 D2 D3 D4 (their leads were MQLs before their deals);
sales = D5 (no lead) and D6 (a lead sales found):
  marketing   created D1 D3 D4 = 3, 18,000; open D3, 6,000; won D1 D2, 14,000; lost D4;
              2/3 = 66.7%; average 7,000; cycle 20.5
  sales       created D5 D6 = 2, 11,000; won D5, 8,000; lost D6; 1/2 = 50.0%; 8,000; 30
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.crm import services
from tests.browser.downloads import downloaded
from tests.browser.test_accessibility import DUPLICATE_IDS, UNLABELLED_CONTROLS
from tests.conftest import qualify
from tests.reports.test_pipeline import deals  # noqa: F401 — the hand-built deals

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADERS = [
    "Created", "Created amount", "Open at end", "Open amount", "Won", "Lost", "Win rate", "Won revenue",
    "Average deal", "Median cycle (days)",
]  # fmt: skip
MARCH_ALL = ["5", "29,000.00", "1", "6,000.00", "3", "2", "60.0%", "22,000.00", "7,333.33", "23"]
BY_OWNER = [
    ["Rita Rep", "3", "19,000.00", "1", "6,000.00", "2", "1", "66.7%", "14,000.00", "7,000.00", "20.5"],
    ["Sam Seller", "1", "8,000.00", "0", "0.00", "1", "0", "100.0%", "8,000.00", "8,000.00", "30"],
    ["am-rep@accord.test", "1", "2,000.00", "0", "0.00", "0", "1", "0.0%", "0.00", "—", "—"],
    ["All", *MARCH_ALL],
]
BY_MONTH = [
    ["2026-02", "1", "4,000.00", "1", "4,000.00", "0", "0", "—", "0.00", "—", "—"],
    ["2026-03", *MARCH_ALL],
    ["All", "6", "33,000.00", "1", "6,000.00", "3", "2", "60.0%", "22,000.00", "7,333.33", "23"],
]
SOURCING = [
    ["Marketing-sourced", "3", "18,000.00", "1", "6,000.00", "2", "1", "66.7%", "14,000.00", "7,000.00", "20.5"],
    ["Sales-sourced", "2", "11,000.00", "0", "0.00", "1", "1", "50.0%", "8,000.00", "8,000.00", "30"],
    ["All", *MARCH_ALL],
]
CSV_HEADER = [
    "group", "created", "open", "won", "lost", "created_amount", "open_amount", "won_revenue", "win_rate",
    "average_deal", "median_cycle_days",
]  # fmt: skip


def choose_period(page, form, date_from: str, date_to: str) -> None:
    """Type the dates as a keyboard user does (Chromium's date field, en-US: mm dd yyyy)."""
    for name, typed in (("From", date_from), ("To", date_to)):
        form.get_by_role("textbox", name=name, exact=True).focus()
        page.keyboard.type(typed)


def expect_table(table, first_column: str, expected: list[list[str]]) -> None:
    expect(table.locator("thead th")).to_have_text([first_column, *HEADERS])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(expected))
    for i, cells in enumerate(expected):
        expect(rows.nth(i).locator("th, td")).to_have_text(cells)
    expect(rows.last).to_have_class("total")


@pytest.mark.browser
def test_an_executive_groups_the_pipeline_by_owner_then_by_month(
    page,
    world,
    deals,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: an executive opens the pipeline from the reports hub.
    sign_in(world.executive)
    page.goto("/reports/")
    page.get_by_role("main").get_by_role("link", name="Pipeline", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline and revenue")
    form = page.get_by_role("form", name="Pipeline period")
    expect(form.get_by_label("Group by")).to_have_value("")

    # When: they choose March, group by owner and submit with Enter.
    choose_period(page, form, "03012026", "03312026")
    form.get_by_label("Group by").select_option(label="Owner")
    form.get_by_role("button", name="Show").press("Enter")

    # Then: a row per owner, most won revenue first, and the total.
    expect(page).to_have_url("/reports/pipeline/?date_from=2026-03-01&date_to=2026-03-31&by=owner")
    table = page.get_by_role("table", name="Deals of 2026-03-01 – 2026-03-31")
    expect_table(table, "Owner", BY_OWNER)
    # And: the chart names each owner's won revenue and open amount, in the table's order.
    chart = page.get_by_role(
        "img",
        name="Won revenue and open amount — Rita Rep: Won revenue 14000, Open amount 6000; "
        "Sam Seller: Won revenue 8000, Open amount 0; am-rep@accord.test: Won revenue 0, Open amount 0",
    )
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(6)  # 3 owners × 2 series

    # When: they widen the period to February and group by month.
    choose_period(page, form, "02012026", "03312026")
    form.get_by_label("Group by").select_option(label="Month")
    form.get_by_role("button", name="Show").click()

    # Then: a row per month in calendar order, each month's open deals counted at its end.
    expect(page).to_have_url("/reports/pipeline/?date_from=2026-02-01&date_to=2026-03-31&by=month")
    expect_table(page.get_by_role("table", name="Deals of 2026-02-01 – 2026-03-31"), "Month", BY_MONTH)
    expect(
        page.get_by_role(
            "img",
            name="Won revenue and open amount — 2026-02: Won revenue 0, Open amount 4000; "
            "2026-03: Won revenue 22000, Open amount 6000",
        )
    ).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they export it.
    filename, rows = downloaded(page, "Export CSV", tmp_path / "pipeline.csv")

    # Then: the same months, with the exact rates and no rounding of the amounts.
    assert filename == "pipeline.csv"
    assert rows == [
        CSV_HEADER,
        ["2026-02", "1", "1", "0", "0", "4000.0", "4000.0", "0.0", "", "", ""],
        ["2026-03", "5", "1", "3", "2", "29000.0", "6000.0", "22000.0", "0.6", "7333.33", "23.0"],
        ["All", "6", "1", "3", "2", "33000.0", "6000.0", "22000.0", "0.6", "7333.33", "23.0"],
    ]
    browser_log.assert_clean()


@pytest.mark.browser
def test_the_export_of_the_page_as_it_opens_is_the_default_period(page, world, sign_in, browser_log, tmp_path):
    # Given: a 1,000 deal created today, and a marketer who opens the pipeline without
    # choosing anything: the three months before this one, and this one to today.
    lead = qualify(world, email="today@one.example")
    services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount="1000")
    today = timezone.localdate()
    start = today.replace(day=1)
    for _ in range(3):
        start = (start - timedelta(days=1)).replace(day=1)
    sign_in(world.marketer)
    page.goto("/reports/pipeline/")
    table = page.get_by_role("table", name=f"Deals of {start} – {today}")
    expect(table.locator("thead th").first).to_have_text("Deals")
    expect(table.locator("tbody th, tbody td")).to_have_text(
        ["All", "1", "1,000.00", "1", "1,000.00", "0", "0", "—", "0.00", "—", "—"]
    )

    # When: they export it.
    filename, rows = downloaded(page, "Export CSV", tmp_path / "pipeline.csv")

    # Then: the CSV of that period: the deal created, and open at its end.
    assert filename == "pipeline.csv"
    assert rows == [CSV_HEADER, ["All", "1", "1", "0", "0", "1000.0", "1000.0", "0.0", "", "", ""]]
    browser_log.assert_clean()


@pytest.mark.browser
def test_marketing_and_sales_sourced_side_by_side(
    page,
    world,
    deals,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: the sales manager on the sourcing page.
    sign_in(world.manager)
    page.goto("/reports/sourcing/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Marketing-sourced vs sales-sourced")
    form = page.get_by_role("form", name="Sourcing period")
    expect(form.get_by_label("Group by")).to_have_count(0)  # always the two sides

    # When: they choose March and press Enter in To.
    choose_period(page, form, "03012026", "03312026")
    form.get_by_role("textbox", name="To", exact=True).press("Enter")

    # Then: the two sides and their total; the sales-sourced deals close at 50.0%.
    expect(page).to_have_url("/reports/sourcing/?date_from=2026-03-01&date_to=2026-03-31")
    expect_table(page.get_by_role("table", name="Deals of 2026-03-01 – 2026-03-31"), "Sourced by", SOURCING)
    expect(
        page.get_by_role(
            "img",
            name="Won revenue and open amount — Marketing-sourced: Won revenue 14000, Open amount 6000; "
            "Sales-sourced: Won revenue 8000, Open amount 0",
        )
    ).to_be_visible()

    # When: they export it.
    filename, rows = downloaded(page, "Export CSV", tmp_path / "sourcing.csv")

    # Then: the same two sides under their codes, and the total.
    assert filename == "sourcing.csv"
    assert rows == [
        CSV_HEADER,
        ["marketing", "3", "1", "2", "1", "18000.0", "6000.0", "14000.0", "0.6667", "7000.0", "20.5"],
        ["sales", "2", "0", "1", "1", "11000.0", "0.0", "8000.0", "0.5", "8000.0", "30.0"],
        ["All", "5", "1", "3", "2", "29000.0", "6000.0", "22000.0", "0.6", "7333.33", "23.0"],
    ]
    browser_log.assert_clean()
