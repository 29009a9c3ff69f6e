"""Dry Dock (R53) and the Tribunal (R51, R52)."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import advance_convoy
from convoy.ceremonies.tribunal import (
    attribute_defect,
    convene_tribunal,
    decide_appeal,
    engineer_tribunal_figures,
    file_appeal,
    fix_defect,
    hear_case,
    known_behaviors,
    reclassify_unfixed,
    report_defect,
    strikes,
)
from convoy.models import (
    AttributionAppeal,
    ConvoyState,
    Defect,
    DefectAttribution,
    DefectStatus,
    Finding,
    Role,
    RootCause,
    TribunalCase,
)
from tests.factories import person
from tests.voyage_records import accepted_change


@pytest.fixture
def dock(world):
    feature = world.feature(1)
    world.changes = [
        accepted_change(world, feature, world.engineer, "Ledger rounding"),
        accepted_change(world, feature, world.other_engineer, "Ledger export"),
    ]
    world.convoy.state = ConvoyState.DRY_DOCK
    world.convoy.save(update_fields=["state"])
    world.diat = person("diat.okonkwo", Role.DIAT)
    return world


def defect(world, changes=None, **fields):
    values = {
        "actor": world.commodore,
        "convoy": world.convoy,
        "title": "Totals off by one cent",
        "tier": 2,
        "root_cause": RootCause.CODE_ENGINEER_ERROR,
        "changes": world.changes if changes is None else changes,
    }
    return report_defect(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tier": 4}, "not a tier"),
        ({"tier": 0}, "not a tier"),
        ({"root_cause": "SOLAR_FLARE"}, "The root cause is one of"),
        ({"root_cause": RootCause.OTHER}, "requires an explanation"),
    ],
)
def test_triage_refuses_what_the_framework_does_not_know(dock, fields, message):  # R53
    with pytest.raises(ProcessViolation, match=message) as refusal:
        defect(dock, **fields)
    assert refusal.value.rule == "R53"
    assert not Defect.objects.exists()


def test_other_with_an_explanation_is_accepted(dock):  # R53
    made = defect(dock, root_cause=RootCause.OTHER, explanation="Cosmic rays.")
    assert made.code == "D-001" and made.get_root_cause_display() == "Other (requires explanation)"


def test_defects_are_triaged_only_after_sailing(world):  # R53
    world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        report_defect(
            actor=world.commodore,
            convoy=world.convoy,
            title="Early",
            tier=3,
            root_cause=RootCause.INSUFFICIENT_TESTING,
            changes=[],
        )
    assert refusal.value.rule == "R53"


def test_every_engineer_whose_code_touched_it_gets_full_attribution(dock):  # R51, R52
    made = attribute_defect(actor=dock.diat, defect=defect(dock))
    assert {a.engineer for a in made} == {dock.engineer, dock.other_engineer}
    figures = {f.engineer: f.defects_in_convoy for f in engineer_tribunal_figures(dock.convoy)}
    assert figures == {dock.engineer: 1, dock.other_engineer: 1}


def test_only_the_diat_attributes(dock):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        attribute_defect(actor=dock.commodore, defect=defect(dock))
    assert refusal.value.rule == "R4"


def test_unfixed_defects_become_known_behaviors(dock):  # R53
    fixed, unfixed = defect(dock), defect(dock, title="Slow export")
    fix_defect(actor=dock.commodore, defect=fixed)
    reclassify_unfixed(actor=dock.commodore, convoy=dock.convoy)
    unfixed.refresh_from_db()
    assert unfixed.status == DefectStatus.KNOWN_BEHAVIOR
    assert list(known_behaviors(dock.convoy)) == [unfixed]
    assert list(known_behaviors()) == [unfixed]


def test_dry_dock_closes_only_when_defects_are_attributed_and_settled(dock):  # R52, R53
    made = defect(dock)
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=dock.commodore, convoy=dock.convoy, to_state=ConvoyState.CLOSED)
    assert refusal.value.rule == "R52"
    attribute_defect(actor=dock.diat, defect=made)
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=dock.commodore, convoy=dock.convoy, to_state=ConvoyState.CLOSED)
    assert refusal.value.rule == "R53"
    reclassify_unfixed(actor=dock.commodore, convoy=dock.convoy)
    advance_convoy(actor=dock.commodore, convoy=dock.convoy, to_state=ConvoyState.CLOSED)


def three_defects_for_the_engineer(dock):
    for n in range(3):
        attribute_defect(actor=dock.diat, defect=defect(dock, [dock.changes[0]], title=f"D{n}"))


def test_three_defects_in_twelve_months_mean_senior_tribunal_review(dock):  # R52
    three_defects_for_the_engineer(dock)
    attribute_defect(actor=dock.diat, defect=defect(dock, [dock.changes[1]], title="Other"))
    convene_tribunal(actor=dock.admiral)
    cases = {case.engineer: case for case in TribunalCase.objects.all()}
    assert cases[dock.engineer].strikes == 3 and cases[dock.engineer].senior_review
    assert cases[dock.other_engineer].strikes == 1 and not cases[dock.other_engineer].senior_review


def test_strikes_roll_off_after_twelve_months(dock):  # R52
    three_defects_for_the_engineer(dock)
    assert strikes(dock.engineer) == 3
    assert strikes(dock.engineer, clock.now() + dt.timedelta(days=366)) == 0


def test_the_tribunal_sits_once_a_month(dock):  # R52
    convene_tribunal(actor=dock.admiral)
    with pytest.raises(ProcessViolation, match="monthly") as refusal:
        convene_tribunal(actor=dock.admiral)
    assert refusal.value.rule == "R52"
    clock.travel_to(dt.datetime(2027, 2, 1, 9, 0))
    convene_tribunal(actor=dock.admiral)


def test_defence_time_is_two_minutes(dock):  # R52
    three_defects_for_the_engineer(dock)
    convene_tribunal(actor=dock.admiral)
    case = TribunalCase.objects.get()
    with pytest.raises(ProcessViolation) as refusal:
        hear_case(actor=dock.admiral, case=case, defence_seconds=121, finding=Finding.RESPONSIBLE)
    assert refusal.value.rule == "R52"
    case.refresh_from_db()
    assert case.signed_at is None
    hear_case(actor=dock.admiral, case=case, defence_seconds=120, finding=Finding.RESPONSIBLE)
    with pytest.raises(ProcessViolation) as refusal:
        hear_case(
            actor=dock.admiral, case=case, defence_seconds=10, finding=Finding.NOT_RESPONSIBLE
        )
    assert refusal.value.rule == "R59"


def test_an_appeal_within_five_business_days_goes_to_the_attributing_diat(dock):  # R52
    (attribution, _) = attribute_defect(actor=dock.diat, defect=defect(dock))
    # Attributed Monday 2027-01-04; five business days later is Monday 2027-01-11.
    clock.travel_to(dt.datetime(2027, 1, 11, 16, 0))
    appeal = file_appeal(actor=dock.engineer, attribution=attribution, grounds="Not my line.")
    other_diat = person("diat.second", Role.DIAT)
    with pytest.raises(ProcessViolation, match="diat okonkwo|Diat Okonkwo") as refusal:
        decide_appeal(actor=other_diat, appeal=appeal, withdraw=True)
    assert refusal.value.rule == "R52"
    decide_appeal(actor=dock.diat, appeal=appeal, withdraw=True)
    assert strikes(dock.engineer) == 0
    assert DefectAttribution.objects.filter(pk=attribution.pk).exists()


def test_an_appeal_after_five_business_days_is_refused(dock):  # R52
    (attribution, _) = attribute_defect(actor=dock.diat, defect=defect(dock))
    clock.travel_to(dt.datetime(2027, 1, 12, 9, 0))
    with pytest.raises(ProcessViolation, match="2027-01-11") as refusal:
        file_appeal(actor=dock.engineer, attribution=attribution, grounds="Late.")
    assert refusal.value.rule == "R52"
    assert not AttributionAppeal.objects.exists()
    assert strikes(dock.engineer) == 1


def test_only_the_named_engineer_appeals(dock):  # R4
    (attribution, _) = attribute_defect(actor=dock.diat, defect=defect(dock))
    with pytest.raises(ProcessViolation) as refusal:
        file_appeal(actor=dock.other_engineer, attribution=attribution, grounds="For a friend.")
    assert refusal.value.rule == "R4"
