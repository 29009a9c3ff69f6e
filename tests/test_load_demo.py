"""`manage.py load_demo`: a believable quarter, loaded once, with the audit chain intact.

The demo is loaded once for the module (it takes a few seconds) inside a transaction that
is rolled back at the end; each test runs in its own savepoint on top of it, so what a test
writes (a second load, new passwords, a stress convoy) is gone before the next one.
"""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from convoy import clock
from convoy.models import (
    LEGACY_PRIORITY_DEFERRALS,
    AuditEvent,
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convoy,
    ConvoyState,
    Feature,
    Role,
    RoleAssignment,
    Task,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

User = get_user_model()


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The output of the first load (hashed as the suite hashes, see conftest)."""
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        yield load()
        transaction.set_rollback(True)


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "convoys": Convoy.objects.count(),
        "features": Feature.objects.count(),
        "tasks": Task.objects.count(),
        "changes": Change.objects.count(),
        "certificates": Certificate.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def printed_password(output: str) -> str | None:
    match = re.search(r"Password for every demo user listed above: (\S+)", output)
    return match.group(1) if match else None


def test_loading_again_duplicates_nothing_and_keeps_the_audit_chain_intact():
    before = counts()
    load()
    assert counts() == before
    assert "audit chain intact" in verify_audit()  # R57


def test_the_first_load_prints_one_password_that_opens_every_demo_account(demo):
    password = printed_password(demo)
    assert password
    assert demo.count(password) == 1
    for username in ("admiral", "commodore", "crap.chair", "fc.okafor", "ce.lindqvist"):
        assert User.objects.get(username=username).check_password(password)


def test_a_second_load_prints_the_crew_but_no_password():
    output = load()
    assert printed_password(output) is None
    assert "fc.okafor" in output
    assert "run load_demo --reset-passwords for new ones" in output


def test_reset_passwords_issues_a_new_password(demo):
    password = printed_password(load("--reset-passwords"))
    assert password and password != printed_password(demo)
    assert User.objects.get(username="auditor").check_password(password)


def test_the_admiral_reaches_the_admin_site():
    admiral = User.objects.get(username="admiral")
    assert admiral.is_staff and admiral.is_superuser


def test_every_role_has_a_holder():
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    if Convoy.objects.filter(commodore__username="commodore").exists():
        held.add(Role.COMMODORE)  # named on the Convoy itself, not assigned
    assert held == set(Role.values)


def test_the_crap_has_seven_seats_and_one_chair():  # R3
    crap = RoleAssignment.objects.filter(role=Role.CRAP)
    assert sorted(crap.values_list("seat", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert crap.filter(is_chair=True).count() == 1


def test_every_demo_person_has_a_crew_profile():
    for user in User.objects.all():
        assert user.crew.display_name and user.crew.initials and user.crew.signature_reference


def test_feature_captains_are_not_code_engineers_and_author_no_changes():  # R2
    captains = RoleAssignment.objects.filter(role=Role.FEATURE_CAPTAIN).values("user")
    engineers = RoleAssignment.objects.filter(role=Role.CODE_ENGINEER).values("user")
    assert not Change.objects.filter(author__in=captains).exists()
    assert not RoleAssignment.objects.filter(role=Role.FEATURE_CAPTAIN, user__in=engineers).exists()


def test_convoy_26_sailed_and_closed_and_convoy_27_is_in_code_inspection():
    previous = Convoy.objects.get(number=26)
    current = Convoy.objects.get(number=27)
    assert (previous.year, previous.quarter, previous.state) == (2026, 4, ConvoyState.CLOSED)
    assert previous.sailed_at is not None
    assert (current.year, current.quarter) == (2027, 1)
    assert current.state == ConvoyState.CODE_INSPECTION


def test_convoy_27_carries_the_unshipped_features_one_with_legacy_priority():  # R10
    carried = Feature.objects.filter(convoy__number=27, carried_from__isnull=False)
    assert carried.count() >= 3
    assert all(f.deferral_count >= 1 for f in carried)
    assert all(f.carried_from.convoy.number == 26 for f in carried)
    legacy = [f for f in carried if f.legacy_priority]
    assert len(legacy) == 1
    assert legacy[0].deferral_count >= LEGACY_PRIORITY_DEFERRALS


def test_convoy_27_holds_about_sixty_changes_across_every_state():
    changes = Change.objects.filter(feature__convoy__number=27)
    states = set(changes.values_list("state", flat=True))
    assert len(states) >= 6
    assert states == set(ChangeState.values)
    assert 50 <= changes.count() <= 70


def test_every_feature_of_convoy_27_has_tasks_of_at_most_four_hours():  # R14
    features = Feature.objects.filter(convoy__number=27).annotate(n=Count("tasks"))
    assert all(f.n > 0 for f in features)
    assert not Task.objects.filter(hours__gt=4).exists()


def test_changes_past_testing_hold_a_testing_certificate_issued_days_later():  # R22
    past_testing = Change.objects.filter(
        state__in=[
            ChangeState.DIAT_REVIEW,
            ChangeState.SIGNATURES,
            ChangeState.ARCHIVED,
            ChangeState.ON_AGENDA,
            ChangeState.ACCEPTED,
            ChangeState.REJECTED,
        ]
    )
    assert past_testing.exists()
    for change in past_testing:
        certificate = change.certificates.get(kind=CertificateKind.TESTING_COMPLETION)
        assert certificate.issued_at - change.created_at > dt.timedelta(days=3)


def test_the_demo_spans_weeks_and_ends_before_the_workshop_clock():
    changes = Change.objects.filter(feature__convoy__number=27)
    first = min(c.created_at for c in changes)
    last = max(c.state_changed_at for c in changes)
    assert last - first > dt.timedelta(weeks=3)
    assert last < clock.now()


def test_the_workshop_clock_reads_mid_february_2027():
    clock.forget_cached_offset()
    assert clock.today() == dt.date(2027, 2, 15)


def test_scale_builds_a_convoy_with_exactly_that_many_changes():
    output = load("--scale", "300")
    convoy = Convoy.objects.get(year__gte=2900)
    assert convoy.code in output
    assert Change.objects.filter(feature__convoy=convoy).count() == 300
    assert convoy.features.count() == 6
    assert "audit chain intact" in verify_audit()  # R57


def test_scale_twice_with_the_same_number_reuses_the_convoy():
    load("--scale", "300")
    before = counts()
    output = load("--scale", "300")
    assert counts() == before
    assert "reused" in output


def test_convoy_26_was_held_in_port_then_may_sail_and_convoy_27_has_its_freeze():  # R38-R41, R9
    from convoy.models import CscMinutes, FreezeAnnouncement, ManifestApproval

    first, second = ManifestApproval.objects.filter(convoy__number=26).order_by("convened_at")
    assert (first.verdict, second.verdict) == ("HELD_IN_PORT", "FLEET_MAY_SAIL")
    assert len(first.deficiencies) == 2 and second.deficiencies == []
    assert second.reconvenes == first and second.convened_at < first.remediation_until
    assert second.bell_rung_at is not None and CscMinutes.objects.get(sitting=second).bell_rung
    assert first.roll.filter(status="ABSENT_NOTED", capacity="FEATURE_CAPTAIN").count() == 1
    assert set(FreezeAnnouncement.objects.values_list("convoy__number", flat=True)) == {26, 27}
