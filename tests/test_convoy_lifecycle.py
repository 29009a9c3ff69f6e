"""The Convoy state machine: R7 (order only), R8 (exit criteria), R4 (only the Commodore)."""

import datetime as dt
import itertools

import pytest

from convoy import clock
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import TRANSITIONS, advance_convoy
from convoy.ceremonies.planning import add_task
from convoy.models import (
    AuditEvent,
    Certificate,
    CertificateKind,
    ChangeState,
    ConvoyState,
    DocumentKind,
    FeatureStatus,
    ManifestApproval,
    ManifestDocument,
    Verdict,
)
from tests.voyage_records import complete_records

S = ConvoyState
LEGAL_PATH = [
    S.PROVISIONING,
    S.CODING,
    S.CODE_INSPECTION,
    S.TESTING,
    S.SYSTEM_INTEGRATION_TESTING,
    S.MANIFEST_APPROVAL,
    S.SAILED,
    S.FLEET_INSPECTION,
    S.DRY_DOCK,
    S.CLOSED,
]
ILLEGAL_MOVES = [
    (src, dst) for src, dst in itertools.product(list(S), list(S)) if dst not in TRANSITIONS[src]
]


def certify(world, kind, **subject):
    return Certificate.objects.create(
        kind=kind,
        convoy=world.convoy,
        issued_by=subject.pop("issued_by", world.qa),
        issued_role=subject.pop("issued_role", "QA"),
        issued_at=clock.now(),
        **subject,
    )


def verdict(world, value):
    held = value == Verdict.HELD_IN_PORT
    return ManifestApproval.objects.create(
        convoy=world.convoy,
        convened_at=clock.now(),
        convened_by=world.commodore,
        verdict=value,
        verdict_at=clock.now(),
        remediation_until=clock.now() + dt.timedelta(hours=48) if held else None,
    )


def sit_sign_off(world, feature):
    return ManifestDocument.objects.create(
        convoy=world.convoy,
        feature=feature,
        kind=DocumentKind.SIT_SIGN_OFF,
        version=1,
        body="Integrated and tested together.",
        filed_by=world.captain,
        filed_at=clock.now(),
        signed_by=world.qa,
        signed_role="QA",
        signed_at=clock.now(),
        signature_verified=True,
    )


def make_criteria_hold(world, state):
    """Build the records whose presence the exit criteria of the current state ask for."""
    convoy = world.convoy
    feature = convoy.features.first()
    if state == S.ALIGNMENT:
        world.feature(1)
    elif state == S.PROVISIONING:
        add_task(actor=world.captain, feature=feature, title="Draft the SAD update", hours=4)
    elif state == S.CODING:
        record_change(actor=world.engineer, feature=feature, title="Reconcile ledgers")
    elif state == S.CODE_INSPECTION:
        feature.changes.update(state=ChangeState.ACCEPTED)
    elif state == S.TESTING:
        certify(world, CertificateKind.TESTING_COMPLETION, feature=feature)
    elif state == S.SYSTEM_INTEGRATION_TESTING:
        sit_sign_off(world, feature)  # R8: the feature's SIT Sign-Off in the Manifest, signed
    elif state == S.MANIFEST_APPROVAL:
        verdict(world, Verdict.FLEET_MAY_SAIL)
        certify(
            world,
            CertificateKind.DEPLOYMENT_READINESS,
            issued_by=world.commodore,
            issued_role="COMMODORE",
        )
    complete_records(world, state)  # R43-R47: from Manifest Approval to Closed


def test_the_legal_path_walks_from_alignment_to_closed(world):  # R7
    seen = [world.convoy.state]
    for target in LEGAL_PATH:
        make_criteria_hold(world, world.convoy.state)
        world.convoy = advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=target)
        seen.append(world.convoy.state)
    assert seen == [S.ALIGNMENT, *LEGAL_PATH]
    assert world.convoy.sailed_at is not None and world.convoy.closed_at is not None
    advances = AuditEvent.objects.filter(action="convoy.advance").order_by("seq")
    assert [e.after["state"] for e in advances] == [s.value for s in LEGAL_PATH]
    assert world.convoy.features.get().status == FeatureStatus.SHIPPED


@pytest.mark.parametrize(("src", "dst"), ILLEGAL_MOVES, ids=lambda s: s.value)
def test_every_illegal_transition_is_refused(world, src, dst):  # R7
    world.convoy.state = src
    world.convoy.save()
    events = AuditEvent.objects.count()
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=dst)
    assert refusal.value.rule == "R7"
    assert "process violation" in refusal.value.message
    world.convoy.refresh_from_db()
    assert world.convoy.state == src
    assert AuditEvent.objects.count() == events


