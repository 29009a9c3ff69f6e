"""The Emergency Authorization Provision's pages (R34): the declaration by the Change's Code
Engineer, the chair's agreement, the members' individual approvals and the ATO's grant.

Every element is shown with whether it is present, so everybody sees what the grant still
lacks; the ceremonies in convoy/ceremonies/emergency.py decide.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy import clock
from convoy.ceremonies.agenda import crap_chair
from convoy.ceremonies.code_inspection import current_form
from convoy.ceremonies.emergency import (
    agree_emergency,
    approve_emergency,
    authorize_emergency,
    declare_emergency,
    missing_elements,
    word_count,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import refuse_unless_author
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.forms.safety import within_calendar
from convoy.models import (
    EMERGENCY_MIN_APPROVALS,
    EMERGENCY_REMEDIATION_BUSINESS_DAYS,
    EMERGENCY_SUMMARY_MIN_WORDS,
    Change,
    ChangeState,
    EmergencyAuthorization,
    Role,
)
from convoy.views.access import member_view, perform

# Who reads the declarations besides the declaring Code Engineer (R34's parties, and oversight).
READERS = (Role.ADMIRAL, Role.CRAP, Role.RBRB, Role.AUDITOR)
PER_PAGE = 25
DECLARABLE = (ChangeState.SIGNATURES, ChangeState.ARCHIVED)


class DeclarationForm(forms.Form):
    justification = forms.CharField(
        label="Emergency Justification Declaration",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Addressed to the Admiral's Transformation Office.",
    )
    risk_exposure_summary = forms.CharField(
        label="Expedited Risk Exposure Summary",
        max_length=200_000,
        widget=forms.Textarea(
            attrs={"rows": 14, "data-wordcount-min": str(EMERGENCY_SUMMARY_MIN_WORDS)}
        ),
        help_text=f"At least {EMERGENCY_SUMMARY_MIN_WORDS} words (R34).",
    )
    remediation_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the Change will be fully documented after the grant.",
    )
    documentation_due = forms.DateField(
        label="Full documentation by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"Within {EMERGENCY_REMEDIATION_BUSINESS_DAYS} business days (R34).",
        validators=[within_calendar],
    )


def _authorization(pk: int) -> EmergencyAuthorization:
    return get_object_or_404(
        EmergencyAuthorization.objects.select_related(
            "change__feature__convoy",
            "change__author__crew",
            "declared_by__crew",
            "chair_agreed_by__crew",
            "authorized_by__crew",
        ),
        pk=pk,
    )


def _require_reader(user: AbstractBaseUser, authorization: EmergencyAuthorization) -> None:
    if authorization.declared_by_id == user.pk:
        return
    require_role(user, None, *READERS, action="Reading an Emergency Authorization")


def _counter(words: int) -> dict[str, object]:
    return {
        "words": words,
        "minimum": EMERGENCY_SUMMARY_MIN_WORDS,
        "met": words >= EMERGENCY_SUMMARY_MIN_WORDS,
    }


@require_http_methods(["GET", "POST"])
@member_view
def emergency_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """R34: the Change's own Code Engineer files the declaration with the ATO."""
    change = get_object_or_404(Change.objects.select_related("feature__convoy", "author"), pk=pk)
    convoy = change.feature.convoy
    require_role(request.user, convoy, Role.CODE_ENGINEER, action="Declaring an emergency")
    refuse_unless_author(request.user, change, "Declaring an emergency")
    due = clock.add_business_days(clock.today(), EMERGENCY_REMEDIATION_BUSINESS_DAYS)
    form = DeclarationForm(request.POST or None, initial={"documentation_due": due})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        authorization = perform(
            form,
            declare_emergency,
            actor=request.user,
            change=change,
            justification=data["justification"],
            risk_exposure_summary=data["risk_exposure_summary"],
            remediation_plan=data["remediation_plan"],
            documentation_due=data["documentation_due"],
        )
        if authorization is not None:
            messages.success(
                request,
                f"The Emergency Justification Declaration for {change.record_id} is filed with "
                "the ATO. It awaits the chair's agreement and the members' approvals.",
            )
            return redirect("convoy:emergency_detail", pk=authorization.pk)
    summary = form["risk_exposure_summary"].value() or ""
    return render(
        request,
        "convoy/emergency/declare.html",
        {
            "change": change,
            "convoy": convoy,
            "form": form,
            "counter": _counter(word_count(summary)),
            "declarable": change.state in DECLARABLE,
            "due": due,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@member_view
def emergency_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, None, *READERS, action="Reading the Emergency Authorizations")
    authorizations = EmergencyAuthorization.objects.select_related(
        "change", "declared_by__crew"
    ).order_by("-declared_at", "-pk")
    return render(
        request,
        "convoy/emergency/list.html",
        {"page": Paginator(authorizations, PER_PAGE).get_page(request.GET.get("page"))},
    )


@require_GET
@member_view
def emergency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    authorization = _authorization(pk)
    _require_reader(request.user, authorization)
    change = authorization.change
    held = roles_of(request.user, change.feature.convoy)
    approvals = list(authorization.approvals.select_related("member__crew"))
    pending = authorization.authorized_at is None
    chair = crap_chair()
    is_chair = chair is not None and chair.pk == request.user.pk
    not_author = change.author_id != request.user.pk
    form = current_form(change)
    return render(
        request,
        "convoy/emergency/detail.html",
        {
            "authorization": authorization,
            "change": change,
            "convoy": change.feature.convoy,
            "approvals": approvals,
            "required": EMERGENCY_MIN_APPROVALS,
            "summary_words": word_count(authorization.risk_exposure_summary),
            "minimum_words": EMERGENCY_SUMMARY_MIN_WORDS,
            "form_archived": form is not None and form.archived,
            "missing": missing_elements(authorization) if pending else [],
            "chair": chair,
            "may_agree": pending
            and is_chair
            and not_author
            and authorization.chair_agreed_at is None,
            "may_approve": pending
            and Role.CRAP in held
            and not_author
            and request.user.pk not in {a.member_id for a in approvals},
            "may_authorize": pending and Role.ADMIRAL in held,
        },
    )


def _act(
    request: HttpRequest, pk: int, ceremony: Callable[..., object], done: Callable[[], str]
) -> HttpResponse:
    authorization = _authorization(pk)
    try:
        ceremony(actor=request.user, authorization=authorization)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, done())
    return redirect(reverse("convoy:emergency_detail", args=[authorization.pk]))


@require_POST
@member_view
def emergency_agree(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        agree_emergency,
        lambda: "The chair has agreed that it is an emergency.",
    )


@require_POST
@member_view
def emergency_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        approve_emergency,
        lambda: f"{display_name(request.user)} has approved the emergency individually.",
    )


@require_POST
@member_view
def emergency_authorize(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        authorize_emergency,
        lambda: (
            "The Emergency Authorization is granted. The Change is ACCEPTED; full "
            "documentation is due as committed."
        ),
    )
