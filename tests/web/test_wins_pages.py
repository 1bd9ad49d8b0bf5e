"""The wins page over the March of tests/reports/test_wins.py, whose numbers are worked out
there."""

import csv
import io
from datetime import date
from types import SimpleNamespace

from accord.web import wins as wins_pages
from tests.reports.test_wins import wins  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
PAGE = "/reports/wins/"


def test_the_feed_newest_first_with_the_summary_and_the_chart(world, wins):  # noqa: F811
    response = client_for(world, "marketing").get(PAGE, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "<strong>3</strong> deals won, <strong>24,000.00</strong> in revenue; <strong>2</strong> with marketing "
        "credit (66.7%)."
    ) in html
    assert html.index("Bigco renewal") < html.index("Imported deal") < html.index("Bigco platform")
    assert (
        '<th scope="row">Bigco platform<br><span class="muted">Bigco</span><br><span class="muted">Lead: '
        f'<a href="/leads/{wins["vera"].pk}/">Vera Penn</a></span></th>'
    ) in html
    assert "<td>Alex Ae</td>\n    <td>Rita Rep</td>" in html
    assert (
        'Webinar 1 <span class="muted">(Mia Marketer)</span><br>Spring ads <span class="muted">(Lena Lead)</span>'
        in (html)
    )
    assert (
        '2: 1 content download, 1 page view<br><span class="muted">first page view (webinar-1), 2026-03-02; '
        "last content download (ads-1), 2026-03-02</span>"
    ) in html
    # Weeks from Monday 23 February: the second and third have wins, 2 (1 credited) and 1 (1).
    assert '<svg role="img" aria-labelledby="wins-chart-title"' in html
    assert "2 Mar: Wins 2, With marketing credit 1; 9 Mar: Wins 1, With marketing credit 1;" in html


def test_no_lead_link_for_who_may_not_see_the_lead(world, wins):  # noqa: F811
    html = client_for(world, "other_team_rep").get(PAGE, MARCH).content.decode()

    assert '<span class="muted">Lead: Vera Penn</span>' in html
    assert "/leads/" not in html.split("<main", 1)[-1]


def test_the_csv_has_one_row_per_win(world, wins):  # noqa: F811
    response = client_for(world, "executive").get(PAGE, {**MARCH, "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Disposition"] == 'attachment; filename="wins.csv"'
    assert rows == [
        ["won_at", "opportunity", "amount", "ae", "sdr", "campaigns", "campaign_owners", "touchpoints"],
        ["2026-03-11T10:00:00+00:00", str(wins["W2"].pk), "6000.0", "Rita Rep", "", "webinar-1", "Mia Marketer", "2"],
        ["2026-03-06T12:00:00+00:00", str(wins["W3"].pk), "8000.0", "Rita Rep", "", "", "", "0"],
        [
            "2026-03-05T10:00:00+00:00",
            str(wins["W1"].pk),
            "10000.0",
            "Alex Ae",
            "Rita Rep",
            "webinar-1; ads-1",
            "Mia Marketer; Lena Lead",
            "2",
        ],
    ]


def test_a_week_without_wins_says_so(world, wins):  # noqa: F811
    html = client_for(world, "owner").get(PAGE, {"date_from": "2026-03-16", "date_to": "2026-03-22"}).content

    assert b'<td colspan="7">No deal was won in the period.</td>' in html
    assert b"<svg" not in html


def test_a_bad_period_is_shown_on_the_form(world):
    html = client_for(world, "manager").get(PAGE, {"date_from": "2026-03-31", "date_to": "2026-03-01"}).content

    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.decode()
    assert b'id="wins-table"' not in html


def test_the_page_only_reads(world, wins):  # noqa: F811
    response = client_for(world, "admin").post(PAGE, MARCH)

    assert (response.status_code, response["Allow"]) == (405, "GET")


def test_without_a_period_the_page_shows_this_week_and_the_four_before(world, wins, monkeypatch):  # noqa: F811
    """Wednesday 11 March: this week began Monday 9 March, four weeks before that is
    Monday 9 February; W2 (11 March), W3 and W1 (5–6 March) are in it."""
    monkeypatch.setattr(wins_pages, "timezone", SimpleNamespace(localdate=lambda: date(2026, 3, 11)))

    html = client_for(world, "owner").get(PAGE).content.decode()

    assert 'name="date_from" value="2026-02-09"' in html
    assert 'name="date_to" value="2026-03-11"' in html
    assert "<strong>3</strong> deals won" in html
