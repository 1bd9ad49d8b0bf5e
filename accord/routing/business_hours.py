"""Business-hours arithmetic for the lead follow-up SLA clock.

A rep must follow up a lead within N business hours of the rep's *own* working
schedule, so the clock is evaluated in the schedule's timezone.

Semantics
---------
* Every datetime argument must be timezone-aware; every datetime returned is an
  aware datetime in UTC.
* The clock only runs inside working intervals: on a working weekday that is not
  in ``closed_dates``, from local ``start`` to local ``end``. Intervals are
  half-open ``[start, end)``: the closing instant itself is not working time.
* Intervals are defined in local wall-clock time but measured in real elapsed
  time. On a DST change day an interval can therefore be shorter or longer than
  ``end - start`` (e.g. 00:00-05:00 in New York lasts 4 real hours on the
  spring-forward day and 6 on the fall-back day).
* A local opening/closing time that does not exist (it falls in a
  spring-forward gap) is taken at the transition instant, i.e. the first moment
  after the gap. An ambiguous one (fall-back) is taken at its first occurrence.
* ``add_business_hours`` returns the exact instant the hours are used up; when
  that is a closing time, the closing time is returned (not the next opening).
  ``hours == 0`` returns ``start`` unchanged. Hours are resolved to the
  microsecond.
* ``business_hours_between`` counts working hours in ``[start, end]`` and is the
  inverse of ``add_business_hours``.
* A schedule whose ``closed_dates`` leave no working time for more than
  ``MAX_IDLE_DAYS`` consecutive days makes the forward-searching functions raise
  ``ValueError`` instead of searching forever.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_IDLE_DAYS",
    "WorkingSchedule",
    "add_business_hours",
    "business_hours_between",
    "is_working_time",
    "next_working_moment",
]

#: Longest run of consecutive calendar days without working time that a search
#: tolerates (a year-long leave still resolves) before it gives up.
MAX_IDLE_DAYS = 366

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class WorkingSchedule:
    """A rep's weekly working hours in their own timezone."""

    timezone: str
    days: frozenset[int]
    start: time
    end: time
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"timezone: unknown IANA timezone {self.timezone!r}") from exc

        # Accept any iterable so callers may pass a set or list, but store a
        # frozenset so the schedule stays hashable and immutable.
        days = frozenset(self.days)
        if not days:
            raise ValueError("days: at least one working weekday is required")
        for day in days:
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise ValueError(f"days: {day!r} is not a weekday number 0 (Monday) .. 6 (Sunday)")
        object.__setattr__(self, "days", days)

        for name in ("start", "end"):
            value = getattr(self, name)
            # An aware time has no meaning without a date, and would be
            # silently ignored by the wall-clock interpretation below.
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name}: must be a naive datetime.time, got {value!r}")
        if self.end <= self.start:
            raise ValueError(f"end: closing time {self.end} must be after start {self.start}")

        closed = frozenset(self.closed_dates)
        for day in closed:
            # A datetime never compares equal to a date, so it would never match.
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"closed_dates: {day!r} is not a datetime.date")
        object.__setattr__(self, "closed_dates", closed)

    @property
    def zone(self) -> ZoneInfo:
        # ZoneInfo caches instances per key, so this is cheap.
        return ZoneInfo(self.timezone)


def add_business_hours(start: datetime, hours: float, schedule: WorkingSchedule) -> datetime:
    """Return the instant at which ``hours`` business hours after ``start`` are used up."""
    start_utc = _to_utc(start, "start")
    if not isinstance(hours, int | float) or not math.isfinite(hours) or hours < 0:
        raise ValueError(f"hours: must be a finite number >= 0, got {hours!r}")
    remaining = timedelta(microseconds=round(hours * 3_600_000_000))
    if remaining == timedelta(0):
        return start_utc

    for opening, closing in _intervals(schedule, _local_date(start_utc, schedule) - _ONE_DAY):
        if closing <= start_utc:
            continue
        begin = max(opening, start_utc)
        available = closing - begin
        # `<=` so that hours ending exactly at closing return the closing time.
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: _intervals is unbounded")  # pragma: no cover


