"""Tests for accord.routing.business_hours.

Calendar facts used below (2026): Jan 1 is a Thursday, so Mon = Jan 5/12/19,
Wed = Jan 14, Fri = Jan 16. Mar 1 is a Sunday, so Mar 8 (US spring forward) and
Mar 29 (EU spring forward) are Sundays; Nov 1 (US fall back) and Oct 25 (EU fall
back) are Sundays too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.routing.business_hours import (
    MAX_IDLE_DAYS,
    WorkingSchedule,
    add_business_hours,
    business_hours_between,
    is_working_time,
    next_working_moment,
)

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
SUNDAY = frozenset({6})

LONDON = WorkingSchedule("Europe/London", WEEKDAYS, time(9), time(17))
TOKYO = WorkingSchedule("Asia/Tokyo", WEEKDAYS, time(9), time(17))
LOS_ANGELES = WorkingSchedule("America/Los_Angeles", WEEKDAYS, time(9), time(17))
NEW_YORK = WorkingSchedule("America/New_York", WEEKDAYS, time(9), time(17))
BERLIN = WorkingSchedule("Europe/Berlin", WEEKDAYS, time(9), time(17))
# Sunday-only night shifts whose hours contain the DST transitions (02:00 in
# New York; 02:00 CET / 03:00 CEST in Berlin).
NEW_YORK_NIGHT = WorkingSchedule("America/New_York", SUNDAY, time(0), time(5))
BERLIN_NIGHT = WorkingSchedule("Europe/Berlin", SUNDAY, time(0), time(5))


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def london(*args: int) -> datetime:
    # London is UTC+0 in January, so local and UTC wall times coincide.
    return local("Europe/London", *args)


LONDON_WINTER_CASES = [
    # Mon 16:00: 1h until 17:00, remaining 3h from Tue 09:00 -> Tue 12:00.
    pytest.param(london(2026, 1, 12, 16), 4, utc(2026, 1, 13, 12), id="overflow-to-next-day"),
    # Fri 15:00: 2h until 17:00, weekend skipped, 2h from Mon 09:00 -> Mon 11:00.
    pytest.param(london(2026, 1, 16, 15), 4, utc(2026, 1, 19, 11), id="overflow-over-weekend"),
    # Sat 10:00 is closed; counting starts Mon 09:00 -> Mon 10:00.
    pytest.param(london(2026, 1, 17, 10), 1, utc(2026, 1, 19, 10), id="start-on-saturday"),
    # Mon 07:00 is before opening; counting starts 09:00 -> 11:00.
    pytest.param(london(2026, 1, 12, 7), 2, utc(2026, 1, 12, 11), id="start-before-opening"),
    # Mon 13:00 + 4h lands exactly on 17:00: closing time, not Tue 09:00.
    pytest.param(london(2026, 1, 12, 13), 4, utc(2026, 1, 12, 17), id="ends-at-closing"),
    # 0.25h = 15 minutes.
    pytest.param(london(2026, 1, 12, 10), 0.25, utc(2026, 1, 12, 10, 15), id="quarter-hour"),
    # Mon 17:00 (closing instant) is not working time; starts Tue 09:00 -> 10:00.
    pytest.param(london(2026, 1, 12, 17), 1, utc(2026, 1, 13, 10), id="start-at-closing"),
    # One full week: 5 x 8h = 40h from Mon 09:00 ends Fri 17:00.
    pytest.param(london(2026, 1, 12, 9), 40, utc(2026, 1, 16, 17), id="full-week"),
]


@pytest.mark.parametrize(("start", "hours", "expected"), LONDON_WINTER_CASES)
def test_add_business_hours_london_winter(start: datetime, hours: float, expected: datetime):
    result = add_business_hours(start, hours, LONDON)

    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(("start", "hours", "expected"), LONDON_WINTER_CASES)
def test_business_hours_between_inverts_london_winter(start: datetime, hours: float, expected: datetime):
    assert business_hours_between(start, expected, LONDON) == pytest.approx(hours, abs=1e-9)


def test_fractional_hours_resolve_to_the_microsecond():
    # 1 / 3600 h = exactly one second; 1e-6 / 3600 h rounds to 1 microsecond.
    start = london(2026, 1, 12, 10)

    assert add_business_hours(start, 1 / 3600, LONDON) == utc(2026, 1, 12, 10, 0, 1)
    assert add_business_hours(start, 1e-6 / 3600, LONDON) == utc(2026, 1, 12, 10, 0, 0, 1)


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(london(2026, 1, 17, 10), id="saturday"),
        pytest.param(london(2026, 1, 12, 10), id="working-time"),
        pytest.param(local("Asia/Tokyo", 2026, 1, 12, 10), id="other-timezone"),
    ],
)
def test_zero_hours_returns_start_unchanged_in_utc(start: datetime):
    result = add_business_hours(start, 0, LONDON)

    assert result == start
    assert result.tzinfo is UTC


# Capture at Wed 2026-01-14 23:30 UTC, seen by reps in different timezones.
CAPTURE = utc(2026, 1, 14, 23, 30)
REP_CASES = [
    # Tokyo is UTC+9: local Thu 08:30, before opening; 09:00 + 4h = Thu 13:00 JST
    # = 04:00 UTC on Thu Jan 15.
    pytest.param(TOKYO, utc(2026, 1, 15, 4), id="tokyo"),
    # Los Angeles is UTC-8: local Wed 15:30; 1.5h until 17:00, 2.5h from Thu
    # 09:00 -> Thu 11:30 PST = 19:30 UTC on Thu Jan 15.
    pytest.param(LOS_ANGELES, utc(2026, 1, 15, 19, 30), id="los-angeles"),
    # London is UTC+0: local Wed 23:30, closed; Thu 09:00 + 4h = 13:00 UTC.
    pytest.param(LONDON, utc(2026, 1, 15, 13), id="london"),
]


@pytest.mark.parametrize(("schedule", "expected"), REP_CASES)
def test_same_capture_follows_each_reps_own_schedule(schedule: WorkingSchedule, expected: datetime):
    assert add_business_hours(CAPTURE, 4, schedule) == expected
    assert business_hours_between(CAPTURE, expected, schedule) == pytest.approx(4)


DST_WEEKEND_CASES = [
    # Fri Mar 6 15:00 EST (UTC-5): 2h until 17:00; clocks spring forward on Sun;
    # 2h from Mon Mar 9 09:00 EDT (UTC-4) -> 11:00 EDT = 15:00 UTC.
    pytest.param(
        NEW_YORK,
        local("America/New_York", 2026, 3, 6, 15),
        4,
        utc(2026, 3, 9, 15),
        id="new-york-spring",
    ),
    # Fri Oct 30 15:00 EDT (UTC-4): 2h until 17:00; clocks fall back on Sun;
    # 2h from Mon Nov 2 09:00 EST (UTC-5) -> 11:00 EST = 16:00 UTC.
    pytest.param(
        NEW_YORK,
        local("America/New_York", 2026, 10, 30, 15),
        4,
        utc(2026, 11, 2, 16),
        id="new-york-fall",
    ),
    # Fri Mar 27 16:00 CET (UTC+1): 1h until 17:00; 1h from Mon Mar 30 09:00
    # CEST (UTC+2) -> 10:00 CEST = 08:00 UTC.
    pytest.param(
        BERLIN,
        local("Europe/Berlin", 2026, 3, 27, 16),
        2,
        utc(2026, 3, 30, 8),
        id="berlin-spring",
    ),
    # Fri Oct 23 16:00 CEST (UTC+2): 1h until 17:00; 1h from Mon Oct 26 09:00
    # CET (UTC+1) -> 10:00 CET = 09:00 UTC.
    pytest.param(
        BERLIN,
        local("Europe/Berlin", 2026, 10, 23, 16),
        2,
        utc(2026, 10, 26, 9),
        id="berlin-fall",
    ),
]


@pytest.mark.parametrize(("schedule", "start", "hours", "expected"), DST_WEEKEND_CASES)
def test_weekday_schedule_across_dst_weekend(
    schedule: WorkingSchedule, start: datetime, hours: float, expected: datetime
):
    assert add_business_hours(start, hours, schedule) == expected
    assert business_hours_between(start, expected, schedule) == pytest.approx(hours)


DST_DAY_CASES = [
    # Sun Mar 8 New York: 00:00 EST = 05:00 UTC, 05:00 EDT = 09:00 UTC -> the
    # 5-wall-clock-hour shift lasts 4 real hours, so 4h ends at closing.
    pytest.param(
        NEW_YORK_NIGHT,
        local("America/New_York", 2026, 3, 8, 0),
        4,
        utc(2026, 3, 8, 9),
        id="new-york-spring-4h-is-the-whole-day",
    ),
    # 3 real hours after 05:00 UTC is 08:00 UTC, which the wall clock shows as
    # 04:00 EDT (a wall-clock calculation would wrongly give 03:00 EDT).
    pytest.param(
        NEW_YORK_NIGHT,
        local("America/New_York", 2026, 3, 8, 0),
        3,
        utc(2026, 3, 8, 8),
        id="new-york-spring-3h",
    ),
    # 4h used on Mar 8, remaining 0.5h from Sun Mar 15 00:00 EDT = 04:00 UTC.
    pytest.param(
        NEW_YORK_NIGHT,
        local("America/New_York", 2026, 3, 8, 0),
        4.5,
        utc(2026, 3, 15, 4, 30),
        id="new-york-spring-overflow",
    ),
    # Sun Nov 1 New York: 00:00 EDT = 04:00 UTC, 05:00 EST = 10:00 UTC -> 6 real
    # hours, so 6h ends at closing.
    pytest.param(
        NEW_YORK_NIGHT,
        local("America/New_York", 2026, 11, 1, 0),
        6,
        utc(2026, 11, 1, 10),
        id="new-york-fall-6h-is-the-whole-day",
    ),
    # 6h used on Nov 1, remaining 0.5h from Sun Nov 8 00:00 EST = 05:00 UTC.
    pytest.param(
        NEW_YORK_NIGHT,
        local("America/New_York", 2026, 11, 1, 0),
        6.5,
        utc(2026, 11, 8, 5, 30),
        id="new-york-fall-overflow",
    ),
    # Sun Mar 29 Berlin: 00:00 CET = 23:00 UTC Sat, 05:00 CEST = 03:00 UTC -> 4h.
    pytest.param(
        BERLIN_NIGHT,
        local("Europe/Berlin", 2026, 3, 29, 0),
        4,
        utc(2026, 3, 29, 3),
        id="berlin-spring-4h-is-the-whole-day",
    ),
    # Sun Oct 25 Berlin: 00:00 CEST = 22:00 UTC Sat, 05:00 CET = 04:00 UTC -> 6h.
    pytest.param(
        BERLIN_NIGHT,
        local("Europe/Berlin", 2026, 10, 25, 0),
        6,
        utc(2026, 10, 25, 4),
        id="berlin-fall-6h-is-the-whole-day",
    ),
]


@pytest.mark.parametrize(("schedule", "start", "hours", "expected"), DST_DAY_CASES)
def test_shift_covering_dst_transition_measures_real_time(
    schedule: WorkingSchedule, start: datetime, hours: float, expected: datetime
):
    assert add_business_hours(start, hours, schedule) == expected
    assert business_hours_between(start, expected, schedule) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("schedule", "day", "real_hours"),
    [
        pytest.param(NEW_YORK_NIGHT, date(2026, 3, 8), 4.0, id="new-york-spring"),
        pytest.param(NEW_YORK_NIGHT, date(2026, 3, 15), 5.0, id="new-york-ordinary"),
        pytest.param(NEW_YORK_NIGHT, date(2026, 11, 1), 6.0, id="new-york-fall"),
        pytest.param(BERLIN_NIGHT, date(2026, 3, 29), 4.0, id="berlin-spring"),
        pytest.param(BERLIN_NIGHT, date(2026, 10, 25), 6.0, id="berlin-fall"),
    ],
)
def test_business_hours_of_a_whole_transition_day(schedule: WorkingSchedule, day: date, real_hours: float):
    zone = ZoneInfo(schedule.timezone)
    whole_day_start = datetime.combine(day, time(0), tzinfo=zone)
    whole_day_end = datetime.combine(day, time(23), tzinfo=zone)

    assert business_hours_between(whole_day_start, whole_day_end, schedule) == pytest.approx(real_hours)


def test_opening_in_spring_forward_gap_is_taken_after_the_gap():
    # 02:30 does not exist on Mar 8 in New York (02:00 EST jumps to 03:00 EDT),
    # so opening is 03:00 EDT = 07:00 UTC; closing 04:00 EDT = 08:00 UTC.
    schedule = WorkingSchedule("America/New_York", SUNDAY, time(2, 30), time(4))
    midnight = local("America/New_York", 2026, 3, 8, 0)

    assert next_working_moment(midnight, schedule) == utc(2026, 3, 8, 7)
    assert business_hours_between(midnight, utc(2026, 3, 8, 12), schedule) == pytest.approx(1.0)
    # Normal Sunday: 02:30 EDT = 06:30 UTC + 0.5h; 1h on Mar 8 then 0.5h on Mar 15.
    assert add_business_hours(midnight, 1.5, schedule) == utc(2026, 3, 15, 7)


def test_shift_entirely_inside_spring_forward_gap_has_no_time_that_day():
    # 02:10-02:50 both map to 03:00 EDT on Mar 8: empty. Next opening is Sun
    # Mar 15 02:10 EDT = 06:10 UTC.
    schedule = WorkingSchedule("America/New_York", SUNDAY, time(2, 10), time(2, 50))
    midnight = local("America/New_York", 2026, 3, 8, 0)

    assert next_working_moment(midnight, schedule) == utc(2026, 3, 15, 6, 10)
    assert business_hours_between(midnight, utc(2026, 3, 9), schedule) == 0.0


def test_ambiguous_opening_is_taken_at_first_occurrence():
    # On Nov 1 in New York 01:30 happens twice; the first is 01:30 EDT = 05:30
    # UTC. Closing 03:00 EST = 08:00 UTC -> 2.5 real hours.
    schedule = WorkingSchedule("America/New_York", SUNDAY, time(1, 30), time(3))
    midnight = local("America/New_York", 2026, 11, 1, 0)

    assert next_working_moment(midnight, schedule) == utc(2026, 11, 1, 5, 30)
    assert business_hours_between(midnight, utc(2026, 11, 1, 12), schedule) == pytest.approx(2.5)
    # 01:10 EDT (05:10 UTC) precedes the opening; 01:10 EST (06:10 UTC) is after it.
    assert not is_working_time(utc(2026, 11, 1, 5, 10), schedule)
    assert is_working_time(utc(2026, 11, 1, 6, 10), schedule)


HOLIDAY_MONDAY = WorkingSchedule(
    "Europe/London", WEEKDAYS, time(9), time(17), closed_dates=frozenset({date(2026, 1, 19)})
)


def test_closed_monday_pushes_friday_overflow_to_tuesday():
    # Fri 15:00: 2h until 17:00; Mon Jan 19 is closed; 2h from Tue 09:00 -> 11:00.
    start = london(2026, 1, 16, 15)

    result = add_business_hours(start, 4, HOLIDAY_MONDAY)

    assert result == utc(2026, 1, 20, 11)
    assert business_hours_between(start, result, HOLIDAY_MONDAY) == pytest.approx(4)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # End before start.
        pytest.param(london(2026, 1, 13, 12), london(2026, 1, 12, 12), 0.0, id="reversed"),
        pytest.param(london(2026, 1, 13, 12), london(2026, 1, 13, 12), 0.0, id="empty"),
        # Fri 16:00-17:00 and Mon 09:00-10:00.
        pytest.param(london(2026, 1, 16, 16), london(2026, 1, 19, 10), 2.0, id="across-weekend"),
        pytest.param(london(2026, 1, 17, 8), london(2026, 1, 18, 20), 0.0, id="within-weekend"),
        # Mon 00:00 to next Mon 00:00: 5 x 8h.
        pytest.param(london(2026, 1, 12, 0), london(2026, 1, 19, 0), 40.0, id="whole-week"),
        # 10:00-12:30 within the same day, given in another timezone (Tokyo 19:00
        # = 10:00 UTC).
        pytest.param(
            local("Asia/Tokyo", 2026, 1, 12, 19),
            london(2026, 1, 12, 12, 30),
            2.5,
            id="mixed-input-zones",
        ),
    ],
)
def test_business_hours_between(start: datetime, end: datetime, expected: float):
    assert business_hours_between(start, end, LONDON) == pytest.approx(expected)


def test_five_hundred_business_hours_skip_ahead_across_dst():
    # 500h = 62 full 8h days + 4h. From Mon Jan 5 09:00, 60 working days are 12
    # whole weeks (ending Fri Mar 27); London springs forward on Sun Mar 29 but
    # the 09-17 wall-clock day stays 8h; days 61-62 are Mon Mar 30 and Tue Mar
    # 31; 4h on Wed Apr 1 from 09:00 BST -> 13:00 BST = 12:00 UTC.
    start = london(2026, 1, 5, 9)

    result = add_business_hours(start, 500, LONDON)

    assert result == utc(2026, 4, 1, 12)
    assert business_hours_between(start, result, LONDON) == pytest.approx(500)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(london(2026, 1, 12, 9), True, id="opening-instant"),
        pytest.param(london(2026, 1, 12, 16, 59), True, id="before-closing"),
        pytest.param(london(2026, 1, 12, 17), False, id="closing-instant"),
        pytest.param(london(2026, 1, 12, 8, 59), False, id="before-opening"),
        pytest.param(london(2026, 1, 17, 12), False, id="saturday"),
        # 12:00 UTC is 21:00 in Tokyo but 12:00 in London.
        pytest.param(local("Asia/Tokyo", 2026, 1, 12, 21), True, id="other-timezone-input"),
    ],
)
def test_is_working_time(moment: datetime, expected: bool):
    assert is_working_time(moment, LONDON) is expected


def test_is_working_time_respects_closed_dates():
    assert not is_working_time(london(2026, 1, 19, 12), HOLIDAY_MONDAY)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(london(2026, 1, 12, 11), utc(2026, 1, 12, 11), id="already-working"),
        pytest.param(london(2026, 1, 12, 7), utc(2026, 1, 12, 9), id="before-opening"),
        pytest.param(london(2026, 1, 12, 17), utc(2026, 1, 13, 9), id="at-closing"),
        pytest.param(london(2026, 1, 17, 10), utc(2026, 1, 19, 9), id="saturday"),
        # Fri 18:00 Tokyo = Fri 09:00 UTC = open in London.
        pytest.param(local("Asia/Tokyo", 2026, 1, 16, 18), utc(2026, 1, 16, 9), id="other-zone"),
    ],
)
def test_next_working_moment(moment: datetime, expected: datetime):
    result = next_working_moment(moment, LONDON)

    assert result == expected
    assert result.tzinfo is UTC


def _closed_run(first: date, days: int) -> frozenset[date]:
    return frozenset(first + timedelta(days=offset) for offset in range(days))


def test_closure_of_max_idle_days_still_resolves():
    # Every day is a working day; Jan 1 2026 .. Jan 1 2027 (366 days) are closed,
    # so the next opening is Sat Jan 2 2027 09:00 UTC.
    schedule = WorkingSchedule(
        "Europe/London",
        EVERY_DAY,
        time(9),
        time(17),
        closed_dates=_closed_run(date(2026, 1, 1), MAX_IDLE_DAYS),
    )
    start = london(2026, 1, 1, 0)

    assert next_working_moment(start, schedule) == utc(2027, 1, 2, 9)
    assert add_business_hours(start, 1, schedule) == utc(2027, 1, 2, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s, t: add_business_hours(t, 1, s), id="add_business_hours"),
        pytest.param(lambda s, t: next_working_moment(t, s), id="next_working_moment"),
    ],
)
def test_schedule_with_no_working_time_raises_instead_of_looping(call):
    # Given a Monday-only schedule whose Mondays are all closed for three years
    schedule = WorkingSchedule(
        "Europe/London",
        frozenset({0}),
        time(9),
        time(17),
        closed_dates=_closed_run(date(2026, 1, 1), 3 * 366),
    )

    with pytest.raises(ValueError, match="closed_dates"):
        call(schedule, london(2026, 1, 1, 0))


def test_closure_one_day_longer_than_max_idle_days_raises():
    schedule = WorkingSchedule(
        "Europe/London",
        EVERY_DAY,
        time(9),
        time(17),
        closed_dates=_closed_run(date(2026, 1, 1), MAX_IDLE_DAYS + 1),
    )

    with pytest.raises(ValueError, match="closed_dates"):
        next_working_moment(london(2026, 1, 1, 0), schedule)


def test_business_hours_between_does_not_raise_for_a_closed_span():
    schedule = WorkingSchedule(
        "Europe/London",
        EVERY_DAY,
        time(9),
        time(17),
        closed_dates=_closed_run(date(2026, 1, 1), 3 * 366),
    )

    assert business_hours_between(london(2026, 1, 1), london(2028, 1, 1), schedule) == 0.0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"timezone": "Mars/Olympus_Mons"}, "timezone", id="unknown-timezone"),
        pytest.param({"timezone": ""}, "timezone", id="empty-timezone"),
        pytest.param({"timezone": "../etc/passwd"}, "timezone", id="path-timezone"),
        pytest.param({"days": frozenset()}, "days", id="no-days"),
        pytest.param({"days": frozenset({0, 7})}, "days", id="day-too-large"),
        pytest.param({"days": frozenset({-1})}, "days", id="day-negative"),
        pytest.param({"end": time(9)}, "end", id="end-equals-start"),
        pytest.param({"end": time(8)}, "end", id="end-before-start"),
        pytest.param({"start": time(9, tzinfo=UTC)}, "start", id="aware-start"),
        pytest.param(
            {"closed_dates": frozenset({datetime(2026, 1, 1)})},
            "closed_dates",
            id="datetime-in-closed-dates",
        ),
    ],
)
def test_schedule_validation_names_the_field(overrides: dict[str, object], field: str):
    arguments: dict[str, object] = {
        "timezone": "Europe/London",
        "days": WEEKDAYS,
        "start": time(9),
        "end": time(17),
        **overrides,
    }

    with pytest.raises(ValueError, match=field):
        WorkingSchedule(**arguments)  # type: ignore[arg-type]


def test_schedule_stores_plain_sets_as_frozensets():
    schedule = WorkingSchedule("Europe/London", {0, 1}, time(9), time(17), {date(2026, 1, 1)})  # type: ignore[arg-type]

    assert schedule.days == frozenset({0, 1})
    assert isinstance(schedule.days, frozenset)
    assert isinstance(schedule.closed_dates, frozenset)
    assert hash(schedule) == hash(
        WorkingSchedule("Europe/London", frozenset({0, 1}), time(9), time(17), frozenset({date(2026, 1, 1)}))
    )


NAIVE = datetime(2026, 1, 12, 10)
AWARE = london(2026, 1, 12, 10)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        pytest.param(lambda: add_business_hours(NAIVE, 1, LONDON), "start", id="add-start"),
        pytest.param(lambda: business_hours_between(NAIVE, AWARE, LONDON), "start", id="between-start"),
        pytest.param(lambda: business_hours_between(AWARE, NAIVE, LONDON), "end", id="between-end"),
        pytest.param(lambda: is_working_time(NAIVE, LONDON), "moment", id="is-working-moment"),
        pytest.param(lambda: next_working_moment(NAIVE, LONDON), "moment", id="next-moment"),
        pytest.param(lambda: add_business_hours(AWARE, -0.5, LONDON), "hours", id="negative-hours"),
        pytest.param(lambda: add_business_hours(AWARE, float("nan"), LONDON), "hours", id="nan"),
        pytest.param(lambda: add_business_hours(AWARE, float("inf"), LONDON), "hours", id="inf"),
    ],
)
def test_invalid_arguments_name_the_argument(call, argument: str):
    with pytest.raises(ValueError, match=argument):
        call()


PROPERTY_SCHEDULES = [
    LONDON,
    NEW_YORK_NIGHT,
    WorkingSchedule("America/New_York", WEEKDAYS, time(8, 30), time(18)),
    # Opening at 02:30 falls into Berlin's spring gap and is ambiguous in autumn.
    WorkingSchedule(
        "Europe/Berlin",
        frozenset({0, 1, 2, 3, 4, 5}),
        time(2, 30),
        time(18),
        closed_dates=frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)}),
    ),
    WorkingSchedule("Asia/Kolkata", frozenset({6}), time(0), time(23, 59, 59, 999999)),
    WorkingSchedule("Australia/Lord_Howe", EVERY_DAY, time(1), time(3)),
]
INPUT_ZONES = [UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")]


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2030, 12, 31),
        timezones=st.sampled_from(INPUT_ZONES),
    ),
    hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
    schedule=st.sampled_from(PROPERTY_SCHEDULES),
)
def test_business_hours_between_inverts_add_business_hours(start: datetime, hours: float, schedule: WorkingSchedule):
    result = add_business_hours(start, hours, schedule)

    assert business_hours_between(start, result, schedule) == pytest.approx(hours, abs=1e-6)
    # Business time never runs faster than real time.
    assert result - start >= timedelta(hours=hours) - timedelta(microseconds=1)
