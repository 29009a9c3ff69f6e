"""The Release Tracking workbook pages (§10, R56): the export log, an export's progress, and
the download. The export itself runs in the task worker; no request waits for it (STYLE 14).
"""

from uuid import UUID

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import (
    EXPORTERS,
    READERS,
    export_path,
    job_abandoned,
    record_download,
    request_export,
    retry_export_job,
)
from convoy.ceremonies.roles import require_role
from convoy.models import Convoy, ExportJob, ExportJobState, Role, WorkbookDownload, WorkbookExport
from convoy.selectors import convoy_or_404
from convoy.views.access import member_view

RECENT_JOBS = 5


def _job(convoy: Convoy, job: UUID) -> ExportJob:
    return get_object_or_404(
        ExportJob.objects.select_related("export", "requested_by__crew"), pk=job, convoy=convoy
    )


def _job_status(convoy: Convoy, job: ExportJob) -> dict[str, object]:
    status: dict[str, object] = {
        "state": job.state,
        "state_label": job.get_state_display(),
        "done": job.tabs_done,
        "total": job.tabs_total,
        "current": job.current_tab,
        "failure": job.failure,
        "download_url": "",
        "file_name": "",
    }
    if job.state == ExportJobState.COMPLETE and job.export is not None:
        status["download_url"] = reverse(
            "convoy:export_download", args=[convoy.number, job.export.version]
        )
        status["file_name"] = job.export.file_name
    return status


@require_GET
@member_view
def export_list(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    role = require_role(
        request.user, convoy, *READERS, action="Reading the Release Tracking export log"
    )
    downloads = WorkbookDownload.objects.select_related("downloaded_by__crew").order_by(
        "downloaded_at", "id"
    )
    exports = (
        WorkbookExport.objects.filter(convoy=convoy)
        .select_related("exported_by__crew")
        .prefetch_related(Prefetch("downloads", queryset=downloads))
        .order_by("-version")
    )
    jobs = []
    if role in EXPORTERS:
        jobs = list(
            ExportJob.objects.filter(convoy=convoy)
            .select_related("export", "requested_by__crew")
            .order_by("-requested_at")[:RECENT_JOBS]
        )
    return render(
        request,
        "convoy/exports/export_list.html",
        {"convoy": convoy, "exports": exports, "jobs": jobs, "may_export": role in EXPORTERS},
    )


@require_POST
@member_view
def export_start(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    job = request_export(actor=request.user, convoy=convoy)  # R4 refusal: 403
    return redirect("convoy:export_job", number=convoy.number, job=job.pk)


@require_GET
@member_view
def export_job(request: HttpRequest, number: int, job: UUID) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.COMMODORE, action="Following a workbook export")
    job_obj = _job(convoy, job)
    abandoned = job_abandoned(job_obj)
    context = {
        "convoy": convoy,
        "job": job_obj,
        "status": _job_status(convoy, job_obj),
        "abandoned": abandoned,
        "may_retry": abandoned or job_obj.state == ExportJobState.FAILED,
    }
    return render(request, "convoy/exports/export_job.html", context)


@require_POST
@member_view
def export_retry(request: HttpRequest, number: int, job: UUID) -> HttpResponse:
    """The Commodore runs a failed or abandoned export again (its worker failed or died)."""
    convoy = convoy_or_404(number)
    job_obj = _job(convoy, job)
    try:
        retry_export_job(actor=request.user, job=job_obj)  # R4 refusal: 403
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    return redirect("convoy:export_job", number=convoy.number, job=job_obj.pk)


@never_cache
@require_GET
@member_view
def export_job_status(request: HttpRequest, number: int, job: UUID) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.COMMODORE, action="Following a workbook export")
    return JsonResponse(_job_status(convoy, _job(convoy, job)))


@never_cache
@require_GET
@member_view
def export_download(request: HttpRequest, number: int, version: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    # The role first: a refused reader learns nothing, not even whether the version exists.
    require_role(request.user, convoy, *READERS, action="Downloading the Release Tracking workbook")
    export = get_object_or_404(
        WorkbookExport.objects.select_related("convoy"), convoy=convoy, version=version
    )
    path = export_path(export)
    if not path.is_file():
        raise Http404("The workbook file of this version is no longer in the export store.")
    record_download(actor=request.user, export=export)  # R4 refusal: 403
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export.file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
