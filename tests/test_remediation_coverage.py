"""R41 across the CRAP pipeline and crew seating: while a Convoy is Held in Port every
mutation of its work is refused, except remedying the listed deficiencies. One test per
ceremony family (agenda, Convening, Change Impact Assessment, Code Inspection, certification,
signature protocol, Emergency Authorization, role assignment); each refusal cites R41 and
changes nothing."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.agenda import submit_to_agenda
from convoy.ceremonies.certification import certify_testing
from convoy.ceremonies.code_inspection import record_inspection
from convoy.ceremonies.convening import (
    administer_oath,
    cast_ballot,
    start_presentation,
    stop_presentation,
)
from convoy.ceremonies.crew import assign_role
from convoy.ceremonies.emergency import agree_emergency, approve_emergency, authorize_emergency
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import approve_impact_assessment
from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.planning import register_feature
from convoy.ceremonies.signatures import sign_form
from convoy.models import (
    REMEDIATION_WINDOW,
    AuditEvent,
    BallotParticipation,
    Change,
    ConvoyState,
    EmergencyAuthorization,
    ManifestApproval,
    Oath,
    Presentation,
    Role,
    RoleAssignment,
    SittingStage,
    Verdict,
)
from tests.factories import person
from tests.pipeline.conftest import (
    PACKAGE,
    Crew,
    all_pass,
    archived_change,
    assess,
    convene,
    inspect,
    make_crew,
    new_change,
    open_inspections,
    receiving_convening,
    to_coding,
    to_signatures,
)
from tests.pipeline.test_emergency import declare


@pytest.fixture
def crew(world) -> Crew:
    return make_crew(world)


def hold(world) -> None:
    """The Committee's verdict: The Fleet Is Held in Port, one Manifest item listed (R39),
    and the 48-hour Remediation Window running (R41)."""
    now = clock.now()
    ManifestApproval.objects.create(
        convoy=world.convoy,
        convened_at=now,
        convened_by=world.commodore,
        stage=SittingStage.CONCLUDED,
        verdict=Verdict.HELD_IN_PORT,
        verdict_at=now,
        deficiencies=[{"key": "convoy:SAD_UPDATE", "rule": "R36", "item": "SAD_UPDATE"}],
        remediation_until=now + REMEDIATION_WINDOW,
    )
    world.convoy.state = ConvoyState.HELD_IN_PORT
    world.convoy.save(update_fields=["state"])


def records() -> tuple:
    """What a refused ceremony must leave as it was."""
    return (
        AuditEvent.objects.count(),
        sorted(Change.objects.values_list("pk", "state")),
        Oath.objects.count(),
        sorted(Presentation.objects.values_list("pk", "ended_at")),
        BallotParticipation.objects.count(),
        RoleAssignment.objects.count(),
        sorted(EmergencyAuthorization.objects.values_list("pk", "chair_agreed_at")),
    )


def refused(attempt) -> None:
    """The attempt is refused under R41 while the window runs, and nothing changed."""
    before = records()
    with pytest.raises(ProcessViolation) as refusal:
        attempt()
    assert refusal.value.rule == "R41", refusal.value.message
    assert "Held in Port" in refusal.value.message
    assert "Remediation Window runs until" in refusal.value.message
    assert records() == before


def test_the_agenda_refuses_a_submission(crew):  # R41, R25
    change = archived_change(crew)
    convening = receiving_convening(crew)
    hold(crew.world)
    refused(
        lambda: submit_to_agenda(actor=change.author, change=change, convening=convening, **PACKAGE)
    )


def test_the_convening_refuses_oath_presentation_and_ballot(crew):  # R41, R27-R29
    first, second = (archived_change(crew, title) for title in ("Reconcile", "Export"))
    convening = convene(crew, [first, second], present=False)
    administer_oath(actor=crew.chair, convening=convening, supplicant=crew.engineer)
    submissions = {s.change_id: s for s in convening.submissions.all()}
    start_presentation(actor=crew.chair, submission=submissions[first.pk])
    clock.travel_to(clock.now() + dt.timedelta(seconds=150))
    hold(crew.world)
    refused(lambda: stop_presentation(actor=crew.chair, submission=submissions[first.pk]))
    refused(lambda: start_presentation(actor=crew.chair, submission=submissions[second.pk]))
    for member in crew.crap:
        refused(
            lambda member=member: cast_ballot(
                actor=member, convening=convening, change=first, accept=True
            )
        )


def test_the_oath_is_refused_when_every_change_of_the_supplicant_is_suspended(crew):  # R41
    change = archived_change(crew)
    convening = convene(crew, [change], present=False)
    hold(crew.world)
    refused(
        lambda: administer_oath(actor=crew.chair, convening=convening, supplicant=crew.engineer)
    )


def second_convoy_feature(world):
    """F001 of CONVOY-2, a Convoy at work, with the same captain and engineers."""
    other = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )
    for user, role in (
        (world.captain, Role.FEATURE_CAPTAIN),
        (world.engineer, Role.CODE_ENGINEER),
        (world.other_engineer, Role.CODE_ENGINEER),
    ):
        RoleAssignment.objects.create(user=user, role=role, convoy=other)
    return register_feature(
        actor=world.captain,
        convoy=other,
        name="Ledger Export",
        captain=world.captain,
        number=1,
        team=[world.engineer, world.other_engineer],
    )


def test_the_oath_serves_a_supplicant_s_change_in_a_convoy_at_work(crew):  # R41, R27
    held_change = archived_change(crew, "Reconcile")
    crew._feature = second_convoy_feature(crew.world)
    working_change = archived_change(crew, "Export")
    convening = convene(crew, [held_change, working_change], present=False)
    hold(crew.world)
    oath = administer_oath(actor=crew.chair, convening=convening, supplicant=crew.engineer)
    assert oath.supplicant == crew.engineer
    held = convening.submissions.get(change=held_change)
    refused(lambda: start_presentation(actor=crew.chair, submission=held))
    working = convening.submissions.get(change=working_change)
    assert start_presentation(actor=crew.chair, submission=working).presenter == crew.engineer


def test_the_impact_assessment_chain_refuses_an_approval(crew):  # R41, R20
    change = new_change(crew)
    assess(crew, change)
    hold(crew.world)
    refused(lambda: approve_impact_assessment(actor=crew.world.captain, change=change))


def test_the_code_inspection_refuses_a_recording(crew):  # R41, R21
    change = to_coding(crew, new_change(crew))
    (inspection,) = open_inspections(crew, [change])
    hold(crew.world)
    refused(lambda: record_inspection(actor=crew.cset, inspection=inspection, results=all_pass()))


def test_certification_refuses_a_testing_certificate(crew):  # R41, R22
    change = to_coding(crew, new_change(crew))
    inspect(crew, [change])
    hold(crew.world)
    refused(lambda: certify_testing(actor=crew.qa, change=change))


def test_the_signature_protocol_refuses_a_signature(crew):  # R41, R23
    (change,) = to_signatures(crew, [new_change(crew)])
    hold(crew.world)
    refused(lambda: sign_form(actor=crew.cgr[0], change=change, signature="sig:cgr.alvarez"))


def test_the_emergency_provision_refuses_agreement_and_approval(crew):  # R41, R34
    authorization = declare(archived_change(crew))
    hold(crew.world)
    refused(lambda: agree_emergency(actor=crew.chair, authorization=authorization))
    refused(lambda: approve_emergency(actor=crew.crap[1], authorization=authorization))
    refused(lambda: authorize_emergency(actor=crew.world.admiral, authorization=authorization))


def test_seating_crew_in_the_convoy_is_refused(world):  # R41, R3
    newcomer = person("ce.newcomer")
    hold(world)
    refused(
        lambda: assign_role(
            actor=world.commodore, user=newcomer, role=Role.CODE_ENGINEER, convoy=world.convoy
        )
    )
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
