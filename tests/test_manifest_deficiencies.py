"""The Manifest's deficiency list (R36, R37, R18): each kind appears, names the responsible
role, and disappears when remedied."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.manifest import file_document, sign_document
from convoy.ceremonies.names import admit_word, rule_on_name, submit_name
from convoy.deficiencies import DeficiencyKind, deficiency_list
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    FEATURE_DOCUMENT_KINDS,
    CrewProfile,
    DocumentKind,
    Feature,
    Role,
)
from tests.factories import person

K = DocumentKind
D = DeficiencyKind


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def crew(world):
    world.cset = person("cset.ito", Role.CSET)
    world.earb = person("earb.nakamura", Role.EARB)
    world.diat = person("diat.osei", Role.DIAT)
    world.f1 = world.feature(1, name="Ledger Sync")
    return world


def of(world, kind=None, item=None, subject="F001"):
    return [
        d
        for d in deficiency_list(world.convoy)
        if d.subject == subject
        and (kind is None or d.kind == kind)
        and (item is None or d.item == item)
    ]


def file(world, kind, body="Filed.", actor=None, **kwargs):
    return file_document(
        actor=actor or world.captain,
        convoy=world.convoy,
        feature=world.f1,
        kind=kind,
        body=body,
        **kwargs,
    )


def compliant_name(world):
    admit_word(actor=world.earb, word="ledger")
    admit_word(actor=world.earb, word="sync")
    submission = submit_name(actor=world.captain, feature=world.f1)
    rule_on_name(actor=world.earb, submission=submission, admit=True)


def test_a_new_convoy_lists_every_item_missing_and_the_name(crew):  # R36
    found = deficiency_list(crew.convoy)
    missing = [d for d in found if d.kind == D.MISSING_DOCUMENT]
    assert [d.document_kind for d in missing] == FEATURE_DOCUMENT_KINDS + CONVOY_DOCUMENT_KINDS
    assert [d.kind for d in found if d.subject == "F001"].count(D.NON_COMPLIANT_NAME) == 1
    assert len(found) == 8 + 1 + 5


def test_a_missing_document_disappears_once_filed_and_signed(crew):  # R36
    assert of(crew, D.MISSING_DOCUMENT, "Feature Specification")
    file(crew, K.FEATURE_SPECIFICATION, sign=True)
    assert not of(crew, item="Feature Specification")


def test_a_missing_feature_document_is_the_feature_captains(crew):  # R36
    (deficiency,) = of(crew, D.MISSING_DOCUMENT, "Code Inspection Report")
    assert deficiency.role == Role.FEATURE_CAPTAIN
    assert deficiency.message == "The Code Inspection Report of F001 is not on file."
    assert deficiency.url == reverse(
        "convoy:manifest_feature_item", args=[1, 1, "code-inspection-report"]
    )


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (K.FEATURE_SPECIFICATION, Role.FEATURE_CAPTAIN),
        (K.CODE_INSPECTION_REPORT, Role.CSET),
        (K.TESTING_EVIDENCE_PACKAGE, Role.QA),
        (K.SIT_SIGN_OFF, Role.QA),
        (K.SAD_UPDATE, Role.EARB),
    ],
)
def test_an_unsigned_document_is_the_signing_roles(crew, kind, role):  # R36
    file(crew, kind)
    (deficiency,) = of(crew, item=kind.label)
    assert (deficiency.kind, deficiency.role, deficiency.rule) == (D.UNSIGNED, role, "R36")


def test_an_unsigned_document_disappears_once_signed(crew):  # R36
    document = file(crew, K.CODE_INSPECTION_REPORT)
    assert of(crew, D.UNSIGNED)
    sign_document(actor=crew.cset, document=document)
    assert not of(crew, item="Code Inspection Report")


def test_an_unverified_signature_is_listed_until_collected_again(crew):  # R36, R23
    CrewProfile.objects.filter(user=crew.captain).update(signature_reference="")
    crew.captain.refresh_from_db()
    document = file(crew, K.SOS_MINUTES, sign=True)
    (deficiency,) = of(crew, item="SOS Minutes")
    assert (deficiency.kind, deficiency.role) == (D.UNVERIFIED_SIGNATURE, Role.FEATURE_CAPTAIN)
    assert "The signature of Fc Okafor on SOS Minutes v1 of F001 is not verified" in (
        deficiency.message
    )
    CrewProfile.objects.filter(user=crew.captain).update(signature_reference="sig:okafor")
    crew.captain.refresh_from_db()
    sign_document(actor=crew.captain, document=document)
    assert not of(crew, item="SOS Minutes")


def test_a_document_under_another_standards_version_is_a_formatting_deficiency(crew):  # R37
    file(crew, K.DEPENDENCY_ATTESTATION_FORM, standards_version="14.1", sign=True)
    (deficiency,) = of(crew, item="Dependency Attestation Form")
    assert (deficiency.kind, deficiency.rule, deficiency.role) == (
        D.WRONG_STANDARDS_VERSION,
        "R37",
        Role.FEATURE_CAPTAIN,
    )
    assert "follows the SADMF Document Standards Guide v14.1, not v14.2" in deficiency.message


def test_a_formatting_deficiency_disappears_with_a_version_under_14_2(crew):  # R37
    file(crew, K.DEPENDENCY_ATTESTATION_FORM, standards_version="14.1", sign=True)
    file(crew, K.DEPENDENCY_ATTESTATION_FORM, "Refiled under 14.2.", sign=True)
    assert not of(crew, item="Dependency Attestation Form")


def test_only_the_current_version_counts(crew):  # R36
    file(crew, K.FEATURE_SPECIFICATION, "Signed.", sign=True)
    file(crew, K.FEATURE_SPECIFICATION, "Not yet signed.")
    (deficiency,) = of(crew, item="Feature Specification")
    assert deficiency.kind == D.UNSIGNED
    assert deficiency.message.startswith("Feature Specification v2 of F001 awaits the signature")


def test_a_name_never_submitted_is_the_feature_captains(crew):  # R18, R36
    (deficiency,) = of(crew, D.NON_COMPLIANT_NAME)
    assert (deficiency.role, deficiency.rule) == (Role.FEATURE_CAPTAIN, "R18")
    assert deficiency.message == (
        "The name 'Ledger Sync' of F001 has not been submitted to the EARB. "
        "Not in the Book of Names: 'Ledger', 'Sync'."
    )
    assert deficiency.url == reverse("convoy:feature_detail", args=[1, 1]) + "#name-check"


def test_a_name_awaiting_a_ruling_is_the_earbs(crew):  # R18, R36
    submit_name(actor=crew.captain, feature=crew.f1)
    (deficiency,) = of(crew, D.NON_COMPLIANT_NAME)
    assert deficiency.role == Role.EARB


def test_a_rejected_name_is_the_feature_captains_until_resubmitted(crew):  # R18, R36
    submission = submit_name(actor=crew.captain, feature=crew.f1)
    rule_on_name(actor=crew.earb, submission=submission, admit=False)
    (deficiency,) = of(crew, D.NON_COMPLIANT_NAME)
    assert deficiency.role == Role.FEATURE_CAPTAIN
    assert "may be resubmitted on or after 29 March 2027 at 09:00" in deficiency.message


def test_an_admitted_name_is_compliant(crew):  # R18, R36
    compliant_name(crew)
    assert not of(crew, D.NON_COMPLIANT_NAME)


def test_a_name_changed_after_admission_is_not_compliant(crew):  # R18
    compliant_name(crew)
    Feature.objects.filter(pk=crew.f1.pk).update(name="Ledger")
    (deficiency,) = of(crew, D.NON_COMPLIANT_NAME)
    assert "the name it admitted was 'Ledger Sync'" in deficiency.message


@pytest.mark.parametrize(
    ("kind", "actor", "role"),
    [
        (K.CSET_COMPLETION_CERTIFICATES, "cset", Role.CSET),
        (K.EARB_NAMING_ATTESTATION, "earb", Role.EARB),
        (K.QA_CERTIFICATION_REPORTS, "qa", Role.QA),
        (K.DIAT_INTEGRITY_SIGN_OFF, "diat", Role.DIAT),
        (K.COMMODORE_APPROVAL_STAMP, "commodore", Role.COMMODORE),
    ],
)
def test_a_convoy_attestation_missing_then_unsigned_then_signed(crew, kind, actor, role):  # R36
    (missing,) = of(crew, item=kind.label, subject="CONVOY-1")
    assert (missing.kind, missing.role, missing.feature) == (D.MISSING_DOCUMENT, role, None)
    signer = getattr(crew, actor)
    document = file_document(actor=signer, convoy=crew.convoy, kind=kind, body="Attested.")
    (unsigned,) = of(crew, item=kind.label, subject="CONVOY-1")
    assert (unsigned.kind, unsigned.role) == (D.UNSIGNED, role)
    sign_document(actor=signer, document=document)
    assert not of(crew, item=kind.label, subject="CONVOY-1")


def test_a_complete_manifest_has_no_deficiencies(crew):  # R36
    compliant_name(crew)
    signers = {
        K.CODE_INSPECTION_REPORT: crew.cset,
        K.TESTING_EVIDENCE_PACKAGE: crew.qa,
        K.SIT_SIGN_OFF: crew.qa,
        K.SAD_UPDATE: crew.earb,
    }
    for kind in FEATURE_DOCUMENT_KINDS:
        document = file(crew, kind)
        sign_document(actor=signers.get(kind, crew.captain), document=document)
    for kind, signer in [
        (K.CSET_COMPLETION_CERTIFICATES, crew.cset),
        (K.EARB_NAMING_ATTESTATION, crew.earb),
        (K.QA_CERTIFICATION_REPORTS, crew.qa),
        (K.DIAT_INTEGRITY_SIGN_OFF, crew.diat),
        (K.COMMODORE_APPROVAL_STAMP, crew.commodore),
    ]:
        file_document(actor=signer, convoy=crew.convoy, kind=kind, body="Done.", sign=True)
    assert deficiency_list(crew.convoy) == []


def test_the_list_of_one_feature_holds_only_that_feature(crew):  # R36
    crew.feature(2, name="Audit Beacon", captain=crew.other_captain)
    found = deficiency_list(crew.convoy, crew.f1)
    assert {d.subject for d in found} == {"F001"}
    assert len(found) == 9


def add_features(world, first, count):
    now = clock.now()
    Feature.objects.bulk_create(
        Feature(
            convoy=world.convoy,
            number=n,
            name=f"Ledger Beacon {n}",
            captain=world.captain,
            created_at=now,
        )
        for n in range(first, first + count)
    )


def queries_for_the_list(world):
    with CaptureQueriesContext(connection) as captured:
        found = deficiency_list(world.convoy)
    return len(captured), found


def test_the_list_takes_the_same_queries_for_3_features_as_for_300(crew):  # R36
    file(crew, K.FEATURE_SPECIFICATION, sign=True)
    submit_name(actor=crew.captain, feature=crew.f1)
    add_features(crew, 2, 2)
    few, found_few = queries_for_the_list(crew)
    add_features(crew, 4, 297)
    many, found_many = queries_for_the_list(crew)
    assert Feature.objects.filter(convoy=crew.convoy).count() == 300
    assert many == few
    assert len(found_many) == len(found_few) + 297 * 9


def test_a_label_with_its_own_article_is_not_given_a_second(world):  # R36
    messages = [d.message for d in deficiency_list(world.convoy)]
    assert "The Commodore's final approval stamp of CONVOY-1 is not on file." in messages
    assert not any(message.startswith("The The ") for message in messages)