def test_an_unknown_state_is_refused_as_a_violation(world):  # R7
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state="SUNK")
    assert refusal.value.rule == "R7"
    assert "'SUNK'" in refusal.value.message


def test_held_in_port_returns_to_manifest_approval(world):  # R7
    world.convoy.state = S.MANIFEST_APPROVAL
    world.convoy.save()
    held = verdict(world, Verdict.HELD_IN_PORT)
    convoy = advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=S.HELD_IN_PORT)
    # R41: the Committee reconvenes within the Remediation Window.
    ManifestApproval.objects.create(
        convoy=convoy, convened_at=clock.now(), convened_by=world.commodore, reconvenes=held
    )
    convoy = advance_convoy(actor=world.commodore, convoy=convoy, to_state=S.MANIFEST_APPROVAL)
    assert convoy.state == S.MANIFEST_APPROVAL


def test_system_integration_testing_needs_every_feature_certified(world):  # R8
    first = world.feature(1)
    world.feature(2)
    certify(world, CertificateKind.TESTING_COMPLETION, feature=first)
    world.convoy.state = S.TESTING
    world.convoy.save()
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(
            actor=world.commodore, convoy=world.convoy, to_state=S.SYSTEM_INTEGRATION_TESTING
        )
    assert refusal.value.rule == "R8"
    assert "No Testing Completion Certificate for F002" in refusal.value.message
    world.convoy.refresh_from_db()
    assert world.convoy.state == S.TESTING


def test_a_change_level_certificate_does_not_certify_the_feature(world):  # R8
    feature = world.feature(1)
    change = record_change(actor=world.engineer, feature=feature, title="Reconcile")
    certify(world, CertificateKind.TESTING_COMPLETION, feature=feature, change=change)
    world.convoy.state = S.TESTING
    world.convoy.save()
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(
            actor=world.commodore, convoy=world.convoy, to_state=S.SYSTEM_INTEGRATION_TESTING
        )
    assert refusal.value.rule == "R8"


def test_manifest_approval_needs_the_sit_sign_off(world):  # R8
    world.convoy.state = S.SYSTEM_INTEGRATION_TESTING
    world.convoy.save()
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=S.MANIFEST_APPROVAL)
    assert refusal.value.rule == "R8"
    assert "SIT Sign-Off" in refusal.value.message


@pytest.mark.parametrize(
    ("records", "missing"),
    [
        ({"verdict": None, "readiness": True}, "Fleet May Sail"),
        ({"verdict": Verdict.HELD_IN_PORT, "readiness": True}, "Fleet May Sail"),
        ({"verdict": Verdict.FLEET_MAY_SAIL, "readiness": False}, "Deployment Readiness"),
    ],
)
def test_sailing_needs_the_verdict_and_the_commodores_checklist(world, records, missing):  # R8
    world.convoy.state = S.MANIFEST_APPROVAL
    world.convoy.save()
    if records["verdict"]:
        verdict(world, records["verdict"])
    if records["readiness"]:
        certify(
            world,
            CertificateKind.DEPLOYMENT_READINESS,
            issued_by=world.commodore,
            issued_role="COMMODORE",
        )
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=S.SAILED)
    assert refusal.value.rule == "R8"
    assert missing in refusal.value.message
    world.convoy.refresh_from_db()
    assert world.convoy.state == S.MANIFEST_APPROVAL
    assert world.convoy.sailed_at is None


def test_a_checklist_signed_by_someone_else_does_not_count(world):  # R8
    world.convoy.state = S.MANIFEST_APPROVAL
    world.convoy.save()
    verdict(world, Verdict.FLEET_MAY_SAIL)
    certify(world, CertificateKind.DEPLOYMENT_READINESS, issued_by=world.captain)
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=S.SAILED)
    assert refusal.value.rule == "R8"


@pytest.mark.parametrize("who", ["captain", "engineer", "auditor", "admiral"])
def test_only_the_commodore_advances_the_convoy(world, who):  # R4, R7
    world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=getattr(world, who), convoy=world.convoy, to_state=S.PROVISIONING)
    assert refusal.value.rule == "R4"
    assert "Commodore" in refusal.value.message
    world.convoy.refresh_from_db()
    assert world.convoy.state == S.ALIGNMENT
