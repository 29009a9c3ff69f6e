"""Deploy the Fleet (READY, R43): the request and its approvals, the Deployment Readiness
Checklist as computed, the deployment and its results."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from convoy.ceremonies.deployment import (
    BEFORE_SAILING,
    approval_deadline,
    approvals,
    approve_deployment_request,
    deploy_fleet,
    file_deployment_request,
    latest_checklist,
    readiness_items,
    sign_readiness_checklist,
    yield_results,
)
from convoy.ceremonies.lifecycle import exit_criteria
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.fleet import ApprovalStageForm, DeploymentRequestForm, YieldForm
from convoy.models import (
    ApprovalStage,
    Convoy,
    ConvoyState,
    Deployment,
    DeploymentRequest,
    DeploymentYield,
    Role,
)
from convoy.selectors import convoy_or_404
from convoy.views.access import member_view
from convoy.views.fleet import act, form_refused

STAGE_ROLES = {
    ApprovalStage.PEER_REVIEW: Role.FEATURE_CAPTAIN,
    ApprovalStage.APPROVAL: Role.CSC,
    ApprovalStage.COMMODORE: Role.COMMODORE,
}


def _page(number: int) -> str:
    return reverse("convoy:deployment", args=[number])


@require_GET
@member_view
def deployment(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    held = roles_of(request.user, convoy)
    before = convoy.state in BEFORE_SAILING
    requests = []
    for item in convoy.deployment_requests.select_related("filed_by__crew").prefetch_related(
        "approvals__approver__crew"
    ):
        requests.append(
            {
                "request": item,
                "peer": approvals(item, ApprovalStage.PEER_REVIEW),
                "duplicate": approvals(item, ApprovalStage.APPROVAL),
                "commodore": approvals(item, ApprovalStage.COMMODORE),
                "deadline": approval_deadline(item),
                "stages": [s for s, role in STAGE_ROLES.items() if role in held] if before else [],
            }
        )
    deployed = Deployment.objects.filter(convoy=convoy).first()
    checklist = latest_checklist(convoy)
    sail = (
        exit_criteria(convoy, ConvoyState.SAILED)
        if convoy.state == ConvoyState.MANIFEST_APPROVAL
        else []
    )
    return render(
        request,
        "convoy/fleet/deployment.html",
        {
            "convoy": convoy,
            "requests": requests,
            "request_form": DeploymentRequestForm()
            if before and Role.FEATURE_CAPTAIN in held
            else None,
            "checklist": checklist,
            "items": readiness_items(convoy) if checklist is None else None,
            "may_sign": before and checklist is None and Role.COMMODORE in held,
            "sail_criteria": sail,
            "may_deploy": Role.COMMODORE in held and convoy.state == ConvoyState.MANIFEST_APPROVAL,
            "deployment": deployed,
            "yields": DeploymentYield.objects.filter(deployment__convoy=convoy).select_related(
                "reported_by__crew"
            ),
            "yield_form": YieldForm()
            if deployed and Role.COMMODORE in held and convoy.state != ConvoyState.CLOSED
            else None,
        },
    )


@require_POST
@member_view
def deployment_request(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    require_role(request.user, convoy, Role.FEATURE_CAPTAIN, action="Filing a Deployment Request")
    form = DeploymentRequestForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            file_deployment_request,
            "The Deployment Request is filed. It now requires a peer review.",
            actor=request.user,
            convoy=convoy,
            summary=form.cleaned_data["summary"],
        )
    return redirect(_page(number))


@require_POST
@member_view
def deployment_approve(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    item = get_object_or_404(
        DeploymentRequest.objects.select_related("convoy"), convoy__number=number, pk=pk
    )
    form = ApprovalStageForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
        return redirect(_page(number))
    stage = ApprovalStage(form.cleaned_data["stage"])
    require_role(request.user, item.convoy, STAGE_ROLES[stage], action=stage.label)
    act(
        request,
        approve_deployment_request,
        f"{stage.label}: signed.",
        actor=request.user,
        request=item,
        stage=stage,
    )
    return redirect(_page(number))


@require_POST
@member_view
def deployment_checklist(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    act(
        request,
        sign_readiness_checklist,
        "The Deployment Readiness Checklist is signed.",
        actor=request.user,
        convoy=convoy,
    )
    return redirect(_page(number))


@require_POST
@member_view
def deployment_deploy(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    require_role(request.user, convoy, Role.COMMODORE, action="Deploying the Fleet")
    act(
        request,
        deploy_fleet,
        f"{convoy.code} has deployed. The Fleet has sailed.",
        actor=request.user,
        convoy=convoy,
    )
    return redirect(_page(number))


@require_POST
@member_view
def deployment_yield(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    require_role(request.user, convoy, Role.COMMODORE, action="Yielding the deployment's results")
    form = YieldForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(
            request,
            yield_results,
            "The results are on record.",
            actor=request.user,
            convoy=convoy,
            results=form.cleaned_data["results"],
            supersedes=DeploymentYield.objects.filter(deployment__convoy=convoy).first(),
        )
    return redirect(_page(number))
