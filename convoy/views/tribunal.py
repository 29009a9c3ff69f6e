"""Dry Dock (R53) and the Tribunal (R51, R52) pages."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from convoy.ceremonies.roles import require_role, roles_of
from convoy.ceremonies.tribunal import (
    AFTER_SAILING,
    accepted_changes,
    appeal_deadline,
    attribute_defect,
    convene_tribunal,
    decide_appeal,
    engineer_tribunal_figures,
    file_appeal,
    fix_defect,
    hear_case,
    known_behaviors,
    reclassify_unfixed,
    report_defect,
    require_named_engineer,
)
from convoy.forms.fleet import AppealDecisionForm, AppealForm, DefectForm, HearingForm
from convoy.models import (
    AttributionAppeal,
    Convoy,
    ConvoyState,
    Defect,
    DefectAttribution,
    Role,
    TribunalCase,
    TribunalSession,
)
from convoy.views.access import member_view
from convoy.views.fleet import act, form_refused


def _dock(number: int) -> str:
    return reverse("convoy:dry_dock", args=[number])


def _tribunal() -> str:
    return reverse("convoy:tribunal")


@require_GET
@member_view
def dry_dock(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    held = roles_of(request.user, convoy)
    reporting = convoy.state in AFTER_SAILING and bool(held & {Role.COMMODORE, Role.QA})
    defects = convoy.defects.select_related("reported_by__crew").prefetch_related(
        "changes__author__crew", "attributions__engineer__crew"
    )
    return render(
        request,
        "convoy/fleet/dry_dock.html",
        {
            "convoy": convoy,
            "defects": defects,
            "defect_form": DefectForm(changes=accepted_changes(convoy)) if reporting else None,
            "may_fix": reporting,
            "may_attribute": Role.DIAT in held,
            "may_reclassify": Role.COMMODORE in held and convoy.state == ConvoyState.DRY_DOCK,
            "known": known_behaviors(convoy),
            "figures": engineer_tribunal_figures(convoy),
        },
    )


@require_POST
@member_view
def defect_report(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    require_role(request.user, convoy, Role.COMMODORE, Role.QA, action="Reporting a defect")
    form = DefectForm(request.POST, changes=accepted_changes(convoy))
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            report_defect,
            "The defect is triaged and on record.",
            actor=request.user,
            convoy=convoy,
            **form.cleaned_data,
        )
    return redirect(_dock(number))


def _defect(number: int, pk: int) -> Defect:
    return get_object_or_404(Defect.objects.select_related("convoy"), convoy__number=number, pk=pk)


@require_POST
@member_view
def defect_attribute(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    defect = _defect(number, pk)
    act(
        request,
        attribute_defect,
        f"{defect.code} is attributed in full to every engineer whose code it touched.",
        actor=request.user,
        defect=defect,
    )
    return redirect(_dock(number))


@require_POST
@member_view
def defect_fix(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    defect = _defect(number, pk)
    act(request, fix_defect, f"{defect.code} is fixed.", actor=request.user, defect=defect)
    return redirect(_dock(number))


@require_POST
@member_view
def defect_reclassify(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    act(
        request,
        reclassify_unfixed,
        "Every unfixed defect is now a known behavior.",
        actor=request.user,
        convoy=convoy,
    )
    return redirect(_dock(number))


@require_GET
@member_view
def tribunal(request: HttpRequest) -> HttpResponse:
    held = roles_of(request.user, None)
    sessions = TribunalSession.objects.select_related("convened_by__crew")
    page = Paginator(sessions, 12).get_page(request.GET.get("page"))
    cases = TribunalCase.objects.filter(session__in=list(page)).select_related(
        "engineer__crew", "session"
    )
    mine = (
        DefectAttribution.objects.filter(engineer=request.user)
        .select_related("defect__convoy", "attributed_by__crew")
        .order_by("-attributed_at")
    )
    appeals = AttributionAppeal.objects.select_related(
        "attribution__defect", "attribution__attributed_by__crew", "filed_by__crew"
    )
    return render(
        request,
        "convoy/fleet/tribunal.html",
        {
            "page": page,
            "cases": cases,
            "may_convene": Role.ADMIRAL in held,
            "hearing_form": HearingForm() if Role.ADMIRAL in held else None,
            "mine": [
                {"attribution": a, "deadline": appeal_deadline(a), "appeal": _appeal(a)}
                for a in mine
            ],
            "appeal_form": AppealForm(),
            "appeals": appeals,
            "decision_form": AppealDecisionForm() if Role.DIAT in held else None,
        },
    )


def _appeal(attribution: DefectAttribution) -> AttributionAppeal | None:
    return AttributionAppeal.objects.filter(attribution=attribution).first()


@require_POST
@member_view
def tribunal_convene(request: HttpRequest) -> HttpResponse:
    act(request, convene_tribunal, "The Tribunal is convened.", actor=request.user)
    return redirect(_tribunal())


@require_POST
@member_view
def tribunal_hear(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(TribunalCase, pk=pk)
    require_role(request.user, None, Role.ADMIRAL, action="Ruling at the Tribunal")
    form = HearingForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            hear_case,
            "The ruling is signed.",
            actor=request.user,
            case=case,
            defence_seconds=form.cleaned_data["defence_seconds"],
            finding=form.cleaned_data["finding"],
        )
    return redirect(_tribunal())


@require_POST
@member_view
def tribunal_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    attribution = get_object_or_404(DefectAttribution, pk=pk)
    require_named_engineer(request.user, attribution)
    form = AppealForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            file_appeal,
            "The appeal is filed with the DIAT member who made the attribution.",
            actor=request.user,
            attribution=attribution,
            grounds=form.cleaned_data["grounds"],
        )
    return redirect(_tribunal())


@require_POST
@member_view
def tribunal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(AttributionAppeal.objects.select_related("attribution"), pk=pk)
    require_role(request.user, None, Role.DIAT, action="Deciding an appeal")
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            decide_appeal,
            "The appeal is decided and signed.",
            actor=request.user,
            appeal=appeal,
            withdraw=form.cleaned_data["withdraw"],
        )
    return redirect(_tribunal())
