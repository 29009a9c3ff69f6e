"""Ceremony hours for the Flow X-ray (§12): Σ over a Convoy's ceremonies of duration ×
attendees, one small function per ceremony, each from that ceremony's own records.

Each function runs a fixed number of queries and loops, in Python, over sittings only
(a few dozen a quarter), never over Changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from convoy import clock
from convoy.metrics.common import hours, to_hundredths
from convoy.models import (
    Convening,
    Convoy,
    FeaturePresentation,
    InspectionScore,
    ManifestApproval,
    Role,
    RoleAssignment,
    RollCallStatus,
)


@dataclass(frozen=True)
class CeremonyHours:
    name: str
    sittings: int
    person_hours: Decimal
    per_change: bool  # a per-Change ceremony survives the one-by-one replay
    basis: str  # how duration and attendees were read, stated on the page


def convening_hours(convoy: Convoy) -> CeremonyHours:
    """CRAP Convenings (§5): (closed − opened) × (seated members + distinct presenters), for
    the Convenings closed between the Convoy's charter and its sailing (now, before it
    sails). One Convoy per quarter (R5), so the quarter's Convenings are its Convenings."""
    until = convoy.sailed_at or clock.now()
    rows = (
        Convening.objects.filter(
            opened_at__isnull=False,
            closed_at__isnull=False,
            closed_at__gte=convoy.created_at,
            closed_at__lte=until,
        )
        .annotate(
            seated=Count("seats", distinct=True),
            presenters=Count("submissions__presentation__presenter", distinct=True),
        )
        .values_list("opened_at", "closed_at", "seated", "presenters")
    )
    total = Decimal(0)
    sittings = 0
    for opened, closed, seated, presenters in rows:
        sittings += 1
        total += hours(closed - opened) * (seated + presenters)
    return CeremonyHours(
        name="CRAP Convenings",
        sittings=sittings,
        person_hours=to_hundredths(total),
        per_change=True,
        basis="opening to closing × the seven seated members and each presenter",
    )


def manifest_approval_hours(convoy: Convoy) -> CeremonyHours:
    """Manifest Approval (R38): (verdict − convening) × the people the roll call found
    present, per sitting with a verdict. A sitting without a recorded roll call counts the
    Convoy's Steering Committee and its Feature Captains, who present and sign."""
    attendees = RoleAssignment.objects.filter(convoy=convoy).aggregate(
        csc=Count("user", filter=Q(role=Role.CSC), distinct=True),
        captains=Count("user", filter=Q(role=Role.FEATURE_CAPTAIN), distinct=True),
    )
    assigned = attendees["csc"] + attendees["captains"]
    rows = (
        ManifestApproval.objects.filter(convoy=convoy, verdict_at__isnull=False)
        .annotate(
            called=Count("roll", distinct=True),
            present=Count(
                "roll__person", filter=Q(roll__status=RollCallStatus.PRESENT), distinct=True
            ),
        )
        .values_list("convened_at", "verdict_at", "called", "present")
    )
    total = Decimal(0)
    sittings = 0
    for convened, verdict, called, present in rows:
        sittings += 1
        total += hours(verdict - convened) * (present if called else assigned)
    return CeremonyHours(
        name="Manifest Approval",
        sittings=sittings,
        person_hours=to_hundredths(total),
        per_change=False,
        basis=(
            "convening to verdict × the people present at the roll call (without a roll "
            f"call: the Steering Committee and the Feature Captains, {assigned} people)"
        ),
    )


def fleet_inspection_hours(convoy: Convoy) -> CeremonyHours:
    """Fleet Inspection (R44, R45): each presentation's recorded minutes × (the presenting
    Feature Captain + every leadership attendee who scored it)."""
    scorers = (
        InspectionScore.objects.filter(presentation=OuterRef("pk"))
        .order_by()
        .values("presentation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        FeaturePresentation.objects.filter(inspection__convoy=convoy)
        .annotate(scorers=Coalesce(Subquery(scorers), 0))
        .values_list("duration_minutes", "scorers")
    )
    total = Decimal(0)
    sittings = 0
    for minutes, scored in rows:
        sittings += 1
        total += Decimal(minutes) / 60 * (1 + scored)
    return CeremonyHours(
        name="Fleet Inspection",
        sittings=sittings,
        person_hours=to_hundredths(total),
        per_change=False,
        basis="each presentation's minutes × the presenter and each leadership scorer",
    )


CEREMONIES = (convening_hours, manifest_approval_hours, fleet_inspection_hours)


def ceremony_hours(convoy: Convoy) -> list[CeremonyHours]:
    return [measure(convoy) for measure in CEREMONIES]
