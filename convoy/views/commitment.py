"""The 8-quarter commitment pages (R16): every member reads them; the ATO edits until locked."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy.ceremonies.commitment import (
    commit_feature,
    cycle_window,
    edit_commitment,
    lock_planning_cycle,
    lock_refusal,
    open_planning_cycle,
    quarter_label,
    withdraw_commitment,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.commitment import CommitmentForm, LockCycleForm, OpenCycleForm
from convoy.models import Commitment, PlanningCycle, Role
from convoy.views.access import member_view, perform

CYCLES_PER_PAGE = 25


def _is_admiral(request: HttpRequest) -> bool:
    return Role.ADMIRAL in roles_of(request.user)


def _cycle(year: int, quarter: int) -> PlanningCycle:
    return get_object_or_404(
        PlanningCycle.objects.select_related("locked_by__crew"), year=year, quarter=quarter
    )


def _cycle_url(cycle: PlanningCycle) -> str:
    return reverse("convoy:commitment_cycle", args=[cycle.year, cycle.quarter])


@require_http_methods(["GET", "POST"])
@member_view
def cycle_list(request: HttpRequest) -> HttpResponse:
    form = OpenCycleForm(request.POST or None)
    if request.method == "POST":
        require_role(request.user, None, Role.ADMIRAL, action="Opening a planning cycle")
        if form.is_valid():
            cycle = perform(
                form,
                open_planning_cycle,
                actor=request.user,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
            )
            if cycle is not None:
                messages.success(
                    request, f"Planning cycle {quarter_label(cycle.year, cycle.quarter)} is open."
                )
                return redirect(_cycle_url(cycle))
    cycles = (
        PlanningCycle.objects.select_related("locked_by__crew")
        .annotate(committed=Count("commitments"))
        .order_by("-year", "-quarter")
    )
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [
        {"cycle": c, "first": quarter_label(*window[0]), "last": quarter_label(*window[-1])}
        for c in page.object_list
        for window in [cycle_window(c)]
    ]
    return render(
        request,
        "convoy/commitment/cycle_list.html",
        {"page": page, "form": form, "may_edit": _is_admiral(request)},
        status=400 if form.errors else 200,
    )


def _refused_after_lock(
    request: HttpRequest, cycle: PlanningCycle, form: forms.Form
) -> HttpResponse | None:
    """A refusal because the cycle is (now) locked: say so above the lock banner."""
    cycle.refresh_from_db()
    if not cycle.is_locked:
        return None
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect(_cycle_url(cycle))


def _render_cycle(
    request: HttpRequest,
    cycle: PlanningCycle,
    form: CommitmentForm | None = None,
    lock_form: LockCycleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    commitments = list(cycle.commitments.all())
    quarters = [
        {
            "label": quarter_label(year, quarter),
            "commitments": [
                c for c in commitments if (c.target_year, c.target_quarter) == (year, quarter)
            ],
        }
        for year, quarter in cycle_window(cycle)
    ]
    may_edit = _is_admiral(request) and not cycle.is_locked
    return render(
        request,
        "convoy/commitment/cycle_detail.html",
        {
            "cycle": cycle,
            "quarters": quarters,
            "committed": len(commitments),
            "last_quarter": quarters[-1]["label"],
            "lock_message": lock_refusal(cycle).message if cycle.is_locked else "",
            "may_edit": may_edit,
            "form": form or (CommitmentForm(cycle=cycle) if may_edit else None),
            "lock_form": lock_form or (LockCycleForm() if may_edit else None),
        },
        status=status,
    )


@require_GET
@member_view
def cycle_detail(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    return _render_cycle(request, _cycle(year, quarter))


@require_POST
@member_view
def commitment_add(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    cycle = _cycle(year, quarter)
    require_role(request.user, None, Role.ADMIRAL, action="Committing a feature")
    form = CommitmentForm(request.POST, cycle=cycle)
    if form.is_valid():
        target_year, target_quarter = form.target_quarter()
        commitment = perform(
            form,
            commit_feature,
            actor=request.user,
            cycle=cycle,
            name=form.cleaned_data["name"],
            target_year=target_year,
            target_quarter=target_quarter,
        )
        if commitment is not None:
            messages.success(
                request,
                f"“{commitment.name}” is committed for "
                f"{quarter_label(target_year, target_quarter)}.",
            )
            return redirect(_cycle_url(cycle))
    return _refused_after_lock(request, cycle, form) or _render_cycle(
        request, cycle, form=form, status=400
    )


@require_http_methods(["GET", "POST"])
@member_view
def commitment_edit(request: HttpRequest, year: int, quarter: int, pk: int) -> HttpResponse:
    cycle = _cycle(year, quarter)
    commitment = get_object_or_404(Commitment, pk=pk, cycle=cycle)
    require_role(request.user, None, Role.ADMIRAL, action="Editing a commitment")
    initial = {
        "name": commitment.name,
        "target": f"{commitment.target_year}-{commitment.target_quarter}",
    }
    form = CommitmentForm(request.POST or None, cycle=cycle, initial=initial)
    if request.method == "POST" and form.is_valid():
        target_year, target_quarter = form.target_quarter()
        edited = perform(
            form,
            edit_commitment,
            actor=request.user,
            commitment=commitment,
            name=form.cleaned_data["name"],
            target_year=target_year,
            target_quarter=target_quarter,
        )
        if edited is not None:
            messages.success(request, f"The commitment “{edited.name}” has been edited.")
            return redirect(_cycle_url(cycle))
        cycle.refresh_from_db()
    return render(
        request,
        "convoy/commitment/commitment_edit.html",
        {
            "cycle": cycle,
            "commitment": commitment,
            "form": form,
            "lock_message": lock_refusal(cycle).message if cycle.is_locked else "",
        },
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def commitment_withdraw(request: HttpRequest, year: int, quarter: int, pk: int) -> HttpResponse:
    cycle = _cycle(year, quarter)
    commitment = get_object_or_404(Commitment, pk=pk, cycle=cycle)
    try:
        withdraw_commitment(actor=request.user, commitment=commitment)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, f"The commitment “{commitment.name}” has been withdrawn.")
    return redirect(_cycle_url(cycle))


@require_POST
@member_view
def cycle_lock(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    cycle = _cycle(year, quarter)
    require_role(request.user, None, Role.ADMIRAL, action="Locking the 8-quarter commitment")
    form = LockCycleForm(request.POST)
    if form.is_valid() and perform(form, lock_planning_cycle, actor=request.user, cycle=cycle):
        messages.success(
            request,
            f"The 8-quarter commitment of cycle {quarter_label(cycle.year, cycle.quarter)} is "
            "locked.",
        )
        return redirect(_cycle_url(cycle))
    return _refused_after_lock(request, cycle, form) or _render_cycle(
        request, cycle, lock_form=form, status=400
    )
