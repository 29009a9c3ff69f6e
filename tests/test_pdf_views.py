"""The documents pages (§13, R56): who may read the log, render, follow and download; the PDF
is served only by the view that checks the role, as an attachment with nosniff."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from convoy.ceremonies.reports import render_report
from convoy.models import ExportJobState, ReportDownload, ReportJob, ReportKind, ReportRendering
from tests.pdf_records import inspect

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def renders_run_at_once(settings, tmp_path):
    """The rendering runs in the request under test; test_pdf_tasks.py runs the worker."""
    settings.TASKS = IMMEDIATE
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


def url(name, *args):
    return reverse(f"convoy:{name}", args=[1, *args])


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def manifest(world):
    world.feature(1)
    return render_report(actor=world.commodore, convoy=world.convoy, kind=ReportKind.MANIFEST)


def test_the_log_is_refused_to_an_engineer(client, world):  # R4
    response = signed_in(client, world.engineer).get(url("report_list"))
    assert response.status_code == 403
    assert "Commodore" in response.content.decode()


def test_an_auditor_reads_the_log_without_any_render_button(client, world, manifest):  # R56, §1
    page = signed_in(client, world.auditor).get(url("report_list")).content.decode()
    assert manifest.file_name in page and manifest.sha256 in page
    assert "Render the Convoy Manifest" not in page
    assert "PDF/A-3B" in page


def test_an_auditor_may_not_start_a_rendering(client, world):  # R4
    response = signed_in(client, world.auditor).post(url("report_start"), {"kind": "manifest"})
    assert response.status_code == 403
    assert ReportJob.objects.count() == 0 and ReportRendering.objects.count() == 0


def test_the_commodore_renders_the_manifest_and_follows_it_to_the_download(client, world):
    world.feature(1)
    signed_in(client, world.commodore)
    response = client.post(url("report_start"), {"kind": "manifest"})
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("report_job", job.pk)
    status = client.get(url("report_job_status", job.pk)).json()
    assert status["state"] == ExportJobState.COMPLETE
    assert (status["done"], status["total"]) == (4, 4)
    rendering = ReportRendering.objects.get()
    assert status["download_url"] == url("report_download", "manifest", 1)
    assert status["file_name"] == rendering.file_name
    page = client.get(url("report_job", job.pk)).content.decode()
    assert "report_progress.js" in page


def test_a_fleet_inspection_report_before_the_inspection_is_refused_with_r47(client, world):
    response = signed_in(client, world.commodore).post(
        url("report_start"), {"kind": "fleet-inspection"}
    )
    assert response.status_code == 409
    assert "R47: The Fleet Inspection of CONVOY-1 has not been held." in response.content.decode()


def test_a_commendation_is_offered_only_for_a_commended_feature(client, world):  # R46
    inspect(world)
    page = signed_in(client, world.commodore).get(url("report_list")).content.decode()
    assert "Commendation for F001 Ledger Sync" in page
    assert "for F002" not in page
    response = client.post(url("report_start"), {"kind": "commendation", "feature": 2})
    assert response.status_code == 409
    assert "R46" in response.content.decode()


def test_the_download_is_an_attachment_with_nosniff_and_is_recorded(client, world, manifest):
    response = signed_in(client, world.auditor).get(url("report_download", "manifest", 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert manifest.file_name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    download = ReportDownload.objects.get()  # R56
    assert download.downloaded_by == world.auditor and download.downloaded_role == "AUDITOR"


def test_the_download_is_refused_to_an_engineer_before_anything_is_revealed(
    client, world, manifest
):  # R4
    response = signed_in(client, world.engineer).get(url("report_download", "manifest", 1))
    assert response.status_code == 403
    response = signed_in(client, world.engineer).get(url("report_download", "manifest", 99))
    assert response.status_code == 403
    assert ReportDownload.objects.count() == 0


def test_render_report_command_prints_progress_and_writes_the_copy(world, tmp_path):  # R56
    world.feature(1)
    out = io.StringIO()
    call_command("render_report", "manifest", "--convoy", "1", "--out", str(tmp_path), stdout=out)
    rendering = ReportRendering.objects.get()
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "[0/4] Reading the records",
        "[1/4] Laying out the pages",
        "[2/4] Writing the PDF",
        "[3/4] Entering the log",
        "[4/4] Complete",
    ]
    assert (tmp_path / rendering.file_name).read_bytes().startswith(b"%PDF-")
    assert f"sha256: {rendering.sha256}" in lines
    assert not list(tmp_path.glob(".partial-*"))


def test_render_report_command_reports_a_refusal(world, tmp_path):  # R46
    inspect(world)
    with pytest.raises(CommandError, match="R46"):
        call_command(
            "render_report",
            "commendation",
            "--convoy=1",
            "--feature=2",
            f"--out={tmp_path}",
            stdout=io.StringIO(),
        )
