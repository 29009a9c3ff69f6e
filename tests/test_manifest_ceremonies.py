"""Filing and signing Manifest documents (§6, R36, R37, R59, R4)."""

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest import (
    MAX_BODY_CHARS,
    SIGNING_ROLE,
    file_document,
    sign_document,
)
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    FEATURE_DOCUMENT_KINDS,
    AuditEvent,
    CrewProfile,
    DocumentKind,
    ManifestDocument,
    Role,
)
from tests.factories import person

K = DocumentKind
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def office_file(main_part: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        for name in extra:
            archive.writestr(name, "x")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def crew(world):
    world.cset = person("cset.ito", Role.CSET)
    world.earb = person("earb.nakamura", Role.EARB)
    world.diat = person("diat.osei", Role.DIAT)
    world.f1 = world.feature(1)
    return world


def spec(world, body="The feature, specified.", actor=None, **kwargs):
    return file_document(
        actor=actor or world.captain,
        convoy=world.convoy,
        feature=world.f1,
        kind=K.FEATURE_SPECIFICATION,
        body=body,
        **kwargs,
    )


def later(seconds: int) -> None:
    clock.travel_to(clock.now() + dt.timedelta(seconds=seconds))


# The signing table ---------------------------------------------------------------------------


def test_every_manifest_item_has_a_signing_role():  # §6
    assert set(SIGNING_ROLE) == set(FEATURE_DOCUMENT_KINDS) | set(CONVOY_DOCUMENT_KINDS)


# Filing --------------------------------------------------------------------------------------


def test_the_feature_captain_files_a_written_document(crew):  # §6, R37
    document = spec(crew)
    assert (document.version, document.standards_version, document.supersedes) == (1, "14.2", None)
    body = b"The feature, specified."
    assert document.sha256 == hashlib.sha256(body).hexdigest()
    assert document.size == len(body)
    assert document.signed_by is None
    assert AuditEvent.objects.filter(action="manifest.file", object_id=str(document.pk)).exists()


def test_a_new_version_supersedes_the_previous_one_which_is_kept_as_filed(crew):  # §6, R59
    first = spec(crew, "First.")
    second = spec(crew, "Second.")
    assert (second.version, second.supersedes) == (2, first)
    first.refresh_from_db()
    assert (first.version, first.body) == (1, "First.")


def test_the_commodore_may_file_a_features_item(crew):  # §6
    assert spec(crew, actor=crew.commodore).filed_by == crew.commodore


@pytest.mark.parametrize("who", ["other_captain", "engineer", "qa", "auditor", "cset"])
def test_nobody_else_files_a_features_item(crew, who):  # R4
    with pytest.raises(ProcessViolation) as refused:
        spec(crew, actor=getattr(crew, who))
    assert refused.value.rule == "R4"
    assert not ManifestDocument.objects.exists()


def test_a_convoy_attestation_is_filed_by_the_role_that_signs_it(crew):  # §6
    document = file_document(
        actor=crew.cset, convoy=crew.convoy, kind=K.CSET_COMPLETION_CERTIFICATES, body="All."
    )
    assert (document.feature, document.version) == (None, 1)


def test_a_feature_captain_does_not_file_a_convoy_attestation(crew):  # R4
    with pytest.raises(ProcessViolation) as refused:
        file_document(
            actor=crew.captain, convoy=crew.convoy, kind=K.QA_CERTIFICATION_REPORTS, body="All."
        )
    assert refused.value.rule == "R4"
    assert "Quality Authority or Commodore" in refused.value.message


def test_a_feature_item_names_its_feature_and_an_attestation_names_none(crew):  # R36
    with pytest.raises(ProcessViolation, match="name the feature"):
        file_document(actor=crew.commodore, convoy=crew.convoy, kind=K.SAD_UPDATE, body="Updated.")
    with pytest.raises(ProcessViolation, match="Convoy-level attestation"):
        file_document(
            actor=crew.commodore,
            convoy=crew.convoy,
            feature=crew.f1,
            kind=K.COMMODORE_APPROVAL_STAMP,
            body="Stamped.",
        )


def test_a_document_is_written_or_uploaded_not_both_nor_neither(crew):  # §6
    with pytest.raises(ProcessViolation, match="either written or uploaded, not both"):
        spec(crew, upload=upload("spec.pdf", PDF_BYTES))
    with pytest.raises(ProcessViolation, match="needs its text or its file"):
        spec(crew, body="   ")
    assert not ManifestDocument.objects.exists()


def test_a_written_document_over_the_limit_is_refused(crew):  # R37
    with pytest.raises(ProcessViolation) as refused:
        spec(crew, body="x" * 100_000)
    assert str(refused.value) == (
        f"R37: A written document may be at most {MAX_BODY_CHARS:,} characters long; this one "
        "has 100,000. A longer document is uploaded as a file."
    )


def test_a_document_under_another_standards_version_is_filed_as_declared(crew):  # R37
    assert spec(crew, standards_version="14.1").standards_version == "14.1"


def test_a_standards_version_must_be_a_version(crew):  # R37
    with pytest.raises(ProcessViolation, match="is not a version of the SADMF Document"):
        spec(crew, standards_version="latest")


# Posting twice ---------------------------------------------------------------------------------


def test_the_same_content_filed_twice_within_a_minute_is_one_version(crew):  # §6
    first = spec(crew, "Same.")
    later(59)
    assert spec(crew, "Same.") == first
    assert ManifestDocument.objects.count() == 1
    assert AuditEvent.objects.filter(action="manifest.file").count() == 1


def test_the_same_content_filed_again_later_is_refused(crew):  # §6
    spec(crew, "Same.")
    later(61)
    with pytest.raises(ProcessViolation, match="already holds exactly this content"):
        spec(crew, "Same.")
    assert ManifestDocument.objects.count() == 1


def test_the_same_content_under_another_standards_version_is_a_new_version(crew):  # R37
    spec(crew, "Same.", standards_version="14.1")
    assert spec(crew, "Same.").version == 2


# Uploads ---------------------------------------------------------------------------------------


def test_an_uploaded_pdf_is_stored_under_a_random_name_with_its_hash(crew):  # §6
    document = spec(crew, body="", upload=upload("Spec <final>.pdf", PDF_BYTES))
    assert document.content_type == "application/pdf"
    assert document.original_filename == "Spec <final>.pdf"
    assert (document.size, document.sha256) == (
        len(PDF_BYTES),
        hashlib.sha256(PDF_BYTES).hexdigest(),
    )
    assert document.file.name.startswith("manifest/")
    assert "Spec" not in document.file.name and not document.file.name.endswith(".pdf")
    with document.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.png", PNG_BYTES, "image/png"),
        ("notes.txt", "Minutes — all present.\n".encode(), "text/plain; charset=utf-8"),
        (
            "spec.docx",
            office_file("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "plan.xlsx",
            office_file("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("no extension", PDF_BYTES, "application/pdf"),
    ],
)
def test_accepted_types_are_judged_by_content(crew, name, content, content_type):  # R37
    document = spec(crew, body="", upload=upload(name, content))
    assert document.content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("report.pdf", ELF_BYTES, "named as a PDF document, but its content is an executable"),
        (
            "report.pdf",
            b"<!DOCTYPE html><script>alert(1)</script>",
            "named as a PDF document, but its content is an HTML or XML document",
        ),
        ("notes.txt", b"Minutes \xff\xfe of the SOS", "its content is not valid UTF-8 text"),
        ("report", ELF_BYTES, "is an executable program (ELF)"),
        ("page.html", b"<p>hello</p>", "not .html files"),
        (
            "spec.docx",
            office_file("word/document.xml", "word/vbaProject.bin"),
            "a Word document with macros",
        ),
        ("archive.zip", office_file("README"), "not .zip files"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_other_content_is_refused(crew, name, content, says):  # R37
    with pytest.raises(ProcessViolation) as refused:
        spec(crew, body="", upload=upload(name, content, "application/pdf"))
    assert refused.value.rule == "R37"
    assert says in refused.value.message
    assert not ManifestDocument.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(crew, settings):  # R37
    settings.SADMF_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ProcessViolation) as refused:
        spec(crew, body="", upload=upload("big.pdf", PDF_BYTES + b"0" * 1024))
    assert "the Manifest accepts files of at most 1.0 KB (1,024 bytes)" in refused.value.message
    assert not ManifestDocument.objects.exists()


def test_a_filing_that_fails_after_storing_its_file_leaves_no_file_behind(
    crew, settings, monkeypatch
):  # §6
    def fail(**kwargs):
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr("convoy.ceremonies.manifest.record_event", fail)
    with pytest.raises(RuntimeError):
        spec(crew, body="", upload=upload("spec.pdf", PDF_BYTES))
    assert not ManifestDocument.objects.exists()
    assert not any((settings.MEDIA_ROOT / "manifest").iterdir())


# Signing -------------------------------------------------------------------------------------


def test_the_feature_captain_signs_the_items_a_feature_captain_signs(crew):  # §6
    signed = sign_document(actor=crew.captain, document=spec(crew))
    assert (signed.signed_by, signed.signed_role, signed.signature_verified) == (
        crew.captain,
        Role.FEATURE_CAPTAIN,
        True,
    )
    assert signed.signed_at == clock.now()
    assert AuditEvent.objects.filter(action="manifest.sign", object_id=str(signed.pk)).exists()


def test_another_feature_captain_may_not_sign_it(crew):  # R4
    with pytest.raises(ProcessViolation) as refused:
        sign_document(actor=crew.other_captain, document=spec(crew))
    assert refused.value.rule == "R4"
    assert "requires its Feature Captain, Fc Okafor" in refused.value.message


@pytest.mark.parametrize(
    ("kind", "signer", "refused_role"),
    [
        (K.CODE_INSPECTION_REPORT, "cset", "Code Standards Enforcement Team"),
        (K.TESTING_EVIDENCE_PACKAGE, "qa", "Quality Authority"),
        (K.SIT_SIGN_OFF, "qa", "Quality Authority"),
        (K.SAD_UPDATE, "earb", "Enterprise Architecture Review Board"),
    ],
)
def test_each_item_is_signed_by_its_role_and_nobody_else(crew, kind, signer, refused_role):  # R4
    document = file_document(
        actor=crew.captain, convoy=crew.convoy, feature=crew.f1, kind=kind, body="Evidence."
    )
    with pytest.raises(ProcessViolation) as refused:
        sign_document(actor=crew.captain, document=document)
    assert f"requires the role of {refused_role}" in refused.value.message
    signed = sign_document(actor=getattr(crew, signer), document=document)
    assert (signed.signed_role, signed.signature_verified) == (SIGNING_ROLE[kind], True)


def test_the_filer_may_sign_on_filing(crew):  # §6
    document = spec(crew, sign=True)
    assert (document.signed_by, document.signature_verified) == (crew.captain, True)


def test_signing_on_filing_by_someone_who_may_not_sign_files_nothing(crew):  # R4
    with pytest.raises(ProcessViolation) as refused:
        spec(crew, actor=crew.commodore, sign=True)
    assert refused.value.rule == "R4"
    assert not ManifestDocument.objects.exists()


def test_a_signature_without_a_reference_on_file_is_unverified(crew):  # R36, R23
    CrewProfile.objects.filter(user=crew.captain).update(signature_reference="")
    crew.captain.refresh_from_db()
    signed = sign_document(actor=crew.captain, document=spec(crew))
    assert (signed.signed_by, signed.signature_verified) == (crew.captain, False)


def test_an_unverified_signature_is_collected_again(crew):  # R36, R23
    CrewProfile.objects.filter(user=crew.captain).update(signature_reference="")
    crew.captain.refresh_from_db()
    document = sign_document(actor=crew.captain, document=spec(crew))
    CrewProfile.objects.filter(user=crew.captain).update(signature_reference="sig:okafor")
    crew.captain.refresh_from_db()
    assert sign_document(actor=crew.captain, document=document).signature_verified


def test_a_verified_signature_is_final(crew):  # R59
    document = sign_document(actor=crew.captain, document=spec(crew))
    with pytest.raises(ProcessViolation) as refused:
        sign_document(actor=crew.captain, document=document)
    assert refused.value.rule == "R59"
    assert "A signed record is final; a correction is a new version." in refused.value.message


def test_a_superseded_version_is_not_signed(crew):  # R59
    first = spec(crew, "First.")
    spec(crew, "Second.")
    with pytest.raises(ProcessViolation, match="has been superseded by v2"):
        sign_document(actor=crew.captain, document=first)


def test_the_commodore_stamps_the_manifest(crew):  # §6
    stamp = file_document(
        actor=crew.commodore,
        convoy=crew.convoy,
        kind=K.COMMODORE_APPROVAL_STAMP,
        body="Approved.",
        sign=True,
    )
    assert (stamp.signed_role, stamp.signature_verified) == (Role.COMMODORE, True)
