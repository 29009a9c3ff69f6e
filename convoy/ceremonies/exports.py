"""Exporting the Release Tracking workbook and reading it (§10, R56).

Who: the Commodore of the Convoy exports and downloads; Auditors download. An Auditor may
not start an export: an export gives the Convoy its next version number and enters the
export log, a record the Auditor's read-only access may not create (§1). Recording that an
Auditor downloaded a version is different: it is the record of their reading, which R56
requires ("the Commodore knows who has downloaded which version").

How: the workbook is written under a temporary name in the Convoy's export directory and
renamed to its final name only in the transaction that gives it its version and enters it
in the log; any failure before the commit removes the file. A killed process leaves at
most a hidden `.partial-` file, which the next export of that Convoy sweeps away once old;
a job's partial carries the job's id, so the job's retry removes it at once.

A job is run by one worker at a time: the worker holds an exclusive lock (flock) on the
job's lock file while it writes, and the kernel releases it when the process dies. A job
left RUNNING whose lock is free was abandoned by a killed worker: running its task again
(`retry_export_job`, or the task delivered again) starts it afresh.
Versions are given one at a time by locking the Convoy's row (and, on SQLite, by the write
lock every transaction takes at BEGIN), with a unique constraint behind it; the short
logging transaction is retried when another export took the version or the lock first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import require_role
from convoy.exports.workbook.builder import BuildReport, Progress, build_workbook
from convoy.exports.workbook.tabs import TABS
from convoy.models import (
    Convoy,
    CrewProfile,
    ExportJob,
    ExportJobState,
    Role,
    WorkbookDownload,
    WorkbookExport,
)

EXPORTERS = (Role.COMMODORE,)
# The Admiral sees everything (§1); the Auditor reads every export (§1).
READERS = (Role.COMMODORE, Role.ADMIRAL, Role.AUDITOR)
PARTIAL_PREFIX = ".partial-"
STALE_PARTIAL_SECONDS = 24 * 60 * 60
LOG_ATTEMPTS = 5
EXPORT_FIELDS = ["version", "file_name", "sha256", "size", "exported_role", "tabs", "rows"]


def export_directory(convoy: Convoy) -> Path:
    directory = Path(settings.SADMF_EXPORT_ROOT) / convoy.code
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def export_path(export: WorkbookExport) -> Path:
    return Path(settings.SADMF_EXPORT_ROOT) / f"CONVOY-{export.convoy.number}" / export.file_name


def initials_of(user: AbstractBaseUser) -> str:
    """The exporting person's initials (CrewProfile.initials), fit for a file name."""
    profile = CrewProfile.objects.filter(user=user).values_list("initials", flat=True).first()
    initials = re.sub(r"[^A-Za-z0-9]", "", profile or "")
    if not initials:
        initials = re.sub(r"[^A-Za-z0-9]", "", user.get_username())[:2]
    return initials.upper() or "XX"


