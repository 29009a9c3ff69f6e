"""The demo's Change pipeline and CRAP Convenings (`load_demo`, convoy/demo_pipeline.py).

Every demo Change carries the records its state requires, made by the ceremonies themselves:
the CIA and its chain, inspection rounds, certificates, signatures, the agenda, the Convening
with its oaths, timers, ballots and tally. Loaded once for the module, rolled back at the end.
"""

import datetime as dt
import io
import statistics

import pytest
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from convoy import clock
from convoy.models import (
    CIA_APPROVAL_CHAIN,
    AgendaCopy,
    AgendaSubmission,
    AuditEvent,
    Ballot,
    BallotParticipation,
    Certificate,
    CertificateKind,
    Change,
    ChangeImpactAssessment,
    ChangeRejectionLogEntry,
    ChangeRequestForm,
    ChangeState,
    CodeInspection,
    Convening,
    ConveningState,
    Convoy,
    EarbEscalation,
    FormSignature,
    IntakeRejection,
    Oath,
    Presentation,
    RejectionNotice,
    Tally,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

S = ChangeState
PAST_INSPECTION = [
    S.TESTING,
    S.DIAT_REVIEW,
    S.SIGNATURES,
    S.ARCHIVED,
    S.ON_AGENDA,
    S.ACCEPTED,
    S.REJECTED,
]
PAST_SIGNATURES = [S.ARCHIVED, S.ON_AGENDA, S.ACCEPTED, S.REJECTED]


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.test import override_settings

    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        yield load()
        transaction.set_rollback(True)


def demo_changes():
    return Change.objects.filter(feature__convoy__number__in=(26, 27))


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


# --- §4: the pipeline before the Convening --------------------------------------------------


def test_every_assessed_change_has_a_cia_rating_all_17_categories():  # R19
    assessed = demo_changes().exclude(state=S.DRAFT)
    assert assessed.count() > 80
    for change in assessed:
        ratings = change.impact_assessment.ratings.all()
        assert len(ratings) == 17
        assert change.impact_assessment.risk_score == sum(r.rating for r in ratings)
    assert not ChangeImpactAssessment.objects.filter(change__state=S.DRAFT).exists()


def test_changes_past_the_cia_were_approved_by_the_whole_chain_in_order():  # R20
    coded = demo_changes().exclude(state__in=[S.DRAFT, S.IMPACT_ASSESSMENT])
    for change in coded:
        approvals = list(change.impact_assessment.approvals.order_by("step"))
        assert [a.role for a in approvals] == [r.value for r in CIA_APPROVAL_CHAIN]
        assert approvals[0].approver_id == change.feature.captain_id
        times = [a.approved_at for a in approvals]
        assert times == sorted(times) and len(set(times)) == 4
    waiting = demo_changes().filter(state=S.IMPACT_ASSESSMENT)
    assert waiting.exists()
    assert all(c.impact_assessment.approved_at is None for c in waiting)


def test_every_change_past_code_inspection_passed_a_released_round():  # R21
    for change in demo_changes().filter(state__in=PAST_INSPECTION):
        rounds = list(change.inspections.order_by("round"))
        last = rounds[-1]
        assert last.passed and last.released_at >= last.release_not_before
        assert all(r.passed is False for r in rounds[:-1])
        assert last.results.count() == 47 and all(r.passed for r in last.results.all())


def test_some_changes_needed_several_rounds_and_one_was_escalated_to_the_earb():  # R21
    counts = (
        CodeInspection.objects.filter(change__state__in=PAST_INSPECTION)
        .order_by()
        .values("change")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert 1.3 < statistics.mean(counts) < 3.0  # Standards Adherence Iteration Count
    escalation = EarbEscalation.objects.get()
    assert escalation.failures == 4
    assert escalation.change.state == S.ACCEPTED


def test_some_changes_are_back_in_coding_after_a_failed_round():  # R21
    back = demo_changes().filter(state=S.CODING, inspections__passed=False).distinct()
    assert back.exists()
    for change in back:
        assert all(r.released_at is not None for r in change.inspections.all())


def test_changes_in_code_inspection_have_an_open_round_awaiting_release():  # R21
    inspecting = demo_changes().filter(state=S.CODE_INSPECTION)
    assert inspecting.count() == 7  # as planned: none left behind by a failed round
    for change in inspecting:
        assert change.inspections.order_by("-round")[0].released_at is None


def test_certificates_follow_the_inspection_and_the_diat_follows_the_qa():  # R22
    for change in demo_changes().filter(state__in=PAST_INSPECTION[1:]):
        passed = change.inspections.get(passed=True)
        qa = change.certificates.get(kind=CertificateKind.TESTING_COMPLETION)
        assert qa.issued_at > passed.released_at
        if change.state != S.DIAT_REVIEW:
            diat = change.certificates.get(kind=CertificateKind.DIAT_INTEGRITY)
            assert diat.issued_at > qa.issued_at


def test_archived_forms_carry_five_verified_signatures_two_from_governance():  # R23
    for change in demo_changes().filter(state__in=PAST_SIGNATURES):
        form = change.request_forms.order_by("-revision")[0]
        assert form.archived_at is not None
        verified = form.signatures.filter(verified=True)
        assert verified.count() >= 5
        assert verified.filter(governance=True).count() >= 2
    flagged = FormSignature.objects.filter(verified=False)
    assert flagged.exists()
    assert all(hasattr(s, "recollected_by") for s in flagged)  # signed again, and verified


def test_intake_rejections_are_counted_per_team_and_not_logged_as_rejections():  # R24
    per_team = dict(IntakeRejection.objects.order_by().values_list("team").annotate(n=Count("id")))
    assert len(per_team) >= 3
    for rejection in IntakeRejection.objects.all():
        assert "archived" in rejection.reason
        change, at = rejection.change, rejection.rejected_at
        assert not ChangeRejectionLogEntry.objects.filter(change=change, logged_at=at).exists()
        assert not AgendaSubmission.objects.filter(change=change, submitted_at=at).exists()


# --- §5: the CRAP Convening -----------------------------------------------------------------


def test_every_accepted_change_has_a_unanimous_tally_of_seven_at_a_closed_convening():  # R30
    accepted = demo_changes().filter(state=S.ACCEPTED)
    assert accepted.count() == 34
    for change in accepted:
        tally = change.tallies.get(outcome=Tally.Outcome.ACCEPTED)
        assert (tally.accepts, tally.rejects) == (7, 0)
        assert tally.convening.state == ConveningState.CLOSED
        assert tally.convening.seats.count() == 7  # R3
        ballots = Ballot.objects.filter(convening=tally.convening, change=change)
        assert ballots.count() == 7 and all(b.accept for b in ballots)  # R29
        voters = BallotParticipation.objects.filter(convening=tally.convening, change=change)
        assert voters.count() == 7


def test_every_rejected_change_has_a_rejection_notice_and_a_log_entry():  # R31, R32
    rejected = demo_changes().filter(state=S.REJECTED)
    assert rejected.count() == 7
    for change in rejected:
        entry = change.rejection_log.order_by("-logged_at")[0]
        notice = RejectionNotice.objects.get(tally=entry.tally)
        assert entry.reasons and notice.items == entry.reasons
        assert entry.tally.rejects >= 1 and entry.tally.accepts + entry.tally.rejects == 7


def test_resubmitted_changes_were_rejected_once_then_accepted_at_a_later_convening():  # R32
    resubmitted = demo_changes().filter(resubmission_count__gt=0)
    assert resubmitted.count() >= 4
    for change in resubmitted:
        rejection = change.rejection_log.get()
        acceptance = change.tallies.get(outcome=Tally.Outcome.ACCEPTED)
        assert rejection.resubmission_count == 0
        assert acceptance.convening.scheduled_for > rejection.convening.scheduled_for
        assert change.request_forms.count() == 2  # a new form revision


def test_ballots_carry_no_time_and_no_voter():  # R58
    kinds = {type(f) for f in Ballot._meta.get_fields()}
    assert not kinds & {models.DateTimeField, models.DateField}
    assert "member" not in {f.name for f in Ballot._meta.get_fields()}
    assert Ballot.objects.count() == 7 * Tally.objects.count()


def test_oaths_come_before_presentations_which_stay_under_three_minutes():  # R27, R28
    presentations = Presentation.objects.select_related("submission__convening")
    assert presentations.count() == Tally.objects.count()
    for presentation in presentations:
        oath = Oath.objects.get(
            convening=presentation.submission.convening, supplicant=presentation.presenter
        )
        assert oath.taken_at < presentation.started_at
        assert 0 < presentation.speaking_seconds < 180


def test_agendas_were_distributed_a_day_ahead_and_submissions_met_the_cutoff():  # R25, R26
    for convening in Convening.objects.exclude(agenda_distributed_at=None):
        assert convening.scheduled_for - convening.agenda_distributed_at >= dt.timedelta(hours=24)
        assert AgendaCopy.objects.filter(convening=convening).count() == 7
        for submission in convening.submissions.all():
            assert submission.submitted_at < convening.agenda_distributed_at


def test_past_convenings_sat_twice_a_week_and_are_closed():  # §5
    now = clock.now()
    past = Convening.objects.filter(scheduled_for__lt=now)
    assert past.count() >= 25
    assert not past.exclude(state=ConveningState.CLOSED).exists()
    weekdays = {local(c.scheduled_for).weekday() for c in past}
    assert weekdays <= {1, 2, 3, 4} and {1, 3} <= weekdays  # Tue/Thu; a holiday moves it
    assert all(local(c.scheduled_for).time() == dt.time(10, 0) for c in past)
    assert all(c.opened_at >= c.scheduled_for for c in past)


def test_coming_convenings_are_scheduled_one_with_its_agenda_distributed():  # R26
    coming = Convening.objects.filter(scheduled_for__gt=clock.now())
    assert not coming.exclude(state=ConveningState.SCHEDULED).exists()
    distributed = coming.exclude(agenda_distributed_at=None)
    assert distributed.count() == 1
    on_agenda = demo_changes().filter(state=S.ON_AGENDA)
    assert on_agenda.count() == 4
    submissions = AgendaSubmission.objects.filter(change__in=on_agenda)
    assert {s.convening.state for s in submissions} == {ConveningState.SCHEDULED}
    assert submissions.filter(convening=distributed.get()).exists()


def test_the_crap_agenda_page_shows_the_coming_convening_and_its_changes(client):  # R25
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="crap.ferreira"))
    page = client.get(reverse("convoy:agenda")).content.decode()
    assert "No Convening is scheduled." not in page
    assert "Tue 2027-02-16 10:00" in page and "Distributed 2027-02-12 09:00" in page
    for change in demo_changes().filter(state=S.ON_AGENDA):
        assert change.record_id in page


