"""The one source of "now" for every rule: business days, 17:00 cutoffs, 48-hour windows.

Real time by default. Two ways to move it:
- tests use `frozen_at(dt)` (a context manager) or `travel_to(dt)` / `reset()`;
- a workshop facilitator uses `manage.py set_clock`, which stores an offset in the database
  (`WorkshopClock`), so every process (web, worker, commands) sees the same moved time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

_frozen: dt.datetime | None = None
_offset_cache: tuple[float, dt.timedelta] | None = None
_OFFSET_TTL_SECONDS = 2.0

CUTOFF_TIME = dt.time(17, 0)


def now() -> dt.datetime:
    """The current moment (aware), as the framework's rules see it."""
    if _frozen is not None:
        return _frozen
    return timezone.now() + workshop_offset()


def today() -> dt.date:
    return timezone.localdate(now())


def workshop_offset() -> dt.timedelta:
    global _offset_cache
    cached = _offset_cache
    if cached is not None and time.monotonic() - cached[0] < _OFFSET_TTL_SECONDS:
        return cached[1]
    from convoy.models import WorkshopClock

    offset = WorkshopClock.current_offset()
    _offset_cache = (time.monotonic(), offset)
    return offset


def forget_cached_offset() -> None:
    global _offset_cache
    _offset_cache = None


def travel_to(moment: dt.datetime) -> None:
    """Freeze this process's clock at `moment` (tests)."""
    global _frozen
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    _frozen = moment


def reset() -> None:
    global _frozen
    _frozen = None
    forget_cached_offset()


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    previous = _frozen
    travel_to(moment)
    try:
        yield
    finally:
        globals()["_frozen"] = previous


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(settings.SADMF_HOLIDAY_COUNTRY, years=year)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The business day `count` business days after `day` (count >= 0)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def previous_business_day(day: dt.date) -> dt.date:
    current = day - dt.timedelta(days=1)
    while not is_business_day(current):
        current -= dt.timedelta(days=1)
    return current


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after `start` up to and including `end`."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count


def at_local(day: dt.date, moment: dt.time) -> dt.datetime:
    """An aware datetime for `day` at `moment` in the app's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, moment))
