"""Records that make the exit criteria from Manifest Approval to Closed hold (R43–R47, R53).

Used by the lifecycle tests' `make_criteria_hold` and by this area's own tests.
"""

import datetime as dt

from convoy import clock
from convoy.ceremonies.deployment import yield_results
from convoy.ceremonies.fleet_inspection import (
    compile_report,
    conclude_fleet_inspection,
    open_fleet_inspection,
    presented_features,
    record_presentation,
    score_presentation,
)
from convoy.models import (
    REQUIRED_SLIDES,
    ApprovalStage,
    ConvoyState,
    DeploymentApproval,
    DeploymentRequest,
    Dimension,
    FleetInspection,
    Role,
)
from tests.factories import person

S = ConvoyState
ALL_SLIDES = dict.fromkeys(REQUIRED_SLIDES, True)


def approved_request(world) -> DeploymentRequest:
    """A request whose chain is complete (the chain's own rules are tested in test_deploy_*)."""
    request = DeploymentRequest.objects.create(
        convoy=world.convoy,
        filed_by=world.captain,
        filed_at=clock.now(),
        presentation_on=world.convoy.sailing_date,
        summary="Deploy every accepted Change of the Convoy.",
    )
    DeploymentApproval.objects.create(
        request=request,
        stage=ApprovalStage.COMMODORE,
        approver=world.commodore,
        role=Role.COMMODORE,
        approved_at=clock.now(),
    )
    return request


def leader(world, username: str = "leader.vance"):
    return person(username, Role.LEADERSHIP, convoy=world.convoy)


def present_and_score(world, inspection: FleetInspection, mark: int = 4) -> None:
    scorer = leader(world)
    for index, feature in enumerate(presented_features(world.convoy)):
        presentation = record_presentation(
            actor=feature.captain,
            inspection=inspection,
            feature=feature,
            slot_start=clock.now() + dt.timedelta(minutes=45 * index),
            duration_minutes=45,
            slide_count=31,
            slides=ALL_SLIDES,
            lessons=["Start the documentation earlier."],
        )
        score_presentation(
            actor=scorer, presentation=presentation, marks=dict.fromkeys(Dimension.values, mark)
        )


def complete_records(world, state: str) -> None:
    convoy = world.convoy
    if state == S.MANIFEST_APPROVAL:
        approved_request(world)
    elif state == S.SAILED:
        yield_results(actor=world.commodore, convoy=convoy, results="All Changes deployed.")
        open_fleet_inspection(actor=world.commodore, convoy=convoy)
    elif state == S.FLEET_INSPECTION:
        inspection = FleetInspection.objects.get(convoy=convoy)
        present_and_score(world, inspection)
        conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
        compile_report(actor=person("cso", Role.CSO), inspection=inspection)


def accepted_change(world, feature, author=None, title="Reconcile ledgers"):
    """A Change that went through the pipeline: CSET and DIAT certificates, ACCEPTED."""
    from convoy.ceremonies.changes import record_change
    from convoy.models import Certificate, CertificateKind, ChangeState

    change = record_change(actor=author or world.engineer, feature=feature, title=title)
    change.state = ChangeState.ACCEPTED
    change.save(update_fields=["state"])
    for kind, role in (
        (CertificateKind.CODE_INSPECTION, Role.CSET),
        (CertificateKind.DIAT_INTEGRITY, Role.DIAT),
    ):
        Certificate.objects.create(
            kind=kind,
            convoy=world.convoy,
            feature=feature,
            change=change,
            issued_by=world.qa,
            issued_role=role,
            issued_at=clock.now(),
        )
    return change


def ready_to_sail(world):
    """CONVOY-1 in Manifest Approval with "The Fleet May Sail" and one feature whose Change
    passed every gate; returns the feature."""
    from convoy.models import Verdict
    from tests.test_convoy_lifecycle import verdict

    feature = world.feature(1)
    accepted_change(world, feature)
    world.convoy.state = S.MANIFEST_APPROVAL
    world.convoy.save(update_fields=["state"])
    verdict(world, Verdict.FLEET_MAY_SAIL)
    return feature
