"""Emergency Sail (R42). Not the CRAP's Emergency Authorization (R34, `emergency.py`).

The Commodore files an Emergency Sail Authorization Request with the ATO. It contains, and the
app enforces, every element:

- a Risk Acceptance Matrix: each of the 17 risk categories rated for likelihood and impact,
  1 to 5;
- an Emergency Justification Narrative of at least 3,000 words (counted as the PCR form counts:
  runs of non-whitespace, `pcr.count_words`);
- the signature of every member of the Convoy Steering Committee, each obtained individually:
  each member signs on their own screen, once; nobody signs for another;
- a Post-Emergency Documentation Remediation Plan committing to complete all missing paperwork
  within 5 business days of deployment.

The ATO approves only a complete request. An approved request satisfies the exit criteria that
a "Fleet May Sail" verdict would (R8, R41). Filing and signing are open while the Convoy is in
Manifest Approval or Held in Port; they are the R42 provision, not other work suspended by R41.
The framework notes that nobody has ever completed one; `completed_count` counts them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest_approval import csc_members
from convoy.ceremonies.pcr import count_words
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    EMERGENCY_SAIL_MIN_WORDS,
    EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS,
    Convoy,
    ConvoyState,
    EmergencySailRequest,
    EmergencySailSignature,
    RiskCategory,
    Role,
)
from convoy.models.pipeline import RISK_RATING_MAX, RISK_RATING_MIN

OPEN_STATES = (ConvoyState.MANIFEST_APPROVAL, ConvoyState.HELD_IN_PORT)
REQUEST_FIELDS = ["convoy_id", "narrative_words", "remediation_business_days"]


def completed_count() -> int:
    """Emergency Sail Authorization Requests ever completed (approved by the ATO)."""
    return EmergencySailRequest.objects.filter(approved_at__isnull=False).count()


def _refuse_unless_open(convoy: Convoy) -> None:
    if convoy.state not in OPEN_STATES:
        raise ProcessViolation(
            "R42",
            f"An Emergency Sail is requested for a Convoy in Manifest Approval or Held in Port; "
            f"{convoy.code} is in {ConvoyState(convoy.state).label}.",
        )


def _rating(value: object) -> int | None:
    try:
        rating = int(str(value))
    except (TypeError, ValueError):
        return None
    return rating if RISK_RATING_MIN <= rating <= RISK_RATING_MAX else None


def _validated_matrix(matrix: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, int]]:
    clean: dict[str, dict[str, int]] = {}
    missing = []
    for category in RiskCategory:
        row = matrix.get(category.value) or {}
        likelihood, impact = _rating(row.get("likelihood")), _rating(row.get("impact"))
        if likelihood is None or impact is None:
            missing.append(category.label)
            continue
        clean[category.value] = {"likelihood": likelihood, "impact": impact}
    if missing:
        raise ProcessViolation(
            "R42",
            f"The Risk Acceptance Matrix rates each of the {len(RiskCategory)} risk categories for "
            f"likelihood and impact, 1 to 5. Not rated: {', '.join(missing)}.",
        )
    return clean


def file_emergency_sail(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    risk_acceptance_matrix: Mapping[str, Mapping[str, object]],
    justification_narrative: str,
    remediation_plan: str,
    remediation_business_days: int,
) -> EmergencySailRequest:
    """R42: the Commodore files the request with the ATO, every element present."""
    require_role(actor, convoy, Role.COMMODORE, action="Filing an Emergency Sail Request")
    _refuse_unless_open(convoy)
    matrix = _validated_matrix(risk_acceptance_matrix)
    words = count_words(justification_narrative)
    if words < EMERGENCY_SAIL_MIN_WORDS:
        raise ProcessViolation(
            "R42",
            f"The Emergency Justification Narrative has {words:,} words; R42 requires at least "
            f"{EMERGENCY_SAIL_MIN_WORDS:,}.",
        )
    if not remediation_plan.strip():
        raise ProcessViolation(
            "R42", "The Post-Emergency Documentation Remediation Plan is required."
        )
    if not 1 <= remediation_business_days <= EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS:
        raise ProcessViolation(
            "R42",
            "The Remediation Plan commits to complete all missing paperwork within "
            f"{EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS} business days of deployment, not "
            f"{remediation_business_days}.",
        )
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        pending = EmergencySailRequest.objects.filter(convoy=convoy, approved_at__isnull=True)
        if pending.exists():
            raise ProcessViolation(
                "R42", f"An Emergency Sail Request for {convoy.code} is pending already."
            )
        request = EmergencySailRequest.objects.create(
            convoy=convoy,
            filed_by=actor,
            filed_at=clock.now(),
            risk_acceptance_matrix=matrix,
            justification_narrative=justification_narrative.strip(),
            narrative_words=words,
            remediation_plan=remediation_plan.strip(),
            remediation_business_days=remediation_business_days,
        )
        record_event(
            actor=actor,
            action="emergency_sail.file",
            obj=request,
            after=snapshot(request, REQUEST_FIELDS),
        )
    return request


def unsigned_members(request: EmergencySailRequest) -> list[AbstractBaseUser]:
    signed = set(request.signatures.values_list("member_id", flat=True))
    return [a.user for a in csc_members(request.convoy) if a.user_id not in signed]


def _locked(request: EmergencySailRequest) -> EmergencySailRequest:
    locked = (
        EmergencySailRequest.objects.select_for_update().select_related("convoy").get(pk=request.pk)
    )
    if locked.approved_at is not None:
        raise ProcessViolation("R42", f"{locked} has been approved already; it is final (R59).")
    return locked


def sign_emergency_sail(
    *, actor: AbstractBaseUser, sail_request: EmergencySailRequest
) -> EmergencySailSignature:
    """R42: one CSC member signs, individually, on their own screen."""
    require_role(actor, sail_request.convoy, Role.CSC, action="Signing an Emergency Sail Request")
    try:
        with transaction.atomic():
            request = _locked(sail_request)
            _refuse_unless_open(request.convoy)
            signature = EmergencySailSignature.objects.create(
                request=request, member=actor, signed_at=clock.now()
            )
            record_event(
                actor=actor,
                action="emergency_sail.sign",
                obj=signature,
                after={"request_id": request.pk, "member_id": actor.pk},
            )
    except IntegrityError:
        raise ProcessViolation(
            "R42", f"{display_name(actor)} has signed this request already."
        ) from None
    return signature


def missing_elements(request: EmergencySailRequest) -> list[str]:
    missing = []
    if len(request.risk_acceptance_matrix or {}) < len(RiskCategory):
        missing.append("a complete Risk Acceptance Matrix")
    if request.narrative_words < EMERGENCY_SAIL_MIN_WORDS:
        missing.append(f"a narrative of at least {EMERGENCY_SAIL_MIN_WORDS:,} words")
    if not request.remediation_plan or not (
        1 <= request.remediation_business_days <= EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS
    ):
        missing.append("a Post-Emergency Documentation Remediation Plan within 5 business days")
    if not csc_members(request.convoy):
        missing.append("a seated Convoy Steering Committee to sign it")
    unsigned = unsigned_members(request)
    if unsigned:
        names = ", ".join(display_name(u) for u in unsigned)
        missing.append(f"the signature of every CSC member (not yet: {names})")
    return missing


def approve_emergency_sail(
    *, actor: AbstractBaseUser, sail_request: EmergencySailRequest
) -> EmergencySailRequest:
    """R42: the ATO approves a request in which every element is present."""
    require_role(actor, None, Role.ADMIRAL, action="Approving an Emergency Sail")
    with transaction.atomic():
        request = _locked(sail_request)
        _refuse_unless_open(request.convoy)
        missing = missing_elements(request)
        if missing:
            raise ProcessViolation(
                "R42",
                f"The Emergency Sail Request for {request.convoy.code} lacks: "
                f"{'; '.join(missing)}.",
            )
        request.approved_at = clock.now()
        request.approved_by = actor
        request.save(update_fields=["approved_at", "approved_by"])
        record_event(
            actor=actor,
            action="emergency_sail.approve",
            obj=request,
            after={"signatures": request.signatures.count(), "completed_ever": completed_count()},
        )
    return request
