"""The Remediation Window (R41): while Held in Port every mutation except remedying the listed
deficiencies is refused, with nothing changed; the Committee reconvenes within the window;
after it lapses the Fleet stays Held in Port and only an Emergency Sail (R42) remains."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.emergency_sail import (
    approve_emergency_sail,
    file_emergency_sail,
    sign_emergency_sail,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import advance_convoy
from convoy.ceremonies.manifest import file_document
from convoy.ceremonies.planning import add_task, edit_feature
from convoy.models import (
    AuditEvent,
    Change,
    ConvoyState,
    ManifestDocument,
    RiskCategory,
    Task,
)
from tests.approval_helpers import (
    K,
    complete_manifest,
    file_and_sign,
    put_in_manifest_approval,
    run_sitting,
    seat_committee,
)

FULL_MATRIX = {c.value: {"likelihood": 2, "impact": 5} for c in RiskCategory}


@pytest.fixture
def held(world):
    """Held in Port with exactly one listed deficiency: F001's SOS Minutes."""
    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    complete_manifest(committee, leave=[("F001", K.SOS_MINUTES)])
    run_sitting(committee)
    assert committee.convoy.state == ConvoyState.HELD_IN_PORT
    return committee


def test_work_outside_the_listed_deficiencies_is_refused_and_nothing_changes(held):  # R41
    world = held.world
    feature = held.convoy.features.get(number=1)
    events, tasks, changes = (
        AuditEvent.objects.count(),
        Task.objects.count(),
        Change.objects.count(),
    )
    attempts = [
        lambda: add_task(actor=world.captain, feature=feature, title="More", hours=Decimal(2)),
        lambda: record_change(actor=world.engineer, feature=feature, title="One more thing"),
        lambda: edit_feature(actor=world.captain, feature=feature, name="Ledger Sync Two"),
        lambda: file_document(
            actor=world.captain, convoy=held.convoy, feature=feature, kind=K.SAD_UPDATE, body="v2"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ProcessViolation) as refusal:
            attempt()
        assert refusal.value.rule == "R41"
        assert "Held in Port" in refusal.value.message
    assert (AuditEvent.objects.count(), Task.objects.count(), Change.objects.count()) == (
        events,
        tasks,
        changes,
    )
    feature.refresh_from_db()
    assert feature.name == "Ledger Sync"


def test_a_listed_deficiency_may_be_remedied(held):  # R41
    feature = held.convoy.features.get(number=1)
    document = file_and_sign(held, K.SOS_MINUTES, feature)
    assert document.signature_verified
    assert ManifestDocument.objects.filter(kind=K.SOS_MINUTES, feature=feature).exists()


def test_after_reconvening_work_resumes(held):  # R41
    feature = held.convoy.features.get(number=1)
    file_and_sign(held, K.SOS_MINUTES, feature)
    clock.travel_to(clock.now() + dt.timedelta(hours=3))
    again = run_sitting(held)
    assert again.verdict == "FLEET_MAY_SAIL"
    add_task(actor=held.world.captain, feature=feature, title="Sail", hours=Decimal(1))


def test_after_the_window_lapses_work_stays_suspended(held):  # R41
    clock.travel_to(clock.now() + dt.timedelta(hours=49))
    feature = held.convoy.features.get(number=1)
    with pytest.raises(ProcessViolation) as refusal:
        add_task(actor=held.world.captain, feature=feature, title="Late", hours=Decimal(1))
    assert refusal.value.rule == "R41"
    assert "lapsed" in refusal.value.message
    with pytest.raises(ProcessViolation) as manual:
        advance_convoy(
            actor=held.world.commodore, convoy=held.convoy, to_state=ConvoyState.MANIFEST_APPROVAL
        )
    assert manual.value.rule == "R41"


def test_after_a_lapse_an_approved_emergency_sail_brings_the_convoy_back(held):  # R41, R42
    clock.travel_to(clock.now() + dt.timedelta(hours=49))
    request = file_emergency_sail(
        actor=held.world.commodore,
        convoy=held.convoy,
        risk_acceptance_matrix=FULL_MATRIX,
        justification_narrative="because " * 3000,
        remediation_plan="Every missing paperwork completed.",
        remediation_business_days=5,
    )
    for member in held.everyone:
        sign_emergency_sail(actor=member, sail_request=request)
    approve_emergency_sail(actor=held.world.admiral, sail_request=request)
    convoy = advance_convoy(
        actor=held.world.commodore, convoy=held.convoy, to_state=ConvoyState.MANIFEST_APPROVAL
    )
    assert convoy.state == ConvoyState.MANIFEST_APPROVAL


def test_the_refusal_reaches_the_page_as_a_form_error(client, held):  # R41
    client.force_login(held.world.captain)
    feature = held.convoy.features.get(number=1)
    response = client.post(
        reverse("convoy:task_add", args=[held.convoy.number, feature.number]),
        {"title": "More", "hours": "2"},
        follow=True,
    )
    assert "R41" in response.content.decode()
    assert not Task.objects.filter(title="More").exists()


def test_the_approval_page_says_what_a_lapse_means(client, held):  # R41
    clock.travel_to(clock.now() + dt.timedelta(hours=49))
    client.force_login(held.world.engineer)
    page = client.get(reverse("convoy:approval", args=[held.convoy.number])).content.decode()
    assert "The Remediation Window lapsed" in page
    assert "the one course left is an" in page
