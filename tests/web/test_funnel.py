"""The funnel page and its CSV, on a small history built by hand with fixed dates."""

import re
from datetime import UTC, datetime

import pytest

from accord.crm import services
from accord.crm.models import Lead
from tests.web.conftest import client_for, qualified_lead

MARCH = "date_from=2026-03-01&date_to=2026-03-31"
CSV_HEADER = (
    "group,leads,mql,sal,sql,customer,recycled,disqualified,"
    "lead_to_mql,mql_to_sal,sal_to_sql,sql_to_customer,lead_to_customer"
)


def day(d: int, month: int = 3) -> datetime:
    return datetime(2026, month, d, 10, 0, tzinfo=UTC)


@pytest.fixture
def history(world, accounts):
    """Leads created in March 2026 (the cohort) and two outside it.

    f1 webinar  03-02 mql → 03-03 accepted → 03-04 converted → 03-10 won   mql sal sql customer
    f2 webinar  03-05 mql → 03-06 converted (accepted on the way) → 03-09 lost  mql sal sql, recycled
    f3 ads      03-06 mql → 03-07 rejected, disqualified                   mql, disqualified
    f4 ads      03-08 captured, never qualified (score 30)                 —
    f5 (none)   03-10 mql → 03-11 rejected, recycled                       mql, recycled
    f6 webinar  02-20 mql → 03-03 accepted     (created before the period: not counted)
    f7 ads      04-01 mql                       (created after the period: not counted)
    """
    rep = world.rep
    f1 = qualified_lead(world, "f1@bigco.example", at=day(2), source="webinar")
    services.lead_accept(lead_id=f1.pk, acting_user=rep, at=day(3))
    deal = services.opportunity_create(lead_id=f1.pk, acting_user=rep, amount="1000", at=day(4))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=rep, won=True, at=day(10))

    f2 = qualified_lead(world, "f2@bigco.example", at=day(5), source="webinar")
    deal = services.opportunity_create(lead_id=f2.pk, acting_user=rep, amount="2000", at=day(6))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=rep, won=False, reason="no_budget", at=day(9))

    f3 = qualified_lead(world, "f3@bigco.example", at=day(6), source="ads")
    services.lead_reject(lead_id=f3.pk, acting_user=rep, reason="competitor", action="disqualify", at=day(7))

    services.lead_capture(
        data={"email": "f4@bigco.example", "first_name": "F", "company": "Bigco", "source": "ads"},
        acting_user=world.marketer,
        at=day(8),
    )

    f5 = qualified_lead(world, "f5@bigco.example", at=day(10))
    services.lead_reject(lead_id=f5.pk, acting_user=rep, reason="not_ready", action="recycle", at=day(11))

    f6 = qualified_lead(world, "f6@bigco.example", at=day(20, month=2), source="webinar")
    services.lead_accept(lead_id=f6.pk, acting_user=rep, at=day(3))
    qualified_lead(world, "f7@bigco.example", at=day(1, month=4), source="ads")

    stages = dict(Lead.objects.values_list("email", "stage"))
    assert stages == {
        "f1@bigco.example": "customer",
        "f2@bigco.example": "recycled",
        "f3@bigco.example": "disqualified",
        "f4@bigco.example": "lead",
        "f5@bigco.example": "recycled",
        "f6@bigco.example": "sal",
        "f7@bigco.example": "mql",
    }


def _table(html: str) -> list[list[str]]:
    body = re.search(r'<table class="data" id="funnel-table">.*?<tbody>(.*?)</tbody>', html, flags=re.DOTALL).group(1)
    return [
        [group, *re.findall(r'<td class="num">([^<]*)</td>', cells)]
        for group, cells in re.findall(r'<tr[^>]*><th scope="row">([^<]*)</th>(.*?)</tr>', body, flags=re.DOTALL)
    ]


def test_funnel_table_by_source(world, history):
    # Worked by hand from the history above (rates: lead→mql, mql→sal, sal→sql, sql→customer, lead→customer):
    #   ads:     f3, f4  leads 2, mql 1 (f3), disqualified 1        → 1/2, 0/1, —, —, 0/2
    #   webinar: f1, f2  leads 2, mql/sal/sql 2, customer 1, recycled 1 → 2/2, 2/2, 2/2, 1/2, 1/2
    #   (none):  f5      leads 1, mql 1, recycled 1                 → 1/1, 0/1, —, —, 0/1
    #   All:     5 leads, mql 4, sal 2, sql 2, customer 1, recycled 2, disqualified 1 → 4/5, 2/4, 2/2, 1/2, 1/5
    response = client_for(world, "executive").get(f"/reports/funnel/?{MARCH}&by=source")

    html = response.content.decode()
    assert response.status_code == 200
    assert _table(html) == [
        ["ads", "2", "1", "0", "0", "0", "0", "1", "50%", "0%", "—", "—", "0%"],
        ["webinar", "2", "2", "2", "2", "1", "1", "0", "100%", "100%", "100%", "50%", "50%"],
        ["(none)", "1", "1", "0", "0", "0", "1", "0", "100%", "0%", "—", "—", "0%"],
        ["All", "5", "4", "2", "2", "1", "2", "1", "80%", "50%", "100%", "50%", "20%"],
    ]
    header = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)
    assert header[0] == "Source"
    assert all(len(row) == len(header) for row in _table(html)), "every row has one cell per column heading"
    assert '<tr class="total"><th scope="row">All</th>' in html


