"""Priority Change Request pages (R17): filing, the list, the request and its chain."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.pcr import (
    approval_capacity,
    approval_chain,
    approvals_open_to,
    approve_pcr,
    awaiting,
    check_may_file,
    feature_captains,
    file_pcr,
    flagged_for_coaching,
    pcr_code,
    rule_on_pcr,
)
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.pcr import ApprovalForm, PcrForm, RulingForm
from convoy.models import Convoy, Feature, PcrState, PriorityChangeRequest, Role
from convoy.views.access import member_view, perform

PCRS_PER_PAGE = 25


def _detail_url(pcr: PriorityChangeRequest) -> str:
    return reverse("convoy:pcr_detail", args=[pcr.convoy.number, pcr.pk])


@require_http_methods(["GET", "POST"])
@member_view
def pcr_new(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = get_object_or_404(
        Feature.objects.select_related("convoy", "captain__crew"),
        convoy__number=number,
        number=feature,
    )
    context: dict[str, object] = {"feature": feature_obj, "convoy": feature_obj.convoy}
    try:
        check_may_file(request.user, feature_obj)  # R4 becomes a 403 in member_view
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        context["violation"] = violation
        return render(
            request,
            "convoy/pcr/pcr_new.html",
            context,
            status=200 if request.method == "GET" else 400,
        )
    form = PcrForm(request.POST or None, feature=feature_obj)
    if request.method == "POST" and form.is_valid():
        pcr = perform(
            form,
            file_pcr,
            actor=request.user,
            feature=feature_obj,
            proposed_priority=form.cleaned_data["proposed_priority"],
            justification=form.cleaned_data["justification"],
            counter_justification=form.cleaned_data["counter_justification"],
        )
        if pcr is not None:
            messages.success(
                request,
                f"{pcr_code(pcr)} has been filed. It is heard at Captain's Mast once its "
                "approval chain is complete.",
            )
            return redirect(_detail_url(pcr))
    context["form"] = form
    return render(request, "convoy/pcr/pcr_new.html", context, status=400 if form.errors else 200)


@require_GET
@member_view
def pcr_list(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    pcrs = convoy.priority_change_requests.select_related(
        "convoy", "feature", "filed_by__crew"
    ).prefetch_related("approvals__approver__crew")
    page = Paginator(pcrs, PCRS_PER_PAGE).get_page(request.GET.get("page"))
    captains = feature_captains(convoy)
    flagged = flagged_for_coaching(convoy)
    rows = []
    for pcr in page:
        slots = approval_chain(pcr, captains)
        rows.append(
            {
                "pcr": pcr,
                "approved": sum(1 for s in slots if s.approved),
                "required": len(slots),
                "flagged": pcr.filed_by_id in flagged,
            }
        )
    return render(
        request,
        "convoy/pcr/pcr_list.html",
        {"convoy": convoy, "page": page, "rows": rows},
    )


def _render_detail(
    request: HttpRequest,
    pcr: PriorityChangeRequest,
    ruling_form: RulingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    slots = approval_chain(pcr)
    filed_in_convoy = PriorityChangeRequest.objects.filter(
        convoy=pcr.convoy, filed_by=pcr.filed_by
    ).count()
    may_rule = (
        Role.COMMODORE in roles_of(request.user, pcr.convoy)
        and pcr.state == PcrState.FILED
        and not awaiting(slots)
    )
    return render(
        request,
        "convoy/pcr/pcr_detail.html",
        {
            "pcr": pcr,
            "code": pcr_code(pcr),
            "convoy": pcr.convoy,
            "slots": slots,
            "approved": sum(1 for s in slots if s.approved),
            "open_roles": approvals_open_to(request.user, pcr),
            "filed_in_convoy": filed_in_convoy,
            "flagged": pcr.filed_by_id in flagged_for_coaching(pcr.convoy),
            "ruling_form": ruling_form or (RulingForm() if may_rule else None),
        },
        status=status,
    )


def _pcr(number: int, pk: int) -> PriorityChangeRequest:
    return get_object_or_404(
        PriorityChangeRequest.objects.select_related(
            "convoy__commodore__crew", "feature", "filed_by__crew"
        ).prefetch_related("approvals__approver__crew"),
        convoy__number=number,
        pk=pk,
    )


@require_GET
@member_view
def pcr_detail(request: HttpRequest, number: int, pcr: int) -> HttpResponse:
    return _render_detail(request, _pcr(number, pcr))


@require_POST
@member_view
def pcr_approve(request: HttpRequest, number: int, pcr: int) -> HttpResponse:
    pcr_obj = _pcr(number, pcr)
    form = ApprovalForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else ""
    try:
        approve_pcr(actor=request.user, pcr=pcr_obj, role=role)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, f"{pcr_code(pcr_obj)} approved as {approval_capacity(role)}.")
    return redirect(_detail_url(pcr_obj))


@require_POST
@member_view
def pcr_rule(request: HttpRequest, number: int, pcr: int) -> HttpResponse:
    pcr_obj = _pcr(number, pcr)
    require_role(request.user, pcr_obj.convoy, Role.COMMODORE, action="Ruling at Captain's Mast")
    form = RulingForm(request.POST)
    if form.is_valid():
        ruled = perform(
            form,
            rule_on_pcr,
            actor=request.user,
            pcr=pcr_obj,
            grant=form.grant,
            note=form.cleaned_data["note"],
        )
        if ruled is not None:
            messages.success(
                request, f"{pcr_code(ruled)}: {ruled.get_state_display()}. The verdict is final."
            )
            return redirect(_detail_url(ruled))
    if form.is_bound and not form.errors.get("verdict") and form.non_field_errors():
        # Refused (e.g. already ruled): the page shows the record as it now stands.
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(_detail_url(pcr_obj))
    return _render_detail(request, pcr_obj, ruling_form=form, status=400)
