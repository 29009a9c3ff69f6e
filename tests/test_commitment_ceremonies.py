"""The 8-quarter commitment: opening, committing, editing, withdrawing, locking (R16, R4)."""

import datetime as dt

import pytest

from convoy.ceremonies.commitment import (
    commit_feature,
    committed_count,
    cycle_locked_eight_quarters_before,
    edit_commitment,
    lock_planning_cycle,
    locked_cycles_covering,
    open_planning_cycle,
    withdraw_commitment,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import create_convoy
from convoy.models import AuditEvent, Commitment, PlanningCycle


@pytest.fixture
def cycle(world):
    return open_planning_cycle(actor=world.admiral, year=2027, quarter=1)


@pytest.fixture
def locked(world, cycle):
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Audit Beacon", target_year=2028, target_quarter=4
    )
    return lock_planning_cycle(actor=world.admiral, cycle=cycle)


def _stored(cycle):
    return list(cycle.commitments.values_list("name", "target_year", "target_quarter"))


def test_the_ato_opens_a_planning_cycle(world):
    cycle = open_planning_cycle(actor=world.admiral, year=2027, quarter=1)
    assert (cycle.year, cycle.quarter, cycle.is_locked) == (2027, 1, False)
    assert AuditEvent.objects.filter(action="planning_cycle.open", object_id=str(cycle.pk)).exists()


def test_a_second_cycle_in_the_same_quarter_is_refused(world, cycle):  # R16
    with pytest.raises(ProcessViolation) as refusal:
        open_planning_cycle(actor=world.admiral, year=2027, quarter=1)
    assert refusal.value.rule == "R16"
    assert "2027 Q1 is already open" in refusal.value.message
    assert PlanningCycle.objects.count() == 1


@pytest.mark.parametrize("who", ["commodore", "captain", "auditor"])
def test_only_the_ato_opens_a_cycle(world, who):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        open_planning_cycle(actor=getattr(world, who), year=2027, quarter=1)
    assert refusal.value.rule == "R4"
    assert "requires the role of Admiral (ATO)" in refusal.value.message
    assert not PlanningCycle.objects.exists()


@pytest.mark.parametrize("target", [(2027, 1), (2027, 4), (2028, 1), (2028, 4)])
def test_a_feature_may_be_committed_for_any_of_the_next_8_quarters(world, cycle, target):  # R16
    commitment = commit_feature(
        actor=world.admiral,
        cycle=cycle,
        name="Ledger Sync",
        target_year=target[0],
        target_quarter=target[1],
    )
    assert (commitment.target_year, commitment.target_quarter) == target


@pytest.mark.parametrize("target", [(2026, 4), (2029, 1), (2030, 2)])
def test_a_target_outside_the_8_quarters_is_refused(world, cycle, target):  # R16
    with pytest.raises(ProcessViolation) as refusal:
        commit_feature(
            actor=world.admiral,
            cycle=cycle,
            name="Ledger Sync",
            target_year=target[0],
            target_quarter=target[1],
        )
    assert refusal.value.rule == "R16"
    assert "lies outside the 8 quarters committed by cycle 2027 Q1 (2027 Q1 to 2028 Q4)" in (
        refusal.value.message
    )
    assert not Commitment.objects.exists()


def test_an_edit_to_a_target_outside_the_8_quarters_is_refused(world, cycle):  # R16
    commitment = commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    with pytest.raises(ProcessViolation) as refusal:
        edit_commitment(
            actor=world.admiral,
            commitment=commitment,
            name="Ledger Sync",
            target_year=2029,
            target_quarter=1,
        )
    assert refusal.value.rule == "R16"
    assert _stored(cycle) == [("Ledger Sync", 2027, 2)]


def test_the_same_feature_is_not_committed_twice_for_a_quarter(world, cycle):  # R16
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    with pytest.raises(ProcessViolation) as refusal:
        commit_feature(
            actor=world.admiral,
            cycle=cycle,
            name="Ledger  Sync ",
            target_year=2027,
            target_quarter=2,
        )
    assert "“Ledger Sync” is already committed for 2027 Q2" in refusal.value.message
    assert committed_count(cycle) == 1


def test_the_ato_edits_and_withdraws_while_the_list_is_open(world, cycle):
    commitment = commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    edit_commitment(
        actor=world.admiral,
        commitment=commitment,
        name="Ledger Sync Plus",
        target_year=2027,
        target_quarter=3,
    )
    assert _stored(cycle) == [("Ledger Sync Plus", 2027, 3)]
    withdraw_commitment(actor=world.admiral, commitment=commitment)
    assert _stored(cycle) == []


def test_every_mutation_of_the_commitment_writes_an_audit_event(world, cycle):  # R57
    commitment = commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    edit_commitment(
        actor=world.admiral,
        commitment=commitment,
        name="Ledger Sync",
        target_year=2027,
        target_quarter=3,
    )
    withdraw_commitment(actor=world.admiral, commitment=commitment)
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Audit Beacon", target_year=2028, target_quarter=1
    )
    lock_planning_cycle(actor=world.admiral, cycle=cycle)
    events = list(
        AuditEvent.objects.filter(action__startswith="commitment.").values_list(
            "action", "before", "after"
        )
    )
    assert [e[0] for e in events] == [
        "commitment.add",
        "commitment.edit",
        "commitment.withdraw",
        "commitment.add",
    ]
    assert events[1][1]["target_quarter"] == 2 and events[1][2]["target_quarter"] == 3
    assert events[2][1]["name"] == "Ledger Sync" and events[2][2] is None
    lock = AuditEvent.objects.get(action="planning_cycle.lock")
    assert lock.actor == world.admiral and lock.after["committed"] == 1


