"""Reads for pages: which Convoy is current, and what a person is expected to do next."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from convoy import clock
from convoy.caching import memoized
from convoy.ceremonies.lifecycle import exit_criteria, next_states
from convoy.ceremonies.roles import roles_of
from convoy.models import ChangeState, Convoy, ConvoyState, Feature, Role


def current_convoy() -> Convoy | None:
    """The Convoy of the current quarter unless it has closed; else the earliest open one."""
    return memoized(("current_convoy",), _current_convoy, versioned=True)


def convoy_or_404(number: int) -> Convoy:
    """The Convoy of this number (404 if none), read once per data version on GET pages."""
    return memoized(
        ("convoy", number),
        lambda: get_object_or_404(Convoy.objects.select_related("commodore__crew"), number=number),
        versioned=True,
    )


def _current_convoy() -> Convoy | None:
    today = clock.today()
    quarter = (today.month - 1) // 3 + 1
    convoys = Convoy.objects.select_related("commodore__crew")
    convoy = convoys.filter(year=today.year, quarter=quarter).first()
    if convoy is not None and convoy.state != ConvoyState.CLOSED:
        return convoy
    return (
        convoys.exclude(state=ConvoyState.CLOSED).order_by("number").first()
        or convoy
        or convoys.order_by("-number").first()
    )


def convoy_features(convoy: Convoy) -> QuerySet[Feature]:
    return (
        convoy.features.select_related("captain__crew")
        .annotate(
            change_count=Count("changes", distinct=True),
            task_count=Count("tasks", distinct=True),
        )
        .order_by("number")
    )


@dataclass(frozen=True)
class NextAction:
    role: str
    text: str
    url: str


def next_actions(user: AbstractBaseUser, convoy: Convoy | None) -> list[NextAction]:
    """What the signed-in person is expected to do next, role by role."""
    if convoy is None:
        return []
    held = roles_of(user, convoy)
    actions: list[NextAction] = []
    convoy_url = convoy.get_absolute_url()
    if Role.COMMODORE in held:
        for state in next_states(convoy):
            statuses = exit_criteria(convoy, state)
            holding = sum(1 for s in statuses if s.result.holds)
            if holding == len(statuses):
                text = f"Advance {convoy.code} to {state.label}: every exit criterion holds."
            else:
                text = (
                    f"Bring {convoy.code} to {state.label}: {holding} of {len(statuses)} "
                    "exit criteria hold."
                )
            actions.append(NextAction("Commodore", text, convoy_url))
    if Role.FEATURE_CAPTAIN in held:
        mine = convoy.features.filter(captain=user).annotate(n_tasks=Count("tasks"))
        for feature in mine:
            url = reverse("convoy:feature_detail", args=[convoy.number, feature.number])
            if feature.n_tasks == 0:
                actions.append(
                    NextAction(
                        "Feature Captain", f"Provision the task list of {feature.code}.", url
                    )
                )
            else:
                actions.append(
                    NextAction(
                        "Feature Captain",
                        f"Report the status of {feature.code} {feature.name}.",
                        url,
                    )
                )
    if Role.CODE_ENGINEER in held:
        counts = (
            convoy.features.filter(changes__author=user)
            .values("changes__state")
            .annotate(n=Count("changes"))
        )
        for row in counts:
            state = ChangeState(row["changes__state"])
            if state in (ChangeState.ACCEPTED,):
                continue
            actions.append(
                NextAction(
                    "Code Engineer",
                    f"{row['n']} of your Changes are in {state.label}.",
                    convoy_url,
                )
            )
    standing_duties = {
        Role.ADMIRAL: "Keep the 8-quarter commitment locked and receive Emergency Sail requests.",
        Role.CSO: "Prepare the Signal Report and announce the Change Freeze in good time.",
        Role.CRAP: "Attend the next Convening in your seat; read the agenda packages.",
        Role.CSET: "Run Code Inspections against the 47-item Code Compliance Checklist.",
        Role.EARB: "Keep the Book of Names and attest naming compliance.",
        Role.QA: "Certify testing of Changes awaiting a Testing Completion Certificate.",
        Role.DIAT: "Validate the Quality Authority's evidence.",
        Role.RBRB: "Review the CRAP's rejection rate and intake rejections.",
        Role.DOUCHE: "Give final approval to Change Impact Assessments awaiting you.",
        Role.CGR: "Sign change request forms awaiting governance signatures.",
        Role.AUDITOR: "Read the audit trail; every record is open to you, none may be changed.",
        Role.CSC: "Prepare to deliberate on the Manifest's deficiency list.",
        Role.LEADERSHIP: "Score the Fleet Inspection presentations.",
    }
    for role, text in standing_duties.items():
        if role in held:
            actions.append(NextAction(role.label, text, convoy_url))
    return actions


def features_waiting(convoy: Convoy) -> dict[str, int]:
    return dict(
        convoy.features.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )


def changes_by_state(convoy: Convoy) -> list[tuple[ChangeState, int]]:
    rows = dict(
        convoy.features.values_list("changes__state")
        .annotate(n=Count("changes"))
        .filter(~Q(changes__state=None))
        .values_list("changes__state", "n")
    )
    return [(state, rows.get(state, 0)) for state in ChangeState]
