"""The CRAP Convening (R3, R27–R32, R35) and its secret ballot (R29, R58).

How the ballot stays secret is described in convoy/models/convening.py. Here: `cast_ballot`
locks the (Convening, Change) agenda row, so the seven members' ballots on one Change are
written one after another on every database (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
IMMEDIATE transaction's write lock); the participation is unique in the database as a second
line; the seventh ballot triggers the tally, once, under the same lock.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction

from convoy import clock
from convoy.ceremonies.agenda import (
    refuse_unless_seven_seated,
    require_chair,
    team_of,
)
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, refuse_own_change, require_role
from convoy.models import (
    CRAP_SEATS,
    PRESENTATION_SECONDS,
    AgendaSubmission,
    Ballot,
    BallotParticipation,
    Change,
    ChangeRejectionLogEntry,
    ChangeState,
    ChecklistItem,
    Convening,
    ConveningSeat,
    ConveningState,
    Convoy,
    FalseOathReferral,
    Oath,
    OathMode,
    OathText,
    Presentation,
    RejectionNotice,
    Role,
    SubmissionOutcome,
    Tally,
)

_shuffle = random.SystemRandom().shuffle
T = TypeVar("T")
SQLITE_LOCK_WAIT_SECONDS = 20.0


def waits_for_sqlite_lock(ceremony: Callable[..., T]) -> Callable[..., T]:
    """Retry a whole ceremony that SQLite refused with "database table is locked".

    A file database waits for its lock (busy timeout, IMMEDIATE transactions), but the
    shared-cache in-memory database of the test suite answers SQLITE_LOCKED at once, without
    calling the busy handler. Only the outermost transaction is retried: nothing of the
    refused attempt was written. PostgreSQL waits on the row lock and never comes here.
    """

    @wraps(ceremony)
    def wrapper(**kwargs: object) -> T:
        connection = transaction.get_connection()
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return ceremony(**kwargs)
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
        delay = 0.002
        while True:
            try:
                return ceremony(**kwargs)
            except OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.05)

    return wrapper


def set_oath_text(*, actor: AbstractBaseUser, version: str, text: str) -> OathText:
    """R27: the ATO sets the Supplicant's Oath (updated annually); each version is kept."""
    require_role(actor, None, Role.ADMIRAL, action="Setting the Supplicant's Oath")
    version, text = version.strip(), text.strip()
    if not version or not text:
        raise ProcessViolation("R27", "The Supplicant's Oath has a version and a text.")
    if OathText.objects.filter(version=version).exists():
        raise ProcessViolation("R27", f"Version {version} of the Supplicant's Oath exists.")
    with transaction.atomic():
        oath_text = OathText.objects.create(
            version=version, text=text, set_by=actor, set_at=clock.now()
        )
        record_event(actor=actor, action="oath.set_text", obj=oath_text, after={"version": version})
    return oath_text


def current_oath_text() -> OathText | None:
    return OathText.objects.order_by("-set_at", "-id").first()


def _locked_convening(convening: Convening) -> Convening:
    return Convening.objects.select_for_update().get(pk=convening.pk)


def _refuse_unless_open(convening: Convening, doing: str) -> None:
    if convening.state != ConveningState.OPEN:
        raise ProcessViolation(
            "R3",
            f"The {convening} is {ConveningState(convening.state).label.lower()}; "
            f"{doing} happens only while it is in session.",
        )


def open_convening(
    *,
    actor: AbstractBaseUser,
    convening: Convening,
    present: Iterable[AbstractBaseUser] | None = None,
) -> Convening:
    """R3: the chair opens the Convening with all 7 seated members present."""
    require_chair(actor, "Opening a Convening")
    with transaction.atomic():
        convening = _locked_convening(convening)
        if convening.state != ConveningState.SCHEDULED:
            raise ProcessViolation("R3", f"The {convening} has already been opened.")
        if convening.agenda_distributed_at is None:
            raise ProcessViolation(
                "R26",
                f"The agenda of the {convening} was not distributed to the members; the "
                "Convening may not open.",
            )
        now = clock.now()
        if now < convening.scheduled_for:
            raise ProcessViolation(
                "R25", f"The {convening} opens at its scheduled time, not before."
            )
        seats = refuse_unless_seven_seated("opening a Convening")
        present_ids = {u.pk for u in present} if present is not None else {s.user_id for s in seats}
        absent = [s for s in seats if s.user_id not in present_ids]
        if absent:
            names = ", ".join(f"seat {s.seat} ({display_name(s.user)})" for s in absent)
            raise ProcessViolation(
                "R3",
                f"A Convening cannot open with fewer than {CRAP_SEATS} seated members. "
                f"Absent: {names}.",
            )
        ConveningSeat.objects.bulk_create(
            ConveningSeat(convening=convening, member=s.user, seat=s.seat, is_chair=s.is_chair)
            for s in seats
        )
        convening.state = ConveningState.OPEN
        convening.opened_by = actor
        convening.opened_at = now
        convening.save(update_fields=["state", "opened_by", "opened_at"])
        record_event(
            actor=actor,
            action="convening.open",
            obj=convening,
            before={"state": ConveningState.SCHEDULED},
            after={"state": ConveningState.OPEN, "seats": {s.seat: s.user_id for s in seats}},
        )
    return convening


