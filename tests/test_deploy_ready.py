"""Deploy the Fleet: READY, approval in duplicate, the 3-day rule, the computed checklist (R43)."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.deployment import (
    approve_deployment_request,
    deploy_fleet,
    file_deployment_request,
    readiness_items,
    sign_readiness_checklist,
    yield_results,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import advance_convoy
from convoy.models import (
    ApprovalStage,
    Certificate,
    CertificateKind,
    ConvoyState,
    Deployment,
    DeploymentApproval,
    ReadinessChecklist,
    Role,
)
from tests.factories import person
from tests.voyage_records import ready_to_sail

A = ApprovalStage


@pytest.fixture
def csc(world):
    return [person(f"csc.{n}", Role.CSC, convoy=world.convoy) for n in ("adeyemi", "holt")]


@pytest.fixture
def request_(world):
    ready_to_sail(world)
    return file_deployment_request(
        actor=world.captain, convoy=world.convoy, summary="Every accepted Change of F001."
    )


def walk_chain(world, csc, request):
    approve_deployment_request(actor=world.other_captain, request=request, stage=A.PEER_REVIEW)
    for member in csc:
        approve_deployment_request(actor=member, request=request, stage=A.APPROVAL)
    return approve_deployment_request(actor=world.commodore, request=request, stage=A.COMMODORE)


def test_the_request_is_presented_on_the_sailing_date(world, request_):  # R43, R38
    assert request_.presentation_on == world.convoy.sailing_date


def test_the_chain_runs_peer_review_duplicate_then_commodore(world, csc, request_):  # R43
    walk_chain(world, csc, request_)
    stages = list(request_.approvals.order_by("id").values_list("stage", flat=True))
    assert stages == [A.PEER_REVIEW, A.APPROVAL, A.APPROVAL, A.COMMODORE]


def test_the_filer_may_not_peer_review_their_own_request(world, request_):  # R43
    with pytest.raises(ProcessViolation) as refusal:
        approve_deployment_request(actor=world.captain, request=request_, stage=A.PEER_REVIEW)
    assert refusal.value.rule == "R43"
    assert not request_.approvals.exists()


def test_approval_before_peer_review_is_refused(world, csc, request_):  # R43
    with pytest.raises(ProcessViolation, match="peer-reviewed before approval") as refusal:
        approve_deployment_request(actor=csc[0], request=request_, stage=A.APPROVAL)
    assert refusal.value.rule == "R43"


def test_approval_in_duplicate_takes_two_different_people(world, csc, request_):  # R43
    approve_deployment_request(actor=world.other_captain, request=request_, stage=A.PEER_REVIEW)
    approve_deployment_request(actor=csc[0], request=request_, stage=A.APPROVAL)
    with pytest.raises(ProcessViolation, match="two different approvers") as refusal:
        approve_deployment_request(actor=csc[0], request=request_, stage=A.APPROVAL)
    assert refusal.value.rule == "R43"
    assert request_.approvals.filter(stage=A.APPROVAL).count() == 1


def test_the_commodore_waits_for_both_approvals(world, csc, request_):  # R43
    approve_deployment_request(actor=world.other_captain, request=request_, stage=A.PEER_REVIEW)
    approve_deployment_request(actor=csc[0], request=request_, stage=A.APPROVAL)
    with pytest.raises(ProcessViolation, match="1 of 2 approvals"):
        approve_deployment_request(actor=world.commodore, request=request_, stage=A.COMMODORE)


def test_the_commodore_approves_at_least_three_days_before_presentation(world, csc, request_):
    # R43: sailing 2027-03-17, so the last day is 2027-03-14.
    approve_deployment_request(actor=world.other_captain, request=request_, stage=A.PEER_REVIEW)
    for member in csc:
        approve_deployment_request(actor=member, request=request_, stage=A.APPROVAL)
    clock.travel_to(dt.datetime(2027, 3, 15, 9, 0))
    with pytest.raises(ProcessViolation, match="by 2027-03-14") as refusal:
        approve_deployment_request(actor=world.commodore, request=request_, stage=A.COMMODORE)
    assert refusal.value.rule == "R43"
    assert not request_.approvals.filter(stage=A.COMMODORE).exists()
    clock.travel_to(dt.datetime(2027, 3, 14, 17, 0))
    approve_deployment_request(actor=world.commodore, request=request_, stage=A.COMMODORE)


def test_a_csc_stage_needs_the_csc_role(world, request_):  # R4
    approve_deployment_request(actor=world.other_captain, request=request_, stage=A.PEER_REVIEW)
    with pytest.raises(ProcessViolation) as refusal:
        approve_deployment_request(actor=world.engineer, request=request_, stage=A.APPROVAL)
    assert refusal.value.rule == "R4"


def test_checklist_items_are_computed_from_the_records(world):  # R43
    feature = ready_to_sail(world)
    assert all(item.holds for item in readiness_items(world.convoy))

    from convoy.ceremonies.changes import record_change
    from convoy.models import ChangeState

    uncertified = record_change(actor=world.engineer, feature=feature, title="Uncertified")
    uncertified.state = ChangeState.ACCEPTED
    uncertified.save(update_fields=["state"])
    items = {item.text: item for item in readiness_items(world.convoy)}
    assert not items["All features passed CSET."].holds
    assert uncertified.record_id in items["All features passed CSET."].detail
    assert not items["The DIAT validated the QA's evidence."].holds


def test_the_checklist_cannot_be_signed_while_an_item_fails(world):  # R43
    world.convoy.state = ConvoyState.MANIFEST_APPROVAL
    world.convoy.save()
    world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    assert refusal.value.rule == "R43"
    assert "The CRAP unanimously approved every Change." in refusal.value.message
    assert not ReadinessChecklist.objects.exists()
    assert not Certificate.objects.filter(kind=CertificateKind.DEPLOYMENT_READINESS).exists()


def test_the_commodore_signs_the_checklist_and_it_opens_the_sailing_criterion(world):  # R43, R8
    ready_to_sail(world)
    checklist = sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    assert [item["holds"] for item in checklist.items] == [True] * 4
    assert checklist.certificate.kind == CertificateKind.DEPLOYMENT_READINESS
    assert checklist.certificate.issued_by == world.commodore


def test_only_the_commodore_signs_the_checklist(world):  # R4
    ready_to_sail(world)
    with pytest.raises(ProcessViolation) as refusal:
        sign_readiness_checklist(actor=world.captain, convoy=world.convoy)
    assert refusal.value.rule == "R4"


def test_sailing_needs_the_approved_request(world):  # R43
    ready_to_sail(world)
    sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=ConvoyState.SAILED)
    assert refusal.value.rule == "R43"
    world.convoy.refresh_from_db()
    assert world.convoy.state == ConvoyState.MANIFEST_APPROVAL


def test_deploying_records_the_moment_the_freeze_counts_from(world, csc, request_):  # R43, R9
    walk_chain(world, csc, request_)
    sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    deployment = deploy_fleet(actor=world.commodore, convoy=world.convoy)
    world.convoy.refresh_from_db()
    assert world.convoy.state == ConvoyState.SAILED
    assert deployment.deployed_at == world.convoy.sailed_at == clock.now()
    assert deployment.request == request_
    assert deployment.changes_deployed == 1
    assert Deployment.objects.count() == 1


def test_results_are_yielded_and_corrected_by_a_new_record(world, csc, request_):  # R43, R59
    walk_chain(world, csc, request_)
    sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    deploy_fleet(actor=world.commodore, convoy=world.convoy)
    first = yield_results(actor=world.commodore, convoy=world.convoy, results="Deployed.")
    second = yield_results(
        actor=world.commodore,
        convoy=world.convoy,
        results="Deployed; one rollback.",
        supersedes=first,
    )
    first.refresh_from_db()
    assert first.results == "Deployed." and second.supersedes == first


def test_approvals_are_immutable(world, csc, request_):  # R59
    approval = approve_deployment_request(
        actor=world.other_captain, request=request_, stage=A.PEER_REVIEW
    )
    with pytest.raises(ProcessViolation) as refusal:
        DeploymentApproval.objects.filter(pk=approval.pk).update(stage=A.COMMODORE)
    assert refusal.value.rule == "R59"
