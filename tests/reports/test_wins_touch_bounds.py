"""The wins feed reads each won lead's touchpoints only up to its last win in the period
(`wins._touches_until`), and still counts, for each win, the touchpoints at or before that
win — to the microsecond, on SQLite (where the bound is compared as stored text) and on
PostgreSQL alike.

Pat Lane (no campaign) is captured Mon 2 Mar 2026 09:00 UTC. Two deals of Pat's are
imported, both won in March: "First" won Wed 4 Mar 10:00:00.25, "Second" won Mon 9 Mar
12:00:00 (a whole second: SQLite stores it without a fraction). Pat's touchpoints:

    t1  page_view   Mon 2 Mar 09:15
    t2  email_open  Wed 4 Mar 10:00:00.250000    exactly at First's win
    t3  page_view   Wed 4 Mar 10:00:00.250001    a microsecond after it
    t4  webinar     Mon 9 Mar 12:00:00           exactly at Second's win
    t5  event       Mon 9 Mar 12:00:00.000001    a microsecond after Second's win (the last)

First:  t1, t2 → 2 touchpoints: email_open 1, page_view 1; first t1, last t2.
Second: t1, t2, t3, t4 → 4: email_open 1, page_view 2, webinar 1; first t1, last t4.
t5 is after both wins: read for neither.
"""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from accord.crm import services
from accord.imports.services import import_run
from accord.reports.wins import _touches_until, wins_feed
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
MICROSECOND = timedelta(microseconds=1)
FIRST_WON = datetime(2026, 3, 4, 10, 0, 0, 250_000, tzinfo=UTC)
SECOND_WON = datetime(2026, 3, 9, 12, tzinfo=UTC)
DEALS_FILE = """external_id,name,lead,owner,amount,stage,created_at,closed_at,lost_reason
P-1,First,pat@lane.example,rep@accord.test,1000,won,2026-03-03T00:00:00Z,2026-03-04T10:00:00.25Z,
P-2,Second,pat@lane.example,rep@accord.test,2000,won,2026-03-03T00:00:00Z,2026-03-09T12:00:00Z,
"""


@pytest.fixture
def pat(world, tmp_path):
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": "pat@lane.example", "first_name": "Pat", "last_name": "Lane"},
        acting_user=world.marketer,
        at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    for kind, moment in [
        ("page_view", datetime(2026, 3, 2, 9, 15, tzinfo=UTC)),
        ("email_open", FIRST_WON),
        ("page_view", FIRST_WON + MICROSECOND),
        ("webinar", SECOND_WON),
        ("event", SECOND_WON + MICROSECOND),
    ]:
        services.touchpoint_record(lead_id=lead.pk, type=kind, occurred_at=moment, acting_user=world.marketer)
    path = tmp_path / "opportunities.csv"
    path.write_text(DEALS_FILE, encoding="utf-8")
    result = import_run("opportunities", path, now=datetime(2026, 3, 20, tzinfo=UTC))
    assert result.summary.get("rejected", 0) == 0, result.summary
    return lead


def test_each_win_counts_the_touchpoints_up_to_its_own_win(pat):
    rows = {row.name: row for row in wins_feed(**MARCH).rows}
    first, second = rows["First"], rows["Second"]
    assert (first.won_at, second.won_at) == (FIRST_WON, SECOND_WON)
    assert first.touch_counts == {"email_open": 1, "page_view": 1}
    assert (first.first_touch.at, first.last_touch.at) == (datetime(2026, 3, 2, 9, 15, tzinfo=UTC), FIRST_WON)
    assert (first.first_touch.type, first.last_touch.type) == ("page_view", "email_open")
    assert second.touch_counts == {"email_open": 1, "page_view": 2, "webinar": 1}
    assert (second.first_touch.at, second.last_touch.at) == (datetime(2026, 3, 2, 9, 15, tzinfo=UTC), SECOND_WON)
    assert second.last_touch.type == "webinar"


def test_the_touchpoints_are_read_up_to_the_bound_and_not_past_it(pat):
    """Bound at Second's win: t1–t4 (t4 exactly at it), not t5 a microsecond later; bound at
    First's win: t1, t2."""
    bounds = pl.DataFrame(
        {"lead": [pat.pk], "until": [SECOND_WON]}, schema={"lead": pl.Int64, "until": pl.Datetime("us", "UTC")}
    )
    read = _touches_until(bounds).sort("at")
    assert read["type"].to_list() == ["page_view", "email_open", "page_view", "webinar"]
    assert read["at"].to_list()[-2:] == [FIRST_WON + MICROSECOND, SECOND_WON]
    assert set(read["lead"]) == {pat.pk}
    at_first = _touches_until(bounds.with_columns(pl.lit(FIRST_WON).cast(pl.Datetime("us", "UTC")).alias("until")))
    assert sorted(at_first["type"]) == ["email_open", "page_view"]


def test_no_won_lead_reads_nothing(db):
    empty = pl.DataFrame(schema={"lead": pl.Int64, "until": pl.Datetime("us", "UTC")})
    assert _touches_until(empty).is_empty()
