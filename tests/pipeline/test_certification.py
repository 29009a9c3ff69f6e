"""Testing certified by the Quality Authority before DIAT review; DIAT before signatures (R22)."""

import pytest

from convoy.ceremonies.certification import certify_testing, validate_integrity
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.signatures import sign_form
from convoy.models import Certificate, CertificateKind, Change, ChangeState, Role, RoleAssignment
from tests.pipeline.conftest import inspect, new_change, to_coding


@pytest.fixture
def tested(crew):
    change = to_coding(crew, new_change(crew))
    inspect(crew, [change])
    return Change.objects.get(pk=change.pk)


def test_the_qa_certificate_moves_the_change_to_diat_review(crew, tested):  # R22
    certificate = certify_testing(actor=crew.qa, change=tested)
    assert certificate.kind == CertificateKind.TESTING_COMPLETION
    assert certificate.change == tested
    assert Change.objects.get(pk=tested.pk).state == ChangeState.DIAT_REVIEW


def test_diat_review_requires_the_testing_completion_certificate(crew, tested):  # R22
    with pytest.raises(ProcessViolation) as refusal:
        validate_integrity(actor=crew.diat, change=tested)
    assert refusal.value.rule == "R22"
    assert "Testing Completion Certificate is required before DIAT review" in (
        refusal.value.message
    )
    assert not Certificate.objects.filter(kind=CertificateKind.DIAT_INTEGRITY).exists()


def test_the_diat_validation_moves_the_change_to_signatures(crew, tested):  # R22
    certify_testing(actor=crew.qa, change=tested)
    validate_integrity(actor=crew.diat, change=tested)
    assert Change.objects.get(pk=tested.pk).state == ChangeState.SIGNATURES


def test_signatures_are_not_collected_before_the_diat_validation(crew, tested):  # R22
    certify_testing(actor=crew.qa, change=tested)
    with pytest.raises(ProcessViolation) as refusal:
        sign_form(actor=crew.cgr[0], change=tested, signature="sig:cgr.alvarez")
    assert refusal.value.rule == "R22"
    assert "integrity validation is required before signatures" in refusal.value.message


def test_an_engineer_may_not_certify_testing_of_their_own_change(crew, tested):  # R1
    RoleAssignment.objects.create(user=crew.engineer, role=Role.QA)
    with pytest.raises(ProcessViolation) as refusal:
        certify_testing(actor=crew.engineer, change=tested)
    assert refusal.value.rule == "R1"
    assert "may not test a Change they authored" in refusal.value.message
    assert not Certificate.objects.filter(kind=CertificateKind.TESTING_COMPLETION).exists()


def test_an_engineer_may_not_validate_their_own_change(crew, tested):  # R1
    RoleAssignment.objects.create(user=crew.engineer, role=Role.DIAT)
    certify_testing(actor=crew.qa, change=tested)
    with pytest.raises(ProcessViolation) as refusal:
        validate_integrity(actor=crew.engineer, change=tested)
    assert refusal.value.rule == "R1"


def test_only_the_quality_authority_certifies_testing(crew, tested):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        certify_testing(actor=crew.diat, change=tested)
    assert refusal.value.rule == "R4"
    assert "Quality Authority" in refusal.value.message
