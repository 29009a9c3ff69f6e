"""The Change Impact Assessment and its sequential approval (R19, R20)."""

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change, refuse_unless_in
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, refuse_own_change, require_role, roles_of
from convoy.models import (
    CIA_APPROVAL_CHAIN,
    RISK_CATEGORY_COUNT,
    Change,
    ChangeImpactAssessment,
    ChangeState,
    CiaApproval,
    RiskCategory,
    RiskRating,
    Role,
)
from convoy.models.pipeline import RISK_RATING_MAX, RISK_RATING_MIN

TEXT_FIELDS = {
    "business_justification": "business justification",
    "technical_approach": "technical approach",
    "files_affected": "files affected",
    "impact_on_other_features": "impact on other features in the Convoy",
}


def refuse_unless_author(actor: AbstractBaseUser, change: Change, doing: str) -> None:
    """R4: the Change's own Code Engineer carries it through the pipeline."""
    if change.author_id != actor.pk:
        raise ProcessViolation(
            "R4",
            f"{doing} is done by the Code Engineer who authored {change.record_id} "
            f"({display_name(change.author)}), not by {display_name(actor)}.",
        )


def _validated_ratings(ratings: Mapping[str, object]) -> dict[str, int]:
    unknown = sorted(set(ratings) - set(RiskCategory.values))
    if unknown:
        raise ProcessViolation(
            "R19", f"{', '.join(unknown)} is not one of the {RISK_CATEGORY_COUNT} risk categories."
        )
    missing = [c.label for c in RiskCategory if c.value not in ratings]
    if missing:
        raise ProcessViolation(
            "R19",
            f"Every one of the {RISK_CATEGORY_COUNT} risk categories is rated. "
            f"Not rated: {', '.join(missing)}.",
        )
    clean: dict[str, int] = {}
    for category in RiskCategory:
        value = ratings[category.value]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProcessViolation("R19", f"{category.label} is rated with a whole number.")
        if not RISK_RATING_MIN <= value <= RISK_RATING_MAX:
            raise ProcessViolation(
                "R19",
                f"{category.label} is rated {value}; each category is rated "
                f"{RISK_RATING_MIN} to {RISK_RATING_MAX}.",
            )
        clean[category.value] = value
    return clean


def submit_impact_assessment(
    *,
    actor: AbstractBaseUser,
    change: Change,
    business_justification: str,
    technical_approach: str,
    files_affected: str,
    estimated_lines_added: int,
    estimated_lines_removed: int,
    impact_on_other_features: str,
    ratings: Mapping[str, object],
) -> ChangeImpactAssessment:
    """R19: the Change's Code Engineer files the CIA, rating all 17 risk categories."""
    convoy = change.feature.convoy
    refuse_if_closed(convoy)
    require_role(actor, convoy, Role.CODE_ENGINEER, action="Filing a Change Impact Assessment")
    refuse_unless_author(actor, change, "Filing the Change Impact Assessment")
    texts = {
        "business_justification": business_justification.strip(),
        "technical_approach": technical_approach.strip(),
        "files_affected": files_affected.strip(),
        "impact_on_other_features": impact_on_other_features.strip(),
    }
    empty = [TEXT_FIELDS[name] for name, value in texts.items() if not value]
    if empty:
        raise ProcessViolation(
            "R19", f"The Change Impact Assessment states its {', '.join(empty)}."
        )
    for label, value in (("added", estimated_lines_added), ("removed", estimated_lines_removed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProcessViolation(
                "R19", f"The estimated lines {label} is a whole number, zero or more."
            )
    clean = _validated_ratings(ratings)
    with transaction.atomic():
        change = lock_change(change)
        refuse_unless_in(
            change, ChangeState.DRAFT, rule="R19", doing="filing the Change Impact Assessment"
        )
        assessment = ChangeImpactAssessment.objects.create(
            change=change,
            estimated_lines_added=estimated_lines_added,
            estimated_lines_removed=estimated_lines_removed,
            risk_score=sum(clean.values()),
            submitted_by=actor,
            submitted_at=clock.now(),
            **texts,
        )
        RiskRating.objects.bulk_create(
            RiskRating(assessment=assessment, category=category, rating=rating)
            for category, rating in clean.items()
        )
        record_event(
            actor=actor,
            action="cia.submit",
            obj=assessment,
            after={
                "change_id": change.pk,
                "risk_score": assessment.risk_score,
                "ratings": clean,
                "estimated_lines_added": estimated_lines_added,
                "estimated_lines_removed": estimated_lines_removed,
            },
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.IMPACT_ASSESSMENT,
            action="change.impact_assessment",
            rule="R19",
        )
    return assessment


def next_approver_role(assessment: ChangeImpactAssessment) -> Role | None:
    """The role whose signature the CIA awaits (R20), or None once the DOUCHE has signed."""
    done = assessment.approvals.count()
    return CIA_APPROVAL_CHAIN[done] if done < len(CIA_APPROVAL_CHAIN) else None


def approve_impact_assessment(*, actor: AbstractBaseUser, change: Change) -> CiaApproval:
    """R20: Feature Captain → CSET → EARB → DOUCHE, each only after the one before."""
    convoy = change.feature.convoy
    refuse_if_closed(convoy)
    held = roles_of(actor, convoy)
    chain_roles = [role for role in CIA_APPROVAL_CHAIN if role in held]
    if not chain_roles:
        require_role(actor, convoy, *CIA_APPROVAL_CHAIN, action="Approving a CIA")
    refuse_own_change(actor, change, "approve the impact assessment of")  # R1
    with transaction.atomic():
        change = lock_change(change)
        assessment = ChangeImpactAssessment.objects.filter(change=change).first()
        if assessment is None:
            raise ProcessViolation(
                "R19", f"{change.record_id} has no Change Impact Assessment to approve."
            )
        refuse_unless_in(
            change,
            ChangeState.IMPACT_ASSESSMENT,
            rule="R20",
            doing="approving the Change Impact Assessment",
        )
        approvals = list(assessment.approvals.all())
        step = len(approvals) + 1
        awaited = CIA_APPROVAL_CHAIN[step - 1]
        if awaited not in held:
            raise ProcessViolation(
                "R20",
                f"The Change Impact Assessment of {change.record_id} awaits the "
                f"{awaited.label}'s approval. Approval is sequential: Feature Captain, CSET, "
                "EARB, DOUCHE, each only after the one before; parallel approval is refused.",
            )
        if awaited == Role.FEATURE_CAPTAIN and change.feature.captain_id != actor.pk:
            raise ProcessViolation(
                "R4",
                f"The first approval is the Feature Captain of {change.feature.code} "
                f"({display_name(change.feature.captain)}).",
            )
        if any(a.approver_id == actor.pk for a in approvals):
            raise ProcessViolation(
                "R20",
                f"{display_name(actor)} has already approved this Change Impact Assessment; "
                "each step of the chain is signed by a different approver.",
            )
        now = clock.now()
        approval = CiaApproval.objects.create(
            assessment=assessment, step=step, role=awaited, approver=actor, approved_at=now
        )
        record_event(
            actor=actor,
            action="cia.approve",
            obj=approval,
            after={"change_id": change.pk, "step": step, "role": awaited.value},
        )
        if step == len(CIA_APPROVAL_CHAIN):
            assessment.approved_at = now
            assessment.save(update_fields=["approved_at"])
            move_change(
                actor=actor,
                change=change,
                to_state=ChangeState.CODING,
                action="change.coding",
                rule="R20",
            )
    return approval