def test_funnel_without_grouping_has_only_the_total_row(world, history):
    html = client_for(world, "executive").get(f"/reports/funnel/?{MARCH}").content.decode()

    assert _table(html) == [["All", "5", "4", "2", "2", "1", "2", "1", "80%", "50%", "100%", "50%", "20%"]]
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)[0] == "Group"


def test_funnel_chart_is_an_accessible_svg(world, history):
    html = client_for(world, "executive").get(f"/reports/funnel/?{MARCH}").content.decode()

    svg = re.search(r"<svg\b[^>]*>.*?</svg>", html, flags=re.DOTALL).group()
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-title"' in svg
    title = re.search(r'<title id="chart-title">([^<]+)</title>', svg).group(1)
    prefix = "Funnel for all leads in the period: "
    assert title.startswith(prefix)
    bars = [(label.casefold(), count) for label, count in re.findall(r"(\w+) (\d+)", title.removeprefix(prefix))]
    assert bars == [("leads", "5"), ("mql", "4"), ("sal", "2"), ("sql", "2"), ("customer", "1")]
    # bars are 380 wide for all 5 leads: 380·4/5 = 304, 380·2/5 = 152, 380·1/5 = 76
    assert re.findall(r'<rect [^>]*width="(\d+)"', svg) == ["380", "304", "152", "152", "76"]
    assert re.findall(r'class="chart-value">(\d+)</text>', svg) == ["5", "4", "2", "2", "1"]


def test_funnel_csv_by_source(world, history):
    response = client_for(world, "marketing").get(f"/reports/funnel/?{MARCH}&by=source&format=csv")

    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="funnel.csv"'
    assert response.content.decode().splitlines() == [
        CSV_HEADER,
        "ads,2,1,0,0,0,0,1,0.5,0.0,,,0.0",
        "webinar,2,2,2,2,1,1,0,1.0,1.0,1.0,0.5,0.5",
        "(none),1,1,0,0,0,1,0,1.0,0.0,,,0.0",
        "All,5,4,2,2,1,2,1,0.8,0.5,1.0,0.5,0.2",
    ]


def test_funnel_csv_of_an_empty_period(world, history):
    response = client_for(world, "marketing").get("/reports/funnel/?date_from=2025-01-01&date_to=2025-01-31&format=csv")

    assert response.content.decode().splitlines() == [CSV_HEADER, "All,0,0,0,0,0,0,0,,,,,"]


def test_the_export_link_keeps_the_chosen_period(world, history):
    client = client_for(world, "marketing")
    html = client.get(f"/reports/funnel/?{MARCH}&by=source").content.decode()

    link = re.search(r'<a class="button secondary" href="([^"]+)">Export CSV</a>', html).group(1).replace("&amp;", "&")
    response = client.get(f"/reports/funnel/{link}")

    assert link == f"?{MARCH}&by=source&format=csv"
    assert response["Content-Type"] == "text/csv"
    assert response.content.decode().splitlines()[-1] == "All,5,4,2,2,1,2,1,0.8,0.5,1.0,0.5,0.2"


def test_the_export_link_of_the_default_period_downloads_csv(world, history, view_clock):
    """Opened without a query, the page shows the last 180 days; its Export CSV link must
    download that period, not fall back to a form with errors."""
    view_clock(day(31))
    client = client_for(world, "marketing")
    html = client.get("/reports/funnel/").content.decode()
    assert _table(html)[-1][:2] == ["All", "6"]  # 2025-10-02 … 2026-03-31: f1-f6 (f7 is April)

    link = re.search(r'<a class="button secondary" href="([^"]+)">Export CSV</a>', html).group(1).replace("&amp;", "&")
    response = client.get(f"/reports/funnel/{link}")

    assert response["Content-Type"] == "text/csv"
    assert response.content.decode().splitlines()[0] == CSV_HEADER


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("date_from=2026-03-31&date_to=2026-03-01", "&#x27;To&#x27; is before &#x27;From&#x27;."),
        ("date_from=2026-02-30&date_to=2026-03-31", "Enter a valid date."),
        ("date_from=yesterday&date_to=2026-03-31", "Enter a valid date."),
        ("date_from=&date_to=2026-03-31", "This field is required."),
        (f"{MARCH}&by=weather", "Select a valid choice. weather is not one of the available choices."),
        (f"{MARCH}&compare=week", "Select a valid choice. week is not one of the available choices."),
    ],
)
@pytest.mark.parametrize("as_csv", [False, True])
def test_invalid_input_shows_the_error_and_no_numbers(world, history, query, error, as_csv):
    response = client_for(world, "executive").get(f"/reports/funnel/?{query}" + ("&format=csv" if as_csv else ""))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert re.findall(r'<p class="error" role="alert"[^>]*>([^<]+)</p>', html) == [error]
    assert "<svg" not in html
    assert 'id="funnel-table"' not in html
    assert "Export CSV" not in html
