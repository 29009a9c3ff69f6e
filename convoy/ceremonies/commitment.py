"""The 8-quarter commitment (R16): the ATO opens a planning cycle, commits features for the
next 8 quarters (the cycle's own quarter and the seven after it) and locks the list.

Once locked, nothing may be added, removed or edited. The locked list's size is the
denominator of the Feature Completion Ratio (R48) of the Convoy 8 quarters later.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import Commitment, Convoy, PlanningCycle, Role

COMMITMENT_QUARTERS = 8  # R16
FCR_LOOKBACK_QUARTERS = 8  # R48: "the cycle locked 8 quarters earlier"
COMMITMENT_FIELDS = ["cycle_id", "name", "target_year", "target_quarter"]


def quarter_index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def quarter_at(index: int) -> tuple[int, int]:
    return index // 4, index % 4 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year} Q{quarter}"


def cycle_window(cycle: PlanningCycle) -> list[tuple[int, int]]:
    """The 8 quarters a cycle commits for, its own quarter first."""
    start = quarter_index(cycle.year, cycle.quarter)
    return [quarter_at(start + n) for n in range(COMMITMENT_QUARTERS)]


def cycle_label(cycle: PlanningCycle) -> str:
    return f"cycle {quarter_label(cycle.year, cycle.quarter)}"


def lock_refusal(cycle: PlanningCycle) -> ProcessViolation:
    locked_on = timezone.localtime(cycle.locked_at)
    return ProcessViolation(
        "R16",
        f"The 8-quarter commitment of {cycle_label(cycle)} was locked by "
        f"{display_name(cycle.locked_by)} on {locked_on.day} {locked_on:%B %Y} at "
        f"{locked_on:%H:%M}. Nothing may be added, removed or edited.",
    )


def _locked_cycle_for_update(cycle: PlanningCycle) -> PlanningCycle:
    """Lock the cycle row (the lock state is what every mutation checks) and refuse if locked."""
    cycle = (
        PlanningCycle.objects.select_for_update(of=("self",))
        .select_related("locked_by__crew")
        .get(pk=cycle.pk)
    )
    if cycle.is_locked:
        raise lock_refusal(cycle)
    return cycle


def _check_target(cycle: PlanningCycle, target_year: int, target_quarter: int) -> None:
    if target_quarter not in (1, 2, 3, 4):
        raise ProcessViolation(
            "R16", f"A year has four quarters; {target_quarter} is not one of them."
        )
    window = cycle_window(cycle)
    if (target_year, target_quarter) not in window:
        first, last = quarter_label(*window[0]), quarter_label(*window[-1])
        raise ProcessViolation(
            "R16",
            f"{quarter_label(target_year, target_quarter)} lies outside the 8 quarters "
            f"committed by {cycle_label(cycle)} ({first} to {last}). A feature is committed "
            "for one of the next 8 quarters.",
        )


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ProcessViolation("R16", "A commitment names the feature committed.")
    return name


def _duplicate(
    cycle: PlanningCycle, name: str, target_year: int, target_quarter: int
) -> ProcessViolation:
    return ProcessViolation(
        "R16",
        f"“{name}” is already committed for {quarter_label(target_year, target_quarter)} "
        f"in {cycle_label(cycle)}.",
    )


def open_planning_cycle(*, actor: AbstractBaseUser, year: int, quarter: int) -> PlanningCycle:
    """The ATO opens the planning cycle that starts in `year` Q`quarter`."""
    require_role(actor, None, Role.ADMIRAL, action="Opening a planning cycle")
    if quarter not in (1, 2, 3, 4):
        raise ProcessViolation("R16", f"A year has four quarters; {quarter} is not one of them.")
    if not 2000 <= year <= 2999:
        raise ProcessViolation("R16", f"{year} is not a year the framework plans for.")
    try:
        with transaction.atomic():
            cycle = PlanningCycle.objects.create(year=year, quarter=quarter, created_at=clock.now())
            record_event(
                actor=actor,
                action="planning_cycle.open",
                obj=cycle,
                after=snapshot(cycle, ["year", "quarter"]),
            )
    except IntegrityError:
        raise ProcessViolation(
            "R16", f"The planning cycle {quarter_label(year, quarter)} is already open."
        ) from None
    return cycle


def commit_feature(
    *,
    actor: AbstractBaseUser,
    cycle: PlanningCycle,
    name: str,
    target_year: int,
    target_quarter: int,
) -> Commitment:
    """The ATO commits a feature for one of the cycle's 8 quarters, while the list is open."""
    require_role(actor, None, Role.ADMIRAL, action="Committing a feature")
    name = _clean_name(name)
    try:
        with transaction.atomic():
            cycle = _locked_cycle_for_update(cycle)  # R16
            _check_target(cycle, target_year, target_quarter)  # R16
            commitment = Commitment.objects.create(
                cycle=cycle, name=name, target_year=target_year, target_quarter=target_quarter
            )
            record_event(
                actor=actor,
                action="commitment.add",
                obj=commitment,
                after=snapshot(commitment, COMMITMENT_FIELDS),
            )
    except IntegrityError:
        raise _duplicate(cycle, name, target_year, target_quarter) from None
    return commitment


