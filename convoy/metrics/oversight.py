"""RBRB oversight (R33): the CRAP's monthly rejection rate against its bounds, and the
intake-rejection pattern per team (R24).

Bounds (fractions of the Changes decided in the month): below 20 % the reading is
"insufficient rigour"; above 60 % it is "checklist complexity", whose prescribed remedy is
adding checklist items. They can be moved with the settings SADMF_REJECTION_RATE_LOWER and
SADMF_REJECTION_RATE_UPPER.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from convoy.models import ChangeRejectionLogEntry, IntakeRejection, Tally

REJECTION_RATE_LOWER = Decimal("0.20")
REJECTION_RATE_UPPER = Decimal("0.60")
INSUFFICIENT_RIGOUR = "insufficient rigour"
CHECKLIST_COMPLEXITY = "checklist complexity"
WITHIN_BOUNDS = "within bounds"
CHECKLIST_COMPLEXITY_REMEDY = "The prescribed remedy is adding checklist items."


def rejection_rate_bounds() -> tuple[Decimal, Decimal]:
    lower = Decimal(str(getattr(settings, "SADMF_REJECTION_RATE_LOWER", REJECTION_RATE_LOWER)))
    upper = Decimal(str(getattr(settings, "SADMF_REJECTION_RATE_UPPER", REJECTION_RATE_UPPER)))
    return lower, upper


def reading_for(rate: Decimal, lower: Decimal, upper: Decimal) -> str:
    if rate < lower:
        return INSUFFICIENT_RIGOUR
    if rate > upper:
        return CHECKLIST_COMPLEXITY
    return WITHIN_BOUNDS


@dataclass(frozen=True)
class MonthlyRate:
    month: dt.date
    decided: int
    rejected: int
    rate: Decimal
    lower: Decimal
    upper: Decimal
    reading: str

    @property
    def percent(self) -> Decimal:
        return (self.rate * 100).quantize(Decimal("0.1"))


def _month(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment).replace(day=1)


def monthly_rejection_rates() -> list[MonthlyRate]:
    """One row per month with Changes decided by the CRAP, oldest first."""
    lower, upper = rejection_rate_bounds()
    decided: Counter[dt.date] = Counter()
    rejected: Counter[dt.date] = Counter()
    for tallied_at, outcome in Tally.objects.values_list("tallied_at", "outcome"):
        month = _month(tallied_at)
        decided[month] += 1
        if outcome == Tally.Outcome.REJECTED:
            rejected[month] += 1
    rows = []
    for month in sorted(decided):
        rate = Decimal(rejected[month]) / Decimal(decided[month])
        rows.append(
            MonthlyRate(
                month=month,
                decided=decided[month],
                rejected=rejected[month],
                rate=rate,
                lower=lower,
                upper=upper,
                reading=reading_for(rate, lower, upper),
            )
        )
    return rows


@dataclass(frozen=True)
class TeamIntakePattern:
    team: str
    total: int
    by_month: dict[dt.date, int]


def intake_rejections_by_team() -> tuple[list[dt.date], list[TeamIntakePattern]]:
    """Months (oldest first) and, per team, intake rejections in each (most rejected first)."""
    counts: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for team, at in IntakeRejection.objects.values_list("team", "rejected_at"):
        counts[team][_month(at)] += 1
    months = sorted({month for counter in counts.values() for month in counter})
    patterns = [
        TeamIntakePattern(team=team, total=sum(counter.values()), by_month=dict(counter))
        for team, counter in counts.items()
    ]
    patterns.sort(key=lambda p: (-p.total, p.team))
    return months, patterns


def rejection_log():
    """The Change Rejection Log (R32), newest first, with what each row needs."""
    return ChangeRejectionLogEntry.objects.select_related(
        "change__feature__convoy", "convening"
    ).order_by("-logged_at", "-id")
