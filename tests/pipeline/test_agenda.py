"""The agenda: intake (R24), cutoff and package (R25), distribution (R26), the scheduler."""

import datetime as dt

import pytest
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.agenda import (
    cutoff_for,
    distribute_agenda,
    schedule_convenings,
    submit_to_agenda,
)
from convoy.ceremonies.convening import open_convening
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import (
    AgendaCopy,
    AgendaSubmission,
    Cadence,
    Change,
    ChangeRejectionLogEntry,
    ChangeState,
    Convening,
    IntakeRejection,
)
from tests.pipeline.conftest import (
    PACKAGE,
    archived_change,
    new_change,
    schedule,
    submit,
    to_coding,
    to_signatures,
)


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def week(crew):
    """Convenings on Tue 12, Thu 14, Tue 19 and Thu 21 January 2027, at 10:00."""
    clock.travel_to(local(2027, 1, 11, 8, 0))
    return schedule_convenings(
        actor=crew.chair, start=dt.date(2027, 1, 11), weeks=2, cadence=Cadence.TWICE_WEEKLY
    )


@pytest.fixture
def archived(crew):
    change = archived_change(crew)
    clock.travel_to(local(2027, 1, 11, 8, 0))
    return change


def test_a_submission_without_the_archived_form_is_refused_at_intake(crew):  # R24
    change = to_signatures(crew, [new_change(crew)])[0]
    schedule(crew)
    with pytest.raises(ProcessViolation) as refusal:
        submit(crew, change)
    assert refusal.value.rule == "R24"
    assert "Refused at intake" in refusal.value.message
    assert "lacks the archived, verified change request form" in refusal.value.message
    assert not AgendaSubmission.objects.exists()
    assert Change.objects.get(pk=change.pk).state == ChangeState.SIGNATURES


def test_an_intake_rejection_is_recorded_for_the_team_not_in_the_rejection_log(crew):  # R24
    change = to_coding(crew, new_change(crew))
    schedule(crew)
    with pytest.raises(ProcessViolation):
        submit(crew, change)
    rejection = IntakeRejection.objects.get()
    assert rejection.change == change
    assert rejection.team == "Team Kestrel"
    assert "has no change request form" in rejection.reason
    assert not ChangeRejectionLogEntry.objects.exists()


def test_a_submission_at_17_00_the_business_day_before_is_on_the_agenda(
    crew, archived, week
):  # R25
    clock.travel_to(local(2027, 1, 11, 17, 0))
    submission = submit(crew, archived, week[0])
    assert submission.convening == week[0]
    assert not submission.rolled_over


def test_a_later_submission_goes_to_the_following_convening(crew, archived, week):  # R25
    clock.travel_to(local(2027, 1, 11, 17, 0, 1))
    submission = submit(crew, archived, week[0])
    assert submission.convening == week[1]
    assert submission.requested_convening == week[0]
    assert submission.rolled_over


def test_the_cutoff_falls_on_the_business_day_before(crew, week):  # R25
    assert cutoff_for(week[0]) == local(2027, 1, 11, 17, 0)
    # Tuesday 19 January follows Martin Luther King Jr. Day: the cutoff is Friday's.
    assert cutoff_for(week[2]) == local(2027, 1, 15, 17, 0)


def test_each_submission_carries_the_cia_and_both_declarations(crew, archived, week):  # R25
    with pytest.raises(ProcessViolation) as refusal:
        submit_to_agenda(
            actor=crew.engineer,
            change=archived,
            risk_exposure_summary=PACKAGE["risk_exposure_summary"],
            rollback_authorization_declaration=" ",
        )
    assert refusal.value.rule == "R25"
    assert "Missing: Rollback Authorization Declaration" in refusal.value.message
    assert not AgendaSubmission.objects.exists()
    submission = submit(crew, archived)
    assert submission.impact_assessment == archived.impact_assessment
    assert submission.request_form.archived
    assert submission.risk_exposure_summary == PACKAGE["risk_exposure_summary"]


def test_the_agenda_is_distributed_to_all_seven_members(crew, archived, week):  # R26
    submit(crew, archived, week[0])
    clock.travel_to(local(2027, 1, 11, 10, 0))  # exactly 24 hours before
    distribute_agenda(actor=crew.chair, convening=week[0])
    copies = AgendaCopy.objects.filter(convening=week[0])
    assert sorted(c.member_id for c in copies) == sorted(m.pk for m in crew.crap)
    assert all(c.changes == [archived.record_id] for c in copies)


def test_the_agenda_is_not_distributed_less_than_24_hours_ahead(crew, week):  # R26
    clock.travel_to(local(2027, 1, 11, 10, 0, 1))
    with pytest.raises(ProcessViolation) as refusal:
        distribute_agenda(actor=crew.chair, convening=week[0])
    assert refusal.value.rule == "R26"
    assert "at least 24 hours before the Convening, that is by 2027-01-11 10:00" in (
        refusal.value.message
    )
    assert not AgendaCopy.objects.exists()


def test_a_convening_without_a_distributed_agenda_does_not_open(crew, week):  # R26
    clock.travel_to(week[0].scheduled_for)
    with pytest.raises(ProcessViolation) as refusal:
        open_convening(actor=crew.chair, convening=week[0])
    assert refusal.value.rule == "R26"


def test_a_submission_after_distribution_goes_to_the_following_convening(
    crew, archived, week
):  # R25, R26
    distribute_agenda(actor=crew.chair, convening=week[0])
    submission = submit(crew, archived, week[0])
    assert submission.convening == week[1]


def test_convenings_are_scheduled_twice_a_week(crew):
    clock.travel_to(local(2027, 1, 3, 12, 0))
    created = schedule_convenings(
        actor=crew.chair, start=dt.date(2027, 1, 4), weeks=2, cadence=Cadence.TWICE_WEEKLY
    )
    assert [timezone.localtime(c.scheduled_for) for c in created] == [
        local(2027, 1, 5, 10, 0),
        local(2027, 1, 7, 10, 0),
        local(2027, 1, 12, 10, 0),
        local(2027, 1, 14, 10, 0),
    ]


def test_convenings_can_be_scheduled_every_two_weeks(crew):
    clock.travel_to(local(2027, 1, 3, 12, 0))
    created = schedule_convenings(
        actor=crew.chair, start=dt.date(2027, 1, 4), weeks=4, cadence=Cadence.BIWEEKLY
    )
    assert [timezone.localdate(c.scheduled_for) for c in created] == [
        dt.date(2027, 1, 5),
        dt.date(2027, 1, 19),
    ]
    assert {c.cadence for c in created} == {Cadence.BIWEEKLY}


def test_a_convening_falling_on_a_holiday_moves_to_the_next_business_day(crew):
    created = schedule_convenings(
        actor=crew.chair, start=dt.date(2027, 11, 22), weeks=1, cadence=Cadence.TWICE_WEEKLY
    )
    # Thursday 25 November 2027 is Thanksgiving.
    assert [timezone.localdate(c.scheduled_for) for c in created] == [
        dt.date(2027, 11, 23),
        dt.date(2027, 11, 26),
    ]


def test_only_the_chair_schedules_convenings(crew):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        schedule_convenings(
            actor=crew.crap[3], start=dt.date(2027, 1, 4), weeks=1, cadence=Cadence.TWICE_WEEKLY
        )
    assert refusal.value.rule == "R4"
    assert "chairperson" in refusal.value.message
    assert not Convening.objects.exists()
