"""The SLA scorecard page and its drill-down over the March of
tests/reports/test_sla_scorecard.py, whose numbers are worked out there."""

import csv
import io

from tests.reports.test_sla_scorecard import march  # noqa: F401 — the hand-built history
from tests.web.conftest import client_for

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
PAGE = "/reports/sla/"
LEADS = "/reports/sla/leads/"


def test_the_scorecard_by_rep(world, march):  # noqa: F811
    response = client_for(world, "manager").get(PAGE, MARCH)

    html = response.content.decode()
    assert response.status_code == 200
    period = "date_from=2026-03-01&amp;date_to=2026-03-31&amp;by=rep"
    drill = f"{LEADS}?{period}&amp;measure=ignored&amp;group_id={world.rep.pk}"
    assert f'<a href="{drill}" aria-label="1 ignored, Rita Rep">1</a>' in html
    assert '<td class="num">66.7%</td><td class="num">3.50</td><td class="num">5.19</td>' in html
    assert (
        "<strong>7</strong> qualified leads delivered against a commitment of <strong>10</strong> (70.0%); "
        "sales accepted <strong>3</strong> of them by the end of the period (42.9%)."
    ) in html
    assert '<svg role="img" aria-labelledby="sla-chart-title"' in html


def test_a_rep_sees_their_own_row(world, march):  # noqa: F811
    html = client_for(world, "teammate").get(PAGE, MARCH).content.decode()

    assert '<th scope="row">other@accord.test</th>' in html
    assert "Rita Rep" not in html


def test_the_csv_is_the_table(world, march):  # noqa: F811
    response = client_for(world, "executive").get(PAGE, {**MARCH, "by": "team", "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][:9] == ["EMEA", str(world.emea.pk), "7", "4", "1", "1", "0", "1", "3"]
    assert rows[2][:3] == ["All", "", "7"]


def test_the_drill_down_lists_the_leads(world, march):  # noqa: F811
    response = client_for(world, "owner").get(LEADS, {**MARCH, "measure": "accepted", "group_id": world.rep.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "3 hand-offs of 2026-03-01 – 2026-03-31" in html
    for name in ("A", "C", "F"):
        assert f'href="/leads/{march[name].pk}/"' in html
    assert f'href="/leads/{march["D"].pk}/"' not in html


def test_a_rep_may_not_open_another_reps_leads(world, march):  # noqa: F811
    response = client_for(world, "teammate").get(LEADS, {**MARCH, "measure": "accepted", "group_id": world.rep.pk})

    assert response.status_code == 403


def test_a_bad_period_is_shown_on_the_form(world):
    html = client_for(world, "manager").get(PAGE, {"date_from": "2026-03-31", "date_to": "2026-03-01"}).content
    assert "&#x27;To&#x27; is before &#x27;From&#x27;." in html.decode()
