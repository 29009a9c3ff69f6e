"""The priority order (R12): WSVF descending, then the tie-breaks in order, then a coin toss
witnessed by the Chief Signals Officer and reproducible from its stored seed."""

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.priority import ordered_features, rank_features
from convoy.models import AuditEvent, Feature, RankEntry, Role, TieBreak
from tests.factories import person

# Every feature below scores WSVF (1 + 0) × 5 / 1 = 5 unless told otherwise.
EQUAL = {"cost_of_delay": 1, "political_capital_base": 0, "executive_visibility": 5}


@pytest.fixture
def cso(world):
    return person("cso.ferreira", Role.CSO)


def feature(world, number, deferrals=0, **fields):
    """A feature deferred `deferrals` times (R10 sets the count when a Convoy closes)."""
    made = world.feature(number, **EQUAL, **fields)
    Feature.objects.filter(pk=made.pk).update(deferral_count=deferrals)
    return made


def rank(world, cso, seed=1234):
    return rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=seed)


def order(ranking) -> list[tuple[str, str]]:
    return [(e.feature.code, e.broken_by) for e in ranking.entries.select_related("feature")]


def test_features_are_ordered_by_wsvf_descending(world, cso):  # R12
    world.feature(1, cost_of_delay=2, executive_visibility=5)  # (2 + 0) × 5 = 10
    world.feature(2, cost_of_delay=6, executive_visibility=5)  # (6 + 0) × 5 = 30
    world.feature(3, cost_of_delay=4, executive_visibility=5)  # (4 + 0) × 5 = 20
    ranking = rank(world, cso)
    assert order(ranking) == [("F002", ""), ("F003", ""), ("F001", "")]
    assert [str(e.wsvf) for e in ranking.entries.all()] == ["30.0000", "20.0000", "10.0000"]


def test_each_feature_takes_its_position_as_priority(world, cso):  # R12
    world.feature(1, cost_of_delay=2, executive_visibility=5)
    world.feature(2, cost_of_delay=6, executive_visibility=5)
    rank(world, cso)
    assert dict(world.convoy.features.values_list("number", "priority")) == {1: 2, 2: 1}


def test_a_wsvf_tie_is_broken_first_by_stakeholder_seniority(world, cso):  # R12
    feature(world, 1, deferrals=5, sponsor_seniority=3, sponsor_office_distance_m=1)
    feature(world, 2, deferrals=0, sponsor_seniority=8)
    assert order(rank(world, cso)) == [("F002", ""), ("F001", TieBreak.SENIORITY)]


def test_equal_seniority_is_broken_by_deferral_count(world, cso):  # R12
    feature(world, 1, deferrals=0, sponsor_seniority=5, sponsor_office_distance_m=1)
    feature(world, 2, deferrals=2, sponsor_seniority=5, sponsor_office_distance_m=900)
    assert order(rank(world, cso)) == [("F002", ""), ("F001", TieBreak.DEFERRALS)]


def test_equal_deferrals_are_broken_by_the_closer_office(world, cso):  # R12
    feature(world, 1, deferrals=1, sponsor_seniority=5, sponsor_office_distance_m=450)
    feature(world, 2, deferrals=1, sponsor_seniority=5, sponsor_office_distance_m=12)
    assert order(rank(world, cso)) == [("F002", ""), ("F001", TieBreak.PROXIMITY)]


def test_a_complete_tie_is_broken_by_the_coin(world, cso):  # R12
    world.feature(1, **EQUAL)
    world.feature(2, **EQUAL)
    assert [rule for _code, rule in order(rank(world, cso))] == ["", TieBreak.COIN]


def test_the_stored_seed_replays_the_same_order(world, cso):  # R12
    for number in range(1, 9):
        world.feature(number, **EQUAL)
    first = rank_features(actor=world.commodore, convoy=world.convoy, witness=cso)
    replay = rank_features(
        actor=world.commodore, convoy=world.convoy, witness=cso, seed=first.coin_seed
    )
    assert order(replay) == order(first)
    assert first.coin_seed == replay.coin_seed


def test_different_seeds_can_give_different_orders(world):  # R12
    features = [world.feature(number, **EQUAL) for number in range(1, 9)]
    orders = {
        tuple(f.code for f, _score, _rule in ordered_features(features, seed)) for seed in range(20)
    }
    assert len(orders) > 1


def test_the_seed_is_drawn_and_stored_when_none_is_given(world, cso):  # R12
    world.feature(1)
    ranking = rank_features(actor=world.commodore, convoy=world.convoy, witness=cso)
    ranking.refresh_from_db()
    assert 0 <= ranking.coin_seed < 2**63
    assert ranking.coin_witness == cso


def test_a_witness_who_is_not_the_cso_is_refused(world):  # R12
    world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        rank_features(actor=world.commodore, convoy=world.convoy, witness=world.auditor)
    assert refusal.value.rule == "R12"
    assert "Chief Signals Officer" in refusal.value.message
    assert not RankEntry.objects.exists()


def test_only_the_commodore_ranks(world, cso):  # R4
    world.feature(1)
    with pytest.raises(ProcessViolation) as refusal:
        rank_features(actor=world.captain, convoy=world.convoy, witness=cso)
    assert refusal.value.rule == "R4"
    assert "Commodore" in refusal.value.message
    assert Feature.objects.get().priority is None


def test_the_ranking_is_recorded_in_the_audit_chain(world, cso):  # R57
    world.feature(1, cost_of_delay=2)
    world.feature(2, cost_of_delay=6)
    ranking = rank(world, cso, seed=77)
    event = AuditEvent.objects.get(action="priority.rank")
    assert event.object_id == str(ranking.pk)
    assert event.before == {"priorities": {"F001": None, "F002": None}}
    assert event.after["coin_seed"] == 77
    assert [row["feature"] for row in event.after["order"]] == ["F002", "F001"]
