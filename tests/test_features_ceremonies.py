"""Registering and editing features, and the Feature Captain's status reports (§3)."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.planning import edit_feature, register_feature, report_status
from convoy.models import AuditEvent, Feature, Signal, StatusReport


def register(world, **fields):
    return register_feature(
        actor=world.captain,
        convoy=world.convoy,
        name=fields.pop("name", "Ledger Sync"),
        captain=fields.pop("captain", world.captain),
        **fields,
    )


def test_the_feature_team_is_made_of_the_convoys_code_engineers(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        register(world, team=[world.engineer, world.qa])
    assert refusal.value.rule == "R4"
    assert "Qa is not" in refusal.value.message
    assert not Feature.objects.exists()


def test_wsvf_scores_outside_1_to_10_are_refused(world):  # R11
    with pytest.raises(ProcessViolation) as refusal:
        register(world, cost_of_delay=11)
    assert refusal.value.rule == "R11"
    assert "from 1 to 10" in refusal.value.message


def test_the_same_registration_received_twice_registers_one_feature(world):
    first = register(world, acronym="LS", cost_of_delay=4, team=[world.engineer])
    second = register(world, acronym="LS", cost_of_delay=4, team=[world.engineer])
    assert second.pk == first.pk
    assert Feature.objects.count() == 1
    assert AuditEvent.objects.filter(action="feature.register").count() == 1


def test_a_registration_differing_in_any_field_is_a_second_feature(world):
    register(world, cost_of_delay=4)
    register(world, cost_of_delay=5)
    assert Feature.objects.count() == 2


def test_the_same_registration_after_the_window_is_a_second_feature(world):
    register(world)
    clock.travel_to(clock.now() + dt.timedelta(minutes=3))
    register(world)
    assert list(Feature.objects.values_list("number", flat=True)) == [1, 2]


def test_the_captain_edits_the_registration_and_the_audit_keeps_before_and_after(world):  # R57
    feature = world.feature(1, cost_of_delay=3)
    edit_feature(actor=world.captain, feature=feature, cost_of_delay=8, team=[world.engineer])
    feature.refresh_from_db()
    assert feature.cost_of_delay == 8
    assert list(feature.team.all()) == [world.engineer]
    event = AuditEvent.objects.get(action="feature.edit")
    assert event.before == {
        "cost_of_delay": 3,
        "team": sorted([world.engineer.pk, world.other_engineer.pk]),
    }
    assert event.after == {"cost_of_delay": 8, "team": [world.engineer.pk]}


def test_the_commodore_may_hand_the_feature_to_another_captain(world):
    feature = world.feature(1)
    edit_feature(actor=world.commodore, feature=feature, captain=world.other_captain)
    feature.refresh_from_db()
    assert feature.captain == world.other_captain


def test_an_edit_that_changes_nothing_records_nothing(world):
    feature = world.feature(1, cost_of_delay=3)
    edit_feature(actor=world.captain, feature=feature, cost_of_delay=3)
    assert not AuditEvent.objects.filter(action="feature.edit").exists()


def test_another_feature_captain_may_not_edit_the_feature(world):  # R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        edit_feature(actor=world.other_captain, feature=feature, name="Meddled")
    assert refusal.value.rule == "R4"
    assert "is for its Feature Captain (Fc Okafor) or the Commodore" in refusal.value.message


def test_the_feature_may_only_pass_to_a_feature_captain(world):  # R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        edit_feature(actor=world.commodore, feature=feature, captain=world.engineer)
    assert refusal.value.rule == "R4"
    assert "is not a Feature Captain" in refusal.value.message


def test_the_captain_reports_status_and_the_feature_takes_its_signal(world):
    feature = world.feature(1)
    report = report_status(
        actor=world.captain, feature=feature, signal=Signal.AMBER, summary="Awaiting the EARB."
    )
    feature.refresh_from_db()
    assert feature.signal == Signal.AMBER
    assert StatusReport.objects.get() == report
    assert AuditEvent.objects.get(action="feature.report_status").after["signal"] == "AMBER"


def test_only_the_features_own_captain_reports_its_status(world):  # R4
    feature = world.feature(1)
    for actor in (world.other_captain, world.commodore, world.auditor):
        with pytest.raises(ProcessViolation) as refusal:
            report_status(actor=actor, feature=feature, signal=Signal.GREEN, summary="On track.")
        assert refusal.value.rule == "R4"
    assert not StatusReport.objects.exists()
