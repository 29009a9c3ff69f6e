"""Code Inspection against the 47-item checklist (R21) and the form it generates (R23)."""

import datetime as dt

import pytest
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.code_inspection import (
    checklist_data,
    record_inspection,
    release_inspection_results,
    standards_adherence_iteration_count,
    submit_for_inspection,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeRequestForm,
    ChangeState,
    ChecklistItem,
    EarbEscalation,
    InspectionResult,
    Role,
    RoleAssignment,
)
from tests.pipeline.conftest import all_pass, inspect, new_change, to_coding


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def coding(crew):
    return to_coding(crew, new_change(crew))


def open_round(change):
    return submit_for_inspection(
        actor=change.author, change=change, lines_added=12, lines_removed=3
    )


def test_the_checklist_is_47_items_loaded_from_data(crew):  # R21
    assert ChecklistItem.objects.count() == 47
    assert [i["number"] for i in checklist_data()] == list(range(1, 48))
    assert ChecklistItem.objects.get(number=1).text == checklist_data()[0]["text"]


def test_opening_the_inspection_generates_the_change_request_form(crew, coding):  # R23
    open_round(coding)
    form = ChangeRequestForm.objects.get(change=coding)
    assert form.record_id == coding.record_id
    assert form.submitting_engineer == crew.engineer
    assert form.target_convoy == crew.world.convoy
    assert form.approval_chain[:4] == ["FEATURE_CAPTAIN", "CSET", "EARB", "DOUCHE"]
    assert Change.objects.get(pk=coding.pk).state == ChangeState.CODE_INSPECTION


def test_every_item_is_marked_pass_or_fail(crew, coding):  # R21
    inspection = open_round(coding)
    results = all_pass()
    del results[47]
    with pytest.raises(ProcessViolation) as refusal:
        record_inspection(actor=crew.cset, inspection=inspection, results=results)
    assert refusal.value.rule == "R21"
    assert "there is no partial pass. Undecided: item 47" in refusal.value.message
    assert not InspectionResult.objects.exists()


def test_an_item_not_on_the_checklist_is_refused(crew, coding):  # R21
    inspection = open_round(coding)
    with pytest.raises(ProcessViolation) as refusal:
        record_inspection(actor=crew.cset, inspection=inspection, results=all_pass() | {48: True})
    assert refusal.value.rule == "R21"
    assert "Item 48 is not on the Code Compliance Checklist of 47 items" in refusal.value.message


def test_results_are_released_no_earlier_than_3_business_days_after_submission(crew, coding):  # R21
    inspection = open_round(coding)  # Monday 2027-01-04 09:00
    assert inspection.release_not_before == local(2027, 1, 7, 9, 0)
    record_inspection(actor=crew.cset, inspection=inspection, results=all_pass())
    clock.travel_to(local(2027, 1, 7, 8, 59))
    with pytest.raises(ProcessViolation) as refusal:
        release_inspection_results(actor=crew.cset, inspection=inspection)
    assert refusal.value.rule == "R21"
    assert "may be released from 2027-01-07 09:00" in refusal.value.message
    assert Change.objects.get(pk=coding.pk).state == ChangeState.CODE_INSPECTION
    clock.travel_to(local(2027, 1, 7, 9, 0))
    release_inspection_results(actor=crew.cset, inspection=inspection)
    assert Change.objects.get(pk=coding.pk).state == ChangeState.TESTING


def test_the_three_business_days_skip_weekends_and_holidays(crew, coding):  # R21
    clock.travel_to(local(2027, 1, 15, 10, 0))  # a Friday; Monday 18 is a federal holiday
    inspection = open_round(coding)
    assert inspection.release_not_before == local(2027, 1, 21, 10, 0)


def test_a_passed_inspection_moves_the_change_to_testing_with_a_certificate(crew, coding):  # R21
    inspect(crew, [coding])
    assert Change.objects.get(pk=coding.pk).state == ChangeState.TESTING
    certificate = Certificate.objects.get(change=coding)
    assert certificate.kind == CertificateKind.CODE_INSPECTION
    assert certificate.issued_by == crew.cset


def test_a_failed_inspection_returns_the_change_to_coding(crew, coding):  # R21
    inspect(crew, [coding], failed=[7])
    assert Change.objects.get(pk=coding.pk).state == ChangeState.CODING
    assert not Certificate.objects.filter(change=coding).exists()


def test_more_than_three_failures_escalate_to_the_earb(crew, coding):  # R21
    for _ in range(3):
        inspect(crew, [Change.objects.get(pk=coding.pk)], failed=[7])
    assert not EarbEscalation.objects.exists()
    inspect(crew, [Change.objects.get(pk=coding.pk)], failed=[7])
    escalation = EarbEscalation.objects.get(change=coding)
    assert escalation.failures == 4


def test_the_standards_adherence_iteration_count_counts_the_rounds(crew, coding):  # R21
    inspect(crew, [coding], failed=[3, 9])
    inspect(crew, [Change.objects.get(pk=coding.pk)])
    assert standards_adherence_iteration_count(coding) == 2
    assert list(coding.inspections.values_list("round", "passed")) == [(1, False), (2, True)]


def test_an_engineer_may_not_inspect_their_own_change(crew, coding):  # R1
    RoleAssignment.objects.create(user=crew.engineer, role=Role.CSET)
    inspection = open_round(coding)
    with pytest.raises(ProcessViolation) as refusal:
        record_inspection(actor=crew.engineer, inspection=inspection, results=all_pass())
    assert refusal.value.rule == "R1"
    assert not InspectionResult.objects.exists()


def test_recorded_results_are_not_edited(crew, coding):  # R21
    inspection = open_round(coding)
    record_inspection(actor=crew.cset, inspection=inspection, results=all_pass([4]))
    with pytest.raises(ProcessViolation) as refusal:
        record_inspection(actor=crew.cset, inspection=inspection, results=all_pass())
    assert refusal.value.rule == "R21"
    assert InspectionResult.objects.filter(passed=False).count() == 1


def test_only_the_cset_inspects(crew, coding):  # R4
    inspection = open_round(coding)
    with pytest.raises(ProcessViolation) as refusal:
        record_inspection(actor=crew.qa, inspection=inspection, results=all_pass())
    assert refusal.value.rule == "R4"
    assert "Code Standards Enforcement Team" in refusal.value.message
