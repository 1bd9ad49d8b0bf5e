"""The reports hub lists every report its reader may open."""

import re

from tests.web.conftest import client_for


def titles(html: str) -> list[str]:
    start = html.index('<ul class="report-list">')
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', html[start : html.index("</ul>", start)])


def test_a_rep_sees_compensation_and_not_rejections(world):
    html = client_for(world, "owner").get("/reports/").content.decode()

    assert titles(html)[:4] == ["Dashboard", "Revenue goal", "SLA scorecard", "Compensation"]
    assert "Rejections" not in titles(html)


def test_a_manager_sees_both(world):
    assert {"Compensation", "Rejections"} <= set(titles(client_for(world, "manager").get("/reports/").content.decode()))


def test_marketing_sees_rejections_and_not_compensation(world):
    html = client_for(world, "marketing_lead").get("/reports/").content.decode()

    assert "Rejections" in titles(html)
    assert "Compensation" not in titles(html)
    assert '<a href="/reports/pipeline/">Pipeline</a>' in html
    assert 'aria-current="page">Reports</a>' in html
