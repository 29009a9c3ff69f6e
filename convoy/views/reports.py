"""The documents of §13 in the browser: the log of renderings (R56) for the Commodore, the
CSO, the ATO and the Auditors; rendering in the task worker with progress (STYLE 14); the
download, recorded, as an attachment."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.reports import (
    READERS,
    RENDERERS,
    record_download,
    rendering_path,
    request_report,
)
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.safety import posted_id
from convoy.models import (
    Convoy,
    ExportJobState,
    Feature,
    ReportDownload,
    ReportJob,
    ReportKind,
    ReportRendering,
)
from convoy.models.fleet import Commendation, FleetInspection
from convoy.views.access import member_view

RECENT_JOBS = 5


def _convoy(number: int) -> Convoy:
    return get_object_or_404(Convoy.objects.select_related("commodore__crew"), number=number)


def _job(convoy: Convoy, job: UUID) -> ReportJob:
    return get_object_or_404(
        ReportJob.objects.select_related("rendering", "requested_by__crew", "feature"),
        pk=job,
        convoy=convoy,
    )


def _job_status(convoy: Convoy, job: ReportJob) -> dict[str, object]:
    status: dict[str, object] = {
        "state": job.state,
        "state_label": job.get_state_display(),
        "done": job.steps_done,
        "total": job.steps_total,
        "current": job.current_step,
        "failure": job.failure,
        "download_url": "",
        "file_name": "",
    }
    if job.state == ExportJobState.COMPLETE and job.rendering is not None:
        status["download_url"] = reverse(
            "convoy:report_download",
            args=[convoy.number, job.rendering.kind, job.rendering.version],
        )
        status["file_name"] = job.rendering.file_name
    return status


def _may_render(request: HttpRequest, convoy: Convoy) -> list[ReportKind]:
    held = roles_of(request.user, convoy)
    return [kind for kind, roles in RENDERERS.items() if held & set(roles)]


def _list_context(request: HttpRequest, convoy: Convoy) -> dict[str, object]:
    downloads = ReportDownload.objects.select_related("downloaded_by__crew").order_by(
        "downloaded_at", "id"
    )
    renderings = (
        ReportRendering.objects.filter(convoy=convoy)
        .select_related("rendered_by__crew", "feature")
        .prefetch_related(Prefetch("downloads", queryset=downloads))
        .order_by("kind", "-version")
    )
    may_render = _may_render(request, convoy)
    jobs = []
    if may_render:
        jobs = list(
            ReportJob.objects.filter(convoy=convoy, requested_by=request.user)
            .select_related("rendering", "feature")
            .order_by("-requested_at")[:RECENT_JOBS]
        )
    commended = Feature.objects.filter(
        pk__in=Commendation.objects.filter(inspection__convoy=convoy).values("feature")
    ).order_by("number")
    return {
        "convoy": convoy,
        "groups": [(kind, [r for r in renderings if r.kind == kind]) for kind in ReportKind],
        "may_render": may_render,
        "inspection_held": FleetInspection.objects.filter(convoy=convoy).exists(),
        "commended": commended,
        "jobs": jobs,
        "kinds": ReportKind,
    }


@require_GET
@member_view
def report_list(request: HttpRequest, number: int) -> HttpResponse:
    convoy = _convoy(number)
    require_role(request.user, convoy, *READERS, action="Reading the log of rendered documents")
    return render(request, "convoy/reports/report_list.html", _list_context(request, convoy))


@require_POST
@member_view
def report_start(request: HttpRequest, number: int) -> HttpResponse:
    convoy = _convoy(number)
    kind = request.POST.get("kind", "")
    if kind not in ReportKind.values:
        raise Http404("No such document.")
    feature = None
    if request.POST.get("feature"):
        feature = get_object_or_404(Feature, convoy=convoy, number=posted_id(request, "feature"))
    try:
        job = request_report(actor=request.user, convoy=convoy, kind=kind, feature=feature)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        context = _list_context(request, convoy) | {"violation": violation}
        return render(request, "convoy/reports/report_list.html", context, status=409)
    return redirect("convoy:report_job", number=convoy.number, job=job.pk)


@require_GET
@member_view
def report_job(request: HttpRequest, number: int, job: UUID) -> HttpResponse:
    convoy = _convoy(number)
    job_obj = _job(convoy, job)
    require_role(
        request.user, convoy, *RENDERERS[job_obj.kind], action="Following a document rendering"
    )
    return render(
        request,
        "convoy/reports/report_job.html",
        {"convoy": convoy, "job": job_obj, "status": _job_status(convoy, job_obj)},
    )


@never_cache
@require_GET
@member_view
def report_job_status(request: HttpRequest, number: int, job: UUID) -> HttpResponse:
    convoy = _convoy(number)
    job_obj = _job(convoy, job)
    require_role(
        request.user, convoy, *RENDERERS[job_obj.kind], action="Following a document rendering"
    )
    return JsonResponse(_job_status(convoy, job_obj))


@never_cache
@require_GET
@member_view
def report_download(request: HttpRequest, number: int, kind: str, version: int) -> HttpResponse:
    convoy = _convoy(number)
    # The role first: a refused reader learns nothing, not even whether the version exists.
    require_role(request.user, convoy, *READERS, action="Downloading a rendered document")
    rendering = get_object_or_404(
        ReportRendering.objects.select_related("convoy"), convoy=convoy, kind=kind, version=version
    )
    path = rendering_path(rendering)
    if not path.is_file():
        raise Http404("The file of this version is no longer in the document store.")
    record_download(actor=request.user, rendering=rendering)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=rendering.file_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
