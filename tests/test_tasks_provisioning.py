"""Estimation and provisioning: story points in person-days (R13), tasks of at most 4 hours
and their names (R14), the offer to split a larger task, and capacity reconciliation (R15)."""

from decimal import Decimal

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.planning import (
    add_task,
    person_days,
    reconcile_capacity,
    split_hours,
    split_task,
)
from convoy.models import AuditEvent, StretchOpportunity, Task


def test_13_story_points_are_9_49_person_days():  # R13
    # 13 × 0.73 = 9.49
    assert person_days(13) == Decimal("9.49")


def test_the_feature_converts_its_estimate_at_exactly_0_73(world):  # R13
    feature = world.feature(1, estimated_sp=21)
    # 21 × 0.73 = 15.33
    assert feature.person_days == Decimal("15.33")


def test_tasks_are_named_for_convoy_feature_and_task(world):  # R14
    feature = world.feature(42)
    add_task(actor=world.captain, feature=feature, title="Draft", hours=Decimal(2))
    third = [
        add_task(actor=world.captain, feature=feature, title=t, hours=Decimal(1))
        for t in ("Review", "Revise")
    ][-1]
    assert third.name == f"C{world.convoy.number}-F042-T003"


def test_a_task_of_4_hours_is_accepted_and_of_more_is_refused_with_a_split(world):  # R14
    feature = world.feature(1)
    add_task(actor=world.captain, feature=feature, title="Exactly four", hours=Decimal("4"))
    with pytest.raises(ProcessViolation) as refusal:
        add_task(actor=world.captain, feature=feature, title="Too long", hours=Decimal("4.01"))
    assert refusal.value.rule == "R14"
    assert "Split it into 2 tasks of at most 4 hours each" in refusal.value.message
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("hours", "parts"),
    [
        ("10", ["3.34", "3.33", "3.33"]),
        ("8", ["4", "4"]),
        ("11.99", ["4", "4", "3.99"]),
        ("4.01", ["2.01", "2"]),
        ("3", ["3"]),
    ],
)
def test_a_split_makes_the_fewest_tasks_of_at_most_4_hours_summing_to_the_whole(
    hours, parts
):  # R14
    sizes = split_hours(Decimal(hours))
    assert sizes == [Decimal(p) for p in parts]
    assert sum(sizes) == Decimal(hours)
    assert max(sizes) <= 4


def test_split_task_provisions_numbered_parts(world):  # R14
    feature = world.feature(1)
    tasks = split_task(actor=world.captain, feature=feature, title="Migrate", hours=Decimal(10))
    assert [(t.name, t.title, t.hours) for t in tasks] == [
        ("C1-F001-T001", "Migrate (1/3)", Decimal("3.34")),
        ("C1-F001-T002", "Migrate (2/3)", Decimal("3.33")),
        ("C1-F001-T003", "Migrate (3/3)", Decimal("3.33")),
    ]
    assert AuditEvent.objects.filter(action="task.add").count() == 3


def test_split_task_keeps_long_titles_within_the_field(world):  # R14
    feature = world.feature(1)
    tasks = split_task(actor=world.captain, feature=feature, title="x" * 200, hours=Decimal(9))
    assert all(len(t.title) <= 200 for t in tasks)
    assert tasks[-1].title.endswith(" (3/3)")


def test_only_the_features_captain_or_the_commodore_splits_its_tasks(world):  # R14, R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation):
        split_task(actor=world.other_captain, feature=feature, title="Meddle", hours=Decimal(9))
    assert not Task.objects.exists()


def test_estimates_above_capacity_are_recorded_as_a_stretch_opportunity(world):  # R15
    world.feature(1, estimated_sp=13)  # 9.49 person-days
    world.feature(2, estimated_sp=8)  # 5.84 person-days
    stretch = reconcile_capacity(
        actor=world.commodore, convoy=world.convoy, capacity_person_days=Decimal("10")
    )
    # 21 × 0.73 = 15.33 person-days against 10: a stretch opportunity of 5.33
    assert stretch == StretchOpportunity.objects.get()
    assert stretch.estimated_person_days == Decimal("15.33")
    assert stretch.capacity_person_days == Decimal("10.00")
    assert stretch.gap_person_days == Decimal("5.33")
    world.convoy.refresh_from_db()
    assert world.convoy.capacity_person_days == Decimal("10.00")


def test_estimates_within_capacity_record_no_stretch_opportunity(world):  # R15
    world.feature(1, estimated_sp=13)  # 9.49 person-days
    stretch = reconcile_capacity(
        actor=world.commodore, convoy=world.convoy, capacity_person_days=Decimal("9.49")
    )
    assert stretch is None
    assert not StretchOpportunity.objects.exists()
    event = AuditEvent.objects.get(action="convoy.reconcile_capacity")
    assert event.after["estimated_person_days"] == "9.49"


def test_only_the_commodore_reconciles_capacity(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        reconcile_capacity(
            actor=world.captain, convoy=world.convoy, capacity_person_days=Decimal("10")
        )
    assert refusal.value.rule == "R4"