def test_qa_certificates_wait_weeks_for_the_sailing():  # §12: the wait the batch costs
    convoy = Convoy.objects.get(number=26)
    shipped = Certificate.objects.filter(
        kind=CertificateKind.TESTING_COMPLETION, change__feature__convoy=convoy
    )
    waits = [convoy.sailed_at - c.issued_at for c in shipped]
    assert statistics.median(waits) > dt.timedelta(weeks=3)


def test_the_tallies_fall_on_their_convening_days():  # §5
    for tally in Tally.objects.select_related("convening"):
        assert local(tally.tallied_at).date() == local(tally.convening.scheduled_for).date()
        assert tally.convening.opened_at < tally.tallied_at < tally.convening.closed_at


# --- R57 and idempotency --------------------------------------------------------------------


def test_the_audit_chain_verifies_after_the_demo():  # R57
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit chain intact" in out.getvalue()
    assert AuditEvent.objects.filter(action="ballot.tally").count() == Tally.objects.count()


def test_loading_twice_adds_no_pipeline_record():
    tables = (
        ChangeImpactAssessment,
        CodeInspection,
        ChangeRequestForm,
        FormSignature,
        IntakeRejection,
        Convening,
        AgendaSubmission,
        Oath,
        Ballot,
        Tally,
        ChangeRejectionLogEntry,
        AuditEvent,
    )
    before = {t.__name__: t.objects.count() for t in tables}
    load()
    assert {t.__name__: t.objects.count() for t in tables} == before