def _supplicant_convoys(convening: Convening, supplicant: AbstractBaseUser) -> list[Convoy]:
    """The Convoys of the supplicant's Changes still before the Convening."""
    ids = convening.submissions.filter(
        submitted_by=supplicant, outcome=SubmissionOutcome.PENDING
    ).values("change__feature__convoy_id")
    return list(Convoy.objects.filter(pk__in=ids).order_by("pk"))


def refuse_unless_some_convoy_at_work(convoys: Iterable[Convoy]) -> None:
    """R41 (and R7) for the Supplicant's Oath, which serves every Change its supplicant has
    before the Convening: refused only when each of them is in a Convoy whose work is
    suspended (Held in Port) or closed."""
    refusals = []
    for convoy in convoys:
        try:
            refuse_if_closed(convoy)
        except ProcessViolation as refusal:
            refusals.append(refusal)
        else:
            return
    if refusals:
        raise refusals[0]


def administer_oath(
    *,
    actor: AbstractBaseUser,
    convening: Convening,
    supplicant: AbstractBaseUser,
    notary: str = "",
    notarised_on: dt.date | None = None,
) -> Oath:
    """R27: the chair administers the Supplicant's Oath to each submitter before any
    presentation; a submitter absent in person files a notarised written oath, which the
    chair reads."""
    refuse_unless_some_convoy_at_work(_supplicant_convoys(convening, supplicant))  # R41, R7
    require_chair(actor, "Administering the Supplicant's Oath")
    notary = notary.strip()
    if bool(notary) != (notarised_on is not None):
        raise ProcessViolation(
            "R27", "A written oath names its notary and the date it was notarised."
        )
    with transaction.atomic():
        convening = _locked_convening(convening)
        _refuse_unless_open(convening, "the Supplicant's Oath")
        submitting = convening.submissions.filter(
            submitted_by=supplicant, outcome=SubmissionOutcome.PENDING
        ).exists()
        if not submitting:
            raise ProcessViolation(
                "R27",
                f"{display_name(supplicant)} has no Change before the {convening}; the oath is "
                "administered to submitters.",
            )
        if Presentation.objects.filter(submission__convening=convening).exists():
            raise ProcessViolation(
                "R27",
                "The Supplicant's Oath is administered to each submitter before any "
                f"presentation, and the presentations of the {convening} have begun.",
            )
        if Oath.objects.filter(convening=convening, supplicant=supplicant).exists():
            raise ProcessViolation(
                "R27", f"{display_name(supplicant)} has sworn the oath at this Convening."
            )
        text = current_oath_text()
        if text is None:
            raise ProcessViolation(
                "R27", "The ATO has not set the Supplicant's Oath; no oath can be administered."
            )
        oath = Oath.objects.create(
            convening=convening,
            supplicant=supplicant,
            oath_text=text,
            mode=OathMode.NOTARISED if notary else OathMode.IN_PERSON,
            notary=notary,
            notarised_on=notarised_on,
            administered_by=actor,
            taken_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="oath.take",
            obj=oath,
            after={
                "convening_id": convening.pk,
                "supplicant_id": supplicant.pk,
                "oath_version": text.version,
                "mode": oath.mode,
                "notary": notary,
            },
        )
    return oath


