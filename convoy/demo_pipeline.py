"""The demo's Change pipeline and CRAP Convenings (DOMAIN.md §4, §5), run through the ceremonies.

`convoy.demo` plans each demo Change as a path of states with a moment for each; this module
turns that plan into the ceremonies that produce those states, each run on demo.py's Timeline
with the clock frozen at its moment, so every record, rule and audit event (R57) is the one
the app itself would write:

- the Change Impact Assessment with its 17 ratings (R19) and the four sequential approvals
  (R20); Code Inspection rounds against the 47-item checklist, released 3 business days after
  submission, some failed first, one escalated to the EARB after its fourth failure (R21); the
  QA's and the DIAT's certificates (R22); the change request form's signatures, one of them
  sometimes flagged and collected again, and its archiving (R23); attempts to reach the agenda
  without an archived form, refused at intake and counted per team (R24);
- the CRAP's Convenings, twice a week (Tuesday and Thursday 10:00) from the second week of
  each quarter, scheduled by the chairperson: the agenda distributed the business day before at
  09:00 (R26; a submission after that goes to the following Convening, R25), all 7 members
  seated, the Supplicant's Oath (text version of the year, R27), presentations on the timer
  (under 3 minutes, R28), 7 secret ballots (R29, R58), the tally (R30), Rejection Notices and
  the Change Rejection Log (R31, R32), resubmission on a new form revision.

Moments come from demo.py's plan; where a rule needs more time (3 business days before a
release, the next Convening after a submission) the later steps move later, and a Change that
would overrun its Convoy's deadline starts earlier or needs fewer inspection rounds.

A Change that demo.py leaves "On the agenda" in the closed CONVOY-26 was on the agenda of a
Convening that closed without hearing it; the ceremony returns it to Archived (R32), which is
where it stays. The stress convoys (`--scale`) are bulk-inserted and have no pipeline records
or Convening history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.agenda import (
    convening_days,
    distribute_agenda,
    schedule_convenings,
    submit_to_agenda,
)
from convoy.ceremonies.certification import certify_testing, validate_integrity
from convoy.ceremonies.code_inspection import (
    CHECKLIST_SIZE,
    ensure_checklist,
    record_inspection,
    release_inspection_results,
    release_not_before,
    submit_for_inspection,
)
from convoy.ceremonies.convening import (
    administer_oath,
    cast_ballot,
    close_convening,
    open_convening,
    set_oath_text,
    start_presentation,
    stop_presentation,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import (
    approve_impact_assessment,
    submit_impact_assessment,
)
from convoy.ceremonies.signatures import archive_form, resubmit_change, sign_form
from convoy.models import (
    AgendaSubmission,
    Cadence,
    Change,
    ChangeState,
    CodeInspection,
    Convening,
    ConveningState,
    CrewProfile,
    Oath,
    RiskCategory,
)

C = ChangeState
Step = Callable[[], object]
MINUTE = dt.timedelta(minutes=1)

# When the chairperson schedules the CRAP's Convenings and the ATO sets the year's oath, by
# Convoy: the morning after demo.py's Provisioning begins, for the quarter's remaining weeks.
SITTINGS = {
    26: {"set_at": (2026, 10, 12, 9, 30), "start": (2026, 10, 14), "weeks": 11},
    27: {"set_at": (2027, 1, 11, 9, 30), "start": (2027, 1, 13), "weeks": 12},
}
# CONVOY-26 leaves Code Inspection on 1 December at 09:00 (demo.py): every Change has passed.
INSPECTIONS_DONE_BY = {26: (2026, 12, 1, 8, 0)}
OATH_TEXT = (
    "I, the undersigned Supplicant, swear that the Change before this Party is complete, "
    "documented, assessed, inspected, tested, validated and signed as the Framework requires; "
    "that I have concealed no risk, no dependency and no line of code; and that I accept the "
    "judgement of the Party without reservation. (Supplicant's Oath, {year} edition.)"
)
CRAP_MEMBERS = (
    "crap.chair",
    "crap.ferreira",
    "crap.whitfield",
    "crap.yamamoto",
    "crap.oduya",
    "crap.lindahl",
    "crap.petrov",
)
CHAIR = CRAP_MEMBERS[0]
PRESENTATION_SLOT = dt.timedelta(minutes=8)
FIRST_PRESENTATION = dt.timedelta(minutes=20)  # after the oaths, which come first (R27)


class Planned(Protocol):
    """What demo.py's PlannedChange offers: the plan, and the Change once recorded."""

    author: str
    title: str
    path: list[str]
    moments: list[dt.datetime]
    change: Change | None


