"""Testing certified by the Quality Authority, then validated by the DIAT (R22)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change, refuse_unless_in
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import refuse_own_change, require_role
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convoy,
    ConvoyState,
    Feature,
    Role,
)


def _issue(
    *, actor: AbstractBaseUser, change: Change, kind: CertificateKind, role: Role, notes: str
) -> Certificate:
    certificate = Certificate.objects.create(
        kind=kind,
        convoy=change.feature.convoy,
        feature=change.feature,
        change=change,
        issued_by=actor,
        issued_role=role,
        issued_at=clock.now(),
        notes=notes,
    )
    record_event(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        after={"kind": kind.value, "change_id": change.pk, "role": role.value},
    )
    return certificate


def certify_testing(*, actor: AbstractBaseUser, change: Change, notes: str = "") -> Certificate:
    """The Quality Authority issues the Change's Testing Completion Certificate."""
    refuse_if_closed(change.feature.convoy)
    require_role(actor, None, Role.QA, action="Certifying testing")
    refuse_own_change(actor, change, "test")  # R1
    with transaction.atomic():
        change = lock_change(change)
        refuse_unless_in(
            change, ChangeState.TESTING, rule="R22", doing="certifying testing (after inspection)"
        )
        certificate = _issue(
            actor=actor,
            change=change,
            kind=CertificateKind.TESTING_COMPLETION,
            role=Role.QA,
            notes=notes,
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.DIAT_REVIEW,
            action="change.diat_review",
            rule="R22",
        )
    return certificate


def validate_integrity(*, actor: AbstractBaseUser, change: Change, notes: str = "") -> Certificate:
    """R22: the DIAT validates the QA's evidence; only then are signatures collected."""
    refuse_if_closed(change.feature.convoy)
    require_role(actor, None, Role.DIAT, action="Validating integrity")
    refuse_own_change(actor, change, "validate")  # R1
    with transaction.atomic():
        change = lock_change(change)
        certified = Certificate.objects.filter(
            change=change, kind=CertificateKind.TESTING_COMPLETION
        ).exists()
        if not certified:
            raise ProcessViolation(
                "R22",
                f"The Quality Authority's Testing Completion Certificate is required before "
                f"DIAT review. {change.record_id} has none.",
            )
        refuse_unless_in(change, ChangeState.DIAT_REVIEW, rule="R22", doing="DIAT review")
        certificate = _issue(
            actor=actor,
            change=change,
            kind=CertificateKind.DIAT_INTEGRITY,
            role=Role.DIAT,
            notes=notes,
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.SIGNATURES,
            action="change.signatures",
            rule="R22",
        )
    return certificate


def certify_feature_testing(
    *, actor: AbstractBaseUser, feature: Feature, notes: str = ""
) -> Certificate:
    """R8: the Quality Authority issues the feature's Testing Completion Certificate, which
    System Integration Testing waits for. Issued during Testing, once per feature, and only
    when every Change of the feature holds its own certificate (R22)."""
    convoy = feature.convoy
    refuse_if_closed(convoy)
    require_role(actor, None, Role.QA, action="Certifying a feature's testing")
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        if convoy.state != ConvoyState.TESTING:
            raise ProcessViolation(
                "R8",
                f"A feature's Testing Completion Certificate is issued during Testing. "
                f"{convoy.code} is in {convoy.get_state_display()}.",
            )
        if Certificate.objects.filter(
            feature=feature, change__isnull=True, kind=CertificateKind.TESTING_COMPLETION
        ).exists():
            raise ProcessViolation(
                "R8", f"{feature.code} already holds its Testing Completion Certificate."
            )
        uncertified = list(
            feature.changes.exclude(certificates__kind=CertificateKind.TESTING_COMPLETION)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not feature.changes.exists():
            raise ProcessViolation("R8", f"{feature.code} has no Changes to certify.")
        if uncertified:
            missing = Change.objects.filter(pk__in=uncertified)
            raise ProcessViolation(
                "R22",
                f"{feature.code} cannot be certified: "
                f"{', '.join(c.record_id for c in missing)} "
                f"{'has' if len(uncertified) == 1 else 'have'} no Testing Completion Certificate.",
            )
        certificate = Certificate.objects.create(
            kind=CertificateKind.TESTING_COMPLETION,
            convoy=convoy,
            feature=feature,
            issued_by=actor,
            issued_role=Role.QA,
            issued_at=clock.now(),
            notes=notes,
        )
        record_event(
            actor=actor,
            action="certificate.issue",
            obj=certificate,
            after={"kind": CertificateKind.TESTING_COMPLETION.value, "feature": feature.code},
        )
    return certificate
