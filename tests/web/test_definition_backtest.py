"""The backtest page: the history of tests/reports/test_backtest.py (whose numbers are
worked out there), shown as a table, a monthly chart and CSV; only for the people who
negotiate the definition."""

import csv
import io

import pytest

from accord.definitions.models import LeadDefinition
from tests.reports.test_backtest import scene  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for, login_url

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def url(scene) -> str:  # noqa: F811
    return f"/definitions/{scene['draft'].pk}/backtest/"


def test_the_draft_beside_the_active_version_and_what_happened(world, scene):  # noqa: F811
    response = client_for(world, "marketing_lead").get(url(scene), MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col" class="num">This version</th><th scope="col" class="num">Compared with v2</th>' in html
    assert '<th scope="row">MQLs</th><td class="num">2</td><td class="num">2</td><td class="num">2</td>' in html
    assert '<th scope="row">Precision (won ÷ MQLs)</th><td class="num">50.0%</td>' in html
    assert '<th scope="row">Won revenue</th><td class="num">1,000.00</td>' in html
    # B gained, C lost: one lead each, neither accepted.
    assert "(1 qualified by both)" in html
    assert '<th scope="row">MQLs</th><td class="num">1</td><td class="num">1</td></tr>' in html
    assert "2026-03: This version 2, Compared with v2 2, What happened 2; commitment 10 a month" in html


def test_csv_holds_the_same_table(world, scene):  # noqa: F811
    response = client_for(world, "manager").get(url(scene), {**MARCH, "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["measure", "This version", "Compared with v2", "What happened"]
    assert rows[1] == ["MQLs", "2", "2", "2"]
    assert rows[4] == ["Win rate (won ÷ opportunities)", "100.0%", "100.0%", "100.0%"]


def test_compared_with_a_chosen_version(world, scene, definition):  # noqa: F811
    other = LeadDefinition.objects.create(version=4, document={**scene["draft"].document})

    html = client_for(world, "marketing").get(url(scene), {**MARCH, "against": other.pk}).content.decode()

    assert "Compared with v4" in html
    assert "(2 qualified by both)" in html


def test_a_period_backwards_is_a_field_error(world, scene):  # noqa: F811
    html = client_for(world, "admin").get(url(scene), {"date_from": "2026-03-31", "date_to": "2026-03-01"}).content
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.decode()
    assert 'id="backtest-table"' not in html.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("owner", 403), ("executive", 403), ("marketing", 200), ("manager", 200), ("admin", 200)],
)
def test_who_may_backtest(world, scene, persona, status):  # noqa: F811
    response = client_for(world, persona).get(url(scene), MARCH)

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == login_url(url(scene) + "?date_from=2026-03-01&date_to=2026-03-31")