def business_hours_between(start: datetime, end: datetime, schedule: WorkingSchedule) -> float:
    """Return the number of working hours in ``[start, end]`` (0.0 if ``end <= start``)."""
    start_utc = _to_utc(start, "start")
    end_utc = _to_utc(end, "end")
    if end_utc <= start_utc:
        return 0.0

    total = timedelta(0)
    first = _local_date(start_utc, schedule) - _ONE_DAY
    last = _local_date(end_utc, schedule) + _ONE_DAY
    for opening, closing in _intervals(schedule, first, last):
        overlap = min(closing, end_utc) - max(opening, start_utc)
        if overlap > timedelta(0):
            total += overlap
    return total / _ONE_HOUR


def is_working_time(moment: datetime, schedule: WorkingSchedule) -> bool:
    """Return whether the SLA clock is running at ``moment``."""
    moment_utc = _to_utc(moment, "moment")
    day = _local_date(moment_utc, schedule)
    return any(
        opening <= moment_utc < closing for opening, closing in _intervals(schedule, day - _ONE_DAY, day + _ONE_DAY)
    )


def next_working_moment(moment: datetime, schedule: WorkingSchedule) -> datetime:
    """Return ``moment`` if it is working time, else the next opening (in UTC)."""
    moment_utc = _to_utc(moment, "moment")
    for opening, closing in _intervals(schedule, _local_date(moment_utc, schedule) - _ONE_DAY):
        if closing > moment_utc:
            return max(opening, moment_utc)
    raise AssertionError("unreachable: _intervals is unbounded")  # pragma: no cover


def _to_utc(value: datetime, name: str) -> datetime:
    # `tzinfo is not None` alone is not enough: a tzinfo may return None for
    # utcoffset(), which Python treats as naive.
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name}: must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _local_date(moment_utc: datetime, schedule: WorkingSchedule) -> date:
    return moment_utc.astimezone(schedule.zone).date()


def _intervals(schedule: WorkingSchedule, first: date, last: date | None = None) -> Iterator[tuple[datetime, datetime]]:
    """Yield the non-empty working intervals (UTC) of local dates ``first``..``last``.

    Intervals come out in chronological order because local -> UTC conversion
    is monotonic. Without ``last`` the sequence is endless, so a schedule that
    never opens again must be detected here rather than by the caller.
    """
    zone = schedule.zone
    day = first
    idle_days = 0
    while last is None or day <= last:
        interval = _interval_on(day, schedule, zone)
        if interval is not None:
            idle_days = 0
            yield interval
        elif last is None:
            idle_days += 1
            if idle_days > MAX_IDLE_DAYS:
                raise ValueError(
                    f"closed_dates: schedule has no working time for more than "
                    f"{MAX_IDLE_DAYS} consecutive days (up to {day.isoformat()})"
                )
        try:
            day += _ONE_DAY
        except OverflowError:
            raise ValueError("result lies beyond the supported date range") from None


def _interval_on(day: date, schedule: WorkingSchedule, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    if day.weekday() not in schedule.days or day in schedule.closed_dates:
        return None
    opening = _local_to_utc(datetime.combine(day, schedule.start), zone)
    closing = _local_to_utc(datetime.combine(day, schedule.end), zone)
    # Both ends can fall into the same DST gap, leaving nothing to work.
    if closing <= opening:
        return None
    return opening, closing


def _local_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Convert a naive local wall-clock time to the UTC instant it denotes.

    fold=0 (the default) already picks the first occurrence of an ambiguous
    time. A non-existent time is detected by a failed round trip and mapped to
    the transition instant that ends the gap.
    """
    candidate = wall.replace(tzinfo=zone).astimezone(UTC)
    if candidate.astimezone(zone).replace(tzinfo=None) == wall:
        return candidate
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    # Reading `wall` with the offset before and after the transition brackets
    # the transition instant: before it the local clock reads < wall, from it
    # onwards > wall. Bisect to the microsecond for the first instant whose
    # local reading is at or past `wall`.
    readings = (
        wall.replace(tzinfo=zone, fold=0).astimezone(UTC),
        wall.replace(tzinfo=zone, fold=1).astimezone(UTC),
    )
    low, high = min(readings), max(readings)
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) // 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high
