"""The CRAP's pages: the agenda, the chair's Convening screen, each member's ballot page.

The ballot page shows a member only what that member may see: the Changes before the
Convening, whether they have voted, and the announced outcome. It never shows how anybody
voted, including the member themself: the stored ballot does not know its voter (R58).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from convoy import clock
from convoy.ceremonies.agenda import (
    crap_chair,
    crap_seats,
    cutoff_for,
    distribute_agenda,
    require_chair,
    schedule_convenings,
)
from convoy.ceremonies.convening import (
    administer_oath,
    cast_ballot,
    close_convening,
    open_convening,
    start_presentation,
    stop_presentation,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import require_role
from convoy.forms.safety import within_calendar
from convoy.models import (
    CRAP_SEATS,
    PRESENTATION_SECONDS,
    AgendaSubmission,
    BallotParticipation,
    Cadence,
    Change,
    ChecklistItem,
    Convening,
    ConveningSeat,
    ConveningState,
    Oath,
    Role,
)
from convoy.views.access import member_view, perform

UPCOMING = 12


class ScheduleForm(forms.Form):
    start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[within_calendar]
    )
    weeks = forms.IntegerField(min_value=1, max_value=26, initial=2)
    cadence = forms.ChoiceField(choices=Cadence.choices)


class OpenForm(forms.Form):
    present = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, required=False, label="Seated members present"
    )

    def __init__(self, *args: object, seats: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (str(s.user_id), f"Seat {s.seat}: {s.user.crew.display_name}") for s in seats
        ]
        self.fields["present"].initial = [str(s.user_id) for s in seats]


class OathForm(forms.Form):
    notary = forms.CharField(
        max_length=120, required=False, help_text="For a notarised written oath only."
    )
    notarised_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
    )


class ChecklistNumbers(forms.MultipleChoiceField):
    """Any submitted item number reaches the ceremony, which refuses unknown ones (R31)."""

    def valid_value(self, value: object) -> bool:
        return True


class BallotForm(forms.Form):
    choice = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    reasons = ChecklistNumbers(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Checklist items found incomplete (reject only)",
    )

    def __init__(self, *args: object, items: list[ChecklistItem], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = [(str(i.number), f"{i.number}. {i.text}") for i in items]


def _convening(pk: int) -> Convening:
    return get_object_or_404(Convening, pk=pk)


def _chair_screen(convening: Convening) -> str:
    return reverse("convoy:convening_detail", args=[convening.pk])


@require_GET
@member_view
def agenda(request: HttpRequest) -> HttpResponse:
    """The coming Convenings with their cutoffs and agendas; the chair schedules here."""
    now = clock.now()
    convenings = list(
        Convening.objects.exclude(state=ConveningState.CLOSED)
        .prefetch_related("submissions__change__author__crew")
        .order_by("scheduled_for")[:UPCOMING]
    )
    rows = [
        {
            "convening": c,
            "cutoff": cutoff_for(c),
            "receiving": c.state == ConveningState.SCHEDULED
            and not c.agenda_distributed
            and now <= cutoff_for(c),
            "distribute_by": c.scheduled_for - dt.timedelta(hours=24),
        }
        for c in convenings
    ]
    chair = crap_chair()
    is_chair = chair is not None and chair.pk == request.user.pk
    return render(
        request,
        "convoy/convening/agenda.html",
        {
            "rows": rows,
            "is_chair": is_chair,
            "schedule_form": ScheduleForm(initial={"start": clock.today()}) if is_chair else None,
            "seats": crap_seats(),
            "now": now,
        },
    )


@require_POST
@member_view
def convening_schedule(request: HttpRequest) -> HttpResponse:
    require_chair(request.user, "Scheduling Convenings")
    form = ScheduleForm(request.POST)
    if form.is_valid():
        created = perform(
            form,
            schedule_convenings,
            actor=request.user,
            start=form.cleaned_data["start"],
            weeks=form.cleaned_data["weeks"],
            cadence=form.cleaned_data["cadence"],
        )
        if created is not None:
            messages.success(request, f"{len(created)} Convening(s) scheduled.")
            return redirect("convoy:agenda")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("convoy:agenda")


def _chair_act(
    request: HttpRequest,
    screen_of: Convening,
    ceremony: Callable[..., object],
    done: str,
    **kwargs: object,
) -> HttpResponse:
    try:
        ceremony(actor=request.user, **kwargs)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, done)
    return redirect(_chair_screen(screen_of))


@require_POST
@member_view
def convening_distribute(request: HttpRequest, pk: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Distributing the agenda")
    try:
        distribute_agenda(actor=request.user, convening=convening)
    except ProcessViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, f"The agenda has been distributed to all {CRAP_SEATS} members.")
    return redirect("convoy:agenda")


def _screen_context(request: HttpRequest, convening: Convening) -> dict[str, object]:
    submissions = list(
        AgendaSubmission.objects.filter(convening=convening)
        .select_related("change__feature", "submitted_by__crew", "presentation", "tally")
        .prefetch_related("tally__rejection_notice")
        .order_by("submitted_at", "pk")
    )
    sworn = {
        o.supplicant_id: o
        for o in Oath.objects.filter(convening=convening).select_related("oath_text")
    }
    seated = list(ConveningSeat.objects.filter(convening=convening).select_related("member__crew"))
    voted: dict[int, set[int]] = {}
    for change_id, member_id in BallotParticipation.objects.filter(convening=convening).values_list(
        "change_id", "member_id"
    ):
        voted.setdefault(change_id, set()).add(member_id)
    any_presentation = any(hasattr(s, "presentation") for s in submissions)
    rows = []
    for submission in submissions:
        members = voted.get(submission.change_id, set())
        presentation = getattr(submission, "presentation", None)
        rows.append(
            {
                "submission": submission,
                "oath": sworn.get(submission.submitted_by_id),
                "presentation": presentation,
                "running": presentation is not None and presentation.ended_at is None,
                "cast": len(members),
                "voted": [s for s in seated if s.member_id in members],
                "not_voted": [s for s in seated if s.member_id not in members],
                "tally": getattr(submission, "tally", None),
            }
        )
    supplicants = {s.submitted_by_id: s.submitted_by for s in submissions}
    return {
        "convening": convening,
        "rows": rows,
        "seated": seated,
        "open_form": OpenForm(seats=crap_seats())
        if convening.state == ConveningState.SCHEDULED
        else None,
        "oath_form": OathForm(),
        "unsworn": [u for pk, u in supplicants.items() if pk not in sworn]
        if not any_presentation
        else [],
        "allocation": PRESENTATION_SECONDS,
        "in_session": convening.state == ConveningState.OPEN,
    }


@require_GET
@member_view
def convening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's screen: runs the Convening from opening to outcome."""
    convening = _convening(pk)
    require_chair(request.user, "Running a Convening")
    return render(
        request, "convoy/convening/convening_detail.html", _screen_context(request, convening)
    )


