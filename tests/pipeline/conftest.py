"""A crew for the Change pipeline and the CRAP Convening, and steps that carry Changes along.

Every step goes through the ceremonies, as a person would; a test starts from the state its
rule needs and does the one thing it is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from convoy import clock
from convoy.ceremonies.agenda import (
    cutoff_for,
    distribute_agenda,
    schedule_convenings,
    submit_to_agenda,
)
from convoy.ceremonies.certification import certify_testing, validate_integrity
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.code_inspection import (
    ensure_checklist,
    record_inspection,
    release_inspection_results,
    submit_for_inspection,
)
from convoy.ceremonies.convening import (
    administer_oath,
    open_convening,
    set_oath_text,
    start_presentation,
    stop_presentation,
)
from convoy.ceremonies.impact_assessment import (
    approve_impact_assessment,
    submit_impact_assessment,
)
from convoy.ceremonies.signatures import archive_form, sign_form
from convoy.models import (
    AGENDA_NOTICE_HOURS,
    AgendaSubmission,
    Cadence,
    Change,
    ChecklistItem,
    Convening,
    ConveningState,
    Feature,
    RiskCategory,
    Role,
)
from tests.factories import person

RATINGS = {category: 3 for category in RiskCategory.values}
OATH = "I swear that this Change is complete, documented, and exactly as described."
PACKAGE = {
    "risk_exposure_summary": "Exposure is contained to the ledger reconciliation batch.",
    "rollback_authorization_declaration": "Rollback is authorised by the submitting team.",
}


@dataclass
class Crew:
    world: object
    crap: list  # seat 1 (the chair) to seat 7
    cset: object
    earb: object
    douche: object
    qa: object
    diat: object
    cgr: list
    rbrb: object
    _feature: Feature | None = field(default=None, repr=False)

    @property
    def chair(self):
        return self.crap[0]

    @property
    def engineer(self):
        return self.world.engineer

    @property
    def feature(self) -> Feature:
        if self._feature is None:
            self._feature = self.world.feature(1)
        return self._feature

    @property
    def signers(self) -> list:
        """Five signers, two of them change governance representatives (R23)."""
        return [*self.cgr, self.cset, self.earb, self.douche]


def make_crew(world) -> Crew:
    ensure_checklist()
    crap = [
        person(f"crap.{seat}", Role.CRAP, seat=seat, is_chair=seat == 1) for seat in range(1, 8)
    ]
    crew = Crew(
        world=world,
        crap=crap,
        cset=person("cset.ward", Role.CSET),
        earb=person("earb.nakamura", Role.EARB),
        douche=person("douche.reyes", Role.DOUCHE),
        qa=person("qa.ibsen", Role.QA),
        diat=person("diat.osei", Role.DIAT),
        cgr=[person("cgr.alvarez", Role.CGR), person("cgr.lund", Role.CGR)],
        rbrb=person("rbrb.quinn", Role.RBRB),
    )
    set_oath_text(actor=world.admiral, version="2027", text=OATH)
    return crew


@pytest.fixture
def crew(world) -> Crew:
    return make_crew(world)


def new_change(crew: Crew, title: str = "Reconcile ledgers", author=None) -> Change:
    return record_change(actor=author or crew.engineer, feature=crew.feature, title=title)


def assess(crew: Crew, change: Change, **overrides) -> None:
    fields = {
        "business_justification": "The ledgers disagree.",
        "technical_approach": "Reconcile nightly.",
        "files_affected": "ledger/sync.py",
        "estimated_lines_added": 40,
        "estimated_lines_removed": 5,
        "impact_on_other_features": "None known.",
        "ratings": RATINGS,
    } | overrides
    submit_impact_assessment(actor=change.author, change=change, **fields)


def approve_chain(crew: Crew, change: Change) -> None:
    for approver in (crew.world.captain, crew.cset, crew.earb, crew.douche):
        approve_impact_assessment(actor=approver, change=change)


def all_pass(failed: Iterable[int] = ()) -> dict[int, bool]:
    failed = set(failed)
    return {n: n not in failed for n in ChecklistItem.objects.values_list("number", flat=True)}


def open_inspections(crew: Crew, changes: list[Change]) -> list:
    return [
        submit_for_inspection(actor=c.author, change=c, lines_added=42, lines_removed=4)
        for c in changes
    ]


def inspect(crew: Crew, changes: list[Change], failed: Iterable[int] = ()) -> None:
    """One full round for each Change: opened, recorded, released 3 business days later."""
    rounds = open_inspections(crew, changes)
    for inspection in rounds:
        record_inspection(actor=crew.cset, inspection=inspection, results=all_pass(failed))
    clock.travel_to(max(r.release_not_before for r in rounds))
    for inspection in rounds:
        release_inspection_results(actor=crew.cset, inspection=inspection)


def certify(crew: Crew, change: Change) -> None:
    certify_testing(actor=crew.qa, change=change)
    validate_integrity(actor=crew.diat, change=change)


def collect_signatures(crew: Crew, change: Change) -> None:
    for signer in crew.signers:
        sign_form(actor=signer, change=change, signature=f"sig:{signer.username}")


def to_coding(crew: Crew, change: Change) -> Change:
    assess(crew, change)
    approve_chain(crew, change)
    return change


def to_signatures(crew: Crew, changes: list[Change]) -> list[Change]:
    for change in changes:
        to_coding(crew, change)
    inspect(crew, changes)
    for change in changes:
        certify(crew, change)
    return changes


def to_archived(crew: Crew, changes: list[Change]) -> list[Change]:
    to_signatures(crew, changes)
    for change in changes:
        collect_signatures(crew, change)
        archive_form(actor=change.author, change=change)
    return [Change.objects.get(pk=c.pk) for c in changes]


def archived_change(crew: Crew, title: str = "Reconcile ledgers") -> Change:
    return to_archived(crew, [new_change(crew, title)])[0]


def schedule(crew: Crew, weeks: int = 2, cadence: str = Cadence.TWICE_WEEKLY) -> list[Convening]:
    return schedule_convenings(actor=crew.chair, start=clock.today(), weeks=weeks, cadence=cadence)


def receiving_convening(crew: Crew) -> Convening:
    """The next Convening whose cutoff and agenda notice are both still ahead."""
    now = clock.now()
    for convening in Convening.objects.filter(state=ConveningState.SCHEDULED):
        notice = convening.scheduled_for - dt.timedelta(hours=AGENDA_NOTICE_HOURS)
        if now <= cutoff_for(convening) and now <= notice:
            return convening
    schedule(crew)
    return receiving_convening(crew)


def submit(crew: Crew, change: Change, convening: Convening | None = None) -> AgendaSubmission:
    return submit_to_agenda(actor=change.author, change=change, convening=convening, **PACKAGE)


def convene(crew: Crew, changes: list[Change], present: bool = True) -> Convening:
    """Submit the Changes, distribute the agenda, open the Convening at its time, swear each
    submitter in and hear each presentation. Ready for ballots."""
    convening = receiving_convening(crew)
    for change in changes:
        submit(crew, change, convening)
    distribute_agenda(actor=crew.chair, convening=convening)
    clock.travel_to(convening.scheduled_for)
    open_convening(actor=crew.chair, convening=convening)
    if present:
        hear(crew, convening)
    return Convening.objects.get(pk=convening.pk)


def hear(crew: Crew, convening: Convening) -> None:
    submissions = list(convening.submissions.select_related("submitted_by"))
    for supplicant in {s.submitted_by for s in submissions}:
        administer_oath(actor=crew.chair, convening=convening, supplicant=supplicant)
    for submission in submissions:
        start_presentation(actor=crew.chair, submission=submission)
        clock.travel_to(clock.now() + dt.timedelta(seconds=150))
        stop_presentation(actor=crew.chair, submission=submission)
