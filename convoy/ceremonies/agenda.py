"""The CRAP's agenda: Convenings scheduled, Changes submitted, the agenda distributed
(R24–R26).

The framework sets two deadlines: submissions until 17:00 on the business day before the
Convening (R25), distribution at least 24 hours before it (R26). The agenda the members
received is the agenda heard: distribution closes the agenda, and a submission arriving after
the cutoff or after distribution goes to the following Convening.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change
from convoy.ceremonies.code_inspection import current_form
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.freeze import refuse_if_frozen
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.impact_assessment import refuse_unless_author
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    AGENDA_NOTICE_HOURS,
    CRAP_SEATS,
    AgendaCopy,
    AgendaSubmission,
    Cadence,
    Change,
    ChangeImpactAssessment,
    ChangeState,
    Convening,
    ConveningState,
    CrewProfile,
    IntakeRejection,
    Role,
    RoleAssignment,
)

DEFAULT_CONVENING_TIME = dt.time(10, 0)
TWICE_WEEKLY_WEEKDAYS = (1, 3)  # Tuesday and Thursday
BIWEEKLY_WEEKDAY = 1  # Tuesday, every second week
MAX_SCHEDULE_WEEKS = 26
SCHEDULE_HORIZON = dt.timedelta(days=3 * 366)  # how far ahead a schedule may start
NO_TEAM = "(no team on file)"


def crap_seats() -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(role=Role.CRAP).select_related("user__crew").order_by("seat")
    )


def crap_chair() -> AbstractBaseUser | None:
    chair = (
        RoleAssignment.objects.filter(role=Role.CRAP, is_chair=True).select_related("user").first()
    )
    return chair.user if chair else None


def require_chair(actor: AbstractBaseUser, action: str) -> None:
    """R4: the CRAP chairperson's duties are the chairperson's alone."""
    if RoleAssignment.objects.filter(role=Role.CRAP, is_chair=True, user=actor).exists():
        return
    chair = crap_chair()
    named = f" ({display_name(chair)})" if chair else ""
    raise ProcessViolation(
        "R4",
        f"{action} requires the role of chairperson of the Change Rejection or Acceptance "
        f"Party{named}. {display_name(actor)} does not hold that role.",
    )


def refuse_unless_seven_seated(doing: str) -> list[RoleAssignment]:
    """R3: exactly 7 seats, all of them filled."""
    seats = crap_seats()
    if len(seats) < CRAP_SEATS:
        empty = sorted(set(range(1, CRAP_SEATS + 1)) - {s.seat for s in seats})
        raise ProcessViolation(
            "R3",
            f"The CRAP has {CRAP_SEATS} seats and {len(seats)} are filled; {doing} needs all "
            f"{CRAP_SEATS}. Empty: seat {', '.join(map(str, empty))}.",
        )
    return seats


def convening_days(start: dt.date, weeks: int, cadence: str) -> list[dt.date]:
    """Days of Convenings from `start` for `weeks` weeks. Twice a week: Tuesday and Thursday;
    every two weeks ("biweekly", the framework's other reading): Tuesday of every second week.
    A day that is not a business day moves to the next business day."""
    monday = start - dt.timedelta(days=start.weekday())
    days: list[dt.date] = []
    for week in range(weeks):
        week_start = monday + dt.timedelta(weeks=week)
        if cadence == Cadence.TWICE_WEEKLY:
            wanted = [week_start + dt.timedelta(days=d) for d in TWICE_WEEKLY_WEEKDAYS]
        elif week % 2 == 0:
            wanted = [week_start + dt.timedelta(days=BIWEEKLY_WEEKDAY)]
        else:
            continue
        for day in wanted:
            while not clock.is_business_day(day):
                day += dt.timedelta(days=1)
            if day >= start and day not in days:
                days.append(day)
    return days


def _refuse_outside_schedule_window(start: dt.date, weeks: int) -> None:
    """R26: Convenings are scheduled ahead: a schedule that ends before today schedules
    nothing, and one starting beyond SCHEDULE_HORIZON is no plan of the CRAP's; both are
    refused rather than answered with "0 Convenings scheduled"."""
    today = clock.today()
    earliest = today - dt.timedelta(weeks=weeks)
    latest = today + SCHEDULE_HORIZON
    if not earliest < start <= latest:
        raise ProcessViolation(
            "R26",
            f"Convenings are scheduled from today up to {latest.isoformat()}; "
            f"{weeks} week(s) from {start.isoformat()} fall outside that window.",
        )


def schedule_convenings(
    *,
    actor: AbstractBaseUser,
    start: dt.date,
    weeks: int,
    cadence: str,
    at: dt.time = DEFAULT_CONVENING_TIME,
) -> list[Convening]:
    """The chair schedules the coming Convenings. Days already scheduled are left as they are."""
    require_chair(actor, "Scheduling Convenings")
    if cadence not in Cadence.values:
        raise ProcessViolation("R26", f"{cadence!r} is not a cadence of the CRAP.")
    if not 1 <= weeks <= MAX_SCHEDULE_WEEKS:
        raise ProcessViolation(
            "R26", f"Convenings are scheduled 1 to {MAX_SCHEDULE_WEEKS} weeks ahead."
        )
    _refuse_outside_schedule_window(start, weeks)
    now = clock.now()
    created: list[Convening] = []
    with transaction.atomic():
        for day in convening_days(start, weeks, cadence):
            moment = clock.at_local(day, at)
            if moment <= now or Convening.objects.filter(scheduled_for__date=day).exists():
                continue
            convening = Convening.objects.create(
                scheduled_for=moment, cadence=cadence, scheduled_by=actor
            )
            record_event(
                actor=actor,
                action="convening.schedule",
                obj=convening,
                after={"scheduled_for": moment, "cadence": cadence},
            )
            created.append(convening)
    return created


def cutoff_for(convening: Convening) -> dt.datetime:
    """R25: 17:00 on the business day before the Convening."""
    day = timezone.localdate(convening.scheduled_for)
    return clock.at_local(clock.previous_business_day(day), clock.CUTOFF_TIME)


def receives_submissions(convening: Convening, now: dt.datetime) -> bool:
    return (
        convening.state == ConveningState.SCHEDULED
        and convening.agenda_distributed_at is None
        and now <= cutoff_for(convening)
    )


def team_of(user: AbstractBaseUser) -> str:
    team = CrewProfile.objects.filter(user=user).values_list("team", flat=True).first()
    return team or NO_TEAM


def submit_to_agenda(
    *,
    actor: AbstractBaseUser,
    change: Change,
    risk_exposure_summary: str,
    rollback_authorization_declaration: str,
    convening: Convening | None = None,
) -> AgendaSubmission:
    """R24–R25: the Code Engineer submits an archived Change with its package.

    Without the archived, verified form the submission is refused at intake, and the intake
    rejection is recorded for the RBRB (it is not a Change Rejection Log entry).
    """
    convoy = change.feature.convoy
    refuse_if_closed(convoy)
    refuse_if_frozen(convoy, "Submitting to the CRAP agenda")  # R9
    require_role(actor, convoy, Role.CODE_ENGINEER, action="Submitting to the CRAP agenda")
    refuse_unless_author(actor, change, "Submitting to the CRAP agenda")
    form = current_form(change)
    if form is None or not form.archived:
        reason = (
            f"{change.record_id} lacks the archived, verified change request form (R23)."
            if form is not None
            else f"{change.record_id} has no change request form."
        )
        with transaction.atomic():
            rejection = IntakeRejection.objects.create(
                change=change,
                submitted_by=actor,
                team=team_of(actor),
                rejected_at=clock.now(),
                reason=reason,
            )
            record_event(
                actor=actor,
                action="agenda.intake_rejection",
                obj=rejection,
                after={"change_id": change.pk, "team": rejection.team, "reason": reason},
            )
        raise ProcessViolation("R24", f"Refused at intake: {reason}")
    package = {
        "Risk Exposure Summary": risk_exposure_summary.strip(),
        "Rollback Authorization Declaration": rollback_authorization_declaration.strip(),
    }
    missing = [name for name, text in package.items() if not text]
    if missing:
        raise ProcessViolation(
            "R25",
            "Each submission carries a Change Impact Assessment, a Risk Exposure Summary and a "
            f"Rollback Authorization Declaration. Missing: {', '.join(missing)}.",
        )
    assessment = ChangeImpactAssessment.objects.filter(
        change=change, approved_at__isnull=False
    ).first()
    if assessment is None:
        raise ProcessViolation(
            "R25", f"{change.record_id} carries no approved Change Impact Assessment."
        )
    with transaction.atomic():
        change = lock_change(change)
        if change.state != ChangeState.ARCHIVED:
            raise ProcessViolation(
                "R25",
                f"{change.record_id} is in {ChangeState(change.state).label}; only an archived "
                "Change is submitted to an agenda.",
            )
        now = clock.now()
        requested = convening or Convening.objects.filter(scheduled_for__gt=now).first()
        if requested is None:
            raise ProcessViolation(
                "R25", "No Convening is scheduled. The chairperson schedules the Convenings."
            )
        if AgendaSubmission.objects.filter(convening=requested, change=change).exists():
            raise ProcessViolation(
                "R32",
                f"{change.record_id} has already been before the {requested}. There is no "
                "reconsideration within the same Convening; it may return at a later one.",
            )
        target = None
        candidates = Convening.objects.select_for_update().filter(
            scheduled_for__gte=requested.scheduled_for
        )
        for candidate in candidates.order_by("scheduled_for"):
            heard = AgendaSubmission.objects.filter(convening=candidate, change=change).exists()
            if receives_submissions(candidate, now) and not heard:
                target = candidate
                break
        if target is None:
            raise ProcessViolation(
                "R25",
                f"The cutoff for the {requested} has passed (17:00 on the business day before) "
                "and no following Convening is scheduled to receive the submission.",
            )
        submission = AgendaSubmission.objects.create(
            convening=target,
            change=change,
            requested_convening=requested,
            submitted_by=actor,
            submitted_at=now,
            impact_assessment=assessment,
            request_form=form,
            risk_exposure_summary=package["Risk Exposure Summary"],
            rollback_authorization_declaration=package["Rollback Authorization Declaration"],
        )
        record_event(
            actor=actor,
            action="agenda.submit",
            obj=submission,
            after={
                "change_id": change.pk,
                "convening_id": target.pk,
                "requested_convening_id": requested.pk,
                "rolled_over": target.pk != requested.pk,
                "form_revision": form.revision,
                "impact_assessment_id": assessment.pk,
            },
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.ON_AGENDA,
            action="change.on_agenda",
            rule="R25",
            extra={"convening_id": target.pk},
        )
    return submission


def distribute_agenda(*, actor: AbstractBaseUser, convening: Convening) -> list[AgendaCopy]:
    """R26: the chair distributes the agenda to all 7 members at least 24 hours ahead."""
    require_chair(actor, "Distributing the agenda")
    with transaction.atomic():
        convening = Convening.objects.select_for_update().get(pk=convening.pk)
        if convening.agenda_distributed_at is not None:
            raise ProcessViolation("R26", f"The agenda of the {convening} was distributed already.")
        if convening.state != ConveningState.SCHEDULED:
            raise ProcessViolation("R26", f"The {convening} is no longer awaiting its agenda.")
        now = clock.now()
        latest = convening.scheduled_for - dt.timedelta(hours=AGENDA_NOTICE_HOURS)
        if now > latest:
            raise ProcessViolation(
                "R26",
                f"The agenda is distributed at least {AGENDA_NOTICE_HOURS} hours before the "
                f"Convening, that is by {timezone.localtime(latest):%Y-%m-%d %H:%M}. "
                f"The {convening} may not be held on an agenda distributed later.",
            )
        seats = refuse_unless_seven_seated("distributing the agenda")
        records = [
            s.change.record_id
            for s in convening.submissions.select_related("change").order_by("submitted_at")
        ]
        copies = AgendaCopy.objects.bulk_create(
            AgendaCopy(
                convening=convening,
                member=seat.user,
                seat=seat.seat,
                delivered_at=now,
                changes=records,
            )
            for seat in seats
        )
        convening.agenda_distributed_by = actor
        convening.agenda_distributed_at = now
        convening.save(update_fields=["agenda_distributed_by", "agenda_distributed_at"])
        record_event(
            actor=actor,
            action="convening.distribute_agenda",
            obj=convening,
            after={"changes": records, "members": [s.user_id for s in seats]},
        )
    return copies