@pytest.mark.parametrize("who", ["commodore", "captain", "auditor"])
def test_only_the_ato_commits_edits_withdraws_and_locks(world, cycle, who):  # R4
    commitment = commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    actor = getattr(world, who)
    attempts = [
        lambda: commit_feature(
            actor=actor, cycle=cycle, name="Other", target_year=2027, target_quarter=2
        ),
        lambda: edit_commitment(
            actor=actor, commitment=commitment, name="Other", target_year=2027, target_quarter=2
        ),
        lambda: withdraw_commitment(actor=actor, commitment=commitment),
        lambda: lock_planning_cycle(actor=actor, cycle=cycle),
    ]
    for attempt in attempts:
        with pytest.raises(ProcessViolation) as refusal:
            attempt()
        assert refusal.value.rule == "R4"
        assert "requires the role of Admiral (ATO)" in refusal.value.message
    assert _stored(cycle) == [("Ledger Sync", 2027, 2)]
    cycle.refresh_from_db()
    assert not cycle.is_locked


def test_locking_records_who_and_when(world, locked, frozen_clock):  # R16
    assert locked.is_locked
    assert locked.locked_by == world.admiral
    assert locked.locked_at == frozen_clock


def test_after_locking_nothing_may_be_added(world, locked):  # R16
    with pytest.raises(ProcessViolation) as refusal:
        commit_feature(
            actor=world.admiral, cycle=locked, name="Late", target_year=2027, target_quarter=3
        )
    assert refusal.value.rule == "R16"
    assert refusal.value.message == (
        "The 8-quarter commitment of cycle 2027 Q1 was locked by Admiral on 4 January 2027 at "
        "09:00. Nothing may be added, removed or edited."
    )
    assert committed_count(locked) == 2


def test_after_locking_nothing_may_be_removed(world, locked):  # R16
    commitment = locked.commitments.get(name="Ledger Sync")
    with pytest.raises(ProcessViolation) as refusal:
        withdraw_commitment(actor=world.admiral, commitment=commitment)
    assert refusal.value.rule == "R16"
    assert "Nothing may be added, removed or edited." in refusal.value.message
    assert committed_count(locked) == 2


def test_after_locking_nothing_may_be_edited(world, locked):  # R16
    commitment = locked.commitments.get(name="Ledger Sync")
    with pytest.raises(ProcessViolation) as refusal:
        edit_commitment(
            actor=world.admiral,
            commitment=commitment,
            name="Ledger Sync Renamed",
            target_year=2027,
            target_quarter=3,
        )
    assert refusal.value.rule == "R16"
    assert sorted(_stored(locked)) == [("Audit Beacon", 2028, 4), ("Ledger Sync", 2027, 2)]


def test_a_locked_commitment_is_not_locked_again(world, locked):  # R16
    with pytest.raises(ProcessViolation) as refusal:
        lock_planning_cycle(actor=world.admiral, cycle=locked)
    assert refusal.value.rule == "R16"
    assert AuditEvent.objects.filter(action="planning_cycle.lock").count() == 1


def test_a_refusal_after_locking_writes_no_audit_event(world, locked):  # R16, R57
    before = AuditEvent.objects.count()
    with pytest.raises(ProcessViolation):
        commit_feature(
            actor=world.admiral, cycle=locked, name="Late", target_year=2027, target_quarter=3
        )
    assert AuditEvent.objects.count() == before


def test_an_empty_commitment_is_not_locked(world, cycle):  # R16, R48
    with pytest.raises(ProcessViolation) as refusal:
        lock_planning_cycle(actor=world.admiral, cycle=cycle)
    assert refusal.value.rule == "R16"
    assert "commits no features" in refusal.value.message
    cycle.refresh_from_db()
    assert not cycle.is_locked


def test_the_committed_count_is_the_size_of_the_locked_list(world, locked):  # R16, R48
    assert committed_count(locked) == 2


def test_the_fcr_cycle_is_the_one_locked_8_quarters_before_the_convoy(world):  # R48
    early = open_planning_cycle(actor=world.admiral, year=2025, quarter=1)
    commit_feature(
        actor=world.admiral, cycle=early, name="Ledger Sync", target_year=2026, target_quarter=4
    )
    assert cycle_locked_eight_quarters_before(world.convoy) is None  # open, not locked
    lock_planning_cycle(actor=world.admiral, cycle=early)
    assert cycle_locked_eight_quarters_before(world.convoy) == early
    later = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )
    assert cycle_locked_eight_quarters_before(later) is None


def test_locked_cycles_covering_a_convoy_are_those_whose_8_quarters_include_it(world):
    inside = open_planning_cycle(actor=world.admiral, year=2025, quarter=2)  # to 2027 Q1
    outside = open_planning_cycle(actor=world.admiral, year=2025, quarter=1)  # to 2026 Q4
    for cycle in (inside, outside):
        commit_feature(
            actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2026, target_quarter=3
        )
        lock_planning_cycle(actor=world.admiral, cycle=cycle)
    assert locked_cycles_covering(world.convoy) == [inside]