def start_presentation(*, actor: AbstractBaseUser, submission: AgendaSubmission) -> Presentation:
    """R27/R28: no oath, no presentation; one presenter at a time, on the recorded timer."""
    refuse_if_closed(submission.change.feature.convoy)  # R41, R7
    require_chair(actor, "Starting a presentation")
    with transaction.atomic():
        convening = _locked_convening(submission.convening)
        _refuse_unless_open(convening, "a presentation")
        submission = AgendaSubmission.objects.select_related("change", "submitted_by__crew").get(
            pk=submission.pk
        )
        if submission.outcome != SubmissionOutcome.PENDING:
            raise ProcessViolation("R32", f"{submission.change.record_id} has been decided.")
        if Presentation.objects.filter(submission=submission).exists():
            raise ProcessViolation(
                "R28", f"{submission.change.record_id} has had its presentation."
            )
        if not Oath.objects.filter(
            convening=convening, supplicant_id=submission.submitted_by_id
        ).exists():
            raise ProcessViolation(
                "R27",
                f"No oath, no presentation: {display_name(submission.submitted_by)} has not "
                "sworn the Supplicant's Oath at this Convening.",
            )
        running = Presentation.objects.filter(
            submission__convening=convening, ended_at__isnull=True
        ).first()
        if running is not None:
            raise ProcessViolation(
                "R28", "One presenter speaks at a time; stop the running timer first."
            )
        presentation = Presentation.objects.create(
            submission=submission, presenter=submission.submitted_by, started_at=clock.now()
        )
        record_event(
            actor=actor,
            action="presentation.start",
            obj=presentation,
            after={"change_id": submission.change_id, "allocation_seconds": PRESENTATION_SECONDS},
        )
    return presentation


def stop_presentation(*, actor: AbstractBaseUser, submission: AgendaSubmission) -> Presentation:
    """R28: the presenter's allocation is 3 minutes; time beyond it is questions."""
    refuse_if_closed(submission.change.feature.convoy)  # R41, R7
    require_chair(actor, "Stopping a presentation")
    with transaction.atomic():
        _locked_convening(submission.convening)
        presentation = (
            Presentation.objects.select_for_update().filter(submission_id=submission.pk).first()
        )
        if presentation is None or presentation.ended_at is not None:
            raise ProcessViolation("R28", "No presentation of this Change is running.")
        now = clock.now()
        elapsed = max(0, int((now - presentation.started_at).total_seconds()))
        presentation.ended_at = now
        presentation.speaking_seconds = min(elapsed, PRESENTATION_SECONDS)
        presentation.question_seconds = max(0, elapsed - PRESENTATION_SECONDS)
        presentation.save(update_fields=["ended_at", "speaking_seconds", "question_seconds"])
        record_event(
            actor=actor,
            action="presentation.stop",
            obj=presentation,
            after={
                "speaking_seconds": presentation.speaking_seconds,
                "question_seconds": presentation.question_seconds,
            },
        )
    return presentation


def _validated_reasons(accept: bool, reasons: Iterable[object]) -> list[int]:
    """R31: a reject ballot names the checklist items found incomplete; an accept names none."""
    numbers: set[int] = set()
    for reason in reasons:
        try:
            numbers.add(int(str(reason)))
        except ValueError:
            raise ProcessViolation("R31", f"{reason!r} is not a checklist item number.") from None
    if accept and numbers:
        raise ProcessViolation("R31", "An accept ballot names no checklist items.")
    if not accept and not numbers:
        raise ProcessViolation("R31", "A reject ballot names the checklist items found incomplete.")
    # The 47 numbers are read whole: a posted number beyond the database's integers would
    # crash an `IN (…)` lookup instead of being refused as unknown.
    known = set(ChecklistItem.objects.values_list("number", flat=True))
    unknown = sorted(numbers - known)
    if unknown:
        total = len(known)
        raise ProcessViolation(
            "R31",
            f"Item {', '.join(map(str, unknown))} is not on the Code Compliance Checklist "
            f"of {total} items.",
        )
    return sorted(numbers)


def _reseal_ballot_box(convening_id: int, change_id: int, ballot: tuple[bool, list[int]]) -> None:
    """R58: rewrite every ballot of the box, in random order under fresh random ids, so that
    no row position, rowid, transaction id or id order records the order of casting."""
    box = Ballot.objects.filter(convening_id=convening_id, change_id=change_id)
    contents = [(accept, list(reasons)) for accept, reasons in box.values_list("accept", "reasons")]
    contents.append(ballot)
    _shuffle(contents)
    box.delete()
    Ballot.objects.bulk_create(
        Ballot(
            id=uuid.uuid4(),
            convening_id=convening_id,
            change_id=change_id,
            accept=accept,
            reasons=reasons,
        )
        for accept, reasons in contents
    )


