"""Rendering the documents of §13 and reading them (R46, R47, R56).

Who renders: the Commodore renders the Convoy Manifest and the Commodore's Commendation; the
Chief Signals Officer (or the Commodore) renders the Fleet Inspection Report (R47). Who reads:
the Commodore, the CSO, the ATO and the Auditors. An Auditor renders nothing: a rendering
gives the document its next version and enters the log, a record the Auditor's read-only
access may not create (§1). Their downloads are recorded: that is the record of their reading
(R56).

How (as the workbook, convoy/ceremonies/exports.py): the PDF is written under a temporary
`.partial-` name and renamed to its final name in the one transaction that gives it its
version and enters it in the log, under a lock on the Convoy's row; retried when another
rendering took the version first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import (
    LOG_ATTEMPTS,
    PARTIAL_PREFIX,
    initials_of,
    sha256_of,
    sweep_stale_partials,
)
from convoy.ceremonies.roles import require_role
from convoy.exports.pdf.documents import DOCUMENTS, build_document
from convoy.exports.pdf.render import STEPS, Progress, RenderedPdf, report_step
from convoy.models import (
    Convoy,
    ExportJobState,
    Feature,
    ReportDownload,
    ReportJob,
    ReportKind,
    ReportRendering,
    Role,
)
from convoy.models.fleet import Commendation, FleetInspection

RENDERERS = {
    ReportKind.MANIFEST: (Role.COMMODORE,),
    ReportKind.FLEET_INSPECTION: (Role.CSO, Role.COMMODORE),
    ReportKind.COMMENDATION: (Role.COMMODORE,),
}
READERS = (Role.COMMODORE, Role.CSO, Role.ADMIRAL, Role.AUDITOR)
RENDERING_FIELDS = ["kind", "version", "file_name", "sha256", "size", "pages", "pdf_variant"]
FILE_STEMS = {
    ReportKind.MANIFEST: "Convoy_Manifest",
    ReportKind.FLEET_INSPECTION: "Fleet_Inspection_Report",
    ReportKind.COMMENDATION: "Commodores_Commendation",
}


def document_directory(convoy: Convoy) -> Path:
    directory = Path(settings.SADMF_EXPORT_ROOT) / convoy.code / "documents"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def rendering_path(rendering: ReportRendering) -> Path:
    return (
        Path(settings.SADMF_EXPORT_ROOT)
        / f"CONVOY-{rendering.convoy.number}"
        / "documents"
        / rendering.file_name
    )


def document_file_name(
    kind: ReportKind,
    convoy: Convoy,
    version: int,
    moment: dt.datetime,
    initials: str,
    feature: Feature | None = None,
) -> str:
    """R56: e.g. Convoy_Manifest_CONVOY-27_v2_2027-03-18_CM.pdf"""
    day = timezone.localdate(moment)
    subject = f"{convoy.code}_{feature.code}" if feature is not None else convoy.code
    return f"{FILE_STEMS[kind]}_{subject}_v{version}_{day:%Y-%m-%d}_{initials}.pdf"


def check_renderable(
    *, actor: AbstractBaseUser, convoy: Convoy, kind: ReportKind, feature: Feature | None
) -> Role:
    """R4 first, then what the document needs to exist (R46, R47)."""
    kind = ReportKind(kind)
    role = require_role(actor, convoy, *RENDERERS[kind], action=f"Rendering the {kind.label}")
    if (
        kind == ReportKind.FLEET_INSPECTION
        and not FleetInspection.objects.filter(convoy=convoy).exists()
    ):
        raise ProcessViolation(
            "R47",
            f"The Fleet Inspection of {convoy.code} has not been held. There is nothing for "
            "the Chief Signals Officer to compile.",
        )
    if kind == ReportKind.COMMENDATION:
        if feature is None or feature.convoy_id != convoy.pk:
            raise ProcessViolation(
                "R46", f"A Commodore's Commendation names one feature of {convoy.code}."
            )
        if not Commendation.objects.filter(feature=feature).exists():
            raise ProcessViolation(
                "R46",
                f"{feature.code} has not earned the Commodore's Commendation: it is awarded "
                "only to a feature whose four dimension means average above 4.5.",
            )
    elif feature is not None:
        raise ProcessViolation("R46", f"The {kind.label} covers the whole Convoy, not a feature.")
    return role


def render_report(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    kind: ReportKind,
    feature: Feature | None = None,
    progress: Progress | None = None,
) -> ReportRendering:
    """Render the document, store it under its versioned name and enter it in the log (R56)."""
    kind = ReportKind(kind)
    role = check_renderable(actor=actor, convoy=convoy, kind=kind, feature=feature)
    directory = document_directory(convoy)
    sweep_stale_partials(directory)
    handle, name = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX, suffix=".pdf")
    temporary = Path(name)
    try:
        rendered = build_document(
            kind,
            convoy=convoy,
            actor=actor,
            feature=feature,
            created=clock.now(),
            progress=progress,
        )
        with os.fdopen(handle, "wb") as stream:
            stream.write(rendered.pdf)
            stream.flush()
            os.fsync(stream.fileno())
        digest, size = sha256_of(temporary)
        for attempt in range(1, LOG_ATTEMPTS + 1):
            try:
                rendering = _enter_in_log(
                    actor=actor,
                    role=role,
                    convoy=convoy,
                    kind=kind,
                    feature=feature,
                    rendered=rendered,
                    digest=digest,
                    size=size,
                    temporary=temporary,
                )
                report_step(progress, len(STEPS))
                return rendering
            except (IntegrityError, OperationalError) as error:
                retry = isinstance(error, IntegrityError) or "locked" in str(error)
                if attempt == LOG_ATTEMPTS or not retry:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        temporary.unlink(missing_ok=True)  # gone already when the rendering was logged


def _enter_in_log(
    *,
    actor: AbstractBaseUser,
    role: Role,
    convoy: Convoy,
    kind: ReportKind,
    feature: Feature | None,
    rendered: RenderedPdf,
    digest: str,
    size: int,
    temporary: Path,
) -> ReportRendering:
    """Give the written PDF its version and final name, in one transaction (R56)."""
    final: Path | None = None
    try:
        with transaction.atomic():
            Convoy.objects.select_for_update().get(pk=convoy.pk)  # one version at a time
            latest = ReportRendering.objects.filter(convoy=convoy, kind=kind).aggregate(
                v=Max("version")
            )["v"]
            version = (latest or 0) + 1
            now = clock.now()
            rendering = ReportRendering.objects.create(
                convoy=convoy,
                kind=kind,
                feature=feature,
                version=version,
                rendered_by=actor,
                rendered_role=role,
                rendered_at=now,
                file_name=document_file_name(
                    kind, convoy, version, now, initials_of(actor), feature
                ),
                sha256=digest,
                size=size,
                pages=rendered.pages,
                pdf_variant=DOCUMENTS[kind].pdf_variant,
            )
            record_event(
                actor=actor,
                action="report.render",
                obj=rendering,
                after=snapshot(rendering, RENDERING_FIELDS) | {"convoy": convoy.code},
            )
            final = document_directory(convoy) / rendering.file_name
            os.replace(temporary, final)
    except BaseException:
        if final is not None and final.exists():
            os.replace(final, temporary)  # not logged: back to its temporary name
        raise
    return rendering


def record_download(*, actor: AbstractBaseUser, rendering: ReportRendering) -> ReportDownload:
    """R56: who has downloaded which version of which document."""
    role = require_role(
        actor, rendering.convoy, *READERS, action=f"Downloading the {rendering.get_kind_display()}"
    )
    with transaction.atomic():
        download = ReportDownload.objects.create(
            rendering=rendering,
            downloaded_by=actor,
            downloaded_role=role,
            downloaded_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="report.download",
            obj=download,
            after={"file_name": rendering.file_name, "version": rendering.version, "role": role},
        )
    return download


# The rendering in the background ----------------------------------------------------------


def request_report(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    kind: ReportKind,
    feature: Feature | None = None,
) -> ReportJob:
    """Ask for a rendering; the task worker writes it (convoy/exports/tasks.py)."""
    from convoy.exports.tasks import render_report_task

    check_renderable(actor=actor, convoy=convoy, kind=kind, feature=feature)
    job = ReportJob.objects.create(
        convoy=convoy,
        kind=kind,
        feature=feature,
        requested_by=actor,
        requested_at=clock.now(),
        steps_total=len(STEPS),
    )
    try:
        result = render_report_task.enqueue(job_id=str(job.pk))
    except Exception:
        finish_job(job, ExportJobState.FAILED, failure="The rendering could not be queued.")
        raise
    ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def finish_job(
    job: ReportJob,
    state: ExportJobState,
    *,
    rendering: ReportRendering | None = None,
    failure: str = "",
) -> None:
    ReportJob.objects.filter(pk=job.pk).update(
        state=state, rendering=rendering, failure=failure[:300], finished_at=clock.now()
    )


def run_report_job(*, job_id: str) -> ReportRendering | None:
    """The worker's side: render the document, keeping the job's progress for the page."""
    job = ReportJob.objects.select_related("convoy", "feature", "requested_by").get(pk=job_id)
    claimed = ReportJob.objects.filter(pk=job.pk, state=ExportJobState.QUEUED).update(
        state=ExportJobState.RUNNING
    )
    if not claimed:  # already run (a task delivered twice)
        return job.rendering

    def progress(done: int, total: int, step: str) -> None:
        # Progress is for the page only: a busy database skips a step, never fails the render.
        with contextlib.suppress(OperationalError):
            ReportJob.objects.filter(pk=job.pk).update(steps_done=done, current_step=step)

    try:
        rendering = render_report(
            actor=job.requested_by,
            convoy=job.convoy,
            kind=ReportKind(job.kind),
            feature=job.feature,
            progress=progress,
        )
    except ProcessViolation as violation:
        finish_job(job, ExportJobState.FAILED, failure=f"{violation.rule}: {violation.message}")
        raise
    except Exception as error:
        finish_job(
            job, ExportJobState.FAILED, failure=f"The rendering failed ({type(error).__name__})."
        )
        raise
    finish_job(job, ExportJobState.COMPLETE, rendering=rendering)
    return rendering
