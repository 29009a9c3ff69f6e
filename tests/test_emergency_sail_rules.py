"""Emergency Sail (R42): every element enforced; every CSC member signs individually; the ATO
approves only a complete request; the app counts those ever completed."""

import pytest
from django.urls import reverse

from convoy.ceremonies.emergency_sail import (
    approve_emergency_sail,
    completed_count,
    file_emergency_sail,
    sign_emergency_sail,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import exit_criteria
from convoy.models import ConvoyState, EmergencySailRequest, EmergencySailSignature, RiskCategory
from tests.approval_helpers import put_in_manifest_approval, seat_committee
from tests.factories import person

FULL_MATRIX = {c.value: {"likelihood": 4, "impact": 3} for c in RiskCategory}


@pytest.fixture
def committee(world):
    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    return committee


def file(committee, **overrides):
    fields = {
        "risk_acceptance_matrix": FULL_MATRIX,
        "justification_narrative": "urgent " * 3000,
        "remediation_plan": "All missing paperwork completed after deployment.",
        "remediation_business_days": 5,
    } | overrides
    return file_emergency_sail(actor=committee.world.commodore, convoy=committee.convoy, **fields)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"justification_narrative": "urgent " * 2999}, "2,999 words"),
        ({"risk_acceptance_matrix": {**FULL_MATRIX, "SECURITY": {"likelihood": 6}}}, "Not rated"),
        ({"risk_acceptance_matrix": {}}, "Information Security"),
        ({"remediation_business_days": 6}, "within 5 business days"),
        ({"remediation_plan": "  "}, "Remediation Plan is required"),
    ],
    ids=["narrative", "bad-rating", "empty-matrix", "six-days", "no-plan"],
)
def test_every_element_is_enforced(committee, overrides, words):  # R42
    with pytest.raises(ProcessViolation) as refusal:
        file(committee, **overrides)
    assert refusal.value.rule == "R42"
    assert words in refusal.value.message
    assert not EmergencySailRequest.objects.exists()


def test_a_complete_request_is_filed_with_its_word_count(committee):  # R42
    request = file(committee)
    assert request.narrative_words == 3000
    assert len(request.risk_acceptance_matrix) == 17


def test_the_ato_refuses_until_every_csc_member_has_signed(committee):  # R42
    request = file(committee)
    sign_emergency_sail(actor=committee.chair, sail_request=request)
    with pytest.raises(ProcessViolation) as refusal:
        approve_emergency_sail(actor=committee.world.admiral, sail_request=request)
    assert refusal.value.rule == "R42"
    assert "Csc Ames" in refusal.value.message and "Csc Bell" in refusal.value.message
    request.refresh_from_db()
    assert request.approved_at is None


def test_each_member_signs_once_and_only_members_sign(committee):  # R42, R4
    request = file(committee)
    sign_emergency_sail(actor=committee.chair, sail_request=request)
    with pytest.raises(ProcessViolation) as twice:
        sign_emergency_sail(actor=committee.chair, sail_request=request)
    assert twice.value.rule == "R42"
    with pytest.raises(ProcessViolation) as outsider:
        sign_emergency_sail(actor=person("csc.nobody"), sail_request=request)
    assert outsider.value.rule == "R4"
    assert EmergencySailSignature.objects.count() == 1


def test_an_approved_emergency_sail_counts_and_satisfies_the_exit_criterion(committee):  # R42, R8
    assert completed_count() == 0
    request = file(committee)
    for member in committee.everyone:
        sign_emergency_sail(actor=member, sail_request=request)
    with pytest.raises(ProcessViolation) as not_ato:
        approve_emergency_sail(actor=committee.world.commodore, sail_request=request)
    assert not_ato.value.rule == "R4"
    approve_emergency_sail(actor=committee.world.admiral, sail_request=request)
    assert completed_count() == 1
    (may_sail, *_) = exit_criteria(committee.convoy, ConvoyState.SAILED)
    assert may_sail.result.holds
    assert "Emergency Sail" in may_sail.result.detail


def test_the_form_has_a_live_word_counter_for_3000_words(client, committee):  # R42
    client.force_login(committee.world.commodore)
    page = client.get(reverse("convoy:emergency_sail_new", args=[1])).content.decode()
    assert 'data-wordcount-min="3000"' in page
    assert 'id="id_justification_narrative_count"' in page
    assert "wordcount.js" in page


def test_the_form_reports_a_short_narrative_with_the_rule(client, committee):  # R42
    client.force_login(committee.world.commodore)
    data = {
        "justification_narrative": "short narrative",
        "remediation_plan": "Plan.",
        "remediation_business_days": "5",
    }
    for category in RiskCategory:
        data[f"likelihood_{category.value}"] = "3"
        data[f"impact_{category.value}"] = "3"
    response = client.post(reverse("convoy:emergency_sail_new", args=[1]), data)
    assert response.status_code == 200
    assert "R42: The Emergency Justification Narrative has 2 words" in response.content.decode()
    assert not EmergencySailRequest.objects.exists()
