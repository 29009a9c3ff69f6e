"""WSVF and the priority order of a Convoy's features (R11, R12).

`wsvf` is the one formula. `wsvf_expression` states the same formula for the database, so
that a list of any length sorts by it in one query; tests/test_priority_wsvf.py holds the two
to each other. `rank_features` orders the features, records which rule broke each tie, and
stores the coin toss's seed so that the order can be replayed.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, F, FloatField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import Convoy, Feature, PriorityRanking, RankEntry, Role, TieBreak

ALIGNMENT_BONUS = 3  # R11: the sponsor attended the last Convoy Alignment
DONUT_BONUS = 5  # R11: the sponsor brought donuts
EARNINGS_CALL_VISIBILITY = 10  # R11: mentioned in a quarterly earnings call
WSVF_PLACES = Decimal("0.0001")  # as RankEntry.wsvf stores it


@dataclass(frozen=True)
class WsvfTerms:
    """The four terms of R11 for one feature, and how each was arrived at."""

    cost_of_delay: int
    political_capital_base: int
    alignment_bonus: int
    donut_bonus: int
    executive_visibility_entered: int
    earnings_call: bool
    acronym_quality_entered: int
    has_acronym: bool

    @property
    def political_capital(self) -> int:
        return self.political_capital_base + self.alignment_bonus + self.donut_bonus

    @property
    def executive_visibility(self) -> int:
        return EARNINGS_CALL_VISIBILITY if self.earnings_call else self.executive_visibility_entered

    @property
    def acronym_quality(self) -> int:
        # A feature with no acronym scores 1, avoiding division by zero.
        return max(self.acronym_quality_entered, 1) if self.has_acronym else 1

    @property
    def score(self) -> Decimal:
        """R11: WSVF = (CoD + PC) × EV / AQ, to four decimal places."""
        numerator = Decimal(
            (self.cost_of_delay + self.political_capital) * self.executive_visibility
        )
        return (numerator / self.acronym_quality).quantize(WSVF_PLACES, rounding=ROUND_HALF_UP)

    @property
    def arithmetic(self) -> str:
        """ "(7 + 12) × 10 ÷ 3 = 63.3333": the formula with this feature's numbers."""
        return (
            f"({self.cost_of_delay} + {self.political_capital}) × {self.executive_visibility} "
            f"÷ {self.acronym_quality} = {plain(self.score)}"
        )

    @property
    def political_capital_arithmetic(self) -> str:
        parts = [f"{self.political_capital_base} base"]
        if self.alignment_bonus:
            parts.append(f"{self.alignment_bonus} for attending the last Convoy Alignment")
        if self.donut_bonus:
            parts.append(f"{self.donut_bonus} for donuts")
        return " + ".join(parts) + f" = {self.political_capital}"

    @property
    def visibility_note(self) -> str:
        if self.earnings_call:
            return (
                f"{EARNINGS_CALL_VISIBILITY}: mentioned in a quarterly earnings call "
                f"(entered as {self.executive_visibility_entered})"
            )
        return str(self.executive_visibility)

    @property
    def quality_note(self) -> str:
        if not self.has_acronym:
            return "1: the feature has no acronym"
        return str(self.acronym_quality)