@waits_for_sqlite_lock
def cast_ballot(
    *,
    actor: AbstractBaseUser,
    convening: Convening,
    change: Change,
    accept: bool,
    reasons: Iterable[object] = (),
) -> BallotParticipation:
    """R29: each of the 7 seated members casts exactly one secret ballot per Change.

    Returns the participation ("has voted"), never the ballot. The seventh ballot is
    followed, in the same transaction, by the tally (R30).
    """
    refuse_if_closed(change.feature.convoy)  # R41, R7
    require_role(actor, None, Role.CRAP, action="Casting a ballot")
    refuse_own_change(actor, change, "vote on")  # R1
    reasons = list(reasons)
    try:
        with transaction.atomic():
            submission = (
                AgendaSubmission.objects.select_for_update()
                .filter(convening_id=convening.pk, change_id=change.pk)
                .first()
            )
            # Lock order everywhere: agenda row, then Change, then the audit head.
            locked_change = lock_change(change)
            convening = Convening.objects.get(pk=convening.pk)
            _refuse_unless_open(convening, "casting a ballot")
            if not ConveningSeat.objects.filter(convening=convening, member=actor).exists():
                raise ProcessViolation(
                    "R29",
                    f"{display_name(actor)} is not seated at the {convening}; ballots are cast "
                    f"by its {CRAP_SEATS} seated members.",
                )
            if submission is None:
                raise ProcessViolation(
                    "R29", f"{change.record_id} is not on the agenda of the {convening}."
                )
            if Tally.objects.filter(submission=submission).exists():
                raise ProcessViolation(
                    "R30",
                    f"The ballots on {change.record_id} have been tallied; no further ballot is "
                    "received.",
                )
            if submission.outcome != SubmissionOutcome.PENDING:
                raise ProcessViolation("R32", f"{change.record_id} is no longer before the CRAP.")
            presented = Presentation.objects.filter(
                submission=submission, ended_at__isnull=False
            ).exists()
            if not presented:
                raise ProcessViolation(
                    "R29",
                    f"Ballots on {change.record_id} are cast after its presentation has ended.",
                )
            if BallotParticipation.objects.filter(
                convening=convening, change_id=change.pk, member=actor
            ).exists():
                raise ProcessViolation(
                    "R29",
                    f"{display_name(actor)} has already voted on {change.record_id} at this "
                    "Convening. Each member casts exactly one ballot.",
                )
            numbers = _validated_reasons(accept, reasons)
            participation = BallotParticipation.objects.create(
                convening=convening, change_id=change.pk, member=actor
            )
            _reseal_ballot_box(convening.pk, change.pk, (bool(accept), numbers))
            record_event(
                actor=actor,
                action="ballot.participate",
                obj=participation,
                object_repr=f"{display_name(actor)} voted on {change.record_id}",
                after={
                    "convening_id": convening.pk,
                    "change_id": change.pk,
                    "member_id": actor.pk,
                },
            )
            cast = BallotParticipation.objects.filter(
                convening=convening, change_id=change.pk
            ).count()
            if cast == CRAP_SEATS:
                _tally(submission, locked_change)
    except IntegrityError:
        raise ProcessViolation(
            "R29", f"{display_name(actor)} has already voted on {change.record_id}."
        ) from None
    return participation