def export_file_name(convoy: Convoy, version: int, moment: dt.datetime, initials: str) -> str:
    """R56: Release_Tracking_CONVOY-{n}_v{version}_{YYYY-MM-DD}_{initials}.xlsx"""
    day = timezone.localdate(moment)
    return f"Release_Tracking_{convoy.code}_v{version}_{day:%Y-%m-%d}_{initials}.xlsx"


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sweep_stale_partials(directory: Path) -> None:
    """Remove what killed exports left behind (never a file an export may still write)."""
    cutoff = time.time() - STALE_PARTIAL_SECONDS
    for path in directory.glob(f"{PARTIAL_PREFIX}*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def export_workbook(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    progress: Progress | None = None,
    partial_tag: str = "",
) -> WorkbookExport:
    """The Commodore exports the Convoy's workbook: the next version, logged with its hash."""
    role = require_role(actor, convoy, *EXPORTERS, action="Exporting the Release Tracking workbook")
    directory = export_directory(convoy)
    sweep_stale_partials(directory)
    handle, name = tempfile.mkstemp(
        dir=directory, prefix=f"{PARTIAL_PREFIX}{partial_tag}", suffix=".xlsx"
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            report = build_workbook(convoy, stream, progress=progress)
            stream.flush()
            os.fsync(stream.fileno())
        digest, size = sha256_of(temporary)
        for attempt in range(1, LOG_ATTEMPTS + 1):
            try:
                return _enter_in_log(
                    actor=actor,
                    role=role,
                    convoy=convoy,
                    report=report,
                    digest=digest,
                    size=size,
                    temporary=temporary,
                )
            except (IntegrityError, OperationalError) as error:
                if attempt == LOG_ATTEMPTS or not _may_retry(error):
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        temporary.unlink(missing_ok=True)  # gone already when the export was logged


def _may_retry(error: Exception) -> bool:
    """Another export took the version first, or SQLite's shared cache refused the lock."""
    return isinstance(error, IntegrityError) or "locked" in str(error)


def _enter_in_log(
    *,
    actor: AbstractBaseUser,
    role: Role,
    convoy: Convoy,
    report: BuildReport,
    digest: str,
    size: int,
    temporary: Path,
) -> WorkbookExport:
    """Give the written workbook its version and final name, in one transaction (R56)."""
    final: Path | None = None
    try:
        with transaction.atomic():
            Convoy.objects.select_for_update().get(pk=convoy.pk)  # one version at a time
            latest = WorkbookExport.objects.filter(convoy=convoy).aggregate(v=Max("version"))["v"]
            version = (latest or 0) + 1
            now = clock.now()
            export = WorkbookExport.objects.create(
                convoy=convoy,
                version=version,
                exported_by=actor,
                exported_role=role,
                exported_at=now,
                file_name=export_file_name(convoy, version, now, initials_of(actor)),
                sha256=digest,
                size=size,
                tabs=len(report.tabs),
                rows=report.rows,
            )
            record_event(
                actor=actor,
                action="workbook.export",
                obj=export,
                after=snapshot(export, EXPORT_FIELDS) | {"convoy": convoy.code},
            )
            final = export_directory(convoy) / export.file_name
            os.replace(temporary, final)
    except BaseException:
        if final is not None and final.exists():
            os.replace(final, temporary)  # not logged: back to its temporary name
        raise
    return export


def record_download(*, actor: AbstractBaseUser, export: WorkbookExport) -> WorkbookDownload:
    """R56: who has downloaded which version. The Commodore and Auditors may download."""
    role = require_role(
        actor, export.convoy, *READERS, action="Downloading the Release Tracking workbook"
    )
    with transaction.atomic():
        download = WorkbookDownload.objects.create(
            export=export, downloaded_by=actor, downloaded_role=role, downloaded_at=clock.now()
        )
        record_event(
            actor=actor,
            action="workbook.download",
            obj=download,
            after={"file_name": export.file_name, "version": export.version, "role": role},
        )
    return download


# The export in the background -------------------------------------------------------------


def request_export(*, actor: AbstractBaseUser, convoy: Convoy) -> ExportJob:
    """The Commodore asks for an export; the task worker writes it (convoy/exports/tasks.py)."""
    from convoy.exports.tasks import export_workbook_task

    require_role(actor, convoy, *EXPORTERS, action="Exporting the Release Tracking workbook")
    job = ExportJob.objects.create(
        convoy=convoy, requested_by=actor, requested_at=clock.now(), tabs_total=len(TABS)
    )
    try:
        result = export_workbook_task.enqueue(job_id=str(job.pk))
    except Exception:
        finish_job(job, ExportJobState.FAILED, failure="The export could not be queued.")
        raise
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def finish_job(
    job: ExportJob,
    state: ExportJobState,
    *,
    export: WorkbookExport | None = None,
    failure: str = "",
) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=state, export=export, failure=failure[:300], finished_at=clock.now()
    )


