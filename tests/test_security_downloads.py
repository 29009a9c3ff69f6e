"""Uploaded and generated files leave only as attachments, never sniffed, and only to the
roles that may read them (R4, R56; §6 the Manifest documents, §10 the workbook)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convoy.ceremonies.exports import export_path, export_workbook
from convoy.ceremonies.manifest import file_document
from convoy.models import DocumentKind, WorkbookDownload
from tests.factories import person

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROLES = ["admiral", "commodore", "captain", "engineer", "auditor", "qa", "outsider"]


@pytest.fixture(autouse=True)
def _file_roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def files(world):
    world.outsider = person("visitor")  # signed in, no role anywhere
    feature = world.feature(1)
    world.document = file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=feature,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        upload=SimpleUploadedFile('Spec "final"\r\nX-Injected: 1.pdf', PDF_BYTES),
    )
    world.export = export_workbook(actor=world.commodore, convoy=world.convoy)
    world.document_url = reverse("convoy:manifest_document_download", args=[1, world.document.pk])
    world.workbook_url = reverse("convoy:export_download", args=[1, world.export.version])
    return world


def assert_safe_attachment(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert "\n" not in response["Content-Disposition"]
    assert "\r" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("X-Injected")


def test_a_manifest_document_is_a_sandboxed_attachment(client, files):  # §6
    client.force_login(files.auditor)

    response = client.get(files.document_url)

    assert_safe_attachment(response)
    assert response["Content-Type"] == "application/pdf"
    # The view's own policy stands: the document may run nothing, even if opened inline.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_workbook_is_an_attachment_recorded_as_downloaded(client, files):  # R56
    client.force_login(files.auditor)

    response = client.get(files.workbook_url)

    assert_safe_attachment(response)
    assert response["Content-Disposition"] == (f'attachment; filename="{files.export.file_name}"')
    assert b"".join(response.streaming_content) == export_path(files.export).read_bytes()
    assert WorkbookDownload.objects.get().downloaded_by == files.auditor


@pytest.mark.parametrize("who", ROLES)
def test_manifest_documents_go_to_roles_of_the_convoy_and_standing_roles(client, files, who):
    client.force_login(getattr(files, who))  # R4
    expected = 403 if who == "outsider" else 200
    assert client.get(files.document_url).status_code == expected


@pytest.mark.parametrize("who", ROLES)
def test_the_workbook_goes_to_the_commodore_admiral_and_auditors_only(client, files, who):
    client.force_login(getattr(files, who))  # R4, R56; §1: the Admiral sees everything
    response = client.get(files.workbook_url)
    if who in {"commodore", "admiral", "auditor"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Downloading the Release Tracking workbook" in response.content.decode()
        assert not WorkbookDownload.objects.exists()


def test_anonymous_visitors_get_neither_file(client, files):
    for url in (files.document_url, files.workbook_url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_neither_file_is_reachable_by_its_path(client, files):
    client.force_login(files.commodore)
    paths = [
        f"/media/{files.document.file.name}",
        f"/{files.document.file.name}",
        f"/static/{files.document.file.name}",
        f"/exports/CONVOY-1/{files.export.file_name}",
        f"/static/CONVOY-1/{files.export.file_name}",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path


def test_downloads_answer_get_only(client, files):
    client.force_login(files.commodore)
    assert client.post(files.workbook_url).status_code == 405
    assert client.post(files.document_url).status_code == 405
