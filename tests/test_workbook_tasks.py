"""The export in the background: a request queues it in the database (django-tasks-db), the
`db_worker` command writes it and the job records its progress (§10, STYLE 14)."""

import contextlib
import io
import signal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from convoy.ceremonies.exports import request_export, run_export_job
from convoy.exports.workbook import change_manifest
from convoy.models import ExportJob, ExportJobState, WorkbookExport

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = DATABASE_BACKEND


@contextlib.contextmanager
def own_signal_handlers():
    """db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@pytest.mark.django_db(transaction=True)
def test_a_queued_export_is_written_by_the_database_worker(world):
    job = request_export(actor=world.commodore, convoy=world.convoy)
    assert job.state == ExportJobState.QUEUED
    assert job.tabs_done == 0
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "READY"
    assert WorkbookExport.objects.count() == 0

    with own_signal_handlers():
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0.1",
            stdout=io.StringIO(), verbosity=0,
        )  # fmt: skip

    job.refresh_from_db()
    assert job.state == ExportJobState.COMPLETE
    assert (job.tabs_done, job.tabs_total, job.current_tab) == (47, 47, "Flow X-ray")
    assert job.export.version == 1
    assert job.finished_at is not None
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.return_value == job.export.file_name


def test_a_job_that_fails_says_so_and_logs_no_export(world, monkeypatch):
    monkeypatch.setattr(change_manifest.ChangeRegister, "rows", broken_rows)
    job = ExportJob.objects.create(
        convoy=world.convoy,
        requested_by=world.commodore,
        requested_at=world.convoy.created_at,
        tabs_total=47,
    )
    with pytest.raises(OSError):
        run_export_job(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == ExportJobState.FAILED
    assert job.failure == "The export failed (OSError)."
    assert job.tabs_done == 6  # the tabs before the Change Register
    assert WorkbookExport.objects.count() == 0


def test_a_job_is_run_once_even_if_delivered_twice(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = request_export(actor=world.commodore, convoy=world.convoy)
    assert run_export_job(job_id=str(job.pk)) == job.export
    assert WorkbookExport.objects.count() == 1


def broken_rows(self, convoy):
    raise OSError("the disk is full")
    yield  # a generator, as tabs are
