from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from convoy.caching import cached_part, cached_value, reader_cached
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import READERS as WORKBOOK_READERS
from convoy.ceremonies.lifecycle import advance_convoy, exit_criteria, next_states
from convoy.ceremonies.roles import require_role, roles_of
from convoy.context_processors import AUDIT_READERS
from convoy.models import AuditEvent, Convoy, ConvoyState, Role
from convoy.selectors import (
    changes_by_state,
    convoy_features,
    convoy_or_404,
    current_convoy,
    next_actions,
)
from convoy.views.access import member_view

STATE_LADDER = [s for s in ConvoyState if s != ConvoyState.HELD_IN_PORT]


def convoy_tables(request: HttpRequest, convoy: Convoy, features_heading: str) -> str:
    """The features and the Changes by state: the same for every reader (cached)."""
    return cached_part(
        request,
        "convoy-tables",
        convoy.pk,
        features_heading,
        render=lambda: render_to_string(
            "convoy/_convoy_tables.html",
            {
                "convoy": convoy,
                "features_heading": features_heading,
                "features": convoy_features(convoy),
                "changes_by_state": changes_by_state(convoy),
            },
        ),
    )


@require_GET
@member_view
@reader_cached
def dashboard(request: HttpRequest) -> HttpResponse:
    convoy = current_convoy()
    context: dict[str, object] = {"convoy": convoy}
    if convoy is not None:
        context |= {
            "actions": cached_value(
                request,
                "next-actions",
                request.user.pk,
                convoy.pk,
                compute=lambda: next_actions(request.user, convoy),
            ),
            "tables": convoy_tables(request, convoy, "Features and their owners"),
            "ladder": STATE_LADDER,
        }
    return render(request, "convoy/dashboard.html", context)


@require_GET
@member_view
@reader_cached
def convoy_detail(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    held = roles_of(request.user, convoy)
    moves = [
        {"state": state, "criteria": exit_criteria(convoy, state)} for state in next_states(convoy)
    ]
    for move in moves:
        move["ready"] = all(status.result.holds for status in move["criteria"])
    return render(
        request,
        "convoy/convoy_detail.html",
        {
            "convoy": convoy,
            "moves": moves,
            "may_advance": Role.COMMODORE in held,
            "may_read_workbook": bool(held & set(WORKBOOK_READERS)),
            "tables": convoy_tables(request, convoy, "Features"),
            "ladder": STATE_LADDER,
        },
    )


@require_POST
@member_view
def convoy_advance(request: HttpRequest, number: int) -> HttpResponse:
    convoy = get_object_or_404(Convoy, number=number)
    require_role(request.user, convoy, Role.COMMODORE, action="Advancing the Convoy")
    to_state = request.POST.get("to_state", "")
    try:
        advance_convoy(actor=request.user, convoy=convoy, to_state=to_state)
    except ProcessViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        label = ConvoyState(to_state).label
        messages.success(request, f"{convoy.code} has advanced to {label}.")
    return redirect(convoy.get_absolute_url())


@require_GET
@member_view
def audit_trail(request: HttpRequest) -> HttpResponse:
    convoy = current_convoy()
    if not roles_of(request.user, convoy) & AUDIT_READERS:
        require_role(request.user, convoy, *sorted(AUDIT_READERS), action="Reading the audit trail")
    events = AuditEvent.objects.select_related("actor").order_by("-seq")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "convoy/audit_trail.html", {"page": page})
