"""The secret ballot and its outcome: R29–R32 (and R1, R4 for who may vote)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction

from convoy.ceremonies.convening import cast_ballot, close_convening
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.signatures import archive_form, resubmit_change
from convoy.models import (
    AgendaSubmission,
    AuditEvent,
    Ballot,
    BallotParticipation,
    Change,
    ChangeRejectionLogEntry,
    ChangeRequestForm,
    ChangeState,
    RejectionNotice,
    Role,
    RoleAssignment,
    Tally,
)
from tests.pipeline.conftest import (
    archived_change,
    collect_signatures,
    convene,
    new_change,
    submit,
    to_archived,
)


@pytest.fixture
def voting(crew):
    change = archived_change(crew)
    convening = convene(crew, [change])
    return convening, change


def vote(member, voting, accept=True, reasons=()):
    convening, change = voting
    return cast_ballot(
        actor=member, convening=convening, change=change, accept=accept, reasons=reasons
    )


def stored():
    return (Ballot.objects.count(), BallotParticipation.objects.count(), Tally.objects.count())


def test_each_member_casts_exactly_one_ballot(crew, voting):  # R29
    vote(crew.crap[2], voting)
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[2], voting, accept=False, reasons=[4])
    assert refusal.value.rule == "R29"
    assert "has already voted" in refusal.value.message
    assert stored() == (1, 1, 0)


def test_the_database_holds_one_envelope_per_member(crew, voting):  # R29
    vote(crew.crap[2], voting)
    convening, change = voting
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotParticipation.objects.create(convening=convening, change=change, member=crew.crap[2])


def test_a_person_outside_the_crap_may_not_vote(crew, voting):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.world.commodore, voting)
    assert refusal.value.rule == "R4"
    assert "Change Rejection or Acceptance Party" in refusal.value.message
    assert stored() == (0, 0, 0)


def test_a_member_may_not_vote_on_a_change_they_authored(crew):  # R1
    author = crew.crap[4]
    RoleAssignment.objects.create(user=author, role=Role.CODE_ENGINEER, convoy=crew.world.convoy)
    crew.feature.team.add(author)
    change = to_archived(crew, [new_change(crew, "Own work", author)])[0]
    convening = convene(crew, [change])
    with pytest.raises(ProcessViolation) as refusal:
        vote(author, (convening, change))
    assert refusal.value.rule == "R1"
    assert "may not vote on a Change they authored" in refusal.value.message
    assert stored() == (0, 0, 0)


def test_ballots_are_cast_only_after_the_presentation(crew):  # R29
    change = archived_change(crew)
    convening = convene(crew, [change], present=False)
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[1], (convening, change))
    assert refusal.value.rule == "R29"
    assert stored() == (0, 0, 0)


def test_ballots_are_not_tallied_before_all_seven_are_cast(crew, voting):  # R30
    for member in crew.crap[:6]:
        vote(member, voting)
    assert stored() == (6, 6, 0)
    assert Change.objects.get(pk=voting[1].pk).state == ChangeState.ON_AGENDA


def test_seven_accepts_accept_the_change(crew, voting):  # R30
    for member in crew.crap:
        vote(member, voting)
    tally = Tally.objects.get()
    assert (tally.accepts, tally.rejects, tally.outcome) == (7, 0, "ACCEPTED")
    assert Change.objects.get(pk=voting[1].pk).state == ChangeState.ACCEPTED
    assert AgendaSubmission.objects.get().outcome == "ACCEPTED"
    assert not RejectionNotice.objects.exists()


def test_one_reject_ballot_rejects_the_change(crew, voting):  # R30
    for member in crew.crap[:6]:
        vote(member, voting)
    vote(crew.crap[6], voting, accept=False, reasons=[12])
    tally = Tally.objects.get()
    assert (tally.accepts, tally.rejects, tally.outcome) == (6, 1, "REJECTED")
    assert Change.objects.get(pk=voting[1].pk).state == ChangeState.REJECTED


def test_the_database_refuses_an_acceptance_that_is_not_unanimous(crew, voting):  # R30
    convening, change = voting
    with pytest.raises(IntegrityError), transaction.atomic():
        Tally.objects.create(
            submission=AgendaSubmission.objects.get(),
            convening=convening,
            change=change,
            accepts=6,
            rejects=1,
            outcome="ACCEPTED",
            tallied_at=convening.scheduled_for,
        )


def test_no_ballot_is_received_after_the_tally(crew, voting):  # R30
    for member in crew.crap:
        vote(member, voting)
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[0], voting, accept=False, reasons=[1])
    assert refusal.value.rule == "R30"
    assert "have been tallied" in refusal.value.message
    assert stored() == (7, 7, 1)


def test_a_reject_ballot_names_the_items_found_incomplete(crew, voting):  # R31
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[1], voting, accept=False)
    assert refusal.value.rule == "R31"
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[1], voting, accept=True, reasons=[3])
    assert refusal.value.rule == "R31"
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("item", [48, 0, "item 3"])
def test_an_item_not_on_the_checklist_is_refused(crew, voting, item):  # R31
    with pytest.raises(ProcessViolation) as refusal:
        vote(crew.crap[1], voting, accept=False, reasons=[5, item])
    assert refusal.value.rule == "R31"
    assert stored() == (0, 0, 0)


def test_the_rejection_notice_lists_the_union_of_reasons_without_attribution(crew, voting):  # R31
    for member in crew.crap[:5]:
        vote(member, voting)
    vote(crew.crap[5], voting, accept=False, reasons=[12, 3])
    vote(crew.crap[6], voting, accept=False, reasons=[3, 40])
    notice = RejectionNotice.objects.get()
    assert notice.items == [3, 12, 40]
    assert notice.team == "Team Kestrel"
    user_model = get_user_model()
    assert not [
        f
        for f in RejectionNotice._meta.get_fields()
        if isinstance(f, models.ForeignKey) and f.related_model is user_model
    ]
    event = AuditEvent.objects.get(action="rejection.notice")
    assert event.after["items"] == [3, 12, 40]
    assert set(event.after) == {"change_id", "items", "team"}


def reject(crew, voting, reasons=(9,)):
    for member in crew.crap[:6]:
        vote(member, voting)
    vote(crew.crap[6], voting, accept=False, reasons=reasons)


def test_each_rejection_is_logged_with_the_resubmission_count(crew, voting):  # R32
    convening, change = voting
    reject(crew, voting)
    close_convening(actor=crew.chair, convening=convening)
    form = resubmit_change(actor=crew.engineer, change=change)
    assert form.revision == 1
    change.refresh_from_db()
    assert (change.state, change.resubmission_count) == (ChangeState.SIGNATURES, 1)
    collect_signatures(crew, change)
    archive_form(actor=crew.engineer, change=change)
    second = convene(crew, [change])
    reject(crew, (second, change), reasons=(2,))
    log = list(ChangeRejectionLogEntry.objects.order_by("logged_at"))
    assert [(e.convening_id, e.reasons, e.resubmission_count) for e in log] == [
        (convening.pk, [9], 0),
        (second.pk, [2], 1),
    ]


def test_no_reconsideration_within_the_same_convening(crew, voting):  # R32
    convening, change = voting
    reject(crew, voting)
    resubmit_change(actor=crew.engineer, change=change)
    collect_signatures(crew, change)
    archive_form(actor=crew.engineer, change=change)
    with pytest.raises(ProcessViolation) as refusal:
        submit(crew, change, convening)
    assert refusal.value.rule == "R32"
    assert "no reconsideration within the same Convening" in refusal.value.message
    later = submit(crew, change)
    assert later.convening != convening
    assert ChangeRequestForm.objects.filter(change=change).count() == 2