@contextlib.contextmanager
def job_lock(job: ExportJob) -> Iterator[bool]:
    """Hold the job's lock if no live worker holds it; yields whether it is held."""
    path = export_directory(job.convoy) / f".job-{job.pk}.lock"
    with path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        if not _still_at(path, lock_file.fileno()):  # its holder removed it meanwhile
            yield False
            return
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)  # under the lock: no worker is left to need it


def _still_at(path: Path, descriptor: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def job_abandoned(job: ExportJob) -> bool:
    """A RUNNING job whose worker died: nobody holds its lock. Never creates the lock file."""
    if job.state != ExportJobState.RUNNING:
        return False
    path = export_directory(job.convoy) / f".job-{job.pk}.lock"
    try:
        with path.open("r") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except FileNotFoundError:
        return True
    except BlockingIOError:
        return False
    return True


def job_partial_tag(job: ExportJob) -> str:
    return f"job-{job.pk}-"


def remove_partials_of(job: ExportJob) -> None:
    """What a killed worker of this job left; called only while holding the job's lock."""
    for path in export_directory(job.convoy).glob(f"{PARTIAL_PREFIX}{job_partial_tag(job)}*"):
        path.unlink(missing_ok=True)


def retry_export_job(*, actor: AbstractBaseUser, job: ExportJob) -> ExportJob:
    """The Commodore runs a failed or abandoned export again (its worker failed or died)."""
    from convoy.exports.tasks import export_workbook_task

    require_role(actor, job.convoy, *EXPORTERS, action="Exporting the Release Tracking workbook")
    with job_lock(job) as held:
        job.refresh_from_db()
        if not held or job.state == ExportJobState.QUEUED:
            raise ProcessViolation(
                "R56", "This export is being written by the export worker now; it is not retried."
            )
        if job.state == ExportJobState.COMPLETE:
            raise ProcessViolation(
                "R56",
                f"This export is complete as version {job.export.version}; "
                "a new version is a new export.",
            )
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJobState.QUEUED, tabs_done=0, current_tab="", failure="", finished_at=None
        )
    # Queued after the lock is released: an immediate backend runs the task right here.
    result = export_workbook_task.enqueue(job_id=str(job.pk))
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def run_export_job(*, job_id: str) -> WorkbookExport | None:
    """The worker's side: write the workbook, keeping the job's progress for the page."""
    job = ExportJob.objects.select_related("convoy", "requested_by").get(pk=job_id)
    with job_lock(job) as held:
        if not held:  # another worker is writing it now (a task delivered twice)
            return job.export
        # Queued, or left RUNNING by a worker that died (it no longer holds the lock).
        claimed = ExportJob.objects.filter(
            pk=job.pk, state__in=[ExportJobState.QUEUED, ExportJobState.RUNNING]
        ).update(state=ExportJobState.RUNNING, tabs_done=0, current_tab="", finished_at=None)
        if not claimed:  # already run (a task delivered twice), or failed: see retry_export_job
            job.refresh_from_db()
            return job.export
        remove_partials_of(job)
        return _write_job(job)


def _write_job(job: ExportJob) -> WorkbookExport:
    """Write the claimed job's workbook; the job ends COMPLETE or FAILED, never RUNNING."""

    def progress(done: int, total: int, title: str) -> None:
        # Progress is for the page only: a busy database skips a step, never fails the export.
        with contextlib.suppress(OperationalError):
            ExportJob.objects.filter(pk=job.pk).update(tabs_done=done, current_tab=title)

    try:
        export = export_workbook(
            actor=job.requested_by,
            convoy=job.convoy,
            progress=progress,
            partial_tag=job_partial_tag(job),
        )
    except ProcessViolation as violation:
        finish_job(job, ExportJobState.FAILED, failure=f"{violation.rule}: {violation.message}")
        raise
    except Exception as error:
        finish_job(
            job, ExportJobState.FAILED, failure=f"The export failed ({type(error).__name__})."
        )
        raise
    finish_job(job, ExportJobState.COMPLETE, export=export)
    return export
