"""Closing a Convoy: R10, unshipped features carry forward with their deferral count."""

import datetime as dt

from convoy.ceremonies.changes import record_change
from convoy.ceremonies.lifecycle import advance_convoy, create_convoy
from convoy.ceremonies.roles import roles_of
from convoy.models import ChangeState, Convoy, ConvoyState, Feature, FeatureStatus, Role


def close(world):
    world.convoy.state = ConvoyState.DRY_DOCK
    world.convoy.save()
    return advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=ConvoyState.CLOSED)


def test_unshipped_features_are_deferred_into_a_newly_chartered_next_convoy(world):  # R10
    shipped = world.feature(1, name="Ledger Sync")
    shipped.status = FeatureStatus.SHIPPED
    shipped.save()
    unshipped = world.feature(2, name="Audit Beacon", estimated_sp=13)
    close(world)

    successor = Convoy.objects.get(year=2027, quarter=2)
    assert successor.code == "CONVOY-2"
    assert successor.state == ConvoyState.ALIGNMENT
    assert list(successor.features.values_list("name", flat=True)) == ["Audit Beacon"]
    carried = successor.features.get()
    assert carried.deferral_count == 1
    assert carried.carried_from == unshipped
    assert carried.estimated_sp == 13
    assert set(carried.team.all()) == {world.engineer, world.other_engineer}
    unshipped.refresh_from_db()
    assert unshipped.status == FeatureStatus.DEFERRED


def test_carried_feature_keeps_its_captain_in_the_next_convoy(world):  # R10
    world.feature(1)
    close(world)
    successor = Convoy.objects.get(year=2027, quarter=2)
    assert Role.FEATURE_CAPTAIN in roles_of(world.captain, successor)
    assert Role.CODE_ENGINEER in roles_of(world.engineer, successor)


def test_a_third_deferral_bears_legacy_priority(world):  # R10
    Feature.objects.filter(pk=world.feature(1).pk).update(deferral_count=2)
    Feature.objects.filter(pk=world.feature(2).pk).update(deferral_count=1)
    close(world)
    successor = Convoy.objects.get(year=2027, quarter=2)
    by_name = {f.number: f for f in successor.features.all()}
    assert by_name[1].deferral_count == 3 and by_name[1].legacy_priority
    assert by_name[2].deferral_count == 2 and not by_name[2].legacy_priority


def test_deferral_goes_into_an_existing_next_convoy_without_code_clashes(world):  # R10
    successor = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )
    world.feature(1)
    Feature.objects.create(
        convoy=successor,
        number=1,
        name="Fresh Work",
        captain=world.other_captain,
        created_at=successor.created_at,
    )
    close(world)
    assert Convoy.objects.filter(year=2027, quarter=2).count() == 1
    assert sorted(successor.features.values_list("number", "name")) == [
        (1, "Fresh Work"),
        (2, "Ledger Sync 1"),
    ]


def test_a_feature_whose_changes_were_all_accepted_ships_when_the_convoy_sails(world):
    from tests.test_convoy_lifecycle import make_criteria_hold

    accepted = world.feature(1)
    pending = world.feature(2)
    record_change(actor=world.engineer, feature=accepted, title="Done")
    record_change(actor=world.engineer, feature=pending, title="Done")
    record_change(actor=world.engineer, feature=pending, title="Not done")
    accepted.changes.update(state=ChangeState.ACCEPTED)
    pending.changes.filter(title="Done").update(state=ChangeState.ACCEPTED)
    pending.changes.filter(title="Not done").update(state=ChangeState.REJECTED)
    world.convoy.state = ConvoyState.MANIFEST_APPROVAL
    world.convoy.save()
    make_criteria_hold(world, ConvoyState.MANIFEST_APPROVAL)
    advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=ConvoyState.SAILED)
    accepted.refresh_from_db()
    pending.refresh_from_db()
    assert accepted.status == FeatureStatus.SHIPPED
    assert pending.status != FeatureStatus.SHIPPED
