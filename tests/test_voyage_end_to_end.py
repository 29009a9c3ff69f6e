"""One small Convoy from Alignment to Closed through the ceremony functions, with one Held in
Port and a successful reconvening; the audit chain verifies at the end (R7, R8, R10, R41,
R43-R47, R52, R53, R57).
"""

import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from convoy import clock
from convoy.ceremonies.certification import certify_feature_testing
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.convening import cast_ballot
from convoy.ceremonies.deployment import (
    approve_deployment_request,
    deploy_fleet,
    file_deployment_request,
    sign_readiness_checklist,
    yield_results,
)
from convoy.ceremonies.fleet_inspection import (
    compile_report,
    conclude_fleet_inspection,
    open_fleet_inspection,
    record_presentation,
    score_presentation,
)
from convoy.ceremonies.impact_assessment import approve_impact_assessment
from convoy.ceremonies.lifecycle import advance_convoy
from convoy.ceremonies.planning import add_task
from convoy.ceremonies.signatures import archive_form
from convoy.ceremonies.tribunal import attribute_defect, fix_defect, report_defect
from convoy.models import (
    ApprovalStage,
    AuditEvent,
    ChangeState,
    ConvoyState,
    DocumentKind,
    FeatureStatus,
    Role,
    RoleAssignment,
    RootCause,
    Verdict,
)
from tests.approval_helpers import (
    Committee,
    complete_manifest,
    file_and_sign,
    run_sitting,
    sailing_morning,
)
from tests.factories import person
from tests.pipeline.conftest import (
    assess,
    certify,
    collect_signatures,
    convene,
    inspect,
    make_crew,
)
from tests.voyage_records import ALL_SLIDES

S = ConvoyState


def advance(world, state):
    world.convoy = advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=state)
    assert world.convoy.state == state


def seat(world, crew) -> Committee:
    """A 3-member CSC and two features, F001 and F002 (as `seat_committee`, sharing the
    pipeline crew's EARB and DIAT)."""
    chair = person("csc.chair")
    RoleAssignment.objects.create(user=chair, role=Role.CSC, convoy=world.convoy, is_chair=True)
    members = [person(name, Role.CSC, convoy=world.convoy) for name in ("csc.ames", "csc.bell")]
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Sync Ledger", captain=world.other_captain)
    return Committee(
        world=world, chair=chair, members=members, cset=crew.cset, earb=crew.earb, diat=crew.diat
    )


