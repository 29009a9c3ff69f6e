"""The Change Impact Assessment and its sequential approval: R19, R20 (and R1, R4, R57)."""

import pytest
from django.db import IntegrityError, transaction

from convoy.ceremonies.code_inspection import submit_for_inspection
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import (
    approve_impact_assessment,
    submit_impact_assessment,
)
from convoy.models import (
    AuditEvent,
    Change,
    ChangeImpactAssessment,
    ChangeState,
    CiaApproval,
    CodeInspection,
    RiskCategory,
    Role,
    RoleAssignment,
)
from tests.pipeline.conftest import RATINGS, approve_chain, assess, new_change


def test_the_cia_rates_all_17_categories_and_scores_the_risk(crew):  # R19
    change = new_change(crew)
    ratings = dict(RATINGS, SECURITY=5, ROLLBACK=1)
    assess(crew, change, ratings=ratings)
    assessment = ChangeImpactAssessment.objects.get(change=change)
    assert assessment.ratings.count() == 17
    assert assessment.risk_score == 3 * 15 + 5 + 1
    assert Change.objects.get(pk=change.pk).state == ChangeState.IMPACT_ASSESSMENT


def test_a_cia_leaving_a_category_unrated_is_refused(crew):  # R19
    change = new_change(crew)
    ratings = {k: v for k, v in RATINGS.items() if k != RiskCategory.FREEZE}
    with pytest.raises(ProcessViolation) as refusal:
        assess(crew, change, ratings=ratings)
    assert refusal.value.rule == "R19"
    assert "Not rated: Change Freeze Proximity" in refusal.value.message
    assert not ChangeImpactAssessment.objects.exists()


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_1_to_5_is_refused(crew, rating):  # R19
    change = new_change(crew)
    with pytest.raises(ProcessViolation) as refusal:
        assess(crew, change, ratings=dict(RATINGS, SECURITY=rating))
    assert refusal.value.rule == "R19"
    assert "each category is rated 1 to 5" in refusal.value.message


def test_the_database_holds_ratings_to_1_to_5(crew):  # R19
    change = new_change(crew)
    assess(crew, change)
    rating = ChangeImpactAssessment.objects.get().ratings.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(rating).objects.filter(pk=rating.pk).update(rating=6)


def test_a_cia_without_a_business_justification_is_refused(crew):  # R19
    change = new_change(crew)
    with pytest.raises(ProcessViolation) as refusal:
        assess(crew, change, business_justification="  ")
    assert refusal.value.rule == "R19"
    assert "business justification" in refusal.value.message


def test_only_the_changes_own_engineer_files_its_cia(crew):  # R4
    change = new_change(crew)
    with pytest.raises(ProcessViolation) as refusal:
        submit_impact_assessment(
            actor=crew.world.other_engineer,
            change=change,
            business_justification="Because.",
            technical_approach="Carefully.",
            files_affected="a.py",
            estimated_lines_added=1,
            estimated_lines_removed=1,
            impact_on_other_features="None.",
            ratings=RATINGS,
        )
    assert refusal.value.rule == "R4"
    assert "done by the Code Engineer who authored CR-" in refusal.value.message
    assert not ChangeImpactAssessment.objects.exists()


def test_no_coding_before_the_cia_is_approved(crew):  # R19
    change = new_change(crew)
    assess(crew, change)
    for approver in (crew.world.captain, crew.cset, crew.earb):
        approve_impact_assessment(actor=approver, change=change)
    with pytest.raises(ProcessViolation) as refusal:
        submit_for_inspection(actor=crew.engineer, change=change, lines_added=1, lines_removed=0)
    assert refusal.value.rule == "R19"
    assert "No coding before the Change Impact Assessment is approved" in refusal.value.message
    assert "awaits the DevOps Usage & Compliance Head Engineer's approval" in (
        refusal.value.message
    )
    assert not CodeInspection.objects.exists()


def test_coding_begins_when_the_douche_signs_last(crew):  # R20
    change = new_change(crew)
    assess(crew, change)
    approve_chain(crew, change)
    assert Change.objects.get(pk=change.pk).state == ChangeState.CODING
    assessment = ChangeImpactAssessment.objects.get()
    assert assessment.approved_at is not None
    assert list(assessment.approvals.values_list("role", flat=True)) == [
        Role.FEATURE_CAPTAIN,
        Role.CSET,
        Role.EARB,
        Role.DOUCHE,
    ]


@pytest.mark.parametrize("early", ["douche", "earb"])
def test_approving_out_of_turn_is_refused_as_parallel_approval(crew, early):  # R20
    change = new_change(crew)
    assess(crew, change)
    approve_impact_assessment(actor=crew.world.captain, change=change)
    with pytest.raises(ProcessViolation) as refusal:
        approve_impact_assessment(actor=getattr(crew, early), change=change)
    assert refusal.value.rule == "R20"
    assert "awaits the Code Standards Enforcement Team's approval" in refusal.value.message
    assert "parallel approval is refused" in refusal.value.message
    assert CiaApproval.objects.count() == 1


def test_the_first_approval_is_the_features_own_captain(crew):  # R4
    change = new_change(crew)
    assess(crew, change)
    with pytest.raises(ProcessViolation) as refusal:
        approve_impact_assessment(actor=crew.world.other_captain, change=change)
    assert refusal.value.rule == "R4"
    assert not CiaApproval.objects.exists()


def test_an_engineer_may_not_approve_the_cia_of_their_own_change(crew):  # R1
    RoleAssignment.objects.create(user=crew.engineer, role=Role.CSET)
    change = new_change(crew)
    assess(crew, change)
    approve_impact_assessment(actor=crew.world.captain, change=change)
    with pytest.raises(ProcessViolation) as refusal:
        approve_impact_assessment(actor=crew.engineer, change=change)
    assert refusal.value.rule == "R1"
    assert CiaApproval.objects.count() == 1


def test_each_step_is_signed_by_a_different_approver(crew):  # R20
    RoleAssignment.objects.create(user=crew.cset, role=Role.EARB)
    change = new_change(crew)
    assess(crew, change)
    approve_impact_assessment(actor=crew.world.captain, change=change)
    approve_impact_assessment(actor=crew.cset, change=change)
    with pytest.raises(ProcessViolation) as refusal:
        approve_impact_assessment(actor=crew.cset, change=change)
    assert refusal.value.rule == "R20"
    assert CiaApproval.objects.count() == 2


def test_the_database_ties_each_step_to_its_role(crew):  # R20
    change = new_change(crew)
    assess(crew, change)
    with pytest.raises(IntegrityError), transaction.atomic():
        CiaApproval.objects.create(
            assessment=ChangeImpactAssessment.objects.get(),
            step=1,
            role=Role.DOUCHE,
            approver=crew.douche,
            approved_at=change.created_at,
        )


def test_each_step_writes_an_audit_event(crew):  # R57
    change = new_change(crew)
    assess(crew, change)
    approve_chain(crew, change)
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    tail = actions[actions.index("cia.submit") :]
    assert tail == [
        "cia.submit",
        "change.impact_assessment",
        "cia.approve",
        "cia.approve",
        "cia.approve",
        "cia.approve",
        "change.coding",
    ]
