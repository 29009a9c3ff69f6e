"""WSVF (R11): one formula, hand-checked, and the database's copy of it for sorting lists."""

from decimal import Decimal

import pytest

from convoy.ceremonies.priority import wsvf, wsvf_expression, wsvf_terms
from convoy.models import Feature


def test_wsvf_is_cost_of_delay_plus_political_capital_times_visibility_over_quality(world):  # R11
    feature = world.feature(
        1,
        acronym="ILS",
        cost_of_delay=7,
        political_capital_base=4,
        sponsor_attended_alignment=True,  # PC + 3
        sponsor_brought_donuts=False,
        executive_visibility=6,
        acronym_quality=3,
    )
    # PC = 4 + 3 = 7; (7 + 7) × 6 / 3 = 84 / 3 = 28
    assert wsvf(feature) == Decimal("28")


def test_donuts_add_five_to_political_capital(world):  # R11
    feature = world.feature(
        1,
        acronym="CPLR",
        cost_of_delay=5,
        political_capital_base=2,
        sponsor_attended_alignment=True,  # + 3
        sponsor_brought_donuts=True,  # + 5
        executive_visibility=4,
        acronym_quality=2,
    )
    # PC = 2 + 3 + 5 = 10; (5 + 10) × 4 / 2 = 60 / 2 = 30
    assert wsvf(feature) == Decimal("30")
    assert wsvf_terms(feature).arithmetic == "(5 + 10) × 4 ÷ 2 = 30"


def test_a_fractional_wsvf_is_kept_to_four_places(world):  # R11
    feature = world.feature(
        1, acronym="DM", cost_of_delay=3, political_capital_base=4, executive_visibility=5,
        acronym_quality=3,
    )  # fmt: skip
    # (3 + 4) × 5 / 3 = 35 / 3 = 11.6666… → 11.6667
    assert wsvf(feature) == Decimal("11.6667")
    assert wsvf_terms(feature).arithmetic == "(3 + 4) × 5 ÷ 3 = 11.6667"


def test_a_feature_without_an_acronym_has_acronym_quality_1(world):  # R11
    feature = world.feature(
        1, acronym="", cost_of_delay=6, political_capital_base=2, executive_visibility=5,
        acronym_quality=4,
    )  # fmt: skip
    # AQ = 1 whatever was entered: (6 + 2) × 5 / 1 = 40
    assert wsvf_terms(feature).acronym_quality == 1
    assert wsvf(feature) == Decimal("40")


def test_mention_in_an_earnings_call_forces_visibility_to_10(world):  # R11
    feature = world.feature(
        1, acronym="EC", cost_of_delay=2, political_capital_base=1, executive_visibility=3,
        mentioned_in_earnings_call=True, acronym_quality=2,
    )  # fmt: skip
    # EV = 10, not 3: (2 + 1) × 10 / 2 = 15
    assert wsvf_terms(feature).executive_visibility == 10
    assert wsvf(feature) == Decimal("15")


@pytest.mark.parametrize(
    "inputs",
    [
        {
            "acronym": "A",
            "cost_of_delay": 10,
            "political_capital_base": 0,
            "executive_visibility": 1,
        },
        {"acronym": "", "cost_of_delay": 1, "political_capital_base": 9, "acronym_quality": 7},
        {"acronym": "B", "cost_of_delay": 3, "sponsor_brought_donuts": True, "acronym_quality": 7},
        {"acronym": "C", "mentioned_in_earnings_call": True, "executive_visibility": 2},
        {"acronym": "D", "sponsor_attended_alignment": True, "acronym_quality": 3},
    ],
)
def test_the_database_computes_the_same_wsvf_as_the_formula(world, inputs):  # R11
    feature = world.feature(1, **inputs)
    in_db = Feature.objects.annotate(score=wsvf_expression()).get(pk=feature.pk).score
    assert in_db == pytest.approx(float(wsvf(feature)), abs=0.00005)
