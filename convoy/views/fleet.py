"""Fleet Inspection pages (R44–R47). Every POST runs one ceremony and returns to the page.

`act` is shared with the Deploy the Fleet and Dry Dock/Tribunal pages: a refusal for want of a
role (R4) becomes the 403 page (member_view); any other refusal is shown on the page with its
rule id, and nothing is changed.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.fleet_inspection import (
    approve_demo_video,
    compile_report,
    conclude_fleet_inspection,
    inspection_rows,
    leadership,
    lessons_overlap,
    open_fleet_inspection,
    presented_features,
    record_presentation,
    score_presentation,
)
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.fleet import PresentationForm, ScoreForm, VideoApprovalForm
from convoy.models import (
    Convoy,
    ConvoyState,
    DemoVideoApproval,
    Dimension,
    FeaturePresentation,
    FleetInspection,
    Role,
)
from convoy.views.access import member_view


def act(request: HttpRequest, ceremony: Callable[..., Any], done: str, /, **kwargs: Any) -> Any:
    """Run the ceremony; report success or the refusal (with its rule) as a page message.

    Positional-only, so a ceremony's own `request=` keyword (a DeploymentRequest, R43) does
    not collide with the HTTP request."""
    try:
        result = ceremony(**kwargs)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
        return None
    messages.success(request, done)
    return result


def form_refused(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _page(number: int) -> str:
    from django.urls import reverse

    return reverse("convoy:fleet_inspection", args=[number])


def _inspection(number: int) -> FleetInspection:
    return get_object_or_404(
        FleetInspection.objects.select_related("convoy"), convoy__number=number
    )


@require_GET
@member_view
def fleet_inspection(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy.objects.select_related("commodore__crew"), number=number)
    inspection = FleetInspection.objects.filter(convoy=convoy).first()
    held = roles_of(request.user, convoy)
    context: dict[str, object] = {
        "convoy": convoy,
        "inspection": inspection,
        "held": held,
        "is_commodore": Role.COMMODORE in held,
        "may_open": Role.COMMODORE in held
        and inspection is None
        and convoy.state in (ConvoyState.SAILED, ConvoyState.FLEET_INSPECTION),
        "dimensions": list(Dimension),
        "leaders": leadership(convoy),
    }
    if inspection is not None:
        rows = inspection_rows(inspection)
        presented = {row["presentation"].feature_id for row in rows}
        features = presented_features(convoy).exclude(pk__in=presented)
        own = features.filter(captain=request.user)
        scored = set(
            inspection.presentations.filter(scores__scorer=request.user).values_list(
                "pk", flat=True
            )
        )
        open_ = not inspection.is_signed
        context |= {
            "rows": rows,
            "overlap": lessons_overlap(convoy),
            "not_presented": features,
            "videos": inspection.video_approvals.select_related("feature", "approved_by__crew"),
            "flags": inspection.tribunal_flags.select_related("feature"),
            "commendations": inspection.commendations.select_related("feature", "captain__crew"),
            "report": getattr(inspection, "report", None),
            "presentation_form": PresentationForm(
                features=own,
                videos=inspection.video_approvals.filter(feature__in=own),
            )
            if open_ and own.exists() and convoy.state == ConvoyState.FLEET_INSPECTION
            else None,
            "video_form": VideoApprovalForm(features=presented_features(convoy))
            if open_ and Role.DOUCHE in held
            else None,
            "score_form": ScoreForm() if open_ and Role.LEADERSHIP in held else None,
            "scored": scored,
            "may_conclude": open_ and Role.COMMODORE in held,
            "may_compile": inspection.is_signed
            and Role.CSO in held
            and not hasattr(inspection, "report"),
        }
    return render(request, "convoy/fleet/inspection.html", context)


@require_POST
@member_view
def fleet_open(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    act(
        request,
        open_fleet_inspection,
        "The Fleet Inspection is open.",
        actor=request.user,
        convoy=convoy,
    )
    return redirect(_page(number))


@require_POST
@member_view
def fleet_video(request: HttpRequest, number: int) -> HttpResponse:
    inspection = _inspection(number)
    require_role(request.user, None, Role.DOUCHE, action="Approving a pre-recorded video")
    form = VideoApprovalForm(request.POST, features=presented_features(inspection.convoy))
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            approve_demo_video,
            "The pre-recorded video is approved.",
            actor=request.user,
            inspection=inspection,
            feature=form.cleaned_data["feature"],
            title=form.cleaned_data["title"],
        )
    return redirect(_page(number))


@require_POST
@member_view
def fleet_present(request: HttpRequest, number: int) -> HttpResponse:
    inspection = _inspection(number)
    convoy = inspection.convoy
    require_role(
        request.user, convoy, Role.FEATURE_CAPTAIN, action="Presenting at the Fleet Inspection"
    )
    form = PresentationForm(
        request.POST,
        features=convoy.features.all(),
        videos=DemoVideoApproval.objects.filter(inspection=inspection),
    )
    if not form.is_valid():
        form_refused(request, form)
    else:
        data = form.cleaned_data
        act(
            request,
            record_presentation,
            f"The presentation of {data['feature'].code} is recorded.",
            actor=request.user,
            inspection=inspection,
            feature=data["feature"],
            slot_start=data["slot_start"],
            duration_minutes=data["duration_minutes"],
            slide_count=data["slide_count"],
            slides=form.slides(),
            lessons=form.lesson_lines(),
            live_demo=data["live_demo"],
            video=data["video"],
        )
    return redirect(_page(number))


@require_POST
@member_view
def fleet_score(request: HttpRequest, number: int, presentation: int) -> HttpResponse:
    inspection = _inspection(number)
    target = get_object_or_404(
        FeaturePresentation.objects.select_related("inspection__convoy", "feature"),
        inspection=inspection,
        pk=presentation,
    )
    require_role(request.user, inspection.convoy, Role.LEADERSHIP, action="Scoring a presentation")
    form = ScoreForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            score_presentation,
            f"Your score for {target.feature.code} is recorded and signed.",
            actor=request.user,
            presentation=target,
            marks=form.marks(),
        )
    return redirect(_page(number))


@require_POST
@member_view
def fleet_conclude(request: HttpRequest, number: int) -> HttpResponse:
    inspection = _inspection(number)
    act(
        request,
        conclude_fleet_inspection,
        "The Fleet Inspection is concluded and signed.",
        actor=request.user,
        inspection=inspection,
    )
    return redirect(_page(number))


@require_POST
@member_view
def fleet_compile(request: HttpRequest, number: int) -> HttpResponse:
    inspection = _inspection(number)
    act(
        request,
        compile_report,
        "The Fleet Inspection Report is compiled.",
        actor=request.user,
        inspection=inspection,
    )
    return redirect(_page(number))
