"""The Feature Completion Ratio (R48), the Signal colour and its escalations (R49), and the
Signal Report page that shows them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.signal_report import publish_signal_report
from convoy.metrics.signals import escalations_for, feature_completion, signal_for, tier_for
from convoy.models import AuditEvent, Commitment, Notification, PlanningCycle, Role, Signal
from tests.factories import person
from tests.metrics_fixtures import commit, ship

pytestmark = pytest.mark.django_db


def test_fcr_is_features_shipped_over_features_committed_eight_quarters_earlier(world):  # R48
    # CONVOY-1 is 2027 Q1; 8 quarters earlier is 2025 Q1. That cycle committed 8 features.
    commit(2025, 1, 8)
    commit(2025, 2, 3)  # another cycle: not the denominator
    features = [world.feature(n) for n in range(1, 8)]
    ship(*features[:6])  # 6 shipped, 1 not
    completion = feature_completion(world.convoy)
    # 6 ÷ 8 × 100 = 75.0 %
    assert completion.shipped == 6
    assert completion.committed == 8
    assert completion.fcr == Decimal("75.0")
    assert completion.tier == "Remediation required"  # below 85 %
    assert completion.signal == Signal.RED  # 60 % ≤ 75 % ≤ 80 %
    # 75 ≤ 90 notifies the Commodore, 75 ≤ 80 alerts the ATO; 75 > 70: no Status Review.
    assert [e.threshold for e in completion.escalations] == [90, 80]


def test_fcr_is_undefined_without_a_cycle_locked_eight_quarters_earlier(world):  # R48
    commit(2025, 1, 8, locked=False)  # opened, never locked
    ship(world.feature(1))
    completion = feature_completion(world.convoy)
    assert completion.fcr is None
    assert completion.committed is None
    assert completion.tier == "Undefined"
    assert completion.signal is None
    assert completion.escalations == ()


def test_fcr_is_undefined_when_the_cycle_committed_nothing(world):  # R48
    commit(2025, 1, 0)
    completion = feature_completion(world.convoy)
    assert completion.committed == 0
    assert completion.fcr is None  # not 0 %: 0 ÷ 0 is not measured


@pytest.mark.parametrize(
    ("fcr", "tier"),
    [
        ("0", "Remediation required"),
        ("84.9", "Remediation required"),
        ("85", "Below expectations"),
        ("99.9", "Below expectations"),
        ("100", "Expectations met"),
        ("115", "Velocity surplus"),
        ("129.9", "Velocity surplus"),
        ("130", "Transformation elite"),
        ("212.5", "Transformation elite"),
    ],
)
def test_fcr_tiers(fcr, tier):  # R48
    assert tier_for(Decimal(fcr))[0] == tier


@pytest.mark.parametrize(
    ("fcr", "signal", "thresholds"),
    [
        ("100", Signal.GREEN, []),
        ("90.1", Signal.GREEN, []),
        ("90", Signal.AMBER, [90]),
        ("80.1", Signal.AMBER, [90]),
        ("80", Signal.RED, [90, 80]),
        ("70", Signal.RED, [90, 80, 70]),
        ("60", Signal.RED, [90, 80, 70]),  # the Tribunal only below 60 %
        ("59.9", Signal.BLACK, [90, 80, 70, 60]),
    ],
)
def test_signal_colour_and_escalations_follow_the_ratio(fcr, signal, thresholds):  # R49
    assert signal_for(Decimal(fcr)) == signal
    assert [e.threshold for e in escalations_for(Decimal(fcr))] == thresholds


def test_escalations_go_to_the_roles_the_rule_names():  # R49
    roles = {e.threshold: e.role for e in escalations_for(Decimal("10"))}
    assert roles == {
        90: Role.COMMODORE,
        80: Role.ADMIRAL,
        70: Role.FEATURE_CAPTAIN,
        60: Role.ADMIRAL,
    }


def test_publishing_records_each_crossing_once(world):  # R49
    cso = person("cso", Role.CSO)
    commit(2025, 1, 10)
    ship(*[world.feature(n) for n in range(1, 7)])  # 6 ÷ 10 × 100 = 60.0 % → 90, 80, 70
    _completion, written = publish_signal_report(actor=cso, convoy=world.convoy)
    assert sorted(n.threshold for n in written) == [70, 80, 90]
    _completion, again = publish_signal_report(actor=cso, convoy=world.convoy)
    assert again == []
    assert Notification.objects.filter(convoy=world.convoy).count() == 3
    assert AuditEvent.objects.filter(action="signal_report.escalate").count() == 3
    # Falling further crosses the Tribunal's threshold: only that one is new.
    cycle = PlanningCycle.objects.get(year=2025, quarter=1)
    Commitment.objects.create(cycle=cycle, name="One more", target_year=2025, target_quarter=2)
    # 6 ÷ 11 × 100 = 54.5 % → below 60 %: recommend the Tribunal.
    _completion, tribunal = publish_signal_report(actor=cso, convoy=world.convoy)
    assert [(n.threshold, n.role, n.fcr) for n in tribunal] == [(60, "ADMIRAL", Decimal("54.5"))]


def test_only_the_cso_publishes_the_signal_report(world):  # R4
    with pytest.raises(ProcessViolation) as refused:
        publish_signal_report(actor=world.commodore, convoy=world.convoy)
    assert refused.value.rule == "R4"
    assert "Chief Signals Officer" in refused.value.message


def test_the_signal_report_shows_an_undefined_ratio_as_undefined(world, client):  # R48
    cso = person("cso", Role.CSO)
    client.force_login(cso)
    page = client.get(reverse("convoy:metrics_dashboard", args=[world.convoy.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fcr-value">Undefined<' in html
    assert "It is not 0 %; it is not measured." in html
    assert 'data-signal="NONE"' in html


def test_the_signal_report_shows_the_colour_of_the_tier(world, client):  # R48, R49
    commit(2025, 1, 4)
    ship(world.feature(1), world.feature(2), world.feature(3))  # 3 ÷ 4 × 100 = 75.0 %
    client.force_login(person("cso", Role.CSO))
    html = client.get(reverse("convoy:metrics_dashboard", args=[1])).content.decode()
    assert 'id="fcr-value">75.0 %<' in html
    assert 'id="fcr-tier">Remediation required<' in html
    assert 'data-signal="RED"' in html
    assert html.count("<svg") == 2  # the ratio and the lead times


def test_publishing_from_the_page_notifies_and_says_so(world, client):  # R49
    commit(2025, 1, 4)
    ship(world.feature(1), world.feature(2), world.feature(3))  # 75.0 %
    client.force_login(person("cso", Role.CSO))
    page = client.post(reverse("convoy:metrics_publish", args=[1]), follow=True)
    assert "Escalated: Notify the Commodore (90 %); Alert the ATO" in page.content.decode()
    assert Notification.objects.count() == 2


def test_a_code_engineer_may_not_read_the_signal_report(world, client):  # R4
    client.force_login(world.engineer)
    page = client.get(reverse("convoy:metrics_dashboard", args=[1]))
    assert page.status_code == 403
    assert b"Chief Signals Officer" in page.content


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIRAL])
def test_standing_readers_read_the_signal_report_but_may_not_publish(world, client, role):
    client.force_login(person(f"reader.{role.lower()}", role))
    page = client.get(reverse("convoy:metrics_dashboard", args=[1]))
    assert page.status_code == 200
    assert b"Publish the Signal Report" not in page.content
    assert client.post(reverse("convoy:metrics_publish", args=[1])).status_code == 403