def test_a_convoy_sails_from_alignment_to_closed(world, capsys):
    crew = make_crew(world)
    committee = seat(world, crew)
    features = list(world.convoy.features.order_by("number"))
    advance(world, S.PROVISIONING)

    for feature in features:
        add_task(actor=feature.captain, feature=feature, title="Draft", hours=Decimal("4"))
    advance(world, S.CODING)

    changes = [
        record_change(actor=world.engineer, feature=features[0], title="Reconcile ledgers"),
        record_change(actor=world.other_engineer, feature=features[1], title="Sync ledgers"),
    ]
    for change in changes:
        assess(crew, change)
        for approver in (change.feature.captain, crew.cset, crew.earb, crew.douche):
            approve_impact_assessment(actor=approver, change=change)
    advance(world, S.CODE_INSPECTION)

    inspect(crew, changes)
    advance(world, S.TESTING)

    for change in changes:
        certify(crew, change)
    for feature in features:
        certify_feature_testing(actor=world.qa, feature=feature)
    advance(world, S.SYSTEM_INTEGRATION_TESTING)

    # The CRAP: signatures, archive, agenda, Convening, seven unanimous ballots (R23-R30).
    for change in changes:
        collect_signatures(crew, change)
        archive_form(actor=change.author, change=change)
    convening = convene(crew, changes)
    for change in changes:
        for member in crew.crap:
            cast_ballot(actor=member, convening=convening, change=change, accept=True)
        change.refresh_from_db()
        assert change.state == ChangeState.ACCEPTED

    # READY: the request, peer-reviewed, approved in duplicate, then the Commodore (R43).
    request = file_deployment_request(actor=world.captain, convoy=world.convoy, summary="All.")
    approve_deployment_request(
        actor=world.other_captain, request=request, stage=ApprovalStage.PEER_REVIEW
    )
    for member in committee.members:
        approve_deployment_request(actor=member, request=request, stage=ApprovalStage.APPROVAL)
    approve_deployment_request(
        actor=world.commodore, request=request, stage=ApprovalStage.COMMODORE
    )
    for feature in features:
        file_and_sign(committee, DocumentKind.SIT_SIGN_OFF, feature)
    advance(world, S.MANIFEST_APPROVAL)

    # The sailing date: Held in Port for one missing SAD Update, remedied, reconvened (R41).
    clock.travel_to(sailing_morning())
    filed = {(f.code, DocumentKind.SIT_SIGN_OFF) for f in features}
    complete_manifest(committee, leave=filed | {("F002", DocumentKind.SAD_UPDATE)})
    held = run_sitting(committee)
    assert held.verdict == Verdict.HELD_IN_PORT
    world.convoy.refresh_from_db()
    assert world.convoy.state == S.HELD_IN_PORT
    clock.travel_to(clock.now() + dt.timedelta(hours=2))
    file_and_sign(committee, DocumentKind.SAD_UPDATE, features[1])
    sails = run_sitting(committee)
    assert sails.verdict == Verdict.FLEET_MAY_SAIL
    world.convoy.refresh_from_db()

    sign_readiness_checklist(actor=world.commodore, convoy=world.convoy)
    deployment = deploy_fleet(actor=world.commodore, convoy=world.convoy)
    world.convoy.refresh_from_db()
    assert world.convoy.state == S.SAILED and deployment.deployed_at == world.convoy.sailed_at
    assert set(world.convoy.features.values_list("status", flat=True)) == {FeatureStatus.SHIPPED}

    yield_results(actor=world.commodore, convoy=world.convoy, results="Deployed.")
    inspection = open_fleet_inspection(actor=world.commodore, convoy=world.convoy)
    advance(world, S.FLEET_INSPECTION)

    leader = person("leader.vance", Role.LEADERSHIP, convoy=world.convoy)
    for index, feature in enumerate(features):
        presentation = record_presentation(
            actor=feature.captain,
            inspection=inspection,
            feature=feature,
            slot_start=clock.now() + dt.timedelta(minutes=45 * index),
            duration_minutes=45,
            slide_count=27,
            slides=ALL_SLIDES,
            lessons=["Start the documentation earlier."],
        )
        marks = (5, 5, 5, 5) if index == 0 else (3, 2, 3, 3)
        score_presentation(
            actor=leader,
            presentation=presentation,
            marks=dict(
                zip(
                    [
                        "slide_quality",
                        "narrative_coherence",
                        "metric_compliance",
                        "time_management",
                    ],
                    marks,
                    strict=True,
                )
            ),
        )
    conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    compile_report(actor=person("cso", Role.CSO), inspection=inspection)
    assert inspection.commendations.get().feature == features[0]
    assert inspection.tribunal_flags.get().feature == features[1]
    advance(world, S.DRY_DOCK)

    defect = report_defect(
        actor=world.commodore,
        convoy=world.convoy,
        title="Totals off by a cent",
        tier=2,
        root_cause=RootCause.CODE_ENGINEER_ERROR,
        changes=[changes[0]],
    )
    attribute_defect(actor=crew.diat, defect=defect)
    fix_defect(actor=world.commodore, defect=defect)
    advance(world, S.CLOSED)

    advances = AuditEvent.objects.filter(action="convoy.advance").order_by("seq")
    assert [e.after["state"] for e in advances][-4:] == [
        S.SAILED,
        S.FLEET_INSPECTION,
        S.DRY_DOCK,
        S.CLOSED,
    ]
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
