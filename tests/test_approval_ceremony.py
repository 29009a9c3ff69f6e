"""Manifest Approval (R38–R41): the agenda in order, the verdict by R39, the bell (R40), the
Remediation Window (R41), and the CSC Minutes as signed (R59)."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest_approval import (
    announce_verdict,
    cast_vote,
    convene_sitting,
    file_absence_attestation,
    start_presentation,
    take_roll_call,
)
from convoy.models import (
    AuditEvent,
    ConvoyState,
    CscMinutes,
    CscVote,
    ManifestApproval,
    RollCallStatus,
    Verdict,
)
from tests.approval_helpers import (
    K,
    complete_manifest,
    file_and_sign,
    put_in_manifest_approval,
    run_sitting,
    sailing_morning,
    seat_committee,
    walk_to_vote,
)
from tests.factories import person


@pytest.fixture
def committee(world):
    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    return committee


def test_the_fleet_may_sail_with_unanimous_approval_and_no_deficiencies(committee):  # R39
    complete_manifest(committee)
    sitting = run_sitting(committee, approve=True)
    assert sitting.verdict == Verdict.FLEET_MAY_SAIL
    assert sitting.deficiencies == []
    assert committee.convoy.state == ConvoyState.MANIFEST_APPROVAL


def test_one_vote_to_hold_holds_the_fleet_in_port(committee):  # R39
    complete_manifest(committee)
    sitting = walk_to_vote(committee)
    cast_vote(actor=committee.chair, sitting=sitting, approve=True)
    cast_vote(actor=committee.members[0], sitting=sitting, approve=True)
    cast_vote(actor=committee.members[1], sitting=sitting, approve=False)
    sitting = announce_verdict(actor=committee.world.commodore, sitting=sitting)
    assert sitting.verdict == Verdict.HELD_IN_PORT


def test_a_deficiency_holds_the_fleet_in_port_despite_unanimous_approval(committee):  # R39
    complete_manifest(committee, leave=[("F002", K.SOS_MINUTES)])
    sitting = run_sitting(committee, approve=True)
    assert sitting.verdict == Verdict.HELD_IN_PORT
    assert [d["subject"] for d in sitting.deficiencies] == ["F002"]
    assert "SOS Minutes" in sitting.deficiencies[0]["item"]


def test_the_bell_is_rung_and_recorded_in_the_minutes(committee):  # R40
    complete_manifest(committee)
    sitting = run_sitting(committee)
    minutes = CscMinutes.objects.get(sitting=sitting)
    assert sitting.bell_rung_at == clock.now()
    assert minutes.bell_rung is True
    assert "The ship's bell was rung" in minutes.body
    assert "Verdict: The Fleet May Sail." in minutes.body


def test_held_in_port_opens_a_48_hour_window_and_moves_the_convoy(committee):  # R41
    sitting = run_sitting(committee)
    assert sitting.remediation_until == clock.now() + dt.timedelta(hours=48)
    assert sitting.bell_rung_at is None
    assert committee.convoy.state == ConvoyState.HELD_IN_PORT
    assert CscMinutes.objects.get(sitting=sitting).bell_rung is False


def test_the_committee_reconvenes_within_the_window_and_may_then_sail(committee):  # R41
    complete_manifest(committee, leave=[("F001", K.SOS_MINUTES)])
    held = run_sitting(committee)
    clock.travel_to(clock.now() + dt.timedelta(hours=5))
    file_and_sign(committee, K.SOS_MINUTES, committee.convoy.features.get(number=1))
    again = run_sitting(committee)
    assert again.reconvenes == held
    assert again.verdict == Verdict.FLEET_MAY_SAIL
    assert committee.convoy.state == ConvoyState.MANIFEST_APPROVAL


def test_reconvening_after_the_window_has_lapsed_is_refused(committee):  # R41
    run_sitting(committee)
    clock.travel_to(clock.now() + dt.timedelta(hours=48, minutes=1))
    with pytest.raises(ProcessViolation) as refusal:
        convene_sitting(
            actor=committee.world.commodore, convoy=committee.convoy, present=committee.everyone
        )
    assert refusal.value.rule == "R41"
    assert "lapsed" in refusal.value.message
    assert ManifestApproval.objects.count() == 1
    assert committee.convoy.state == ConvoyState.HELD_IN_PORT


def test_the_first_sitting_runs_only_on_the_sailing_date(committee):  # R38
    clock.travel_to(sailing_morning() - dt.timedelta(days=1))
    with pytest.raises(ProcessViolation) as refusal:
        convene_sitting(
            actor=committee.world.commodore, convoy=committee.convoy, present=committee.everyone
        )
    assert refusal.value.rule == "R38"
    assert not ManifestApproval.objects.exists()


def test_without_quorum_the_committee_does_not_convene(committee):  # R38
    with pytest.raises(ProcessViolation) as refusal:
        convene_sitting(
            actor=committee.world.commodore, convoy=committee.convoy, present=[committee.chair]
        )
    assert refusal.value.rule == "R38"
    assert "No quorum" in refusal.value.message
    with pytest.raises(ProcessViolation):
        convene_sitting(
            actor=committee.world.commodore, convoy=committee.convoy, present=committee.members
        )
    assert not ManifestApproval.objects.exists()


def test_presentations_follow_feature_number_never_priority(committee):  # R38
    world = committee.world
    sitting = convene_sitting(
        actor=world.commodore, convoy=committee.convoy, present=committee.everyone
    )
    take_roll_call(
        actor=world.commodore, sitting=sitting, present=[world.captain, world.other_captain]
    )
    committee.convoy.features.filter(number=2).update(priority=1)
    committee.convoy.features.filter(number=1).update(priority=2)
    with pytest.raises(ProcessViolation) as refusal:
        start_presentation(actor=world.commodore, sitting=sitting, captain=world.other_captain)
    assert refusal.value.rule == "R38"
    assert "feature-number order" in refusal.value.message
    assert not sitting.presentations.exists()
    first = start_presentation(actor=world.commodore, sitting=sitting, captain=world.captain)
    assert (first.position, first.features) == (1, "F001")


def test_an_absent_captain_without_a_form_is_noted_and_with_one_is_excused(committee):  # R38
    world = committee.world
    file_absence_attestation(
        actor=world.other_captain,
        convoy=committee.convoy,
        absent_on=clock.today(),
        reason="Jury duty.",
    )
    sitting = convene_sitting(
        actor=world.commodore, convoy=committee.convoy, present=committee.everyone
    )
    take_roll_call(actor=world.commodore, sitting=sitting, present=[])
    statuses = dict(
        sitting.roll.filter(capacity="FEATURE_CAPTAIN").values_list("person__username", "status")
    )
    assert statuses == {
        "fc.okafor": RollCallStatus.ABSENT_NOTED,
        "fc.brandt": RollCallStatus.ABSENT_ATTESTED,
    }


def test_a_vote_by_a_non_member_is_refused_and_nothing_is_recorded(committee):  # R4, R39
    complete_manifest(committee)
    sitting = walk_to_vote(committee)
    outsider = person("csc.nobody")
    events = AuditEvent.objects.count()
    with pytest.raises(ProcessViolation) as refusal:
        cast_vote(actor=outsider, sitting=sitting, approve=True)
    assert refusal.value.rule == "R4"
    assert not CscVote.objects.exists()
    assert AuditEvent.objects.count() == events


def test_an_absent_member_may_not_vote_and_nobody_votes_twice(committee):  # R39
    present = [committee.chair, committee.members[0]]
    sitting = walk_to_vote(committee, present=present)
    with pytest.raises(ProcessViolation) as absent:
        cast_vote(actor=committee.members[1], sitting=sitting, approve=True)
    assert absent.value.rule == "R39"
    cast_vote(actor=committee.chair, sitting=sitting, approve=True)
    with pytest.raises(ProcessViolation) as twice:
        cast_vote(actor=committee.chair, sitting=sitting, approve=False)
    assert twice.value.rule == "R39"
    assert list(CscVote.objects.values_list("approve", flat=True)) == [True]


def test_the_verdict_waits_for_every_member_present(committee):  # R39
    sitting = walk_to_vote(committee)
    cast_vote(actor=committee.chair, sitting=sitting, approve=True)
    with pytest.raises(ProcessViolation) as refusal:
        announce_verdict(actor=committee.world.commodore, sitting=sitting)
    assert refusal.value.rule == "R39"
    sitting.refresh_from_db()
    assert sitting.verdict == ""


def test_the_agenda_is_taken_in_order(committee):  # R38
    sitting = convene_sitting(
        actor=committee.world.commodore, convoy=committee.convoy, present=committee.everyone
    )
    with pytest.raises(ProcessViolation) as refusal:
        cast_vote(actor=committee.chair, sitting=sitting, approve=True)
    assert refusal.value.rule == "R38"