def plain(number: Decimal) -> str:
    """63.3333 → "63.3333", 28.0000 → "28": no trailing zeros, never an exponent."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wsvf_terms(feature: Feature) -> WsvfTerms:
    return WsvfTerms(
        cost_of_delay=feature.cost_of_delay,
        political_capital_base=feature.political_capital_base,
        alignment_bonus=ALIGNMENT_BONUS if feature.sponsor_attended_alignment else 0,
        donut_bonus=DONUT_BONUS if feature.sponsor_brought_donuts else 0,
        executive_visibility_entered=feature.executive_visibility,
        earnings_call=feature.mentioned_in_earnings_call,
        acronym_quality_entered=feature.acronym_quality,
        has_acronym=bool(feature.acronym),
    )


def wsvf(feature: Feature) -> Decimal:
    """R11: WSVF = (CoD + PC) × EV / AQ."""
    return wsvf_terms(feature).score


def wsvf_expression() -> Combinable:
    """`wsvf` evaluated by the database, for sorting lists (a float; pages show `wsvf`)."""

    def number(name: str) -> Cast:
        return Cast(F(name), FloatField())

    def bonus(flag: str, points: int) -> Case:
        return Case(When(**{flag: True}, then=Value(float(points))), default=Value(0.0))

    political_capital = (
        number("political_capital_base")
        + bonus("sponsor_attended_alignment", ALIGNMENT_BONUS)
        + bonus("sponsor_brought_donuts", DONUT_BONUS)
    )
    visibility = Case(
        When(mentioned_in_earnings_call=True, then=Value(float(EARNINGS_CALL_VISIBILITY))),
        default=number("executive_visibility"),
    )
    quality = Case(When(acronym="", then=Value(1.0)), default=number("acronym_quality"))
    return (number("cost_of_delay") + political_capital) * visibility / quality


def _order_key(feature: Feature, score: Decimal, coin: float) -> tuple:
    # R12: WSVF descending; ties by stakeholder seniority (higher first), deferral count
    # (more first), proximity of the stakeholder's office to the Commodore's (closer first),
    # then the coin.
    return (
        -score,
        -feature.sponsor_seniority,
        -feature.deferral_count,
        feature.sponsor_office_distance_m,
        coin,
    )


def tie_rule(previous: Feature, current: Feature, scores: dict[int, Decimal]) -> str:
    """The R12 rule that placed `current` after `previous` (TieBreak.NONE: no tie)."""
    if scores[previous.pk] != scores[current.pk]:
        return TieBreak.NONE
    if previous.sponsor_seniority != current.sponsor_seniority:
        return TieBreak.SENIORITY
    if previous.deferral_count != current.deferral_count:
        return TieBreak.DEFERRALS
    if previous.sponsor_office_distance_m != current.sponsor_office_distance_m:
        return TieBreak.PROXIMITY
    return TieBreak.COIN


def ordered_features(features: list[Feature], seed: int) -> list[tuple[Feature, Decimal, str]]:
    """The R12 order of `features`: (feature, WSVF, rule that placed it after the previous).

    The coin is `random.Random(seed)` drawing one number per feature in feature-number order;
    the same features, inputs and seed give the same order.
    """
    rng = random.Random(seed)
    by_number = sorted(features, key=lambda f: f.number)
    coins = {f.pk: rng.random() for f in by_number}
    scores = {f.pk: wsvf(f) for f in by_number}
    ordered = sorted(by_number, key=lambda f: _order_key(f, scores[f.pk], coins[f.pk]))
    return [
        (feature, scores[feature.pk], tie_rule(ordered[i - 1], feature, scores) if i else "")
        for i, feature in enumerate(ordered)
    ]


def tie_explanation(rule: str, previous: Feature | None, current: Feature) -> str:
    """Why `current` follows `previous` with an equal WSVF, in the framework's words."""
    if previous is None or rule == TieBreak.NONE:
        return ""
    if rule == TieBreak.SENIORITY:
        return (
            f"Stakeholder seniority: {previous.code} {previous.sponsor_seniority}, "
            f"{current.code} {current.sponsor_seniority}."
        )
    if rule == TieBreak.DEFERRALS:
        return (
            f"Deferral count: {previous.code} {previous.deferral_count}, "
            f"{current.code} {current.deferral_count}."
        )
    if rule == TieBreak.PROXIMITY:
        return (
            f"Proximity of the stakeholder's office to the Commodore's: {previous.code} "
            f"{previous.sponsor_office_distance_m:,} m, {current.code} "
            f"{current.sponsor_office_distance_m:,} m."
        )
    return (
        f"Coin toss witnessed by the Chief Signals Officer: seniority, deferrals and "
        f"proximity were equal to {previous.code}'s."
    )


def rank_features(
    *, actor: AbstractBaseUser, convoy: Convoy, witness: AbstractBaseUser, seed: int | None = None
) -> PriorityRanking:
    """The Commodore orders the Convoy's features (R12); the CSO witnesses the coin toss.

    Each feature's priority becomes its position. The seed is drawn here unless given, and
    stored, so that replaying it over the same inputs gives the same order.
    """
    refuse_if_closed(convoy)
    require_role(actor, convoy, Role.COMMODORE, action="Ranking the features")
    if Role.CSO not in roles_of(witness, convoy):
        raise ProcessViolation(
            "R12",
            "The coin toss is witnessed by the Chief Signals Officer. "
            f"{display_name(witness)} does not hold that role.",
        )
    if seed is None:
        seed = secrets.randbits(63)
    with transaction.atomic():
        features = list(Feature.objects.select_for_update().filter(convoy=convoy))
        if not features:
            raise ProcessViolation(
                "R12", f"{convoy.code} has no features to rank. Features are registered first."
            )
        ranking = PriorityRanking.objects.create(
            convoy=convoy,
            ranked_by=actor,
            ranked_at=clock.now(),
            coin_seed=seed,
            coin_witness=witness,
        )
        before = {f.code: f.priority for f in sorted(features, key=lambda f: f.number)}
        entries = []
        for position, (feature, score, rule) in enumerate(ordered_features(features, seed), 1):
            entries.append(
                RankEntry(
                    ranking=ranking, feature=feature, position=position, wsvf=score, broken_by=rule
                )
            )
            feature.priority = position
        RankEntry.objects.bulk_create(entries)
        Feature.objects.bulk_update(features, ["priority"], batch_size=500)
        record_event(
            actor=actor,
            action="priority.rank",
            obj=ranking,
            before={"priorities": before},
            after={
                "coin_seed": seed,
                "coin_witness_id": witness.pk,
                "order": [
                    {"feature": e.feature.code, "wsvf": e.wsvf, "broken_by": e.broken_by}
                    for e in entries
                ],
            },
        )
    return ranking
