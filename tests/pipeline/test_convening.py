"""The CRAP Convening: seven seated (R3), the oath (R27), the timer (R28), false oaths (R35)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from convoy import clock
from convoy.ceremonies.agenda import distribute_agenda
from convoy.ceremonies.convening import (
    administer_oath,
    close_convening,
    open_convening,
    refer_false_oath,
    set_oath_text,
    start_presentation,
    stop_presentation,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import (
    AgendaSubmission,
    AuditEvent,
    Change,
    ChangeState,
    ConveningSeat,
    ConveningState,
    FalseOathReferral,
    Oath,
    OathMode,
    Presentation,
    Role,
    RoleAssignment,
    SubmissionOutcome,
)
from tests.pipeline.conftest import (
    archived_change,
    convene,
    new_change,
    receiving_convening,
    submit,
    to_archived,
)


@pytest.fixture
def distributed(crew):
    """A Convening at its scheduled time, agenda distributed, one archived Change on it."""
    change = archived_change(crew)
    convening = receiving_convening(crew)
    submit(crew, change, convening)
    distribute_agenda(actor=crew.chair, convening=convening)
    clock.travel_to(convening.scheduled_for)
    return convening


@pytest.fixture
def in_session(crew, distributed):
    open_convening(actor=crew.chair, convening=distributed)
    return distributed


def test_a_convening_opens_with_its_seven_seated_members(crew, distributed):  # R3
    open_convening(actor=crew.chair, convening=distributed)
    seats = ConveningSeat.objects.filter(convening=distributed)
    assert [s.seat for s in seats] == [1, 2, 3, 4, 5, 6, 7]
    assert seats.get(seat=1).is_chair
    distributed.refresh_from_db()
    assert distributed.state == ConveningState.OPEN


def test_a_convening_does_not_open_with_an_empty_seat(crew, distributed):  # R3
    RoleAssignment.objects.filter(role=Role.CRAP, seat=7).delete()
    with pytest.raises(ProcessViolation) as refusal:
        open_convening(actor=crew.chair, convening=distributed)
    assert refusal.value.rule == "R3"
    assert "Empty: seat 7" in refusal.value.message
    assert not ConveningSeat.objects.exists()


def test_a_convening_does_not_open_with_a_member_absent(crew, distributed):  # R3
    with pytest.raises(ProcessViolation) as refusal:
        open_convening(actor=crew.chair, convening=distributed, present=crew.crap[:6])
    assert refusal.value.rule == "R3"
    assert "cannot open with fewer than 7 seated members. Absent: seat 7" in refusal.value.message
    distributed.refresh_from_db()
    assert distributed.state == ConveningState.SCHEDULED


def test_only_the_chair_opens_a_convening(crew, distributed):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        open_convening(actor=crew.crap[1], convening=distributed)
    assert refusal.value.rule == "R4"


def test_no_oath_no_presentation(crew, in_session):  # R27
    submission = AgendaSubmission.objects.get()
    with pytest.raises(ProcessViolation) as refusal:
        start_presentation(actor=crew.chair, submission=submission)
    assert refusal.value.rule == "R27"
    assert "No oath, no presentation" in refusal.value.message
    assert not Presentation.objects.exists()


def test_each_oath_is_recorded_with_its_text_version(crew, in_session):  # R27
    set_oath_text(actor=crew.world.admiral, version="2027-rev", text="I swear, again.")
    oath = administer_oath(actor=crew.chair, convening=in_session, supplicant=crew.engineer)
    assert oath.oath_text.version == "2027-rev"
    assert oath.mode == OathMode.IN_PERSON
    event = AuditEvent.objects.get(action="oath.take")
    assert event.after["oath_version"] == "2027-rev"


def test_an_absent_submitter_files_a_notarised_oath_read_by_the_chair(crew, in_session):  # R27
    oath = administer_oath(
        actor=crew.chair,
        convening=in_session,
        supplicant=crew.engineer,
        notary="A. Notary, Commissioner for Oaths",
        notarised_on=dt.date(2027, 1, 6),
    )
    assert oath.mode == OathMode.NOTARISED
    assert oath.administered_by == crew.chair
    start_presentation(actor=crew.chair, submission=AgendaSubmission.objects.get())


def test_the_oath_is_administered_before_any_presentation(crew):  # R27
    mine, theirs = new_change(crew, "Mine"), new_change(crew, "Theirs", crew.world.other_engineer)
    to_archived(crew, [mine, theirs])
    convening = convene(crew, [mine, theirs], present=False)
    administer_oath(actor=crew.chair, convening=convening, supplicant=crew.engineer)
    first = AgendaSubmission.objects.get(change=mine)
    start_presentation(actor=crew.chair, submission=first)
    with pytest.raises(ProcessViolation) as refusal:
        administer_oath(actor=crew.chair, convening=convening, supplicant=crew.world.other_engineer)
    assert refusal.value.rule == "R27"
    assert "before any presentation" in refusal.value.message
    assert Oath.objects.count() == 1


def test_a_presenter_speaks_at_most_three_minutes_and_questions_follow(crew, in_session):  # R28
    administer_oath(actor=crew.chair, convening=in_session, supplicant=crew.engineer)
    submission = AgendaSubmission.objects.get()
    start_presentation(actor=crew.chair, submission=submission)
    clock.travel_to(clock.now() + dt.timedelta(seconds=200))
    presentation = stop_presentation(actor=crew.chair, submission=submission)
    assert presentation.speaking_seconds == 180
    assert presentation.question_seconds == 20


def test_the_database_holds_the_speaking_time_to_three_minutes(crew, in_session):  # R28
    administer_oath(actor=crew.chair, convening=in_session, supplicant=crew.engineer)
    presentation = start_presentation(actor=crew.chair, submission=AgendaSubmission.objects.get())
    with pytest.raises(IntegrityError), transaction.atomic():
        Presentation.objects.filter(pk=presentation.pk).update(
            ended_at=clock.now(), speaking_seconds=181
        )


def test_one_presenter_speaks_at_a_time(crew):  # R28
    mine, theirs = new_change(crew, "Mine"), new_change(crew, "Theirs")
    to_archived(crew, [mine, theirs])
    convening = convene(crew, [mine, theirs], present=False)
    administer_oath(actor=crew.chair, convening=convening, supplicant=crew.engineer)
    start_presentation(actor=crew.chair, submission=AgendaSubmission.objects.get(change=mine))
    with pytest.raises(ProcessViolation) as refusal:
        start_presentation(actor=crew.chair, submission=AgendaSubmission.objects.get(change=theirs))
    assert refusal.value.rule == "R28"


def test_a_false_oath_is_referred_to_the_tribunal(crew, in_session):  # R35
    oath = administer_oath(actor=crew.chair, convening=in_session, supplicant=crew.engineer)
    referral = refer_false_oath(
        actor=crew.chair, oath=oath, finding="The Change was not as described."
    )
    assert FalseOathReferral.objects.get() == referral
    event = AuditEvent.objects.get(action="oath.refer_to_tribunal")
    assert event.after["supplicant_id"] == crew.engineer.pk
    assert event.after["oath_version"] == "2027"
    with pytest.raises(ProcessViolation) as refusal:
        refer_false_oath(actor=crew.chair, oath=oath, finding="Again.")
    assert refusal.value.rule == "R35"


def test_a_false_oath_referral_states_its_finding(crew, in_session):  # R35
    oath = administer_oath(actor=crew.chair, convening=in_session, supplicant=crew.engineer)
    with pytest.raises(ProcessViolation) as refusal:
        refer_false_oath(actor=crew.chair, oath=oath, finding=" ")
    assert refusal.value.rule == "R35"
    for outsider in (crew.crap[2], crew.rbrb):  # the RBRB reads, never refers (issue 10)
        with pytest.raises(ProcessViolation) as refusal:
            refer_false_oath(actor=outsider, oath=oath, finding="Suspicious.")
        assert refusal.value.rule == "R4"
    assert not FalseOathReferral.objects.exists()


def test_closing_returns_changes_not_heard_to_archived(crew, in_session):  # R32
    close_convening(actor=crew.chair, convening=in_session)
    submission = AgendaSubmission.objects.get()
    assert submission.outcome == SubmissionOutcome.NOT_HEARD
    assert Change.objects.get(pk=submission.change_id).state == ChangeState.ARCHIVED