class Builder(Protocol):
    timeline: Any

    def person(self, username: str) -> AbstractBaseUser: ...

    def _record_step(self, number: int, planned: Any) -> Step: ...


# --- Time ----------------------------------------------------------------------------------


def local(*parts: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*parts))


def working(moment: dt.datetime) -> dt.datetime:
    """The moment moved into 09:00–16:59 of its day, or of the next business day."""
    moment = timezone.localtime(moment)
    day = moment.date()
    minutes = moment.hour * 60 + moment.minute
    if minutes >= 17 * 60:
        day, minutes = day + dt.timedelta(days=1), 9 * 60 + minutes % 60
    elif minutes < 9 * 60:
        minutes = 9 * 60 + minutes % 60
    while not clock.is_business_day(day):
        day += dt.timedelta(days=1)
    return clock.at_local(day, dt.time(minutes // 60, minutes % 60))


def previous_business_morning(day: dt.date) -> dt.datetime:
    return clock.at_local(clock.previous_business_day(day), dt.time(9, 0))


# --- The CRAP's sittings -------------------------------------------------------------------


@dataclass
class Hearing:
    """A Change heard at a sitting: oath, presentation on the timer, 7 ballots, tally."""

    planned: Planned
    accept: bool
    rejecting_seats: tuple[int, ...] = ()
    reasons: tuple[tuple[int, ...], ...] = ()


@dataclass
class Sitting:
    at: dt.datetime  # the Convening's scheduled moment
    hearings: list[Hearing] = field(default_factory=list)
    convening: Convening | None = None

    @property
    def distribute_at(self) -> dt.datetime:
        """R26: at least 24 hours ahead; here 09:00 on the business day before."""
        return previous_business_morning(timezone.localdate(self.at))

    @property
    def open_at(self) -> dt.datetime:
        return self.at + 2 * MINUTE

    def slot_start(self, slot: int) -> dt.datetime:
        return self.at + FIRST_PRESENTATION + slot * PRESENTATION_SLOT


# --- One Change's script -------------------------------------------------------------------


@dataclass
class Script:
    """The steps of one Change, in order, with the sittings it goes before."""

    steps: list[tuple[dt.datetime, Step]] = field(default_factory=list)
    hearings: list[tuple[Sitting, Hearing]] = field(default_factory=list)
    cursor: dt.datetime | None = None
    end: dt.datetime | None = None
    inspections_done: dt.datetime | None = None

    def add(self, moment: dt.datetime, step: Step, rng: random.Random) -> dt.datetime:
        if self.cursor is not None and moment <= self.cursor:
            moment = self.cursor + rng.randrange(20, 90) * MINUTE
        self.steps.append((moment, step))
        self.cursor = moment
        self.end = max(self.end or moment, moment)
        return moment


class Overrun(Exception):
    """The script does not fit its Convoy's deadline or the schedule of sittings."""


class PipelineDemo:
    """Schedules every demo Change's ceremonies, and the CRAP's sittings, on demo's Timeline."""

    def __init__(self, builder: Builder, *, now: dt.datetime) -> None:
        self.builder = builder
        self.rng = random.Random(20270215)
        self.sittings: list[Sitting] = []
        self.established: set[int] = set()
        self.escalated = False
        self.references: dict[int, str] = {}
        self.horizon = now  # the workshop clock: nothing is scheduled to happen after it

    def person(self, username: str) -> AbstractBaseUser:
        return self.builder.person(username)

    def at(self, moment: dt.datetime, step: Step) -> None:
        self.builder.timeline.at(moment, step)

    def signature_reference(self, user: AbstractBaseUser) -> str:
        """The reference on file (R23) that a careful signer reproduces exactly."""
        if user.pk not in self.references:
            profile = CrewProfile.objects.get(user=user)
            self.references[user.pk] = profile.signature_reference
        return self.references[user.pk]

    # The CRAP -----------------------------------------------------------------------------

    def establish(self, number: int) -> None:
        """The ATO sets the year's oath; the chair schedules the quarter's Convenings."""
        if number in self.established or number not in SITTINGS:
            return
        self.established.add(number)
        plan = SITTINGS[number]
        set_at = local(*plan["set_at"])
        start = dt.date(*plan["start"])
        days = convening_days(start, plan["weeks"], Cadence.TWICE_WEEKLY)
        quarter = [Sitting(clock.at_local(day, dt.time(10, 0))) for day in days]
        self.sittings.extend(quarter)

        def step() -> None:
            ensure_checklist()
            set_oath_text(
                actor=self.person("admiral"),
                version=f"{start.year}.1",
                text=OATH_TEXT.format(year=start.year),
            )
            schedule_convenings(
                actor=self.person(CHAIR),
                start=start,
                weeks=plan["weeks"],
                cadence=Cadence.TWICE_WEEKLY,
            )

        self.at(set_at, step)
        for sitting in quarter:
            if sitting.distribute_at < self.horizon:
                self.at(sitting.distribute_at, self._distribute(sitting))
            if sitting.at < self.horizon:
                self.at(sitting.open_at, self._open(sitting))
                self.at(sitting.at + 12 * MINUTE, self._close(sitting, None))

    def convening(self, sitting: Sitting) -> Convening:
        if sitting.convening is None:
            sitting.convening = Convening.objects.get(scheduled_for=sitting.at)
        return sitting.convening

    def _distribute(self, sitting: Sitting) -> Step:
        return lambda: distribute_agenda(
            actor=self.person(CHAIR), convening=self.convening(sitting)
        )

    def _open(self, sitting: Sitting) -> Step:
        return lambda: open_convening(actor=self.person(CHAIR), convening=self.convening(sitting))

    def _close(self, sitting: Sitting, hearing: Hearing | None) -> Step:
        """Closed after its last hearing; a sitting with nothing to hear closes at once."""

        def step() -> None:
            last = sitting.hearings[-1] if sitting.hearings else None
            if last is not hearing:
                return
            convening = Convening.objects.get(pk=self.convening(sitting).pk)
            if convening.state == ConveningState.OPEN:
                close_convening(actor=self.person(CHAIR), convening=convening)

        return step

    def sitting_after(self, moment: dt.datetime) -> Sitting:
        """R25/R26: the first Convening whose agenda is still open to a submission."""
        for sitting in self.sittings:
            if sitting.distribute_at > moment and sitting.at > moment:
                return sitting
        raise Overrun(f"no Convening scheduled after {moment:%Y-%m-%d %H:%M}")

    def still_waiting(self, target: dt.datetime, rng: random.Random) -> dt.datetime:
        """A Change still on the agenda at the workshop clock was submitted after the last
        agenda before it was distributed, so a coming Convening will hear it."""
        past = [s.distribute_at for s in self.sittings if s.at < self.horizon]
        if not past or target >= past[-1] or self.horizon - target > dt.timedelta(days=14):
            return target
        return working(past[-1] + dt.timedelta(hours=rng.uniform(1, 40)))

    def hear(self, sitting: Sitting, hearing: Hearing) -> None:
        """The oath, the presentation on its timer and the 7 ballots, in the sitting's order."""
        slot = len(sitting.hearings)
        sitting.hearings.append(hearing)
        rng = self.rng
        self.at(
            sitting.open_at + (60 + 40 * slot) * dt.timedelta(seconds=1),
            self._oath(sitting, hearing),
        )
        start = sitting.slot_start(slot) + rng.randrange(0, 60) * dt.timedelta(seconds=1)
        stop = start + rng.randrange(95, 178) * dt.timedelta(seconds=1)  # R28: under 3 minutes
        self.at(start, self._presentation(sitting, hearing, start=True))
        self.at(stop, self._presentation(sitting, hearing, start=False))
        moment = stop
        for seat in range(1, len(CRAP_MEMBERS) + 1):
            moment += rng.randrange(15, 40) * dt.timedelta(seconds=1)
            self.at(moment, self._ballot(sitting, hearing, seat))
        self.at(moment + 2 * MINUTE, self._close(sitting, hearing))

    def _oath(self, sitting: Sitting, hearing: Hearing) -> Step:
        def step() -> None:
            supplicant = self.person(hearing.planned.author)
            convening = self.convening(sitting)
            if not Oath.objects.filter(convening=convening, supplicant=supplicant).exists():
                administer_oath(
                    actor=self.person(CHAIR), convening=convening, supplicant=supplicant
                )

        return step

    def _submission(self, sitting: Sitting, hearing: Hearing) -> AgendaSubmission:
        return AgendaSubmission.objects.get(
            convening=self.convening(sitting), change=hearing.planned.change
        )

    def _presentation(self, sitting: Sitting, hearing: Hearing, *, start: bool) -> Step:
        ceremony = start_presentation if start else stop_presentation
        return lambda: ceremony(
            actor=self.person(CHAIR), submission=self._submission(sitting, hearing)
        )

    def _ballot(self, sitting: Sitting, hearing: Hearing, seat: int) -> Step:
        def step() -> None:
            rejects = seat in hearing.rejecting_seats
            reasons = hearing.reasons[hearing.rejecting_seats.index(seat)] if rejects else ()
            cast_ballot(
                actor=self.person(CRAP_MEMBERS[seat - 1]),
                convening=self.convening(sitting),
                change=hearing.planned.change,  # cast_ballot locks and reads it
                accept=not rejects,
                reasons=reasons,
            )

        return step

    # One Change ---------------------------------------------------------------------------

    def plan(self, number: int, planned: Planned, window: dict[str, Any]) -> None:
        """Schedule every ceremony of the planned Change, fitted to its Convoy's window."""
        self.establish(number)
        rng = self.rng
        final = planned.path[-1]
        rounds = self.inspection_rounds(number, planned)
        fail_in_coding = final == C.CODING and rng.random() < 0.3
        seed = rng.random()
        # Not all at the first minute of Coding: the engineers start over the first day or so.
        earliest = working(window["earliest"] + rng.randrange(0, 8 * 60) * MINUTE)
        deadline = window["deadline"]
        done_by = INSPECTIONS_DONE_BY.get(number)
        offset, scale = dt.timedelta(0), 1.0
        for _attempt in range(40):
            try:
                script = self.script(
                    number, planned, offset=offset, scale=scale, rounds=rounds,
                    fail_in_coding=fail_in_coding, seed=seed,
                )  # fmt: skip
            except Overrun:
                script = None
            overrun = self.overrun(script, deadline, done_by)
            if script is not None and overrun <= dt.timedelta(0):
                break
            room = planned.moments[0] - offset - earliest
            if room > dt.timedelta(hours=2):
                offset += min(room, max(overrun, dt.timedelta(hours=4)))
            elif fail_in_coding:
                fail_in_coding = False
            elif rounds > 1:
                rounds, offset = min(rounds - 1, 3), dt.timedelta(0)
            else:
                scale *= 0.85
        else:
            raise RuntimeError(f"The demo could not fit {planned.title} into its window.")
        planned.moments[0] = script.steps[0][0]
        for moment, step in script.steps:
            self.at(moment, step)
        for sitting, hearing in script.hearings:
            self.hear(sitting, hearing)
        if rounds > 4:
            self.escalated = True

    def overrun(
        self, script: Script | None, deadline: dt.datetime, done_by: tuple[int, ...] | None
    ) -> dt.timedelta:
        if script is None or script.end is None:
            return dt.timedelta(days=2)
        late = script.end - deadline
        if done_by is not None and script.inspections_done is not None:
            late = max(late, script.inspections_done - local(*done_by))
        return late

    def inspection_rounds(self, number: int, planned: Planned) -> int:
        """R21: most Changes pass at once, some need 2 or 3 rounds; one in CONVOY-26 fails 4
        times first and is escalated to the EARB (the Standards Adherence Iteration Count)."""
        path = planned.path
        if C.TESTING not in path and path[-1] != C.CODE_INSPECTION:
            return 0
        if number == 26 and not self.escalated and path[-1] == C.ACCEPTED:
            return 5
        return self.rng.choices((1, 2, 3), weights=(11, 6, 3))[0]

    def script(
        self,
        number: int,
        planned: Planned,
        *,
        offset: dt.timedelta,
        scale: float,
        rounds: int,
        fail_in_coding: bool,
        seed: float,
    ) -> Script:
        """The Change's ceremonies at moments derived from demo.py's plan (§4, §5)."""
        rng = random.Random(seed)
        first = planned.moments[0] - offset
        moments = [working(first + (m - planned.moments[0]) * scale) for m in planned.moments]
        moments[0] = working(first)
        path = planned.path
        script = Script()
        script.add(moments[0], self.builder._record_step(number, planned), rng)
        ceremonies = Ceremonies(self, planned, rng)
        i = 1
        while i < len(path):
            state, previous = path[i], path[i - 1]
            target = moments[i]
            if state == C.IMPACT_ASSESSMENT:
                script.add(target, ceremonies.submit_cia(), rng)
            elif state == C.CODING:
                for step, moment in zip(
                    ceremonies.approvals(), spread(script.cursor, target, 4, rng), strict=True
                ):
                    script.add(moment, step, rng)
                if fail_in_coding:
                    start = after(target, 1, 3, rng)
                    self.inspect(script, ceremonies, start, rounds=1, ending="fail", rng=rng)
            elif state == C.CODE_INSPECTION:
                passes = i + 1 < len(path)
                ending = "pass" if passes else "open"
                self.inspect(script, ceremonies, target, rounds=rounds, ending=ending, rng=rng)
                script.inspections_done = script.cursor if passes else None
                if passes:
                    i += 1  # the passing release moves the Change to Testing
                    shift = script.cursor - moments[i]
                    if shift > dt.timedelta(0):
                        moments = moments[:i] + [working(m + shift) for m in moments[i:]]
            elif state == C.DIAT_REVIEW:
                script.add(target, ceremonies.certify(), rng)
            elif state == C.SIGNATURES and previous == C.REJECTED:
                script.add(after(script.cursor, 1, 3, rng), ceremonies.resubmit(), rng)
            elif state == C.SIGNATURES:
                script.add(target, ceremonies.validate(), rng)
                if i == len(path) - 1:
                    self.collect(script, ceremonies, target + dt.timedelta(days=3), rng, some=True)
            elif state == C.ARCHIVED:
                self.collect(script, ceremonies, target, rng, some=False)
                script.add(target, ceremonies.archive(), rng)
            elif state == C.ON_AGENDA:
                if i == len(path) - 1:
                    target = self.still_waiting(target, rng)
                box: list[Sitting] = []
                submitted = script.add(target, ceremonies.submit_to_agenda(box), rng)
                sitting = self.sitting_after(submitted)
                box.append(sitting)
                if i + 1 < len(path):
                    i += 1
                    hearing = ceremonies.hearing(accept=path[i] == C.ACCEPTED)
                    script.hearings.append((sitting, hearing))
                    script.cursor = sitting.at + dt.timedelta(hours=2)
                    script.end = max(script.end, script.cursor)
                    later = [working(max(m, script.cursor)) for m in moments[i + 1 :]]
                    moments = moments[: i + 1] + later
                elif sitting.at < self.horizon:
                    # Heard nowhere: the Convening closes without it (R32), back to Archived.
                    script.end = max(script.end, sitting.at + dt.timedelta(hours=2))
            i += 1
        return script

    def inspect(
        self,
        script: Script,
        ceremonies: Ceremonies,
        target: dt.datetime,
        *,
        rounds: int,
        ending: str,
        rng: random.Random,
    ) -> None:
        """R21: rounds of submission, results, and release 3 business days after submission.

        Every round but the last fails; the last ends as `ending` says: "pass", "fail"
        (back to Coding), or "open" (sometimes with its results recorded, awaiting release)."""
        submitted = target
        for number in range(1, rounds + 1):
            last = number == rounds
            submitted = script.add(submitted, ceremonies.submit_code(), rng)
            recorded = after(submitted, 0.8, 2.5, rng)
            release = release_not_before(submitted) + rng.randrange(5, 120) * MINUTE
            if last and ending == "open":
                if rng.random() < 0.5:
                    script.add(min(recorded, release), ceremonies.record(passed=True), rng)
                return
            script.add(
                min(recorded, release - MINUTE),
                ceremonies.record(passed=last and ending == "pass"),
                rng,
            )
            script.add(release, ceremonies.release(), rng)
            submitted = after(release, 0.1, 1.0, rng)

    def collect(
        self, script: Script, ceremonies: Ceremonies, until: dt.datetime, rng: random.Random,
        *, some: bool,
    ) -> None:  # fmt: skip
        """R23: five signatures, two of them governance; R24: now and then an impatient
        engineer tries the agenda before the form is archived, and is refused at intake."""
        signers = ceremonies.signers()
        if some:
            signers = signers[: rng.randint(2, 4)]
        flagged = rng.random() < 0.2
        steps = [ceremonies.sign(username) for username in signers]
        if flagged:
            position = rng.randrange(len(signers))
            steps.insert(position, ceremonies.sign(signers[position], wrong=True))
        if rng.random() < (0.5 if some else 0.2):
            steps.insert(rng.randrange(len(steps)), ceremonies.attempt_agenda())
        for step, moment in zip(steps, spread(script.cursor, until, len(steps), rng), strict=True):
            script.add(moment, step, rng)


def spread(
    start: dt.datetime, end: dt.datetime, count: int, rng: random.Random
) -> list[dt.datetime]:
    """`count` working moments after `start`, the last at or before `end` where room allows."""
    span = max(end - start, dt.timedelta(hours=count))
    moments = []
    for k in range(1, count + 1):
        moment = working(start + span * k / (count + 1) + rng.randrange(-40, 40) * MINUTE)
        if moments and moment <= moments[-1]:
            moment = moments[-1] + rng.randrange(15, 60) * MINUTE
        moments.append(moment)
    return moments


def after(moment: dt.datetime, low: float, high: float, rng: random.Random) -> dt.datetime:
    later = working(moment + dt.timedelta(days=rng.uniform(low, high)))
    return later if later > moment else moment + rng.randrange(20, 90) * MINUTE


def fresh(planned: Planned) -> Change:
    """The Change as stored now (its feature and Convoy too: guards read their state)."""
    assert planned.change is not None
    return Change.objects.select_related("feature__convoy", "author").get(pk=planned.change.pk)


# --- The ceremonies of one Change ----------------------------------------------------------


class Ceremonies:
    """Steps that run one Change's ceremonies, as its author and approvers would."""

    def __init__(self, demo: PipelineDemo, planned: Planned, rng: random.Random) -> None:
        self.demo = demo
        self.planned = planned
        self.rng = rng
        self.pick = rng.randrange(2)

    def person(self, username: str) -> AbstractBaseUser:
        return self.demo.person(username)

    @property
    def author(self) -> AbstractBaseUser:
        return self.person(self.planned.author)

    def submit_cia(self) -> Step:
        rng = self.rng
        ratings = {
            c.value: rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 4, 2, 1))[0] for c in RiskCategory
        }
        added, removed = rng.randint(10, 600), rng.randint(0, 150)
        subject = self.planned.title[0].lower() + self.planned.title[1:]

        def step() -> None:
            change = fresh(self.planned)
            feature = change.feature
            submit_impact_assessment(
                actor=self.author,
                change=change,
                business_justification=(
                    f"{feature.name} ({feature.code}) cannot be delivered without this Change: "
                    f"{subject}. The sponsor's expectations for {feature.convoy.code} depend on it."
                ),
                technical_approach=(
                    f"A contained modification ({subject}) behind the existing interfaces, "
                    "with unit tests extended accordingly."
                ),
                files_affected="\n".join(
                    f"src/{feature.acronym.lower() or 'core'}/{name}.py"
                    for name in ("models", "services", "views")[: 1 + change.pk % 3]
                ),
                estimated_lines_added=added,
                estimated_lines_removed=removed,
                impact_on_other_features=(
                    "None anticipated; the Feature Captains of the Convoy have been informed."
                ),
                ratings=ratings,
            )

        return step

    def approvals(self) -> list[Step]:
        """R20: the Feature Captain, the CSET, the EARB, the DOUCHE, one after the other."""

        def captain() -> None:
            change = fresh(self.planned)
            approve_impact_assessment(actor=change.feature.captain, change=change)

        chain = [
            ("cset", "cset.nakamura")[self.pick],
            ("earb", "earb.fontaine")[self.pick],
            "douche",
        ]
        return [captain] + [self._approve(username) for username in chain]

    def _approve(self, username: str) -> Step:
        return lambda: approve_impact_assessment(
            actor=self.person(username), change=fresh(self.planned)
        )

    def submit_code(self) -> Step:
        added, removed = self.rng.randint(12, 640), self.rng.randint(0, 180)
        return lambda: submit_for_inspection(
            actor=self.author, change=fresh(self.planned), lines_added=added, lines_removed=removed
        )

    @property
    def inspector(self) -> AbstractBaseUser:
        return self.person(("cset", "cset.nakamura")[self.pick])

    def record(self, *, passed: bool) -> Step:
        failed = (
            set()
            if passed
            else set(self.rng.sample(range(1, CHECKLIST_SIZE + 1), self.rng.randint(1, 4)))
        )

        def step() -> None:
            inspection = CodeInspection.objects.filter(change=fresh(self.planned)).order_by(
                "-round"
            )[0]
            results = {number: number not in failed for number in range(1, CHECKLIST_SIZE + 1)}
            record_inspection(actor=self.inspector, inspection=inspection, results=results)

        return step

    def release(self) -> Step:
        def step() -> None:
            inspection = CodeInspection.objects.filter(change=fresh(self.planned)).order_by(
                "-round"
            )[0]
            release_inspection_results(actor=self.inspector, inspection=inspection)

        return step

    def certify(self) -> Step:
        qa = self.person(("qa", "qa.mensah")[self.pick])
        return lambda: certify_testing(
            actor=qa, change=fresh(self.planned), notes="All test cases executed and passed."
        )

    def validate(self) -> Step:
        return lambda: validate_integrity(
            actor=self.person("diat"),
            change=fresh(self.planned),
            notes="The Quality Authority's evidence has been validated.",
        )

    def signers(self) -> list[str]:
        """R23: two change governance representatives and three more from the chain."""
        others = [("cset", "cset.nakamura")[self.pick], ("earb", "earb.fontaine")[self.pick]]
        return ["cgr.osei", "captain", "cgr.halvorsen", *others]

    def sign(self, username: str, *, wrong: bool = False) -> Step:
        def step() -> None:
            change = fresh(self.planned)
            signer = change.feature.captain if username == "captain" else self.person(username)
            reference = self.demo.signature_reference(signer)
            sign_form(actor=signer, change=change, signature="illegible" if wrong else reference)

        return step

    def archive(self) -> Step:
        return lambda: archive_form(actor=self.author, change=fresh(self.planned))

    def attempt_agenda(self) -> Step:
        """R24: refused at intake (the form is not archived); the refusal is recorded."""

        def step() -> None:
            try:
                self._submit(convening=None)
            except ProcessViolation as refusal:
                if refusal.rule != "R24":
                    raise
            else:
                raise RuntimeError("An intake without the archived form was not refused.")

        return step

    def submit_to_agenda(self, sitting: list[Sitting]) -> Step:
        """R25: to the Convening planned for it (`sitting` is filled in once it is known)."""

        def step() -> None:
            intended = self.demo.convening(sitting[0])
            submission = self._submit(convening=intended)
            if submission.convening_id != intended.pk:
                raise RuntimeError(f"{submission} went to another Convening than planned.")

        return step

    def _submit(self, *, convening: Convening | None) -> AgendaSubmission:
        change = fresh(self.planned)
        return submit_to_agenda(
            actor=self.author,
            change=change,
            convening=convening,
            risk_exposure_summary=(
                f"{change.record_id} is rated in all 17 risk categories of its Change Impact "
                "Assessment; no category exceeds the tolerance of its feature."
            ),
            rollback_authorization_declaration=(
                f"Rollback of {change.record_id} is authorised by its Feature Captain and is "
                "performed by reverting the Convoy as one unit."
            ),
        )

    def resubmit(self) -> Step:
        return lambda: resubmit_change(actor=self.author, change=fresh(self.planned))

    def hearing(self, *, accept: bool) -> Hearing:
        if accept:
            return Hearing(self.planned, accept=True)
        rng = self.rng
        seats = tuple(sorted(rng.sample(range(2, len(CRAP_MEMBERS) + 1), rng.randint(1, 3))))
        reasons = tuple(
            tuple(sorted(rng.sample(range(1, CHECKLIST_SIZE + 1), rng.randint(1, 3))))
            for _ in seats
        )
        return Hearing(self.planned, accept=False, rejecting_seats=seats, reasons=reasons)
