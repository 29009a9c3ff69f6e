"""Deploy the Fleet: READY — Review, Evaluate, Approve, Deploy, Yield results (R43, R8).

Review: a Feature Captain files the Deployment Request and another Feature Captain peer-reviews
it. Evaluate/Approve: two different CSC members approve it (in duplicate), then the Commodore,
at least 3 days before its presentation to the CSC (the sailing date). Deploy: the Commodore
signs the Deployment Readiness Checklist, whose items are computed from the records, and
advances the Convoy to SAILED; the `Deployment` record is written in that transaction and its
`deployed_at` (= `Convoy.sailed_at`) is what the Change Freeze (R9) counts 48 hours from.
Yield results: the Commodore files the results after deployment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    COMMODORE_APPROVAL_LEAD_DAYS,
    DUPLICATE_APPROVALS,
    ApprovalStage,
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convoy,
    ConvoyState,
    Deployment,
    DeploymentApproval,
    DeploymentRequest,
    DeploymentYield,
    Feature,
    ReadinessChecklist,
    Role,
    Signal,
)

BEFORE_SAILING = [
    ConvoyState.SYSTEM_INTEGRATION_TESTING,
    ConvoyState.MANIFEST_APPROVAL,
    ConvoyState.HELD_IN_PORT,
]


# Selectors ------------------------------------------------------------------------------------


def sailing_features(convoy: Convoy) -> QuerySet[Feature]:
    """Features that sail: at least one Change, and every one of them ACCEPTED."""
    return (
        convoy.features.annotate(
            total=Count("changes", distinct=True),
            accepted=Count("changes", filter=Q(changes__state=ChangeState.ACCEPTED), distinct=True),
        )
        .filter(total__gt=0)
        .filter(total=F("accepted"))
    )


def sailing_changes(convoy: Convoy) -> QuerySet[Change]:
    # The sailing features are read first. Nested in the Changes' query, their GROUP BY and
    # HAVING made PostgreSQL plan a loop that ran for minutes on small unanalysed tables.
    feature_ids = list(sailing_features(convoy).values_list("pk", flat=True))
    return Change.objects.filter(feature_id__in=feature_ids)


@dataclass(frozen=True)
class ReadinessItem:
    rule: str
    text: str
    holds: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule, "text": self.text, "holds": self.holds, "detail": self.detail}


def _certified(changes: QuerySet[Change], kind: CertificateKind) -> list[str]:
    """Record ids of the Changes lacking a certificate of `kind`."""
    have = set(
        Certificate.objects.filter(change__in=changes, kind=kind).values_list(
            "change_id", flat=True
        )
    )
    return [c.record_id for c in changes.order_by("pk") if c.pk not in have]


def _missing(ids: list[str], total: int, what: str) -> tuple[bool, str]:
    if total == 0:
        return False, "No Change sails."
    if ids:
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        return False, f"{len(ids)} of {total} sailing Changes lack {what}: {shown}."
    return True, f"All {total} sailing Changes hold {what}."


def readiness_items(convoy: Convoy) -> list[ReadinessItem]:
    """R43: the Deployment Readiness Checklist, each item computed from the records."""
    changes = sailing_changes(convoy).select_related("feature__convoy")
    total = changes.count()
    cset = _missing(_certified(changes, CertificateKind.CODE_INSPECTION), total, "CSET approval")
    diat = _missing(
        _certified(changes, CertificateKind.DIAT_INTEGRITY), total, "a DIAT integrity validation"
    )
    registered = convoy.features.count()
    sailing = sailing_features(convoy).count()
    crap = (
        sailing > 0,
        f"{sailing} of {registered} features sail; every one of their {total} Changes was "
        "accepted unanimously by the CRAP (R30)."
        if sailing
        else "No feature has every Change accepted.",
    )
    black = list(
        convoy.features.filter(signal=Signal.BLACK)
        .order_by("number")
        .values_list("number", flat=True)
    )
    metrics = (
        not black,
        "No feature signals Black."
        if not black
        else "Critically behind (Black): " + ", ".join(f"F{n:03d}" for n in black) + ".",
    )
    return [
        ReadinessItem("R43", "All features passed CSET.", *cset),
        ReadinessItem("R43", "The DIAT validated the QA's evidence.", *diat),
        ReadinessItem("R43", "The CRAP unanimously approved every Change.", *crap),
        ReadinessItem("R43", "CSO metrics are within thresholds.", *metrics),
    ]


def approvals(request: DeploymentRequest, stage: str) -> list[DeploymentApproval]:
    return [a for a in request.approvals.all() if a.stage == stage]


def request_is_approved(request: DeploymentRequest) -> bool:
    return bool(approvals(request, ApprovalStage.COMMODORE))


def approved_request(convoy: Convoy) -> DeploymentRequest | None:
    return (
        convoy.deployment_requests.filter(approvals__stage=ApprovalStage.COMMODORE)
        .order_by("-filed_at")
        .first()
    )


def latest_checklist(convoy: Convoy) -> ReadinessChecklist | None:
    return convoy.readiness_checklists.select_related("signed_by__crew").first()


def approval_deadline(request: DeploymentRequest) -> dt.date:
    return request.presentation_on - dt.timedelta(days=COMMODORE_APPROVAL_LEAD_DAYS)


# Ceremonies -----------------------------------------------------------------------------------


def _refuse_unless_before_sailing(convoy: Convoy, doing: str) -> None:
    if convoy.state not in BEFORE_SAILING:
        raise ProcessViolation(
            "R7",
            f"{doing} belongs between System Integration Testing and sailing; "
            f"{convoy.code} is in {convoy.get_state_display()}.",
        )


def file_deployment_request(
    *, actor: AbstractBaseUser, convoy: Convoy, summary: str
) -> DeploymentRequest:
    """Review: a Feature Captain files the request to the CSC (R43)."""
    require_role(actor, convoy, Role.FEATURE_CAPTAIN, action="Filing a Deployment Request")
    refuse_if_closed(convoy)  # R7, R41
    _refuse_unless_before_sailing(convoy, "Filing a Deployment Request")
    if not summary.strip():
        raise ProcessViolation("R43", "A Deployment Request states what is to be deployed.")
    with transaction.atomic():
        request = DeploymentRequest.objects.create(
            convoy=convoy,
            filed_by=actor,
            filed_at=clock.now(),
            presentation_on=convoy.sailing_date,
            summary=summary.strip(),
        )
        record_event(
            actor=actor,
            action="deployment_request.file",
            obj=request,
            after=snapshot(request, ["convoy_id", "presentation_on"]),
        )
    return request


def _check_stage(actor: AbstractBaseUser, request: DeploymentRequest, stage: str) -> Role:
    convoy = request.convoy
    peer = approvals(request, ApprovalStage.PEER_REVIEW)
    duplicate = approvals(request, ApprovalStage.APPROVAL)
    if approvals(request, ApprovalStage.COMMODORE):
        raise ProcessViolation("R43", "The Commodore has already approved this request.")
    if stage == ApprovalStage.PEER_REVIEW:
        role = require_role(actor, convoy, Role.FEATURE_CAPTAIN, action="Peer-reviewing")
        if actor.pk == request.filed_by_id:
            raise ProcessViolation(
                "R43", "A peer review is by a peer. The filer may not review their own request."
            )
        if peer:
            raise ProcessViolation("R43", "The request has already been peer-reviewed.")
        return role
    if stage == ApprovalStage.APPROVAL:
        role = require_role(actor, convoy, Role.CSC, action="Approving a Deployment Request")
        if not peer:
            raise ProcessViolation("R43", "The request must be peer-reviewed before approval.")
        if len(duplicate) >= DUPLICATE_APPROVALS:
            raise ProcessViolation("R43", "The request has already been approved in duplicate.")
        if any(a.approver_id == actor.pk for a in duplicate):
            raise ProcessViolation(
                "R43",
                "Approval in duplicate takes two different approvers. "
                f"{display_name(actor)} has already approved.",
            )
        return role
    role = require_role(actor, convoy, Role.COMMODORE, action="The Commodore's approval")
    if len(duplicate) < DUPLICATE_APPROVALS:
        raise ProcessViolation(
            "R43",
            f"The request carries {len(duplicate)} of {DUPLICATE_APPROVALS} approvals. "
            "It must be approved in duplicate before the Commodore approves it.",
        )
    deadline = approval_deadline(request)
    if clock.today() > deadline:
        raise ProcessViolation(
            "R43",
            f"The Commodore approves at least {COMMODORE_APPROVAL_LEAD_DAYS} days before the "
            f"presentation on {request.presentation_on:%Y-%m-%d}, that is by "
            f"{deadline:%Y-%m-%d}. That day has passed.",
        )
    return role


def approve_deployment_request(
    *, actor: AbstractBaseUser, request: DeploymentRequest, stage: str
) -> DeploymentApproval:
    """Peer review, approval in duplicate, then the Commodore (R43), in that order."""
    if stage not in ApprovalStage.values:
        raise ProcessViolation("R43", f"{stage!r} is not a stage of a Deployment Request.")
    with transaction.atomic():
        request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
        refuse_if_closed(request.convoy)  # R7, R41
        _refuse_unless_before_sailing(request.convoy, "Approving a Deployment Request")
        role = _check_stage(actor, request, stage)
        try:
            with transaction.atomic():
                approval = DeploymentApproval.objects.create(
                    request=request,
                    stage=stage,
                    approver=actor,
                    role=role,
                    approved_at=clock.now(),
                )
        except IntegrityError:
            raise ProcessViolation(
                "R43", f"{display_name(actor)} has already signed this request."
            ) from None
        record_event(
            actor=actor,
            action="deployment_request.approve",
            obj=approval,
            after={"request_id": request.pk, "stage": stage, "role": role},
        )
    return approval


def sign_readiness_checklist(*, actor: AbstractBaseUser, convoy: Convoy) -> ReadinessChecklist:
    """R43/R8: the Commodore signs; every item must hold, as computed from the records."""
    require_role(actor, convoy, Role.COMMODORE, action="Signing the Deployment Readiness Checklist")
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        refuse_if_closed(convoy)  # R7, R41
        _refuse_unless_before_sailing(convoy, "Signing the Deployment Readiness Checklist")
        if convoy.readiness_checklists.exists():
            raise ProcessViolation(
                "R59", "The Deployment Readiness Checklist is already signed. It stands as signed."
            )
        items = readiness_items(convoy)
        failing = [item for item in items if not item.holds]
        if failing:
            raise ProcessViolation(
                "R43",
                "The Deployment Readiness Checklist cannot be signed: "
                + " ".join(f"{item.text} ({item.detail})" for item in failing),
            )
        now = clock.now()
        certificate = Certificate.objects.create(
            kind=CertificateKind.DEPLOYMENT_READINESS,
            convoy=convoy,
            issued_by=actor,
            issued_role=Role.COMMODORE,
            issued_at=now,
            notes=" ".join(item.detail for item in items),
        )
        checklist = ReadinessChecklist.objects.create(
            convoy=convoy,
            certificate=certificate,
            items=[item.as_json() for item in items],
            signed_by=actor,
            signed_at=now,
        )
        record_event(
            actor=actor,
            action="readiness_checklist.sign",
            obj=checklist,
            after={"certificate_id": certificate.pk, "items": checklist.items},
        )
    return checklist


def record_deployment(*, actor: AbstractBaseUser, convoy: Convoy) -> Deployment:
    """Deploy: written by `advance_convoy` when the Convoy sails, inside its transaction."""
    deployment = Deployment.objects.create(
        convoy=convoy,
        deployed_by=actor,
        deployed_at=convoy.sailed_at,
        request=approved_request(convoy),
        changes_deployed=Change.objects.filter(
            feature__convoy=convoy, state=ChangeState.ACCEPTED
        ).count(),
    )
    record_event(
        actor=actor,
        action="deployment.deploy",
        obj=deployment,
        after=snapshot(deployment, ["deployed_at", "changes_deployed", "request_id"]),
    )
    return deployment


def deploy_fleet(*, actor: AbstractBaseUser, convoy: Convoy) -> Deployment:
    """Deploy the Fleet: the Commodore advances the Convoy to SAILED (exit criteria, R8)."""
    from convoy.ceremonies.lifecycle import advance_convoy

    advance_convoy(actor=actor, convoy=convoy, to_state=ConvoyState.SAILED)
    return Deployment.objects.get(convoy=convoy)


def yield_results(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    results: str,
    supersedes: DeploymentYield | None = None,
) -> DeploymentYield:
    """Yield results: the Commodore reports them; a correction names the report it corrects."""
    require_role(actor, convoy, Role.COMMODORE, action="Yielding the deployment's results")
    refuse_if_closed(Convoy.objects.get(pk=convoy.pk))  # R7
    deployment = Deployment.objects.filter(convoy=convoy).first()
    if deployment is None:
        raise ProcessViolation("R43", f"{convoy.code} has not deployed; there are no results yet.")
    if not results.strip():
        raise ProcessViolation("R43", "The results are stated in words.")
    if supersedes is not None and supersedes.deployment_id != deployment.pk:
        raise ProcessViolation("R59", "A correction references a report of the same deployment.")
    with transaction.atomic():
        report = DeploymentYield.objects.create(
            deployment=deployment,
            reported_by=actor,
            reported_at=clock.now(),
            results=results.strip(),
            supersedes=supersedes,
        )
        record_event(
            actor=actor,
            action="deployment.yield",
            obj=report,
            after={"supersedes": supersedes.pk if supersedes else None},
        )
    return report
