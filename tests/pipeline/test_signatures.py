"""The Integrated Record and Signature Protocol (R23)."""

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.signatures import archive_form, form_status, sign_form
from convoy.models import (
    Change,
    ChangeRequestForm,
    ChangeState,
    CrewProfile,
    FormSignature,
    Role,
    RoleAssignment,
)
from tests.factories import person
from tests.pipeline.conftest import new_change, to_signatures


@pytest.fixture
def signing(crew):
    return to_signatures(crew, [new_change(crew)])[0]


def sign(signer, change, signature=None):
    return sign_form(actor=signer, change=change, signature=signature or f"sig:{signer.username}")


def test_five_verified_signatures_two_from_governance_let_the_form_be_archived(
    crew, signing
):  # R23
    for signer in crew.signers:
        sign(signer, signing)
    form = archive_form(actor=crew.engineer, change=signing)
    assert form.archived
    assert Change.objects.get(pk=signing.pk).state == ChangeState.ARCHIVED
    assert form.signatures.filter(verified=True, governance=True).count() == 2


def test_four_signatures_are_not_enough(crew, signing):  # R23
    for signer in crew.signers[:4]:
        sign(signer, signing)
    with pytest.raises(ProcessViolation) as refusal:
        archive_form(actor=crew.engineer, change=signing)
    assert refusal.value.rule == "R23"
    assert "1 more verified signature(s) (4 of 5)" in refusal.value.message
    assert not ChangeRequestForm.objects.get().archived


def test_five_signatures_with_one_from_governance_are_not_enough(crew, signing):  # R23
    for signer in [crew.cgr[0], crew.cset, crew.earb, crew.douche, crew.world.captain]:
        sign(signer, signing)
    with pytest.raises(ProcessViolation) as refusal:
        archive_form(actor=crew.engineer, change=signing)
    assert refusal.value.rule == "R23"
    assert "1 more from a change governance representative (1 of 2)" in refusal.value.message


def test_a_mismatch_is_flagged_and_only_that_signature_is_collected_again(crew, signing):  # R23
    first, second, third, fourth, fifth = crew.signers
    for signer in (first, second, fourth, fifth):
        sign(signer, signing)
    flagged = sign(third, signing, signature="a hurried scrawl")
    assert flagged.verified is False
    with pytest.raises(ProcessViolation) as refusal:
        archive_form(actor=crew.engineer, change=signing)
    assert "the flagged signature of Cset Ward, again" in refusal.value.message

    again = sign(third, signing)
    assert again.verified and again.recollects == flagged
    assert FormSignature.objects.filter(verified=True).count() == 5
    assert FormSignature.objects.count() == 6  # the four others were not collected again
    archive_form(actor=crew.engineer, change=signing)


def test_a_verified_signature_is_not_collected_again(crew, signing):  # R23
    sign(crew.cgr[0], signing)
    with pytest.raises(ProcessViolation) as refusal:
        sign(crew.cgr[0], signing)
    assert refusal.value.rule == "R23"
    assert FormSignature.objects.count() == 1


def test_a_signer_without_a_reference_on_file_is_refused(crew, signing):  # R23
    CrewProfile.objects.filter(user=crew.cset).update(signature_reference="")
    with pytest.raises(ProcessViolation) as refusal:
        sign(crew.cset, signing)
    assert refusal.value.rule == "R23"
    assert "no signature reference on file" in refusal.value.message


def test_a_cgr_counts_toward_the_governance_quota(crew, signing):  # R23
    both = person("cset.cgr", Role.CSET, Role.CGR)
    signature = sign(both, signing)
    assert signature.signed_role == Role.CGR and signature.governance
    assert form_status(ChangeRequestForm.objects.get()).governance == 1


def test_the_author_may_not_sign_their_own_form(crew, signing):  # R1
    RoleAssignment.objects.create(user=crew.engineer, role=Role.CGR)
    with pytest.raises(ProcessViolation) as refusal:
        sign(crew.engineer, signing)
    assert refusal.value.rule == "R1"
    assert not FormSignature.objects.exists()


def test_a_person_without_a_signing_role_may_not_sign(crew, signing):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        sign(crew.world.auditor, signing)
    assert refusal.value.rule == "R4"
