"""Pages of Manifest Approval (R38–R41), the Change Freeze (R9) and Emergency Sail (R42).

Every page is for signed-in members; every action checks its role (R4 → 403) before the
ceremony runs. Refusals by other rules come back as messages or form errors citing the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy import clock
from convoy.ceremonies import emergency_sail as sail
from convoy.ceremonies import manifest_approval as ma
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.freeze import announce_freeze, announcement_deadline, freeze_window
from convoy.ceremonies.remediation import remediation_window
from convoy.ceremonies.roles import require_role, roles_of
from convoy.deficiencies import deficiency_list
from convoy.forms.approval import (
    AbsenceAttestationForm,
    ConveneForm,
    EmergencySailForm,
    RollCallForm,
    VoteForm,
)
from convoy.forms.safety import posted_id
from convoy.models import (
    EMERGENCY_SAIL_MIN_WORDS,
    PRESENTATION_SECONDS_CSC,
    Convoy,
    ConvoyState,
    EmergencySailRequest,
    FreezeAnnouncement,
    ManifestApproval,
    Role,
    RollCallCapacity,
    SittingStage,
)
from convoy.selectors import convoy_or_404
from convoy.views.access import member_view, perform


def _sitting(convoy: Convoy, pk: int) -> ManifestApproval:
    return get_object_or_404(
        ManifestApproval.objects.select_related("convoy", "convened_by__crew", "reconvenes"),
        convoy=convoy,
        pk=pk,
    )


def _act(
    request: HttpRequest, ceremony: Callable[..., Any], success: str, back: str, **kwargs: Any
) -> HttpResponse:
    """Run a ceremony for a button; a refusal (other than R4) becomes a message."""
    try:
        ceremony(actor=request.user, **kwargs)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, success)
    return redirect(back)


# The Manifest Approval page ----------------------------------------------------------------


@require_GET
@member_view
def approval(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    held = roles_of(request.user, convoy)
    sittings = list(
        convoy.manifest_approvals.select_related("convened_by__crew", "signed_by__crew")
        .prefetch_related("votes")
        .order_by("-convened_at", "-id")
    )
    current = next((s for s in sittings if not s.verdict), None)
    may_convene = (
        Role.COMMODORE in held
        and current is None
        and convoy.state in (ConvoyState.MANIFEST_APPROVAL, ConvoyState.HELD_IN_PORT)
    )
    return render(
        request,
        "convoy/approval/approval.html",
        {
            "convoy": convoy,
            "sittings": sittings,
            "current": current,
            "window": remediation_window(convoy),
            "deficiencies": deficiency_list(convoy),
            "may_convene": may_convene,
            "convene_form": ConveneForm(convoy=convoy) if may_convene else None,
            "absence_form": AbsenceAttestationForm(initial={"absent_on": convoy.sailing_date})
            if Role.FEATURE_CAPTAIN in held
            else None,
            "csc": ma.csc_members(convoy),
            "is_member": Role.CSC in held,
            "slots": ma.captain_slots(convoy),
        },
    )


@require_POST
@member_view
def approval_convene(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.COMMODORE, action="Convening the CSC")
    form = ConveneForm(request.POST, convoy=convoy)
    back = reverse("convoy:approval", args=[number])
    if not form.is_valid():
        messages.error(request, "R38: Choose the CSC members present.")
        return redirect(back)
    try:
        sitting = ma.convene_sitting(
            actor=request.user, convoy=convoy, present=form.cleaned_data["present"]
        )
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
        return redirect(back)
    messages.success(request, "The Convoy Steering Committee is convened; quorum is verified.")
    return redirect("convoy:approval_sitting", number=number, pk=sitting.pk)


@require_POST
@member_view
def approval_absence(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(
        request.user, convoy, Role.FEATURE_CAPTAIN, action="Filing an Absence Attestation Form"
    )
    form = AbsenceAttestationForm(request.POST)
    if form.is_valid() and perform(
        form,
        ma.file_absence_attestation,
        actor=request.user,
        convoy=convoy,
        absent_on=form.cleaned_data["absent_on"],
        reason=form.cleaned_data["reason"],
    ):
        messages.success(request, "Your Absence Attestation Form is on file.")
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return redirect("convoy:approval", number=number)


# The Commodore's screen --------------------------------------------------------------------


def _sitting_context(request: HttpRequest, convoy: Convoy, sitting: ManifestApproval) -> dict:
    held = roles_of(request.user, convoy)
    is_commodore = Role.COMMODORE in held
    roll = list(sitting.roll.select_related("person__crew", "attestation"))
    presentations = {p.captain_id: p for p in sitting.presentations.all()}
    present_captains = {e.person_id for e in roll if e.capacity == RollCallCapacity.FEATURE_CAPTAIN}
    slots = [
        {
            "slot": slot,
            "entry": next(
                (
                    e
                    for e in roll
                    if e.person_id == slot.captain.pk
                    and e.capacity == RollCallCapacity.FEATURE_CAPTAIN
                ),
                None,
            ),
            "presentation": presentations.get(slot.captain.pk),
        }
        for slot in ma.captain_slots(convoy)
    ]
    live = sitting.stage in (SittingStage.DELIBERATION, SittingStage.VOTING)
    present_members = ma.present_member_ids(sitting)
    votes = list(sitting.votes.select_related("member__crew"))
    voted = {v.member_id for v in votes}
    stage = sitting.stage
    running = ma.running_presentation(sitting)
    return {
        "convoy": convoy,
        "sitting": sitting,
        "is_commodore": is_commodore,
        "is_member": Role.CSC in held,
        "members": [e for e in roll if e.capacity == RollCallCapacity.CSC_MEMBER],
        "captains": [e for e in roll if e.capacity == RollCallCapacity.FEATURE_CAPTAIN],
        "slots": slots,
        "roll_taken": bool(present_captains),
        "running": running,
        "elapsed": int((clock.now() - running.started_at).total_seconds()) if running else 0,
        "next_slot": ma.next_presenter(sitting) if stage == SittingStage.PRESENTATIONS else None,
        "allocation": PRESENTATION_SECONDS_CSC,
        "deficiencies": deficiency_list(convoy) if live else None,
        "votes": votes,
        "votes_cast": len(votes),
        "votes_due": len(present_members),
        "not_voted": [e for e in roll if e.person_id in present_members - voted],
        "roll_form": RollCallForm(convoy=convoy)
        if is_commodore and stage == SittingStage.ROLL_CALL
        else None,
        "minutes": getattr(sitting, "minutes", None) if sitting.verdict else None,
        "window": remediation_window(convoy),
        "Stage": SittingStage,
    }


@require_GET
@member_view
def approval_sitting(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    sitting = _sitting(convoy, pk)
    return render(
        request, "convoy/approval/sitting.html", _sitting_context(request, convoy, sitting)
    )


def _commodore_step(
    request: HttpRequest,
    number: int,
    pk: int,
    ceremony: Callable[..., Any],
    success: str,
    **kw: Any,
) -> HttpResponse:
    convoy = convoy_or_404(number)
    sitting = _sitting(convoy, pk)
    require_role(request.user, convoy, Role.COMMODORE, action="Running the Manifest Approval")
    back = reverse("convoy:approval_sitting", args=[number, pk])
    return _act(request, ceremony, success, back, sitting=sitting, **kw)


@require_POST
@member_view
def approval_roll_call(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.COMMODORE, action="Taking the roll call")
    sitting = _sitting(convoy, pk)
    form = RollCallForm(request.POST, convoy=convoy)
    if not form.is_valid():
        # Not "nobody present": a choice that is no Feature Captain is refused, not dropped.
        messages.error(request, "R38: Choose the Feature Captains present.")
        return redirect("convoy:approval_sitting", number=number, pk=sitting.pk)
    present = form.cleaned_data["present"]
    return _commodore_step(
        request,
        number,
        pk,
        ma.take_roll_call,
        "The roll is called and the Manifest received.",
        present=present,
    )


@require_POST
@member_view
def approval_presentation_start(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    require_role(
        request.user, convoy_or_404(number), Role.COMMODORE, action="Running the Manifest Approval"
    )
    captain = get_object_or_404(get_user_model(), pk=posted_id(request, "captain"))
    return _commodore_step(
        request,
        number,
        pk,
        ma.start_presentation,
        "The Feature Captain has the floor for 5 minutes.",
        captain=captain,
    )


@require_POST
@member_view
def approval_presentation_end(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    return _commodore_step(request, number, pk, ma.end_presentation, "The timer is stopped.")


@require_POST
@member_view
def approval_deliberation(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    return _commodore_step(
        request, number, pk, ma.begin_deliberation, "The Committee deliberates in closed session."
    )


@require_POST
@member_view
def approval_call_vote(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    return _commodore_step(
        request, number, pk, ma.call_vote, "The vote is called. Members vote on their own screens."
    )


@require_POST
@member_view
def approval_verdict(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    return _commodore_step(request, number, pk, ma.announce_verdict, "The verdict is announced.")


# A CSC member's own screen -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def approval_vote(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    sitting = _sitting(convoy, pk)
    require_role(request.user, convoy, Role.CSC, action="Voting on the Manifest")
    mine = sitting.votes.filter(member=request.user).first()
    form = VoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vote = perform(
            form,
            ma.cast_vote,
            actor=request.user,
            sitting=sitting,
            approve=form.cleaned_data["vote"] == "APPROVE",
        )
        if vote is not None:
            messages.success(request, f"Your vote on {convoy.code} has been recorded.")
            return redirect("convoy:approval_vote", number=number, pk=pk)
    return render(
        request,
        "convoy/approval/vote.html",
        {
            "convoy": convoy,
            "sitting": sitting,
            "form": form,
            "mine": mine,
            "present": request.user.pk in ma.present_member_ids(sitting),
            "Stage": SittingStage,
        },
    )


# The Change Freeze (R9) --------------------------------------------------------------------


@require_GET
@member_view
def freeze(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    window = freeze_window(convoy)
    return render(
        request,
        "convoy/approval/freeze.html",
        {
            "convoy": convoy,
            "window": window,
            "in_force": window.holds_at(clock.now()),
            "announcement": FreezeAnnouncement.objects.filter(convoy=convoy)
            .select_related("announced_by__crew")
            .first(),
            "deadline": announcement_deadline(convoy),
            "may_announce": Role.CSO in roles_of(request.user, convoy),
        },
    )


@require_POST
@member_view
def freeze_announce(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.CSO, action="Announcing a Change Freeze")
    return _act(
        request,
        announce_freeze,
        f"The Change Freeze of {convoy.code} is announced.",
        reverse("convoy:freeze", args=[number]),
        convoy=convoy,
    )


# Emergency Sail (R42) ----------------------------------------------------------------------


@require_GET
@member_view
def emergency_sail_list(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    held = roles_of(request.user, convoy)
    requests = convoy.emergency_sail_requests.select_related("filed_by__crew").prefetch_related(
        "signatures"
    )
    return render(
        request,
        "convoy/approval/emergency_sail_list.html",
        {
            "convoy": convoy,
            "requests": requests.order_by("-filed_at"),
            "completed": sail.completed_count(),
            "filed_ever": EmergencySailRequest.objects.count(),
            "may_file": Role.COMMODORE in held and convoy.state in sail.OPEN_STATES,
        },
    )


@require_http_methods(["GET", "POST"])
@member_view
def emergency_sail_new(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    require_role(request.user, convoy, Role.COMMODORE, action="Filing an Emergency Sail Request")
    form = EmergencySailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        filed = perform(
            form,
            sail.file_emergency_sail,
            actor=request.user,
            convoy=convoy,
            risk_acceptance_matrix=form.matrix(),
            justification_narrative=form.cleaned_data["justification_narrative"],
            remediation_plan=form.cleaned_data["remediation_plan"],
            remediation_business_days=form.cleaned_data["remediation_business_days"],
        )
        if filed is not None:
            messages.success(request, "The Emergency Sail Authorization Request is filed.")
            return redirect("convoy:emergency_sail_detail", number=number, pk=filed.pk)
    return render(
        request,
        "convoy/approval/emergency_sail_new.html",
        {"convoy": convoy, "form": form, "min_words": EMERGENCY_SAIL_MIN_WORDS},
    )


def _sail_request(convoy: Convoy, pk: int) -> EmergencySailRequest:
    return get_object_or_404(
        EmergencySailRequest.objects.select_related("filed_by__crew", "approved_by__crew"),
        convoy=convoy,
        pk=pk,
    )


@require_GET
@member_view
def emergency_sail_detail(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    filed = _sail_request(convoy, pk)
    held = roles_of(request.user, convoy)
    signatures = list(filed.signatures.select_related("member__crew"))
    due = None
    if filed.approved_at and convoy.sailed_at:
        due = clock.add_business_days(convoy.sailed_at.date(), filed.remediation_business_days)
    return render(
        request,
        "convoy/approval/emergency_sail_detail.html",
        {
            "convoy": convoy,
            "filed": filed,
            "signatures": signatures,
            "unsigned": sail.unsigned_members(filed),
            "missing": sail.missing_elements(filed) if not filed.approved_at else [],
            "matrix": [
                (label, filed.risk_acceptance_matrix.get(value, {}))
                for value, label in sail.RiskCategory.choices
            ],
            "may_sign": Role.CSC in held
            and not filed.approved_at
            and request.user.pk not in {s.member_id for s in signatures},
            "may_approve": Role.ADMIRAL in held and not filed.approved_at,
            "due": due,
        },
    )


@require_POST
@member_view
def emergency_sail_sign(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    filed = _sail_request(convoy, pk)
    require_role(request.user, convoy, Role.CSC, action="Signing an Emergency Sail Request")
    return _act(
        request,
        sail.sign_emergency_sail,
        "Your signature is on the request.",
        reverse("convoy:emergency_sail_detail", args=[number, pk]),
        sail_request=filed,
    )


@require_POST
@member_view
def emergency_sail_approve(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    filed = _sail_request(convoy, pk)
    require_role(request.user, None, Role.ADMIRAL, action="Approving an Emergency Sail")
    return _act(
        request,
        sail.approve_emergency_sail,
        "The Emergency Sail is approved by the ATO.",
        reverse("convoy:emergency_sail_detail", args=[number, pk]),
        sail_request=filed,
    )
