"""The one clock: business days, the workshop offset and `set_clock`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from convoy import clock
from convoy.models import AuditEvent, WorkshopClock


def test_weekends_and_public_holidays_are_not_business_days():
    assert clock.is_business_day(dt.date(2027, 1, 4))  # Monday
    assert not clock.is_business_day(dt.date(2027, 1, 2))  # Saturday
    assert not clock.is_business_day(dt.date(2026, 12, 25))  # Christmas Day
    assert not clock.is_business_day(dt.date(2027, 1, 18))  # Martin Luther King Jr. Day


def test_business_days_skip_weekends_and_holidays():
    # Friday 2026-12-24 + 3 business days: skips Christmas (Fri 25th), the weekend.
    assert clock.add_business_days(dt.date(2026, 12, 24), 3) == dt.date(2026, 12, 30)
    assert clock.previous_business_day(dt.date(2027, 1, 19)) == dt.date(2027, 1, 15)
    assert clock.business_days_between(dt.date(2027, 1, 15), dt.date(2027, 1, 19)) == 1


@pytest.mark.django_db
def test_a_frozen_clock_reads_the_frozen_moment():
    moment = timezone.make_aware(dt.datetime(2027, 3, 12, 16, 55))
    with clock.frozen_at(moment):
        assert clock.now() == moment
        assert clock.today() == dt.date(2027, 3, 12)
    assert clock.now() != moment


@pytest.mark.django_db
def test_set_clock_moves_every_reader_and_is_audited():
    out = StringIO()
    call_command("set_clock", "2030-05-06 10:00", stdout=out)
    assert "The clock now reads 2030-05-06 10:00" in out.getvalue()
    clock.forget_cached_offset()
    assert clock.today() == dt.date(2030, 5, 6)
    assert WorkshopClock.objects.get().offset_seconds > 0
    assert AuditEvent.objects.filter(action="clock.set").count() == 1
    call_command("set_clock", "--reset", stdout=StringIO())
    clock.forget_cached_offset()
    assert abs((clock.now() - timezone.now()).total_seconds()) < 5


@pytest.mark.django_db
def test_set_clock_refuses_a_malformed_moment():
    with pytest.raises(CommandError, match="Not a moment"):
        call_command("set_clock", "next Tuesday", stdout=StringIO())
    assert not WorkshopClock.objects.exists()