@require_POST
@member_view
def convening_open(request: HttpRequest, pk: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Opening a Convening")
    seats = crap_seats()
    form = OpenForm(request.POST, seats=seats)
    if not form.is_valid():
        # Not "nobody present": a choice that is no seated member is refused, not dropped.
        messages.error(request, "R3: Choose the seated members present.")
        return redirect(_chair_screen(convening))
    chosen = set(form.cleaned_data["present"])
    present = [s.user for s in seats if str(s.user_id) in chosen]
    return _chair_act(
        request,
        convening,
        open_convening,
        f"The {convening} is in session with {CRAP_SEATS} seated members.",
        convening=convening,
        present=present,
    )


@require_POST
@member_view
def convening_oath(request: HttpRequest, pk: int, supplicant: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Administering the Supplicant's Oath")
    submission = (
        AgendaSubmission.objects.select_related("submitted_by")
        .filter(convening=convening, submitted_by_id=supplicant)
        .first()
    )
    if submission is None:
        raise Http404("No submitter of that name before this Convening.")
    form = OathForm(request.POST)
    if not form.is_valid():
        messages.error(request, "R27: A written oath names its notary and the date notarised.")
        return redirect(_chair_screen(convening))
    return _chair_act(
        request,
        convening,
        administer_oath,
        "The Supplicant's Oath is recorded in the minutes.",
        convening=convening,
        supplicant=submission.submitted_by,
        notary=form.cleaned_data["notary"],
        notarised_on=form.cleaned_data["notarised_on"],
    )


def _submission(convening: Convening, change_pk: int) -> AgendaSubmission:
    return get_object_or_404(
        AgendaSubmission.objects.select_related("convening", "change"),
        convening=convening,
        change_id=change_pk,
    )


@require_POST
@member_view
def convening_timer_start(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Starting a presentation")
    submission = _submission(convening, change)
    return _chair_act(
        request,
        convening,
        start_presentation,
        f"The presenter of {submission.change.record_id} has the floor for at most 3 minutes.",
        submission=submission,
    )


@require_POST
@member_view
def convening_timer_stop(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Stopping a presentation")
    submission = _submission(convening, change)
    return _chair_act(
        request,
        convening,
        stop_presentation,
        f"The presentation of {submission.change.record_id} is recorded. Ballots are open.",
        submission=submission,
    )


@require_POST
@member_view
def convening_close(request: HttpRequest, pk: int) -> HttpResponse:
    convening = _convening(pk)
    require_chair(request.user, "Closing a Convening")
    return _chair_act(
        request, convening, close_convening, f"The {convening} is closed.", convening=convening
    )


def _ballot_context(
    request: HttpRequest, convening: Convening, bound: dict[int, BallotForm] | None = None
) -> dict[str, object]:
    items = list(ChecklistItem.objects.order_by("number"))
    seated = ConveningSeat.objects.filter(convening=convening, member=request.user).first()
    mine = set(
        BallotParticipation.objects.filter(convening=convening, member=request.user).values_list(
            "change_id", flat=True
        )
    )
    rows = []
    for submission in (
        AgendaSubmission.objects.filter(convening=convening)
        .select_related("change__feature", "presentation", "tally")
        .order_by("submitted_at", "pk")
    ):
        presentation = getattr(submission, "presentation", None)
        tally = getattr(submission, "tally", None)
        open_for_me = (
            seated is not None
            and convening.state == ConveningState.OPEN
            and presentation is not None
            and presentation.ended_at is not None
            and tally is None
            and submission.change_id not in mine
            and submission.change.author_id != request.user.pk
        )
        form = (bound or {}).get(submission.change_id)
        if form is None and open_for_me:
            form = BallotForm(items=items, prefix=f"c{submission.change_id}")
        rows.append(
            {
                "submission": submission,
                "change": submission.change,
                "voted": submission.change_id in mine,
                "presented": presentation is not None and presentation.ended_at is not None,
                "own": submission.change.author_id == request.user.pk,
                "tally": tally,
                "form": form,
            }
        )
    return {"convening": convening, "seated": seated, "rows": rows}


@require_GET
@member_view
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's own ballot page for one Convening (R29)."""
    convening = _convening(pk)
    require_role(request.user, None, Role.CRAP, action="Reading the ballot page")
    return render(request, "convoy/convening/ballot.html", _ballot_context(request, convening))


@require_POST
@member_view
def ballot_cast(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    convening = _convening(pk)
    require_role(request.user, None, Role.CRAP, action="Casting a ballot")
    change_obj = get_object_or_404(Change, pk=change)
    items = list(ChecklistItem.objects.order_by("number"))
    form = BallotForm(request.POST, items=items, prefix=f"c{change_obj.pk}")
    if form.is_valid():
        done = perform(
            form,
            cast_ballot,
            actor=request.user,
            convening=convening,
            change=change_obj,
            accept=form.cleaned_data["choice"] == "accept",
            reasons=form.cleaned_data["reasons"],
        )
        if done is not None:
            messages.success(
                request, f"Your ballot on {change_obj.record_id} has been cast. It is secret."
            )
            return redirect(reverse("convoy:ballot", args=[convening.pk]))
    context = _ballot_context(request, convening, bound={change_obj.pk: form})
    context["refusals"] = [error for errors in form.errors.values() for error in errors]
    return render(request, "convoy/convening/ballot.html", context, status=400)
