"""Chartering a Convoy: R5 (one per quarter), R6 (sails within its quarter), R4."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import create_convoy
from convoy.models import AuditEvent, Convoy


def test_second_convoy_in_a_quarter_is_refused_with_the_principle(world):  # R5
    with pytest.raises(ProcessViolation) as refusal:
        create_convoy(
            actor=world.admiral,
            year=2027,
            quarter=1,
            sailing_date=dt.date(2027, 2, 1),
            commodore=world.commodore,
        )
    assert refusal.value.rule == "R5"
    assert "one is the smallest possible number of batches" in refusal.value.message.lower()
    assert "CONVOY-1" in refusal.value.message
    assert Convoy.objects.count() == 1


def test_database_refuses_a_second_convoy_in_a_quarter_even_through_create(world):  # R5
    with pytest.raises(IntegrityError), transaction.atomic():
        Convoy.objects.create(
            number=99,
            year=2027,
            quarter=1,
            sailing_date=dt.date(2027, 2, 1),
            commodore=world.commodore,
            created_at=world.convoy.created_at,
            state_changed_at=world.convoy.created_at,
        )
    assert Convoy.objects.count() == 1


def test_next_quarter_gets_the_next_number(world):
    convoy = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )
    assert convoy.code == "CONVOY-2"
    assert AuditEvent.objects.filter(action="convoy.create", object_id=str(convoy.pk)).exists()


@pytest.mark.parametrize("sailing_date", [dt.date(2027, 7, 1), dt.date(2027, 3, 31)])
def test_sailing_date_outside_the_quarter_is_refused(world, sailing_date):  # R6
    with pytest.raises(ProcessViolation) as refusal:
        create_convoy(
            actor=world.admiral,
            year=2027,
            quarter=2,
            sailing_date=sailing_date,
            commodore=world.commodore,
        )
    assert refusal.value.rule == "R6"
    assert "outside 2027 Q2" in refusal.value.message
    assert not Convoy.objects.filter(year=2027, quarter=2).exists()


def test_sailing_on_the_last_day_of_the_quarter_is_allowed(world):  # R6
    convoy = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 30),
        commodore=world.commodore,
    )
    assert convoy.sailing_date == dt.date(2027, 6, 30)


def test_only_the_admiral_charters_a_convoy(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        create_convoy(
            actor=world.commodore,
            year=2027,
            quarter=3,
            sailing_date=dt.date(2027, 9, 15),
            commodore=world.commodore,
        )
    assert refusal.value.rule == "R4"
    assert "Admiral (ATO)" in refusal.value.message
    assert not Convoy.objects.filter(year=2027, quarter=3).exists()


def test_a_paper_register_numbering_continues_in_sequence(world):  # R5
    convoy = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
        number=26,
    )
    assert convoy.code == "CONVOY-26"
    with pytest.raises(ProcessViolation) as refusal:
        create_convoy(
            actor=world.admiral,
            year=2027,
            quarter=3,
            sailing_date=dt.date(2027, 9, 15),
            commodore=world.commodore,
            number=26,
        )
    assert "would not follow CONVOY-26" in refusal.value.message
