"""Separation of duties and role checks: R1, R2, R3, R4."""

import pytest
from django.db import IntegrityError, transaction

from convoy.ceremonies.changes import record_change
from convoy.ceremonies.crew import assign_role
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.planning import add_task, register_feature
from convoy.ceremonies.roles import refuse_own_change
from convoy.models import Change, Feature, Role, RoleAssignment
from tests.factories import person


def test_an_engineer_may_not_inspect_their_own_change(world):  # R1
    change = record_change(actor=world.engineer, feature=world.feature(1), title="Reconcile")
    with pytest.raises(ProcessViolation) as refusal:
        refuse_own_change(world.engineer, change, "inspect")
    assert refusal.value.rule == "R1"
    assert "may not inspect a Change they authored" in refusal.value.message
    refuse_own_change(world.other_engineer, change, "inspect")


def test_a_feature_captain_does_not_write_code(world):  # R2
    feature = world.feature(1)
    RoleAssignment.objects.create(user=world.captain, role=Role.CODE_ENGINEER, convoy=world.convoy)
    feature.team.add(world.captain)
    with pytest.raises(ProcessViolation) as refusal:
        record_change(actor=world.captain, feature=feature, title="Quick fix")
    assert refusal.value.rule == "R2"
    assert "does not write code" in refusal.value.message
    assert not Change.objects.exists()


def test_an_engineer_outside_the_feature_team_may_not_record_changes(world):  # R4
    feature = world.feature(1, team=[world.engineer])
    with pytest.raises(ProcessViolation) as refusal:
        record_change(actor=world.other_engineer, feature=feature, title="Drive-by")
    assert refusal.value.rule == "R4"
    assert "not on the Feature Team of F001" in refusal.value.message


@pytest.mark.parametrize("who", ["auditor", "qa", "commodore"])
def test_recording_a_change_requires_the_code_engineer_role(world, who):  # R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        record_change(actor=getattr(world, who), feature=feature, title="Change")
    assert refusal.value.rule == "R4"
    assert "requires the role of Code Engineer for CONVOY-1" in refusal.value.message
    assert not Change.objects.exists()


def test_the_auditor_may_not_register_a_feature(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        register_feature(actor=world.auditor, convoy=world.convoy, name="X", captain=world.captain)
    assert refusal.value.rule == "R4"
    assert "Feature Captain or Commodore" in refusal.value.message
    assert not Feature.objects.exists()


def test_only_the_features_own_captain_edits_its_tasks(world):  # R14, R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        add_task(actor=world.other_captain, feature=feature, title="Meddle", hours=1)
    assert refusal.value.rule == "R14"
    assert add_task(actor=world.commodore, feature=feature, title="Plan", hours=2).name == (
        "C1-F001-T001"
    )


def test_crap_has_exactly_seven_numbered_seats(world):  # R3
    member = person("crap.eighth")
    with pytest.raises(ProcessViolation) as refusal:
        assign_role(actor=world.admiral, user=member, role=Role.CRAP, seat=8)
    assert refusal.value.rule == "R3"
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=member, role=Role.CRAP, seat=8)


def test_a_crap_seat_holds_one_member_and_the_party_one_chair(world):  # R3
    first, second = person("crap.one"), person("crap.two")
    assign_role(actor=world.admiral, user=first, role=Role.CRAP, seat=1, is_chair=True)
    with pytest.raises(ProcessViolation) as refusal:
        assign_role(actor=world.admiral, user=second, role=Role.CRAP, seat=1)
    assert refusal.value.rule == "R3"
    with pytest.raises(ProcessViolation):
        assign_role(actor=world.admiral, user=second, role=Role.CRAP, seat=2, is_chair=True)
    assert RoleAssignment.objects.filter(role=Role.CRAP).count() == 1


def test_standing_roles_are_assigned_by_the_admiral_only(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        assign_role(actor=world.commodore, user=world.engineer, role=Role.QA)
    assert refusal.value.rule == "R4"
    assert "Admiral (ATO)" in refusal.value.message


def test_per_convoy_roles_are_assigned_by_that_convoys_commodore(world):  # R4
    newcomer = person("ce.new")
    assignment = assign_role(
        actor=world.commodore, user=newcomer, role=Role.CODE_ENGINEER, convoy=world.convoy
    )
    assert assignment.convoy == world.convoy
    with pytest.raises(ProcessViolation):
        assign_role(actor=world.captain, user=newcomer, role=Role.CSC, convoy=world.convoy)