def _tally(submission: AgendaSubmission, change: Change) -> Tally:
    """R30–R32: counted once, after all 7 ballots, by the system under the ballot-box lock."""
    ballots = list(
        Ballot.objects.filter(
            convening_id=submission.convening_id, change_id=submission.change_id
        ).values_list("accept", "reasons")
    )
    if len(ballots) != CRAP_SEATS:
        raise ProcessViolation(
            "R30", f"Ballots are tallied only after all {CRAP_SEATS} are cast ({len(ballots)})."
        )
    accepts = sum(1 for accept, _ in ballots if accept)
    rejects = CRAP_SEATS - accepts
    outcome = Tally.Outcome.ACCEPTED if rejects == 0 else Tally.Outcome.REJECTED  # R30
    reasons = sorted({n for _, items in ballots for n in items})  # R31: the union
    now = clock.now()
    tally = Tally.objects.create(
        submission=submission,
        convening_id=submission.convening_id,
        change=change,
        accepts=accepts,
        rejects=rejects,
        outcome=outcome,
        tallied_at=now,
    )
    submission.outcome = outcome
    submission.save(update_fields=["outcome"])
    record_event(
        actor=None,
        action="ballot.tally",
        obj=tally,
        after={
            "change_id": change.pk,
            "convening_id": submission.convening_id,
            "accepts": accepts,
            "rejects": rejects,
            "outcome": outcome,
            "reasons": reasons,
        },
    )
    if outcome == Tally.Outcome.REJECTED:
        notice = RejectionNotice.objects.create(
            tally=tally,
            change=change,
            team=team_of(submission.submitted_by),
            items=reasons,
            issued_at=now,
        )
        entry = ChangeRejectionLogEntry.objects.create(
            change=change,
            convening_id=submission.convening_id,
            tally=tally,
            reasons=reasons,
            resubmission_count=change.resubmission_count,
            logged_at=now,
        )
        record_event(
            actor=None,
            action="rejection.notice",
            obj=notice,
            after={"change_id": change.pk, "items": reasons, "team": notice.team},
        )
        record_event(
            actor=None,
            action="rejection.log",
            obj=entry,
            after={"change_id": change.pk, "resubmission_count": entry.resubmission_count},
        )
    move_change(
        actor=None,
        change=change,
        to_state=ChangeState.ACCEPTED if rejects == 0 else ChangeState.REJECTED,
        action="change.decided",
        rule="R30",
    )
    return tally


def close_convening(*, actor: AbstractBaseUser, convening: Convening) -> Convening:
    """The chair closes the session. Changes not decided were not heard: they return to
    Archived and may be submitted to a later Convening; ballots cast on them are void."""
    require_chair(actor, "Closing a Convening")
    with transaction.atomic():
        convening = _locked_convening(convening)
        _refuse_unless_open(convening, "closing")
        running = Presentation.objects.filter(
            submission__convening=convening, ended_at__isnull=True
        ).exists()
        if running:
            raise ProcessViolation("R28", "A presentation is running; stop its timer first.")
        unheard = list(
            AgendaSubmission.objects.select_for_update()
            .filter(convening=convening, outcome=SubmissionOutcome.PENDING)
            .select_related("change")
        )
        for submission in unheard:
            submission.outcome = SubmissionOutcome.NOT_HEARD
            submission.save(update_fields=["outcome"])
            move_change(
                actor=actor,
                change=lock_change(submission.change),
                to_state=ChangeState.ARCHIVED,
                action="change.not_heard",
                rule="R32",
                extra={"convening_id": convening.pk},
            )
        convening.state = ConveningState.CLOSED
        convening.closed_at = clock.now()
        convening.save(update_fields=["state", "closed_at"])
        record_event(
            actor=actor,
            action="convening.close",
            obj=convening,
            before={"state": ConveningState.OPEN},
            after={"state": ConveningState.CLOSED, "not_heard": [s.change_id for s in unheard]},
        )
    return convening


def require_referrer(actor: AbstractBaseUser, oath: Oath) -> None:
    """R4: the chair who administered the oath, or the CRAP's present chair, refers. The RBRB
    reads the oaths and their referrals but, like the Auditor, changes nothing (issue 10)."""
    if oath.convening.seats.filter(member=actor, is_chair=True).exists():
        return
    require_chair(actor, "Referring a false oath to the Tribunal")


def refer_false_oath(*, actor: AbstractBaseUser, oath: Oath, finding: str) -> FalseOathReferral:
    """R35: a supplicant later found to have sworn falsely is referred to the Tribunal."""
    require_referrer(actor, oath)
    finding = finding.strip()
    if not finding:
        raise ProcessViolation("R35", "A referral states the finding of the false oath.")
    try:
        with transaction.atomic():
            referral = FalseOathReferral.objects.create(
                oath=oath, referred_by=actor, referred_at=clock.now(), finding=finding
            )
            record_event(
                actor=actor,
                action="oath.refer_to_tribunal",
                obj=referral,
                after={
                    "oath_id": oath.pk,
                    "supplicant_id": oath.supplicant_id,
                    "oath_version": oath.oath_text.version,
                    "finding": finding,
                },
            )
    except IntegrityError:
        raise ProcessViolation("R35", "This oath has been referred to the Tribunal.") from None
    return referral
