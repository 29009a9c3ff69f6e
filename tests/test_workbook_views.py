"""The Release Tracking workbook pages: who may export, follow, download (R4, R56); the file
is served only by the view that checks the role, as an attachment."""

import uuid

import pytest
from django.urls import reverse

from convoy.ceremonies.exports import export_workbook, request_export
from convoy.models import ExportJob, ExportJobState, WorkbookDownload, WorkbookExport

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def exports_run_at_once(settings, tmp_path):
    """The export runs in the request under test; tests/test_workbook_tasks.py runs the worker."""
    settings.TASKS = IMMEDIATE
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def export(world):
    return export_workbook(actor=world.commodore, convoy=world.convoy)


def url(name, *args):
    return reverse(f"convoy:{name}", args=[1, *args])


def signed_in(client, user):
    client.force_login(user)
    return client


# The export log ---------------------------------------------------------------------------


def test_the_export_log_requires_sign_in(client, world):
    response = client.get(url("export_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_export_log_is_refused_to_an_engineer(client, world):  # R4
    response = signed_in(client, world.engineer).get(url("export_list"))
    assert response.status_code == 403
    assert "requires the role of Commodore or Admiral (ATO) or Auditor" in response.content.decode()


def test_the_commodore_sees_the_log_and_the_export_button(client, world, export):  # R56
    record = WorkbookExport.objects.get()
    page = signed_in(client, world.commodore).get(url("export_list")).content.decode()
    assert "Export version 2 of the workbook" in page
    assert record.file_name in page
    assert record.sha256 in page
    assert "Not downloaded" in page


def test_an_auditor_sees_the_log_without_the_export_button(client, world, export):
    response = signed_in(client, world.auditor).get(url("export_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Export version" not in page
    assert export.file_name in page


def test_the_export_log_rejects_post(client, world):
    assert signed_in(client, world.commodore).post(url("export_list")).status_code == 405


def test_the_log_shows_who_downloaded_which_version(client, world, export):  # R56
    signed_in(client, world.auditor).get(url("export_download", 1))
    page = signed_in(client, world.commodore).get(url("export_list")).content.decode()
    assert "Auditor" in page
    assert world.auditor.crew.display_name in page


# Starting an export -------------------------------------------------------------------------


def test_the_commodore_starts_an_export_and_is_taken_to_its_progress(client, world):
    response = signed_in(client, world.commodore).post(url("export_start"))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("export_job", job.pk)
    assert job.state == ExportJobState.COMPLETE  # the immediate backend ran it
    assert job.tabs_done == job.tabs_total == 47
    assert job.export.version == 1


def test_an_auditor_may_not_start_an_export(client, world):  # R4: read-only
    response = signed_in(client, world.auditor).post(url("export_start"))
    assert response.status_code == 403
    assert ExportJob.objects.count() == 0
    assert WorkbookExport.objects.count() == 0


def test_an_engineer_may_not_start_an_export(client, world):  # R4
    assert signed_in(client, world.engineer).post(url("export_start")).status_code == 403
    assert ExportJob.objects.count() == 0


def test_starting_an_export_requires_post(client, world):
    assert signed_in(client, world.commodore).get(url("export_start")).status_code == 405
    assert ExportJob.objects.count() == 0


def test_starting_an_export_requires_sign_in(client, world):
    response = client.post(url("export_start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Following an export ----------------------------------------------------------------------


@pytest.fixture
def job(world):
    return request_export(actor=world.commodore, convoy=world.convoy)


def test_the_progress_page_shows_the_tab_count_and_the_download(client, world, job):
    page = signed_in(client, world.commodore).get(url("export_job", job.pk)).content.decode()
    assert "Complete: tab 47 of 47 written." in page
    assert url("export_download", 1) in page
    assert "convoy/export_progress.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_the_status_is_json_for_the_page_script(client, world, job):
    response = signed_in(client, world.commodore).get(url("export_job_status", job.pk))
    assert response.status_code == 200
    assert response.json() == {
        "state": "COMPLETE",
        "state_label": "Complete",
        "done": 47,
        "total": 47,
        "current": "Flow X-ray",
        "failure": "",
        "download_url": url("export_download", 1),
        "file_name": "Release_Tracking_CONVOY-1_v1_2027-01-04_CO.xlsx",
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_queued_export_says_it_waits_for_the_worker(client, world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = request_export(actor=world.commodore, convoy=world.convoy)
    page = signed_in(client, world.commodore).get(url("export_job", job.pk)).content.decode()
    assert "Queued: waiting for the export worker. Tab 0 of 47 written." in page
    assert 'id="export-download" hidden' in page


def test_progress_is_the_commodores(client, world, job):  # R4
    for person in (world.auditor, world.engineer):
        signed_in(client, person)
        assert client.get(url("export_job", job.pk)).status_code == 403
        assert client.get(url("export_job_status", job.pk)).status_code == 403


def test_an_unknown_job_is_not_found(client, world):
    response = signed_in(client, world.commodore).get(url("export_job", uuid.uuid4()))
    assert response.status_code == 404


def test_the_status_rejects_post(client, world, job):
    assert (
        signed_in(client, world.commodore).post(url("export_job_status", job.pk)).status_code == 405
    )


# Downloading --------------------------------------------------------------------------------


def test_the_commodore_downloads_an_attachment_and_it_is_recorded(client, world, export):
    response = signed_in(client, world.commodore).get(url("export_download", 1))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{export.file_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert WorkbookDownload.objects.get().downloaded_by == world.commodore


def test_an_auditor_downloads_and_is_recorded(client, world, export):  # R56
    response = signed_in(client, world.auditor).get(url("export_download", 1))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    download = WorkbookDownload.objects.get()
    assert (download.downloaded_by, download.downloaded_role) == (world.auditor, "AUDITOR")


def test_the_admiral_downloads_and_is_recorded(client, world, export):  # R56; §1 sees everything
    response = signed_in(client, world.admiral).get(url("export_download", 1))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    download = WorkbookDownload.objects.get()
    assert (download.downloaded_by, download.downloaded_role) == (world.admiral, "ADMIRAL")


def test_nobody_else_downloads(client, world, export):  # R4
    for person in (world.engineer, world.captain, world.qa):
        response = signed_in(client, person).get(url("export_download", 1))
        assert response.status_code == 403
    assert WorkbookDownload.objects.count() == 0


def test_downloading_requires_sign_in(client, world, export):
    response = client.get(url("export_download", 1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_version_is_not_found(client, world, export):
    assert signed_in(client, world.commodore).get(url("export_download", 2)).status_code == 404


def test_an_engineer_cannot_tell_whether_a_version_exists(client, world, export):  # R4
    signed_in(client, world.engineer)
    assert client.get(url("export_download", 1)).status_code == 403
    assert client.get(url("export_download", 7)).status_code == 403  # not a 404: no hint


def test_downloading_rejects_post(client, world, export):
    assert signed_in(client, world.commodore).post(url("export_download", 1)).status_code == 405


def test_the_workbook_is_not_under_a_static_or_media_url(client, world, export, settings):
    assert not str(settings.SADMF_EXPORT_ROOT).startswith(str(settings.MEDIA_ROOT))
    signed_in(client, world.commodore)
    for prefix in ("/media/exports", "/exports", "/static/exports", "/var/exports"):
        assert client.get(f"{prefix}/CONVOY-1/{export.file_name}").status_code == 404


# Finding the workbook ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["commodore", "auditor"])
def test_readers_find_the_workbook_from_the_convoy_page_and_the_navigation(client, world, who):
    page = signed_in(client, getattr(world, who)).get(reverse("convoy:convoy_detail", args=[1]))
    assert page.content.decode().count(f'href="{url("export_list")}"') == 2


def test_an_engineer_is_not_shown_a_link_to_the_workbook(client, world):  # R4
    page = signed_in(client, world.engineer).get(reverse("convoy:convoy_detail", args=[1]))
    assert url("export_list") not in page.content.decode()
