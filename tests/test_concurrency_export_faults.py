"""A worker that fails or is killed mid-export leaves no workbook, no record and no partial
file behind once the job is retried; the retried job completes as the next version (R56)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import export_path, retry_export_job, run_export_job, sha256_of
from convoy.exports.workbook import change_manifest
from convoy.models import ExportJob, ExportJobState, WorkbookExport

ROOT = Path(__file__).resolve().parent.parent
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# The worker process: the export stops inside the Change Register tab until it is killed.
STALLED_WORKER = """
import sys, time
from pathlib import Path
import django
django.setup()
from convoy.ceremonies.exports import run_export_job
from convoy.exports.workbook import change_manifest

def stalled_rows(self, convoy):
    Path(sys.argv[2]).write_text("writing")
    time.sleep(600)
    yield from ()

change_manifest.ChangeRegister.rows = stalled_rows
run_export_job(job_id=sys.argv[1])
"""


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = IMMEDIATE
    return settings.SADMF_EXPORT_ROOT


def new_job(world) -> ExportJob:
    return ExportJob.objects.create(
        convoy=world.convoy,
        requested_by=world.commodore,
        requested_at=world.convoy.created_at,
        tabs_total=47,
    )


def files_in(export_root: Path) -> list[str]:
    return sorted(p.name for p in (export_root / "CONVOY-1").iterdir())


def broken_rows(self, convoy):
    raise OSError("the disk is full")
    yield  # a generator, as tabs are


def test_a_failed_export_leaves_nothing_and_its_retry_completes(world, monkeypatch, export_root):
    job = new_job(world)
    with monkeypatch.context() as patch:
        patch.setattr(change_manifest.ChangeRegister, "rows", broken_rows)
        with pytest.raises(OSError):
            run_export_job(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == ExportJobState.FAILED
    assert files_in(export_root) == []  # no workbook, no partial, no lock file
    assert not WorkbookExport.objects.exists()

    retried = retry_export_job(actor=world.commodore, job=job)

    assert retried.state == ExportJobState.COMPLETE
    assert (retried.tabs_done, retried.failure) == (47, "")
    assert retried.export.version == 1
    assert files_in(export_root) == [retried.export.file_name]
    assert sha256_of(export_path(retried.export))[0] == retried.export.sha256


def test_a_failed_task_delivered_again_is_not_rerun_without_a_retry(world, monkeypatch):
    job = new_job(world)
    with monkeypatch.context() as patch:
        patch.setattr(change_manifest.ChangeRegister, "rows", broken_rows)
        with pytest.raises(OSError):
            run_export_job(job_id=str(job.pk))

    assert run_export_job(job_id=str(job.pk)) is None
    assert ExportJob.objects.get(pk=job.pk).state == ExportJobState.FAILED


def test_only_the_commodore_retries_and_never_a_complete_export(world):  # R4, R56
    job = new_job(world)
    export = run_export_job(job_id=str(job.pk))

    with pytest.raises(ProcessViolation) as refusal:
        retry_export_job(actor=world.auditor, job=job)
    assert refusal.value.rule == "R4"
    with pytest.raises(ProcessViolation) as refusal:
        retry_export_job(actor=world.commodore, job=job)
    assert refusal.value.rule == "R56"
    assert "complete as version 1" in refusal.value.message
    assert WorkbookExport.objects.get() == export


def worker_environment(export_root: Path) -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "sadmf.settings",
        "DATABASE_URL": url,
        "SADMF_EXPORT_ROOT": str(export_root),
        "SECRET_KEY": settings.SECRET_KEY,
        "SADMF_HTTPS": "0",
        "PYTHONPATH": str(ROOT),
    }


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the worker never reached the Change Register"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_export_leaves_no_workbook_and_the_job_is_retried(
    world, export_root, tmp_path
):  # R56
    job = new_job(world)
    writing = tmp_path / "writing"
    worker = subprocess.Popen(
        [sys.executable, "-c", STALLED_WORKER, str(job.pk), str(writing)],
        cwd=ROOT,
        env=worker_environment(export_root),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(writing, worker)
        job.refresh_from_db()
        assert job.state == ExportJobState.RUNNING
        assert job.tabs_done == 6  # the tabs before the Change Register
        # While the worker lives, the job is its own: no second run, no retry.
        assert run_export_job(job_id=str(job.pk)) is None
        with pytest.raises(ProcessViolation, match="being written by the export worker now"):
            retry_export_job(actor=world.commodore, job=job)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    left = files_in(export_root)
    assert not any(name.endswith(".xlsx") and not name.startswith(".") for name in left)
    assert any(name.startswith(f".partial-job-{job.pk}-") for name in left)  # killed mid-write
    assert not WorkbookExport.objects.exists()
    assert ExportJob.objects.get(pk=job.pk).state == ExportJobState.RUNNING

    retried = retry_export_job(actor=world.commodore, job=job)

    assert retried.state == ExportJobState.COMPLETE
    assert retried.export.version == 1  # no version was given to the killed attempt
    assert files_in(export_root) == [retried.export.file_name]  # the partial is gone
    assert sha256_of(export_path(retried.export))[0] == retried.export.sha256


def kill_worker_mid_export(job, export_root, tmp_path) -> None:
    """A real worker process writes the job and is killed with SIGKILL inside a tab."""
    writing = tmp_path / "writing"
    worker = subprocess.Popen(
        [sys.executable, "-c", STALLED_WORKER, str(job.pk), str(writing)],
        cwd=ROOT,
        env=worker_environment(export_root),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(writing, worker)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_the_job_page_says_the_worker_stopped_and_offers_the_retry(
    world, export_root, tmp_path, client
):  # R56
    job = new_job(world)
    kill_worker_mid_export(job, export_root, tmp_path)
    page_url = f"/convoys/1/exports/jobs/{job.pk}/"
    client.force_login(world.commodore)

    page = client.get(page_url).content.decode()
    assert "The export worker stopped while writing this export (tab 6 of 47)" in page
    assert "Run the export again" in page

    response = client.post(f"{page_url}retry/")

    assert response.status_code == 302
    page = client.get(page_url).content.decode()
    assert "Complete: tab 47 of 47 written." in page
    assert "Run the export again" not in page
    assert WorkbookExport.objects.get().version == 1


def test_a_running_job_offers_no_retry_and_an_auditor_may_not_retry(world, client):  # R4
    job = new_job(world)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJobState.QUEUED)
    client.force_login(world.commodore)
    assert (
        "Run the export again"
        not in client.get(f"/convoys/1/exports/jobs/{job.pk}/").content.decode()
    )

    client.force_login(world.auditor)
    assert client.post(f"/convoys/1/exports/jobs/{job.pk}/retry/").status_code == 403
