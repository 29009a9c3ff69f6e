"""The Convoy Manifest for auditors (§13): its sections hold the records as filed, it is
archival PDF/A that passes qpdf, every page is numbered, headings are bookmarks; each
rendering is versioned and logged with its hash (R56)."""

import hashlib
import subprocess

import pytest

from convoy.ceremonies.audit import verify_chain
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest import file_document, sign_document
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.models import AuditEvent, AuditHead, DocumentKind, ReportKind, ReportRendering, Role
from tests.factories import person
from tests.pdf_helpers import (
    attachments,
    bookmarks,
    contains,
    every_page_numbered,
    info_of,
    page_count,
    text_of,
)


@pytest.fixture(autouse=True)
def _stores(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def filed(world):
    world.cset = person("cset.ito", Role.CSET)
    world.f1 = world.feature(1, name="Ledger Sync", estimated_sp=13)
    world.f2 = world.feature(2, name="Harbour Gate", estimated_sp=8)
    spec = file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=world.f1,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        body="The ledger is synchronised quarterly.",
    )
    sign_document(actor=world.captain, document=spec)
    file_document(  # a correction: version 2, unsigned
        actor=world.captain,
        convoy=world.convoy,
        feature=world.f1,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        body="The ledger is synchronised quarterly, in one batch.",
    )
    cset_doc = file_document(
        actor=world.cset,
        convoy=world.convoy,
        kind=DocumentKind.CSET_COMPLETION_CERTIFICATES,
        body="All certificates attached.",
    )
    sign_document(actor=world.cset, document=cset_doc)
    return world


@pytest.fixture
def manifest_pdf(filed):
    rendering = render_report(actor=filed.commodore, convoy=filed.convoy, kind=ReportKind.MANIFEST)
    return rendering, rendering_path(rendering)


def test_the_manifest_holds_every_section_and_the_records_as_filed(filed, manifest_pdf):  # R36
    _rendering, path = manifest_pdf
    text = text_of(path)
    assert not contains(
        text,
        "Convoy Manifest",
        "CONVOY-1",
        "SADMF Document Standards Guide v14.2",
        "Contents",
        "1. Feature inventory and Feature Captain sign-offs",
        "2. Convoy-level attestations",
        "3. The feature sections",
        "F001 Ledger Sync",
        "F002 Harbour Gate",
        "4. The deficiency list (R36)",
        "5. Convoy Steering Committee sittings and verdicts",
        "6. Changes: CIA chain, inspection, certificates, Convening",
        "7. Export log (R56)",
        "8. The audit chain (R57)",
        "CSET code review completion certificates",
        "Dependency Attestation Form",
    )
    # The feature inventory and the versions as filed, with signer and role (R59: v2 is later)
    assert not contains(text, "Fc Okafor", "Cset Ito", "Code Standards Enforcement Team")
    assert not contains(text, "v1", "v2", "Unsigned")
    # the deficiency list names the responsible roles
    assert not contains(text, "The Feature Specification of F002 is not on file.")


def test_the_manifest_shows_the_audit_chain_as_verify_audit_reports_it(filed):  # R57
    intact, count, message = verify_chain()
    head = AuditHead.objects.get()
    rendering = render_report(actor=filed.commodore, convoy=filed.convoy, kind=ReportKind.MANIFEST)
    text = text_of(rendering_path(rendering))
    assert intact and message == f"audit chain intact: {count} events"
    # the rendering's own event is entered after the document was written
    assert not contains(text, message, f"event #{head.seq}", head.hash)


def test_the_manifest_is_archival_pdfa_and_passes_qpdf(manifest_pdf):  # §13
    _rendering, path = manifest_pdf
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout
    assert "pdfaid:part" in xmp  # the PDF/A identification in the XMP metadata


def test_every_page_reads_page_x_of_y_and_there_are_several(manifest_pdf):  # §13
    _rendering, path = manifest_pdf
    assert page_count(path) > 1
    assert every_page_numbered(path) == []


def test_headings_are_bookmarks_and_metadata_names_title_and_author(manifest_pdf):  # §13
    _rendering, path = manifest_pdf
    marks = bookmarks(path)
    assert "Contents" in marks
    assert "F001 Ledger Sync" in marks
    assert "4. The deficiency list (R36)" in marks
    info = info_of(path)
    assert info["Title"] == "Convoy Manifest — CONVOY-1"
    assert info["Author"] == "Commodore"
    assert info["CreationDate"]
    assert attachments(path).startswith("0 embedded files")


def test_each_rendering_is_versioned_and_logged_with_its_hash(filed):  # R56
    first = render_report(actor=filed.commodore, convoy=filed.convoy, kind=ReportKind.MANIFEST)
    second = render_report(actor=filed.commodore, convoy=filed.convoy, kind=ReportKind.MANIFEST)
    assert (first.version, second.version) == (1, 2)
    assert second.file_name == "Convoy_Manifest_CONVOY-1_v2_2027-01-04_CO.pdf"
    data = rendering_path(second).read_bytes()
    assert second.sha256 == hashlib.sha256(data).hexdigest()
    assert second.size == len(data)
    assert second.rendered_by == filed.commodore and second.rendered_role == Role.COMMODORE
    assert AuditEvent.objects.filter(action="report.render").count() == 2
    # the earlier rendering is in the later document's export log
    assert not contains(text_of(rendering_path(second)), first.sha256)
    assert not list(rendering_path(second).parent.glob(".partial-*"))


def test_an_auditor_may_not_render_the_manifest(filed):  # R4
    with pytest.raises(ProcessViolation) as refused:
        render_report(actor=filed.auditor, convoy=filed.convoy, kind=ReportKind.MANIFEST)
    assert refused.value.rule == "R4"
    assert ReportRendering.objects.count() == 0
