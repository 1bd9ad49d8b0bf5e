"""The velocity page and its CSV over the February and March of
tests/reports/test_velocity.py, whose numbers are worked out there."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from tests.reports.test_velocity import journeys  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

PAGE = "/reports/velocity/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
UP, DOWN = (  # the arrow for the eye, the word for a screen reader
    '<span aria-hidden="true">▲</span><span class="visually-hidden">up</span>',
    '<span aria-hidden="true">▼</span><span class="visually-hidden">down</span>',
)


def rowgroup(html: str, name: str) -> str:
    """The rows of one group of the table (its tbody)."""
    return re.search(rf'<tbody[^>]*>\s*<tr><th scope="rowgroup" rowspan="6">{re.escape(name)}</th>(.*?)</tbody>', html,
                     flags=re.DOTALL).group(1)  # fmt: skip


def test_march_beside_february_with_the_change_in_words(world, journeys):  # noqa: F811
    response = client_for(world, "owner").get(PAGE, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "<caption>Days in each stage, stays that ended 2026-03-01 – 2026-03-31, beside 2026-02-01 – 2026-02-28 "
        "and the change</caption>"
    ) in html
    total = rowgroup(html, "All")
    # Lead: 3 stays against 2 (up 1, neither better nor worse); median 0.00 against 1.00:
    # down 1.00 day, faster, so good; p90 2.40 against 1.80: up 0.60, slower, so bad.
    assert (
        '<th scope="row">Lead</th>\n'
        '    <td class="num">3 <span class="compared">previous 2</span> '
        f'<span class="change change-up">{UP} 1</span></td>\n'
        f'    <td class="num">0.00 <span class="compared">previous 1.00</span> '
        f'<span class="change change-down change-good">{DOWN} 1.00 days</span></td>\n'
        f'    <td class="num">2.40 <span class="compared">previous 1.80</span> '
        f'<span class="change change-up change-bad">{UP} 0.60 days</span></td></tr>'
    ) in total
    # Subscriber: one stay, none in February: nothing to set a median beside.
    assert (
        '<th scope="row">Subscriber</th>\n'
        '    <td class="num">1 <span class="compared">previous 0</span> '
        f'<span class="change change-up">{UP} 1</span></td>\n'
        '    <td class="num">2.25 <span class="compared">previous —</span> </td>\n'
    ) in total
    assert '<th scope="row">Creation → customer (leads)</th>' in total


def test_the_chart_shows_median_days_this_period_and_the_previous(world, journeys):  # noqa: F811
    html = client_for(world, "marketing").get(PAGE, MARCH).content.decode()

    svg = re.search(r'<svg role="img" aria-labelledby="velocity-chart-title".*?</svg>', html, flags=re.DOTALL).group()
    title = re.search(r'<title id="velocity-chart-title">([^<]+)</title>', svg).group(1)
    assert title == (
        "Median days per stage, all leads — Subscriber: This period 2.25, Previous period —; "
        "Lead: This period 0.0, Previous period 1.0; MQL: This period 1.6, Previous period 1.75; "
        "SAL: This period 13.42, Previous period 1.5; SQL: This period 16.0, Previous period 14.0"
    )
    # Bars scale to the largest median, 16 days, over a plot 180 high: SAL 180 × 13.42 / 16 =
    # 150.975 high, from y = 190 − 150.975; the fourth of five slots 590 / 5 = 118 wide starts
    # at 40 + 3 × 118 + 4 = 398, two bars (118 − 8) / 2 = 55 wide less 1.
    assert (
        '<rect x="398.0" y="39.0" width="54.0" height="151.0" class="bar bar-1"><title>SAL, This period: 13.42' in svg
    )
    assert "Subscriber, Previous period: —" in svg  # no bar where there is no median


def test_a_year_earlier_names_its_bars(world, journeys):  # noqa: F811
    html = client_for(world, "marketing").get(PAGE, {**MARCH, "compare": "year"}).content.decode()

    assert "stays that ended 2026-03-01 – 2026-03-31, beside 2025-03-01 – 2025-03-31" in html
    assert "SQL: This period 16.0, A year earlier —</title>" in html  # nothing in March 2025


def test_grouped_by_source(world, journeys):  # noqa: F811
    html = client_for(world, "executive").get(PAGE, {**MARCH, "by": "source"}).content.decode()

    groups = re.findall(r'<th scope="rowgroup" rowspan="6">([^<]+)</th>', html)
    assert groups == ["ads", "webinar", "(none)", "All"]
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)[:2] == ["Source", "Stage"]
    # ads MQL: C twice and B — median 1.96, p90 2.39; no ads stays in February.
    assert '<td class="num">1.96 <span class="compared">previous —</span> </td>' in rowgroup(html, "ads")


def test_the_csv_is_the_table_with_previous_and_change(world, journeys):  # noqa: F811
    response = client_for(world, "marketing").get(PAGE, {**MARCH, "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="velocity.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert (len(rows[0]), rows[0][:4], rows[0][19], rows[0][37]) == (
        55, ["group", "subscriber_count", "subscriber_median_days", "subscriber_p90_days"],
        "previous_subscriber_count", "change_subscriber_count",
    )  # fmt: skip
    assert rows[1] == [
        "All",
        *("1", "2.25", "2.25", "3", "0.0", "2.4", "4", "1.6", "2.34"),
        *("2", "13.42", "22.68", "1", "16.0", "16.0", "1", "22.08", "22.08"),
        *("0", "", "", "2", "1.0", "1.8", "2", "1.75", "2.75"),
        *("1", "1.5", "1.5", "1", "14.0", "14.0", "1", "18.0", "18.0"),
        *("1", "", "", "1", "-1.0", "0.6", "2", "-0.15", "-0.41"),
        *("1", "11.92", "21.18", "0", "2.0", "2.0", "0", "4.08", "4.08"),
    ]


def test_without_comparison(world, journeys):  # noqa: F811
    response = client_for(world, "marketing").get(PAGE, {**MARCH, "compare": "none"})

    html = response.content.decode()
    assert "beside" not in re.search(r"<caption>[^<]+</caption>", html).group()
    assert 'class="compared"' not in html
    svg = re.search(r"<svg.*?</svg>", html, flags=re.DOTALL).group()
    assert re.findall(r'class="bar bar-(\d)"', svg) == ["1"] * 5  # one series: this period
    assert "Previous period" not in svg
    link = re.search(r'<a class="button secondary" href="\?([^"]+)">Export CSV</a>', html).group(1)
    assert link.replace("&amp;", "&") == "date_from=2026-03-01&date_to=2026-03-31&compare=none&format=csv"


def test_opened_without_a_query_last_month_beside_the_one_before(world, journeys, view_clock):  # noqa: F811
    view_clock(datetime(2026, 4, 15, 9, tzinfo=UTC))

    html = client_for(world, "executive").get(PAGE).content.decode()

    assert "stays that ended 2026-03-01 – 2026-03-31, beside 2026-02-01 – 2026-02-28" in html
    assert '<option value="previous" selected>Previous period</option>' in html
    link = re.search(r'<a class="button secondary" href="\?([^"]+)">Export CSV</a>', html).group(1)
    assert link.replace("&amp;", "&") == "date_from=2026-03-01&date_to=2026-03-31&format=csv"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "&#x27;To&#x27; is before &#x27;From&#x27;."),
        ({**MARCH, "by": "weather"}, "Select a valid choice. weather is not one of the available choices."),
        ({**MARCH, "compare": "week"}, "Select a valid choice. week is not one of the available choices."),
    ],
)
@pytest.mark.parametrize("as_csv", [False, True])
def test_invalid_input_shows_the_error_and_no_numbers(world, query, error, as_csv):
    response = client_for(world, "executive").get(PAGE, {**query, **({"format": "csv"} if as_csv else {})})

    html = response.content.decode()
    assert (response.status_code, response["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert re.findall(r'<p class="error" role="alert"[^>]*>([^<]+)</p>', html) == [error]
    assert 'id="velocity-table"' not in html
    assert "<svg" not in html
    assert "Export CSV" not in html
