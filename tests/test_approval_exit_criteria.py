"""R8/R41: the exit criteria from System Integration Testing to sailing, computed from the
records, each pointing at the page of the records concerned."""

import pytest
from django.urls import reverse

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import advance_convoy, exit_criteria
from convoy.models import Convoy, ConvoyState
from tests.approval_helpers import K, file_and_sign, seat_committee

S = ConvoyState


@pytest.fixture
def in_sit(world):
    committee = seat_committee(world)
    Convoy.objects.filter(pk=world.convoy.pk).update(state=S.SYSTEM_INTEGRATION_TESTING)
    world.convoy.refresh_from_db()
    return committee


def test_manifest_approval_needs_every_feature_sit_sign_off_signed(in_sit):  # R8
    world = in_sit.world
    file_and_sign(in_sit, K.SIT_SIGN_OFF, world.convoy.features.get(number=1))
    (status,) = exit_criteria(world.convoy, S.MANIFEST_APPROVAL)
    assert not status.result.holds
    assert "F002" in status.result.detail and "F001" not in status.result.detail
    assert status.result.url == reverse("convoy:manifest", args=[world.convoy.number])
    with pytest.raises(ProcessViolation) as refusal:
        advance_convoy(actor=world.commodore, convoy=world.convoy, to_state=S.MANIFEST_APPROVAL)
    assert refusal.value.rule == "R8"
    file_and_sign(in_sit, K.SIT_SIGN_OFF, world.convoy.features.get(number=2))
    convoy = advance_convoy(
        actor=world.commodore, convoy=world.convoy, to_state=S.MANIFEST_APPROVAL
    )
    assert convoy.state == S.MANIFEST_APPROVAL


def test_an_unsigned_sit_sign_off_does_not_count(in_sit):  # R8
    from convoy.ceremonies.manifest import file_document

    world = in_sit.world
    for number in (1, 2):
        feature = world.convoy.features.get(number=number)
        file_document(
            actor=feature.captain,
            convoy=world.convoy,
            feature=feature,
            kind=K.SIT_SIGN_OFF,
            body="Awaiting the Quality Authority.",
        )
    (status,) = exit_criteria(world.convoy, S.MANIFEST_APPROVAL)
    assert not status.result.holds


def test_the_sailing_and_reconvening_criteria_link_to_the_approval_page(in_sit):  # R8, R41
    world = in_sit.world
    Convoy.objects.filter(pk=world.convoy.pk).update(state=S.MANIFEST_APPROVAL)
    world.convoy.refresh_from_db()
    may_sail = exit_criteria(world.convoy, S.SAILED)[0]
    assert may_sail.result.url == reverse("convoy:approval", args=[world.convoy.number])
    Convoy.objects.filter(pk=world.convoy.pk).update(state=S.HELD_IN_PORT)
    world.convoy.refresh_from_db()
    (reconvened,) = exit_criteria(world.convoy, S.MANIFEST_APPROVAL)
    assert reconvened.criterion.rule == "R41"
    assert not reconvened.result.holds
