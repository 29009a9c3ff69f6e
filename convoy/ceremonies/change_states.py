"""The Change's states and the one table of allowed moves (§4).

Every ceremony that moves a Change goes through `move_change`, which refuses a move the table
does not allow and writes the audit event (R57) in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import Change, ChangeState

S = ChangeState

CHANGE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IMPACT_ASSESSMENT}),  # R19: the CIA is submitted
    S.IMPACT_ASSESSMENT: frozenset({S.CODING}),  # R20: the DOUCHE signs last
    S.CODING: frozenset({S.CODE_INSPECTION}),  # R21/R23: inspection opens, form generated
    S.CODE_INSPECTION: frozenset({S.TESTING, S.CODING}),  # R21: passed, or failed
    S.TESTING: frozenset({S.DIAT_REVIEW}),  # R22: Testing Completion Certificate
    S.DIAT_REVIEW: frozenset({S.SIGNATURES}),  # R22: DIAT integrity validation
    S.SIGNATURES: frozenset({S.ARCHIVED}),  # R23: verified form archived
    # R25 onto an agenda; R34 accepted by Emergency Authorization between Convenings.
    S.ARCHIVED: frozenset({S.ON_AGENDA, S.ACCEPTED}),
    # R30 by the tally; back to ARCHIVED when the Convening closes without hearing it.
    S.ON_AGENDA: frozenset({S.ACCEPTED, S.REJECTED, S.ARCHIVED}),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset({S.SIGNATURES}),  # R32: resubmitted, count + 1
}


def refuse_unless_in(change: Change, *states: str, rule: str, doing: str) -> None:
    """Refuse `doing` unless the Change is in one of `states`."""
    if change.state not in states:
        wanted = " or ".join(ChangeState(s).label for s in states)
        raise ProcessViolation(
            rule,
            f"{change.record_id} is in {ChangeState(change.state).label}; {doing} is possible "
            f"only in {wanted}.",
        )


def move_change(
    *,
    actor: AbstractBaseUser | None,
    change: Change,
    to_state: str,
    action: str,
    rule: str,
    extra: dict[str, Any] | None = None,
) -> Change:
    """Move a locked Change one step along CHANGE_TRANSITIONS, with its audit event."""
    if to_state not in CHANGE_TRANSITIONS[change.state]:
        raise ProcessViolation(
            rule,
            f"{change.record_id} is in {ChangeState(change.state).label} and may not move to "
            f"{ChangeState(to_state).label}.",
        )
    before = {"state": change.state}
    change.state = to_state
    change.state_changed_at = clock.now()
    change.save(update_fields=["state", "state_changed_at", "resubmission_count"])
    record_event(
        actor=actor,
        action=action,
        obj=change,
        before=before,
        after={"state": to_state, "resubmission_count": change.resubmission_count} | (extra or {}),
    )
    return change


def lock_change(change: Change) -> Change:
    """The Change row, locked for the caller's transaction, with its feature and Convoy."""
    return (
        Change.objects.select_for_update(of=("self",))
        .select_related("feature__convoy", "author__crew")
        .get(pk=change.pk)
    )
