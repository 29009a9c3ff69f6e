"""The feature's Testing Completion Certificate, which System Integration Testing waits for
(R8), issued by the Quality Authority only over Changes that hold their own (R22)."""

import pytest

from convoy import clock
from convoy.ceremonies.certification import certify_feature_testing
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import exit_criteria
from convoy.models import AuditEvent, Certificate, CertificateKind, ConvoyState, Role
from tests.factories import ChangeFactory


def in_testing(world):
    world.convoy.state = ConvoyState.TESTING
    world.convoy.save(update_fields=["state"])
    return world.convoy


def change_certificate(world, change):
    return Certificate.objects.create(
        kind=CertificateKind.TESTING_COMPLETION,
        convoy=world.convoy,
        feature=change.feature,
        change=change,
        issued_by=world.qa,
        issued_role=Role.QA,
        issued_at=clock.now(),
    )


@pytest.fixture
def feature(world):
    feature = world.feature(1)
    for title in ("Reconcile ledgers", "Sync ledgers"):
        ChangeFactory(feature=feature, author=world.engineer, title=title)
    return feature


def feature_certificates(feature):
    return Certificate.objects.filter(
        feature=feature, change__isnull=True, kind=CertificateKind.TESTING_COMPLETION
    )


def test_the_qa_certifies_a_feature_whose_changes_are_all_certified(world, feature):  # R8
    in_testing(world)
    for change in feature.changes.all():
        change_certificate(world, change)
    events = AuditEvent.objects.count()
    certificate = certify_feature_testing(actor=world.qa, feature=feature)
    assert certificate.change is None and certificate.issued_by == world.qa
    assert AuditEvent.objects.count() == events + 1
    move = {
        c.criterion.text: c.result.holds
        for c in exit_criteria(world.convoy, ConvoyState.SYSTEM_INTEGRATION_TESTING)
    }
    assert move["Every feature holds a Testing Completion Certificate."]


def test_a_change_without_its_certificate_blocks_the_feature(world, feature):  # R22
    in_testing(world)
    first, second = feature.changes.order_by("pk")
    change_certificate(world, first)
    with pytest.raises(ProcessViolation) as refusal:
        certify_feature_testing(actor=world.qa, feature=feature)
    assert refusal.value.rule == "R22"
    assert second.record_id in refusal.value.message
    assert not feature_certificates(feature).exists()


def test_only_during_testing(world, feature):  # R8
    for change in feature.changes.all():
        change_certificate(world, change)
    with pytest.raises(ProcessViolation) as refusal:
        certify_feature_testing(actor=world.qa, feature=feature)
    assert refusal.value.rule == "R8"
    assert "issued during Testing" in refusal.value.message
    assert not feature_certificates(feature).exists()


def test_once_per_feature(world, feature):  # R8
    in_testing(world)
    for change in feature.changes.all():
        change_certificate(world, change)
    certify_feature_testing(actor=world.qa, feature=feature)
    with pytest.raises(ProcessViolation) as refusal:
        certify_feature_testing(actor=world.qa, feature=feature)
    assert refusal.value.rule == "R8"
    assert feature_certificates(feature).count() == 1


def test_only_the_quality_authority_certifies(world, feature):  # R4
    in_testing(world)
    for change in feature.changes.all():
        change_certificate(world, change)
    with pytest.raises(ProcessViolation) as refusal:
        certify_feature_testing(actor=world.captain, feature=feature)
    assert refusal.value.rule == "R4"
    assert not feature_certificates(feature).exists()


# The page ---------------------------------------------------------------------------------


def certify_url(feature):
    from django.urls import reverse

    return reverse("convoy:feature_certify_testing", args=[feature.convoy.number, feature.number])


def test_the_qa_sees_the_button_and_certifies_from_the_feature_page(client, world, feature):
    in_testing(world)
    for change in feature.changes.all():
        change_certificate(world, change)
    client.force_login(world.qa)
    page = client.get(feature.get_absolute_url()).content.decode()
    assert certify_url(feature) in page
    response = client.post(certify_url(feature), follow=True)
    assert "holds its Testing Completion Certificate (R8)" in response.content.decode()
    assert feature_certificates(feature).count() == 1
    assert certify_url(feature) not in client.get(feature.get_absolute_url()).content.decode()


def test_a_refusal_is_shown_with_its_rule_and_nothing_is_issued(client, world, feature):  # R22
    in_testing(world)
    client.force_login(world.qa)
    response = client.post(certify_url(feature), follow=True)
    assert "R22: F001 cannot be certified" in response.content.decode()
    assert not feature_certificates(feature).exists()


def test_the_page_refuses_other_roles_and_strangers(client, world, feature):  # R4
    in_testing(world)
    assert client.post(certify_url(feature)).status_code == 302  # to sign-in
    client.force_login(world.captain)
    assert certify_url(feature) not in client.get(feature.get_absolute_url()).content.decode()
    assert client.post(certify_url(feature)).status_code == 403
    assert client.get(certify_url(feature)).status_code == 405
    assert not feature_certificates(feature).exists()
