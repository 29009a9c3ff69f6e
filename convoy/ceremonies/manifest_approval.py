"""Manifest Approval by the Convoy Steering Committee (R38–R41).

The Commodore walks the agenda of R38 on the sailing date, one step per function:

1. `convene_sitting`: convene and verify quorum (the CSC chair and a majority of the members
   seated for the Convoy). A sitting that reconvenes after "Held in Port" does so within the
   Remediation Window (R41) and brings the Convoy back to Manifest Approval.
2. `take_roll_call`: roll call and receipt of the Manifest. A Feature Captain absent without
   an Absence Attestation Form (`file_absence_attestation`) is noted.
3. `start_presentation` / `end_presentation`: 5 minutes per present Feature Captain, in
   feature-number order (each captain's lowest feature number), never priority order.
4. `begin_deliberation`: closed deliberation over the live deficiency list (R36).
5. `call_vote`, then `cast_vote` by each present CSC member on their own screen: one binary
   vote on the whole Convoy as one indivisible unit (R39).
6. `announce_verdict`: "The Fleet May Sail." only if every member present voted to approve
   AND the deficiency list is empty; otherwise "The Fleet Is Held in Port." (R39). The bell is
   rung on May Sail (R40); Held in Port opens the 48-hour Remediation Window and moves the
   Convoy to Held in Port (R41). The sitting and its CSC Minutes are signed (R59).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.lifecycle import advance_convoy
from convoy.ceremonies.remediation import NAME_ITEM, latest_held_sitting, remedy_key
from convoy.ceremonies.roles import display_name, require_role
from convoy.deficiencies import Deficiency, deficiency_list
from convoy.models import (
    PRESENTATION_SECONDS_CSC,
    REMEDIATION_WINDOW,
    AbsenceAttestationForm,
    Convoy,
    ConvoyState,
    CscMinutes,
    CscPresentation,
    CscVote,
    ManifestApproval,
    Role,
    RoleAssignment,
    RollCallCapacity,
    RollCallEntry,
    RollCallStatus,
    SittingStage,
    Verdict,
)

Stage = SittingStage
SITTING_FIELDS = ["stage", "members_present", "verdict", "remediation_until", "bell_rung_at"]


# Who sits ------------------------------------------------------------------------------------


def csc_members(convoy: Convoy) -> list[RoleAssignment]:
    """The CSC seated for the Convoy, the chair first."""
    return list(
        RoleAssignment.objects.filter(convoy=convoy, role=Role.CSC)
        .select_related("user__crew")
        .order_by("-is_chair", "user__username")
    )


@dataclass(frozen=True)
class CaptainSlot:
    """One Feature Captain's place in the presentations: feature-number order (R38)."""

    position: int
    captain: AbstractBaseUser
    features: list[str]

    @property
    def feature_codes(self) -> str:
        return ", ".join(self.features)


def captain_slots(convoy: Convoy) -> list[CaptainSlot]:
    """Feature Captains ordered by their lowest feature number, never by priority (R38)."""
    order: dict[int, tuple[AbstractBaseUser, list[str]]] = {}
    for feature in convoy.features.select_related("captain__crew").order_by("number"):
        order.setdefault(feature.captain_id, (feature.captain, []))[1].append(feature.code)
    return [
        CaptainSlot(position, captain, codes)
        for position, (captain, codes) in enumerate(order.values(), start=1)
    ]


def quorum_of(seated: int) -> int:
    return seated // 2 + 1


def _locked(sitting: ManifestApproval) -> ManifestApproval:
    return ManifestApproval.objects.select_for_update().select_related("convoy").get(pk=sitting.pk)


def _require_stage(sitting: ManifestApproval, stage: str, doing: str) -> None:
    if sitting.stage != stage:
        raise ProcessViolation(
            "R38",
            f"{doing} belongs to {Stage(stage).label}; the sitting is at "
            f"{Stage(sitting.stage).label}. The agenda is taken in order.",
        )