def edit_commitment(
    *,
    actor: AbstractBaseUser,
    commitment: Commitment,
    name: str,
    target_year: int,
    target_quarter: int,
) -> Commitment:
    """The ATO corrects a commitment's name or target quarter, while the list is open."""
    require_role(actor, None, Role.ADMIRAL, action="Editing a commitment")
    name = _clean_name(name)
    try:
        with transaction.atomic():
            cycle = _locked_cycle_for_update(commitment.cycle)  # R16
            _check_target(cycle, target_year, target_quarter)  # R16
            commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
            before = snapshot(commitment, COMMITMENT_FIELDS)
            commitment.name = name
            commitment.target_year = target_year
            commitment.target_quarter = target_quarter
            after = snapshot(commitment, COMMITMENT_FIELDS)
            if after == before:
                return commitment
            commitment.save(update_fields=["name", "target_year", "target_quarter"])
            record_event(
                actor=actor, action="commitment.edit", obj=commitment, before=before, after=after
            )
    except IntegrityError:
        raise _duplicate(commitment.cycle, name, target_year, target_quarter) from None
    return commitment


def withdraw_commitment(*, actor: AbstractBaseUser, commitment: Commitment) -> None:
    """The ATO removes a commitment from the list, while the list is open."""
    require_role(actor, None, Role.ADMIRAL, action="Withdrawing a commitment")
    with transaction.atomic():
        _locked_cycle_for_update(commitment.cycle)  # R16
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        record_event(
            actor=actor,
            action="commitment.withdraw",
            obj=commitment,
            before=snapshot(commitment, COMMITMENT_FIELDS),
        )
        commitment.delete()


def lock_planning_cycle(*, actor: AbstractBaseUser, cycle: PlanningCycle) -> PlanningCycle:
    """R16: the ATO locks the list. From then on nothing may be added, removed or edited.

    A cycle that commits nothing is not locked: its size would be a Feature Completion
    Ratio denominator of zero (R48).
    """
    require_role(actor, None, Role.ADMIRAL, action="Locking the 8-quarter commitment")
    with transaction.atomic():
        cycle = _locked_cycle_for_update(cycle)
        committed = cycle.commitments.count()
        if committed == 0:
            raise ProcessViolation(
                "R16",
                f"The 8-quarter commitment of {cycle_label(cycle)} commits no features. "
                "It cannot be locked: its size is the denominator of the Feature Completion "
                "Ratio (R48).",
            )
        cycle.locked_at = clock.now()
        cycle.locked_by = actor
        cycle.save(update_fields=["locked_at", "locked_by"])
        record_event(
            actor=actor,
            action="planning_cycle.lock",
            obj=cycle,
            before={"locked_at": None, "locked_by_id": None},
            after=snapshot(cycle, ["locked_at", "locked_by_id"]) | {"committed": committed},
        )
    return cycle


def committed_count(cycle: PlanningCycle) -> int:
    """R16/R48: the size of the cycle's commitment, the Feature Completion Ratio denominator."""
    return cycle.commitments.count()


def cycle_locked_eight_quarters_before(convoy: Convoy) -> PlanningCycle | None:
    """R48: the locked cycle that started 8 quarters before the Convoy's quarter, if any."""
    year, quarter = quarter_at(quarter_index(convoy.year, convoy.quarter) - FCR_LOOKBACK_QUARTERS)
    return (
        PlanningCycle.objects.filter(year=year, quarter=quarter, locked_at__isnull=False)
        .select_related("locked_by__crew")
        .first()
    )


def locked_cycles_covering(convoy: Convoy) -> list[PlanningCycle]:
    """Locked cycles whose 8 quarters include the Convoy's quarter, newest first."""
    target = quarter_index(convoy.year, convoy.quarter)
    starts = [quarter_at(target - n) for n in range(COMMITMENT_QUARTERS)]
    cycles = PlanningCycle.objects.filter(
        locked_at__isnull=False,
        year__gte=starts[-1][0],
        year__lte=starts[0][0],
    ).select_related("locked_by__crew")
    return [c for c in cycles if (c.year, c.quarter) in starts]
