"""The funnel page with a comparison period, the new groupings, and its CSV, over the March
and February of tests/reports/test_funnel_compared.py, whose numbers are worked out there."""

import re

import pytest

from tests.reports.test_funnel_compared import cohorts  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

PAGE = "/reports/funnel/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
UP = '<span aria-hidden="true">▲</span><span class="visually-hidden">up</span>'


def row_of(html: str, group: str) -> str:
    return re.search(rf'<tr[^>]*><th scope="row">{re.escape(group)}</th>(.*?)</tr>', html, flags=re.DOTALL).group(1)


def test_each_conversion_beside_february_with_the_change_in_words(world, cohorts):  # noqa: F811
    response = client_for(world, "executive").get(PAGE, {**MARCH, "by": "team", "compare": "previous"})

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "<caption>Counts per stage and stage-to-stage conversion, each conversion beside "
        "2026-02-01 – 2026-02-28 and the change</caption>"
    ) in html
    emea = row_of(html, "EMEA")
    # EMEA: counts of March only; lead→mql 2/2 against 1/1: no change; mql→sal 1/2 against
    # 0/1: up 50 points; sal→sql 0/1 against nothing to divide: no change shown.
    assert re.findall(r'<td class="num">(\d+)</td>', emea) == ["2", "2", "1", "0", "0", "1", "0"]
    assert (
        '<td class="num">100% <span class="compared">previous 100%</span> '
        '<span class="change change-same">no change</span></td>'
        '<td class="num">50% <span class="compared">previous 0%</span> '
        f'<span class="change change-up change-good">{UP} 50.0 pts</span></td>'
        '<td class="num">0% <span class="compared">previous —</span> </td>'
    ) in emea
    # Americas had no leads in February: nothing beside its conversions.
    assert '<td class="num">100% <span class="compared">previous —</span> </td>' in row_of(html, "Americas")
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == ["EMEA", "(none)", "Americas", "All"]
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)[0] == "Team"


def test_the_compare_select_keeps_old_links_without_a_comparison(world, cohorts):  # noqa: F811
    html = client_for(world, "marketing").get(PAGE, {**MARCH, "by": "owner"}).content.decode()

    assert '<option value="none" selected>No comparison</option>' in html
    assert '<label for="id_compare">Compare with' in html
    assert 'class="compared"' not in html
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == ["(none)", "am-rep@accord.test", "Rita Rep", "All"]


def test_the_csv_holds_previous_and_change(world, cohorts):  # noqa: F811
    client = client_for(world, "marketing")
    html = client.get(PAGE, {**MARCH, "by": "team", "compare": "previous"}).content.decode()
    link = re.search(r'<a class="button secondary" href="\?([^"]+)">Export CSV</a>', html).group(1)

    response = client.get(f"{PAGE}?{link.replace('&amp;', '&')}")

    assert link == "date_from=2026-03-01&amp;date_to=2026-03-31&amp;by=team&amp;compare=previous&amp;format=csv"
    assert response["Content-Disposition"] == 'attachment; filename="funnel.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[12:15] == ["lead_to_customer", "previous_leads", "previous_mql"]
    assert lines[1:] == [
        "EMEA,2,2,1,0,0,1,0,1.0,0.5,0.0,,0.0,1,1,0,0,0,0,0,1.0,0.0,,,0.0,1,1,1,0,0,1,0,0.0,0.5,,,0.0",
        "(none),1,0,0,0,0,0,0,0.0,,,,0.0,1,0,0,0,0,0,0,0.0,,,,0.0,0,0,0,0,0,0,0,0.0,,,,0.0",
        "Americas,1,1,1,1,0,0,0,1.0,1.0,1.0,0.0,0.0,0,0,0,0,0,0,0,,,,,,1,1,1,1,0,0,0,,,,,",
        "All,4,3,2,1,0,1,0,0.75,0.6667,0.5,0.0,0.0,2,1,0,0,0,0,0,0.5,0.0,,,0.0,2,2,2,1,0,1,0,0.25,0.6667,,,0.0",
    ]


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("channel", ["(none)", "paid_search", "webinar", "All"]),
        ("segment", ["(unknown)", "1,000+", "100–999", "1–99", "All"]),
        ("country", ["(none)", "DE", "GB", "US", "All"]),
    ],
)
def test_the_new_groupings(world, cohorts, by, groups):  # noqa: F811
    html = client_for(world, "executive").get(PAGE, {**MARCH, "by": by}).content.decode()

    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == groups
