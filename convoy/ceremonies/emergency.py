"""The Emergency Authorization Provision, between Convenings (R34).

Every element is required: the Emergency Justification Declaration to the ATO, the chair's
agreement that it is an emergency, individual approval from 4 of the 7 members, an expedited
Risk Exposure Summary of at least 800 words, a remediation plan committing to full
documentation within 3 business days, and still the archived signature form (R23).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from convoy import clock
from convoy.ceremonies.agenda import require_chair
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change, refuse_unless_in
from convoy.ceremonies.code_inspection import current_form
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.freeze import refuse_if_frozen
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.impact_assessment import refuse_unless_author
from convoy.ceremonies.pcr import count_words
from convoy.ceremonies.roles import display_name, refuse_own_change, require_role
from convoy.models import (
    EMERGENCY_MIN_APPROVALS,
    EMERGENCY_REMEDIATION_BUSINESS_DAYS,
    EMERGENCY_SUMMARY_MIN_WORDS,
    Change,
    ChangeState,
    Convening,
    ConveningState,
    EmergencyApproval,
    EmergencyAuthorization,
    Role,
)


def word_count(text: str) -> int:
    """The one word count of the app (the PCR's), which the page's live counter mirrors."""
    return count_words(text)


def _refuse_in_session() -> None:
    if Convening.objects.filter(state=ConveningState.OPEN).exists():
        raise ProcessViolation(
            "R34",
            "The Emergency Authorization Provision applies between Convenings; the CRAP is in "
            "session.",
        )


def declare_emergency(
    *,
    actor: AbstractBaseUser,
    change: Change,
    justification: str,
    risk_exposure_summary: str,
    remediation_plan: str,
    documentation_due: dt.date,
) -> EmergencyAuthorization:
    """The Code Engineer files the Emergency Justification Declaration with the ATO."""
    refuse_if_closed(change.feature.convoy)
    refuse_if_frozen(change.feature.convoy, "Declaring an emergency for a Change")  # R9
    require_role(actor, change.feature.convoy, Role.CODE_ENGINEER, action="Declaring an emergency")
    refuse_unless_author(actor, change, "Declaring an emergency for the Change")
    _refuse_in_session()
    if not justification.strip():
        raise ProcessViolation("R34", "The Emergency Justification Declaration is required.")
    words = word_count(risk_exposure_summary)
    if words < EMERGENCY_SUMMARY_MIN_WORDS:
        raise ProcessViolation(
            "R34",
            f"The expedited Risk Exposure Summary runs to at least "
            f"{EMERGENCY_SUMMARY_MIN_WORDS} words; this one has {words}.",
        )
    if not remediation_plan.strip():
        raise ProcessViolation("R34", "The remediation plan is required.")
    today = clock.today()
    latest = clock.add_business_days(today, EMERGENCY_REMEDIATION_BUSINESS_DAYS)
    if not today <= documentation_due <= latest:
        raise ProcessViolation(
            "R34",
            "The remediation plan commits to full documentation within "
            f"{EMERGENCY_REMEDIATION_BUSINESS_DAYS} business days: by {latest:%Y-%m-%d}, "
            f"not {documentation_due:%Y-%m-%d}.",
        )
    with transaction.atomic():
        change = lock_change(change)
        refuse_unless_in(
            change,
            ChangeState.SIGNATURES,
            ChangeState.ARCHIVED,
            rule="R34",
            doing="an emergency declaration",
        )
        pending = EmergencyAuthorization.objects.filter(
            change=change, authorized_at__isnull=True
        ).exists()
        if pending:
            raise ProcessViolation(
                "R34", f"An emergency declaration for {change.record_id} is pending already."
            )
        authorization = EmergencyAuthorization.objects.create(
            change=change,
            declared_by=actor,
            declared_at=clock.now(),
            justification=justification.strip(),
            risk_exposure_summary=risk_exposure_summary.strip(),
            remediation_plan=remediation_plan.strip(),
            documentation_due=documentation_due,
        )
        record_event(
            actor=actor,
            action="emergency.declare",
            obj=authorization,
            after={
                "change_id": change.pk,
                "summary_words": words,
                "documentation_due": documentation_due,
            },
        )
    return authorization


def _locked(authorization: EmergencyAuthorization) -> EmergencyAuthorization:
    locked = EmergencyAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if locked.authorized_at is not None:
        raise ProcessViolation("R34", f"{locked} has been granted already.")
    return locked


def agree_emergency(
    *, actor: AbstractBaseUser, authorization: EmergencyAuthorization
) -> EmergencyAuthorization:
    """The chair agrees that it is an emergency."""
    refuse_if_closed(authorization.change.feature.convoy)  # R41, R7
    require_chair(actor, "Agreeing that it is an emergency")
    refuse_own_change(actor, authorization.change, "approve an emergency for")  # R1
    with transaction.atomic():
        authorization = _locked(authorization)
        if authorization.chair_agreed_at is not None:
            raise ProcessViolation("R34", "The chair has agreed already.")
        authorization.chair_agreed_by = actor
        authorization.chair_agreed_at = clock.now()
        authorization.save(update_fields=["chair_agreed_by", "chair_agreed_at"])
        record_event(
            actor=actor,
            action="emergency.chair_agrees",
            obj=authorization,
            after={"change_id": authorization.change_id},
        )
    return authorization


def approve_emergency(
    *, actor: AbstractBaseUser, authorization: EmergencyAuthorization
) -> EmergencyApproval:
    """One CRAP member's individual approval."""
    refuse_if_closed(authorization.change.feature.convoy)  # R41, R7
    require_role(actor, None, Role.CRAP, action="Approving an emergency")
    refuse_own_change(actor, authorization.change, "approve an emergency for")  # R1
    try:
        with transaction.atomic():
            authorization = _locked(authorization)
            approval = EmergencyApproval.objects.create(
                authorization=authorization, member=actor, approved_at=clock.now()
            )
            record_event(
                actor=actor,
                action="emergency.approve",
                obj=approval,
                after={"authorization_id": authorization.pk, "member_id": actor.pk},
            )
    except IntegrityError:
        raise ProcessViolation(
            "R34", f"{display_name(actor)} has approved this emergency already."
        ) from None
    return approval


def missing_elements(authorization: EmergencyAuthorization) -> list[str]:
    missing = []
    if authorization.chair_agreed_at is None:
        missing.append("the chair's agreement that it is an emergency")
    approvals = authorization.approvals.count()
    if approvals < EMERGENCY_MIN_APPROVALS:
        missing.append(
            f"individual approval from {EMERGENCY_MIN_APPROVALS} of the 7 members "
            f"({approvals} so far)"
        )
    form = current_form(authorization.change)
    if form is None or not form.archived:
        missing.append("the archived signature form (R23)")
    return missing


def authorize_emergency(
    *, actor: AbstractBaseUser, authorization: EmergencyAuthorization
) -> EmergencyAuthorization:
    """The ATO grants the Emergency Authorization when every element is present."""
    refuse_if_closed(authorization.change.feature.convoy)  # R41, R7
    require_role(actor, None, Role.ADMIRAL, action="Granting an Emergency Authorization")
    refuse_if_frozen(authorization.change.feature.convoy, "Granting an Emergency Authorization")
    _refuse_in_session()
    with transaction.atomic():
        change = lock_change(authorization.change)
        authorization = _locked(authorization)
        missing = missing_elements(authorization)
        if missing:
            raise ProcessViolation(
                "R34",
                f"The Emergency Authorization for {change.record_id} lacks: {'; '.join(missing)}.",
            )
        refuse_unless_in(
            change, ChangeState.ARCHIVED, rule="R34", doing="an Emergency Authorization"
        )
        authorization.authorized_by = actor
        authorization.authorized_at = clock.now()
        authorization.save(update_fields=["authorized_by", "authorized_at"])
        record_event(
            actor=actor,
            action="emergency.authorize",
            obj=authorization,
            after={
                "change_id": change.pk,
                "approvals": authorization.approvals.count(),
                "documentation_due": authorization.documentation_due,
            },
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.ACCEPTED,
            action="change.emergency_accepted",
            rule="R34",
        )
    return authorization