def _commodore(actor: AbstractBaseUser, convoy: Convoy, doing: str) -> None:
    require_role(actor, convoy, Role.COMMODORE, action=doing)


def _formal(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def open_sitting(convoy: Convoy) -> ManifestApproval | None:
    return ManifestApproval.objects.filter(convoy=convoy, verdict="").order_by("-id").first()


# 1. Convene and verify quorum ------------------------------------------------------------------


def _reconvening_of(convoy: Convoy) -> ManifestApproval | None:
    """The Held in Port sitting a new sitting must answer, or None for a first sitting."""
    if convoy.state == ConvoyState.MANIFEST_APPROVAL:
        if ManifestApproval.objects.filter(convoy=convoy, verdict=Verdict.FLEET_MAY_SAIL).exists():
            raise ProcessViolation(
                "R39", f"The Committee has found of {convoy.code}: The Fleet May Sail."
            )
        if convoy.manifest_approvals.exists():
            return None
        if clock.today() != convoy.sailing_date:
            raise ProcessViolation(
                "R38",
                f"Manifest Approval runs on the sailing date, "
                f"{convoy.sailing_date:%A %d %B %Y}; today is {clock.today():%A %d %B %Y}.",
            )
        return None
    if convoy.state == ConvoyState.HELD_IN_PORT:
        held = latest_held_sitting(convoy)
        if held is None or held.remediation_until is None:
            raise ProcessViolation("R41", f"{convoy.code} has no open Remediation Window.")
        if clock.now() >= held.remediation_until:
            raise ProcessViolation(
                "R41",
                f"The Remediation Window of {convoy.code} closed at "
                f"{_formal(held.remediation_until)}. The Committee reconvenes within the window; "
                "it has lapsed, and the Fleet remains Held in Port. The one course left is an "
                "Emergency Sail (R42).",
            )
        return held
    raise ProcessViolation(
        "R7",
        f"The Convoy Steering Committee sits on a Convoy in Manifest Approval or Held in Port; "
        f"{convoy.code} is in {ConvoyState(convoy.state).label}.",
    )


def _check_quorum(convoy: Convoy, present: list[AbstractBaseUser]) -> list[RoleAssignment]:
    seated = csc_members(convoy)
    if not seated:
        raise ProcessViolation(
            "R38", f"No Convoy Steering Committee is seated for {convoy.code}. No quorum."
        )
    seated_ids = {a.user_id for a in seated}
    strangers = [p for p in present if p.pk not in seated_ids]
    if strangers:
        names = ", ".join(display_name(p) for p in strangers)
        raise ProcessViolation(
            "R38",
            f"{names} {'is' if len(strangers) == 1 else 'are'} not of the CSC of {convoy.code}.",
        )
    chair = next((a for a in seated if a.is_chair), None)
    present_ids = {p.pk for p in present}
    needed = quorum_of(len(seated))
    chair_present = chair is not None and chair.user_id in present_ids
    if not chair_present or len(present_ids) < needed:
        raise ProcessViolation(
            "R38",
            f"No quorum: the chair and at least {needed} of the {len(seated)} members of the CSC "
            f"must be present; {len(present_ids)} present"
            f"{'' if chair_present else ', the chair absent'}.",
        )
    return seated


def convene_sitting(
    *, actor: AbstractBaseUser, convoy: Convoy, present: Iterable[AbstractBaseUser]
) -> ManifestApproval:
    """R38 step 1: the Commodore convenes the Committee and verifies quorum."""
    _commodore(actor, convoy, "Convening the Convoy Steering Committee")
    present = list(present)
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        if open_sitting(convoy) is not None:
            raise ProcessViolation("R38", f"The Committee is already sitting on {convoy.code}.")
        reconvenes = _reconvening_of(convoy)
        seated = _check_quorum(convoy, present)
        now = clock.now()
        present_ids = {p.pk for p in present}
        sitting = ManifestApproval.objects.create(
            convoy=convoy,
            convened_at=now,
            convened_by=actor,
            members_seated=len(seated),
            members_present=len(present_ids),
            reconvenes=reconvenes,
        )
        for assignment in seated:
            here = assignment.user_id in present_ids
            RollCallEntry.objects.create(
                sitting=sitting,
                person=assignment.user,
                capacity=RollCallCapacity.CSC_MEMBER,
                status=RollCallStatus.PRESENT if here else RollCallStatus.ABSENT_NOTED,
                recorded_at=now,
            )
        record_event(
            actor=actor,
            action="manifest_approval.convene",
            obj=sitting,
            after=snapshot(sitting, ["convoy_id", "members_seated", "members_present"])
            | {"reconvenes_id": reconvenes.pk if reconvenes else None},
        )
        if reconvenes is not None:
            advance_convoy(actor=actor, convoy=convoy, to_state=ConvoyState.MANIFEST_APPROVAL)
    return sitting


# 2. Roll call and receipt of the Manifest ------------------------------------------------------


def file_absence_attestation(
    *, actor: AbstractBaseUser, convoy: Convoy, absent_on: dt.date, reason: str
) -> AbsenceAttestationForm:
    """R38: a Feature Captain who will miss a sitting files an Absence Attestation Form."""
    refuse_if_closed(convoy)
    require_role(actor, convoy, Role.FEATURE_CAPTAIN, action="Filing an Absence Attestation Form")
    reason = reason.strip()
    if not reason:
        raise ProcessViolation("R38", "An Absence Attestation Form states the reason for absence.")
    if absent_on < clock.today():
        raise ProcessViolation(
            "R38", "An Absence Attestation Form is filed before the absence, not after it."
        )
    try:
        with transaction.atomic():
            form = AbsenceAttestationForm.objects.create(
                convoy=convoy,
                captain=actor,
                absent_on=absent_on,
                reason=reason,
                filed_at=clock.now(),
            )
            record_event(
                actor=actor,
                action="manifest_approval.absence_attestation",
                obj=form,
                after=snapshot(form, ["convoy_id", "captain_id", "absent_on"]),
            )
    except IntegrityError:
        raise ProcessViolation(
            "R38", f"An Absence Attestation Form for {absent_on:%Y-%m-%d} is on file already."
        ) from None
    return form


def take_roll_call(
    *, actor: AbstractBaseUser, sitting: ManifestApproval, present: Iterable[AbstractBaseUser]
) -> ManifestApproval:
    """R38 step 2: each Feature Captain present, excused by a form, or noted absent."""
    _commodore(actor, sitting.convoy, "Taking the roll call")
    present_ids = {p.pk for p in present}
    with transaction.atomic():
        sitting = _locked(sitting)
        _require_stage(sitting, Stage.ROLL_CALL, "The roll call")
        slots = captain_slots(sitting.convoy)
        captain_ids = {slot.captain.pk for slot in slots}
        if present_ids - captain_ids:
            raise ProcessViolation(
                "R38",
                "The roll call of Feature Captains lists only this Convoy's Feature Captains.",
            )
        now = clock.now()
        forms = {
            f.captain_id: f
            for f in AbsenceAttestationForm.objects.filter(
                convoy=sitting.convoy, absent_on=timezone.localdate(now)
            )
        }
        noted = []
        for slot in slots:
            attestation = forms.get(slot.captain.pk)
            if slot.captain.pk in present_ids:
                status = RollCallStatus.PRESENT
            elif attestation is not None:
                status = RollCallStatus.ABSENT_ATTESTED
            else:
                status = RollCallStatus.ABSENT_NOTED
                noted.append(slot.captain.pk)
            RollCallEntry.objects.create(
                sitting=sitting,
                person=slot.captain,
                capacity=RollCallCapacity.FEATURE_CAPTAIN,
                status=status,
                attestation=attestation if status == RollCallStatus.ABSENT_ATTESTED else None,
                recorded_at=now,
            )
        sitting.manifest_received_at = now
        sitting.stage = Stage.PRESENTATIONS
        sitting.save(update_fields=["manifest_received_at", "stage"])
        record_event(
            actor=actor,
            action="manifest_approval.roll_call",
            obj=sitting,
            after={"present": sorted(present_ids), "absent_noted": noted},
        )
    return sitting


# 3. Presentations --------------------------------------------------------------------------


def present_captain_ids(sitting: ManifestApproval) -> set[int]:
    return set(
        sitting.roll.filter(
            capacity=RollCallCapacity.FEATURE_CAPTAIN, status=RollCallStatus.PRESENT
        ).values_list("person_id", flat=True)
    )


def next_presenter(sitting: ManifestApproval) -> CaptainSlot | None:
    """The next present Feature Captain in feature-number order who has not presented."""
    present = present_captain_ids(sitting)
    done = set(sitting.presentations.values_list("captain_id", flat=True))
    for slot in captain_slots(sitting.convoy):
        if slot.captain.pk in present and slot.captain.pk not in done:
            return slot
    return None


def running_presentation(sitting: ManifestApproval) -> CscPresentation | None:
    return sitting.presentations.filter(ended_at__isnull=True).first()


def start_presentation(
    *, actor: AbstractBaseUser, sitting: ManifestApproval, captain: AbstractBaseUser
) -> CscPresentation:
    """R38 step 3: the next Feature Captain has the floor for 5 minutes."""
    _commodore(actor, sitting.convoy, "Starting a presentation")
    with transaction.atomic():
        sitting = _locked(sitting)
        _require_stage(sitting, Stage.PRESENTATIONS, "A presentation")
        if running_presentation(sitting) is not None:
            raise ProcessViolation("R38", "A Feature Captain has the floor already.")
        slot = next_presenter(sitting)
        if slot is None:
            raise ProcessViolation("R38", "Every Feature Captain present has presented.")
        if slot.captain.pk != captain.pk:
            raise ProcessViolation(
                "R38",
                "Presentations follow feature-number order, never priority order: next is "
                f"{display_name(slot.captain)} ({slot.feature_codes}), "
                f"not {display_name(captain)}.",
            )
        presentation = CscPresentation.objects.create(
            sitting=sitting,
            captain=slot.captain,
            position=slot.position,
            features=slot.feature_codes,
            started_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="manifest_approval.presentation_start",
            obj=presentation,
            after=snapshot(presentation, ["sitting_id", "captain_id", "position", "features"]),
        )
    return presentation


def end_presentation(*, actor: AbstractBaseUser, sitting: ManifestApproval) -> CscPresentation:
    """The timer stops; seconds spoken are recorded against the 5-minute allocation."""
    _commodore(actor, sitting.convoy, "Ending a presentation")
    with transaction.atomic():
        sitting = _locked(sitting)
        presentation = running_presentation(sitting)
        if presentation is None:
            raise ProcessViolation("R38", "No Feature Captain has the floor.")
        now = clock.now()
        presentation.ended_at = now
        presentation.seconds = max(0, int((now - presentation.started_at).total_seconds()))
        presentation.save(update_fields=["ended_at", "seconds"])
        record_event(
            actor=actor,
            action="manifest_approval.presentation_end",
            obj=presentation,
            after={
                "seconds": presentation.seconds,
                "allocation": PRESENTATION_SECONDS_CSC,
                "over_by": presentation.over_by,
            },
        )
    return presentation


# 4. Closed deliberation, 5. vote ---------------------------------------------------------------


def begin_deliberation(*, actor: AbstractBaseUser, sitting: ManifestApproval) -> ManifestApproval:
    _commodore(actor, sitting.convoy, "Opening the closed deliberation")
    with transaction.atomic():
        sitting = _locked(sitting)
        _require_stage(sitting, Stage.PRESENTATIONS, "Closing the presentations")
        waiting = next_presenter(sitting)
        if running_presentation(sitting) is not None or waiting is not None:
            who = display_name(waiting.captain) if waiting else "the Feature Captain speaking"
            raise ProcessViolation(
                "R38", f"The presentations are not finished: {who} has still to conclude."
            )
        return _move(actor, sitting, Stage.DELIBERATION, "deliberation_at")


def call_vote(*, actor: AbstractBaseUser, sitting: ManifestApproval) -> ManifestApproval:
    _commodore(actor, sitting.convoy, "Calling the vote")
    with transaction.atomic():
        sitting = _locked(sitting)
        _require_stage(sitting, Stage.DELIBERATION, "Calling the vote")
        return _move(actor, sitting, Stage.VOTING, "vote_opened_at")


def _move(
    actor: AbstractBaseUser, sitting: ManifestApproval, stage: str, stamp: str
) -> ManifestApproval:
    before = snapshot(sitting, ["stage"])
    sitting.stage = stage
    setattr(sitting, stamp, clock.now())
    sitting.save(update_fields=["stage", stamp])
    record_event(
        actor=actor,
        action="manifest_approval.stage",
        obj=sitting,
        before=before,
        after=snapshot(sitting, ["stage"]),
    )
    return sitting


def present_member_ids(sitting: ManifestApproval) -> set[int]:
    return set(
        sitting.roll.filter(
            capacity=RollCallCapacity.CSC_MEMBER, status=RollCallStatus.PRESENT
        ).values_list("person_id", flat=True)
    )


def cast_vote(*, actor: AbstractBaseUser, sitting: ManifestApproval, approve: bool) -> CscVote:
    """R39: a present CSC member's one binary vote on the whole Convoy."""
    require_role(actor, sitting.convoy, Role.CSC, action="Voting on the Manifest")
    try:
        with transaction.atomic():
            sitting = _locked(sitting)
            _require_stage(sitting, Stage.VOTING, "Voting")
            if actor.pk not in present_member_ids(sitting):
                raise ProcessViolation(
                    "R39",
                    f"{display_name(actor)} was not present at the roll call of this sitting; "
                    "the vote is of the CSC members present.",
                )
            vote = CscVote.objects.create(
                sitting=sitting, member=actor, approve=bool(approve), cast_at=clock.now()
            )
            record_event(
                actor=actor,
                action="manifest_approval.vote",
                obj=vote,
                after=snapshot(vote, ["sitting_id", "member_id", "approve"]),
            )
    except IntegrityError:
        raise ProcessViolation(
            "R39", f"{display_name(actor)} has voted at this sitting already. One vote each."
        ) from None
    return vote


# 6. The verdict --------------------------------------------------------------------------------


def deficiency_record(deficiency: Deficiency) -> dict[str, str]:
    """A deficiency as the verdict keeps it: what it is, who remedies it, and where."""
    item = deficiency.document_kind or NAME_ITEM
    return {
        "key": remedy_key(deficiency.feature, str(item)),
        "rule": deficiency.rule,
        "kind": str(deficiency.kind.label),
        "subject": deficiency.subject,
        "item": deficiency.item,
        "role": str(deficiency.role.label),
        "message": deficiency.message,
        "url": deficiency.url,
    }


def _minutes_body(sitting: ManifestApproval, votes: list[CscVote], bell: bool) -> str:
    lines = [
        f"Minutes of the Convoy Steering Committee on {sitting.convoy.code}.",
        f"Convened {_formal(sitting.convened_at)} by {display_name(sitting.convened_by)}; "
        f"quorum verified: {sitting.members_present} of {sitting.members_seated} members present.",
    ]
    if sitting.reconvenes_id:
        lines.append(
            f"The Committee reconvened within the Remediation Window of the sitting of "
            f"{_formal(sitting.reconvenes.convened_at)} (R41)."
        )
    for entry in sitting.roll.select_related("person__crew"):
        lines.append(
            f"Roll call: {display_name(entry.person)} ({entry.get_capacity_display()}): "
            f"{entry.get_status_display()}."
        )
    if sitting.manifest_received_at:
        lines.append(f"The Manifest was received at {_formal(sitting.manifest_received_at)}.")
    for p in sitting.presentations.select_related("captain__crew"):
        over = f", {p.over_by} s over the allocation" if p.over_by else ""
        lines.append(
            f"Presentation {p.position}: {display_name(p.captain)} ({p.features}), "
            f"{p.seconds or 0} s of {PRESENTATION_SECONDS_CSC} s{over}."
        )
    approve = sum(1 for v in votes if v.approve)
    lines.append(
        f"Closed deliberation over {len(sitting.deficiencies)} deficienc"
        f"{'y' if len(sitting.deficiencies) == 1 else 'ies'}."
    )
    for d in sitting.deficiencies:
        lines.append(f"Deficiency ({d['rule']}): {d['message']} Responsible: {d['role']}.")
    lines.append(f"Vote: {approve} to approve, {len(votes) - approve} to hold, of {len(votes)}.")
    lines.append(f"Verdict: {Verdict(sitting.verdict).label}")
    if bell:
        lines.append(f"The ship's bell was rung at {_formal(sitting.bell_rung_at)} (R40).")
    if sitting.remediation_until:
        lines.append(
            f"A Remediation Window of 48 hours opens, until {_formal(sitting.remediation_until)} "
            "(R41)."
        )
    return "\n".join(lines)


def announce_verdict(*, actor: AbstractBaseUser, sitting: ManifestApproval) -> ManifestApproval:
    """R39–R41: the verdict, from the votes of the members present and the deficiency list."""
    _commodore(actor, sitting.convoy, "Announcing the verdict")
    with transaction.atomic():
        sitting = _locked(sitting)
        _require_stage(sitting, Stage.VOTING, "The verdict")
        votes = list(sitting.votes.all())
        present = present_member_ids(sitting)
        if len(votes) < len(present):
            raise ProcessViolation(
                "R39",
                f"{len(votes)} of the {len(present)} CSC members present have voted. The verdict "
                "is announced when every member present has voted.",
            )
        deficiencies = [deficiency_record(d) for d in deficiency_list(sitting.convoy)]
        unanimous = all(v.approve for v in votes)
        now = clock.now()
        sitting.deficiencies = deficiencies
        sitting.verdict = (
            Verdict.FLEET_MAY_SAIL if unanimous and not deficiencies else Verdict.HELD_IN_PORT
        )
        sitting.verdict_at = now
        bell = sitting.verdict == Verdict.FLEET_MAY_SAIL
        if bell:
            sitting.bell_rung_at = now  # R40
        else:
            sitting.remediation_until = now + REMEDIATION_WINDOW  # R41
        sitting.stage = Stage.CONCLUDED
        sitting.signed_at = now
        sitting.signed_by = actor
        sitting.save()
        approve = sum(1 for v in votes if v.approve)
        minutes = CscMinutes.objects.create(
            sitting=sitting,
            verdict=sitting.verdict,
            bell_rung=bell,
            votes_to_approve=approve,
            votes_to_hold=len(votes) - approve,
            deficiencies=deficiencies,
            body=_minutes_body(sitting, votes, bell),
            signed_at=now,
            signed_by=actor,
        )
        record_event(
            actor=actor,
            action="manifest_approval.verdict",
            obj=sitting,
            after=snapshot(sitting, SITTING_FIELDS)
            | {"deficiencies": len(deficiencies), "votes_to_approve": approve, "votes": len(votes)},
        )
        record_event(
            actor=actor,
            action="manifest_approval.minutes_signed",
            obj=minutes,
            after=snapshot(minutes, ["verdict", "bell_rung", "votes_to_approve", "votes_to_hold"]),
        )
        if not bell:
            advance_convoy(actor=actor, convoy=sitting.convoy, to_state=ConvoyState.HELD_IN_PORT)
    return sitting
