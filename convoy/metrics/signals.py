"""The Feature Completion Ratio (R48), the Signal Report colour and its escalations (R49).

Pure reads: nothing here writes. Recording an escalation is the Chief Signals Officer's
ceremony `convoy.ceremonies.signal_report.publish_signal_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from convoy.ceremonies.commitment import FCR_LOOKBACK_QUARTERS, quarter_at, quarter_index
from convoy.metrics.common import percent
from convoy.models import Convoy, FeatureStatus, PlanningCycle, Role, Signal

# R48 tiers, lowest bound first: (FCR at least, tier label, consequence).
TIERS = (
    (Decimal("0"), "Remediation required", "Captain's Mast and Dry Dock"),
    (Decimal("85"), "Below expectations", "Expectations not met"),
    (Decimal("100"), "Expectations met", "None"),
    (Decimal("115"), "Velocity surplus", "Commendation"),
    (Decimal("130"), "Transformation elite", "Commendation"),
)
UNDEFINED_TIER = "Undefined"


@dataclass(frozen=True)
class Escalation:
    """One R49 threshold: at or below `threshold` % of plan, `action` goes to `role`."""

    threshold: int
    role: Role
    action: str

    @property
    def crossed_at_or_below(self) -> bool:
        return self.threshold != 60


# R49, in the order they are crossed as the ratio falls. The Tribunal is recommended only
# below 60 %; the other three trigger at the threshold itself.
ESCALATIONS = (
    Escalation(90, Role.COMMODORE, "Notify the Commodore"),
    Escalation(80, Role.ADMIRAL, "Alert the ATO and request a root cause analysis"),
    Escalation(
        70, Role.FEATURE_CAPTAIN, "Convene an Emergency Status Review with every Feature Captain"
    ),
    Escalation(60, Role.ADMIRAL, "Recommend the Tribunal"),
)

SIGNAL_MEANING = {
    Signal.GREEN: "On track",
    Signal.AMBER: "At risk",
    Signal.RED: "Behind",
    Signal.BLACK: "Critically behind",
}


@dataclass(frozen=True)
class FeatureCompletion:
    convoy: Convoy
    shipped: int
    committed: int | None  # None: no locked cycle 8 quarters earlier
    cycle_label: str  # the cycle the denominator comes from
    fcr: Decimal | None  # None: undefined (no locked cycle, or nothing committed)
    tier: str
    consequence: str
    signal: Signal | None
    escalations: tuple[Escalation, ...]

    @property
    def defined(self) -> bool:
        return self.fcr is not None

    @property
    def signal_meaning(self) -> str:
        return SIGNAL_MEANING[self.signal] if self.signal else "No signal: the ratio is undefined"


def tier_for(fcr: Decimal | None) -> tuple[str, str]:
    """R48: the tier of a ratio: below 85 % remediation required; 100 % expectations met;
    115 % velocity surplus; 130 %+ transformation elite (85–100 % reads "below expectations")."""
    if fcr is None:
        return UNDEFINED_TIER, "The ratio is undefined: nothing to remediate or commend"
    label, consequence = TIERS[0][1], TIERS[0][2]
    for bound, tier_label, tier_consequence in TIERS:
        if fcr >= bound:
            label, consequence = tier_label, tier_consequence
    return label, consequence


def signal_for(fcr: Decimal | None) -> Signal | None:
    """R49: the Signal Report colour from the ratio relative to plan (100 %).

    Green (on track) above 90 %; Amber (at risk) above 80 % up to 90 %; Red (behind) from
    60 % up to 80 %; Black (critically behind) below 60 %. The bands are the escalation
    thresholds of R49: Amber is the Commodore's notice, Red the ATO's alert and the Emergency
    Status Review, Black the Tribunal. None when the ratio is undefined.
    """
    if fcr is None:
        return None
    if fcr > 90:
        return Signal.GREEN
    if fcr > 80:
        return Signal.AMBER
    if fcr >= 60:
        return Signal.RED
    return Signal.BLACK


def escalations_for(fcr: Decimal | None) -> tuple[Escalation, ...]:
    """R49: every threshold crossed: at 90 % notify the Commodore; 80 % alert the ATO and
    request a root cause analysis; 70 % convene an Emergency Status Review with every Feature
    Captain; below 60 % recommend the Tribunal. Crossings accumulate as the ratio falls."""
    if fcr is None:
        return ()
    return tuple(
        e
        for e in ESCALATIONS
        if (fcr <= e.threshold if e.crossed_at_or_below else fcr < e.threshold)
    )


def feature_completion(convoy: Convoy) -> FeatureCompletion:
    """R48: FCR = features shipped in this Convoy ÷ features committed in the planning cycle
    locked 8 quarters earlier × 100.

    Undefined (None, never 0 %) when no cycle was locked 8 quarters earlier or it committed
    nothing. Two queries.
    """
    year, quarter = quarter_at(quarter_index(convoy.year, convoy.quarter) - FCR_LOOKBACK_QUARTERS)
    cycle = (
        PlanningCycle.objects.filter(year=year, quarter=quarter, locked_at__isnull=False)
        .annotate(committed=Count("commitments"))
        .first()
    )
    shipped = convoy.features.filter(status=FeatureStatus.SHIPPED).count()
    committed = cycle.committed if cycle is not None else None
    fcr = percent(shipped, committed) if committed else None
    tier, consequence = tier_for(fcr)
    return FeatureCompletion(
        convoy=convoy,
        shipped=shipped,
        committed=committed,
        cycle_label=f"{year} Q{quarter}",
        fcr=fcr,
        tier=tier,
        consequence=consequence,
        signal=signal_for(fcr),
        escalations=escalations_for(fcr),
    )
