"""Rendering in the background: a request queues it in the database (django-tasks-db), the
`db_worker` command renders it and the job records its progress (§13, STYLE 14)."""

import contextlib
import io
import signal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from convoy.ceremonies.reports import rendering_path, request_report
from convoy.models import ExportJobState, ReportKind, ReportRendering

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture(autouse=True)
def stores(settings, tmp_path):
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
def test_a_queued_rendering_is_written_by_the_database_worker(world):  # R56
    world.feature(1)
    job = request_report(actor=world.commodore, convoy=world.convoy, kind=ReportKind.MANIFEST)
    assert job.state == ExportJobState.QUEUED and job.steps_done == 0
    assert ReportRendering.objects.count() == 0

    with own_signal_handlers():
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0.1",
            stdout=io.StringIO(), verbosity=0,
        )  # fmt: skip

    job.refresh_from_db()
    assert job.state == ExportJobState.COMPLETE
    assert (job.steps_done, job.steps_total, job.current_step) == (4, 4, "Complete")
    assert job.rendering.version == 1
    assert rendering_path(job.rendering).read_bytes().startswith(b"%PDF-")
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "SUCCESSFUL"
    assert task.return_value == job.rendering.file_name
    # no temporary file is left behind: it was renamed when complete
    assert not list(rendering_path(job.rendering).parent.glob(".partial-*"))
