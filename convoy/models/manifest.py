"""Certificates and the Manifest Approval verdicts that the Convoy's exit criteria read (R8).

Signed records: once issued they are not edited; a correction is a new record that names the
one it supersedes (R59).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CertificateKind(models.TextChoices):
    CODING_COMPLETION = "CODING_COMPLETION", "Coding Completion Certificate"
    CODE_INSPECTION = "CODE_INSPECTION", "Code Review Completion Certificate"
    TESTING_COMPLETION = "TESTING_COMPLETION", "Testing Completion Certificate"
    DIAT_INTEGRITY = "DIAT_INTEGRITY", "DIAT Integrity Validation"
    SIT_SIGN_OFF = "SIT_SIGN_OFF", "SIT Sign-Off"
    DEPLOYMENT_READINESS = "DEPLOYMENT_READINESS", "Deployment Readiness Checklist"
    COMMENDATION = "COMMENDATION", "Commodore's Commendation"


class Certificate(models.Model):
    kind = models.CharField(max_length=30, choices=CertificateKind.choices)
    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="certificates"
    )
    feature = models.ForeignKey(
        "convoy.Feature",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="certificates",
    )
    change = models.ForeignKey(
        "convoy.Change",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="certificates",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_certificates"
    )
    issued_role = models.CharField(max_length=20)
    issued_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["issued_at", "id"]
        indexes = [models.Index(fields=["convoy", "kind"], name="certificate_convoy_kind_idx")]

    def __str__(self) -> str:
        subject = self.change or self.feature or self.convoy
        return f"{self.get_kind_display()} — {subject}"


class Verdict(models.TextChoices):
    FLEET_MAY_SAIL = "FLEET_MAY_SAIL", "The Fleet May Sail."
    HELD_IN_PORT = "HELD_IN_PORT", "The Fleet Is Held in Port."


class ManifestApproval(models.Model):
    """One sitting of the Convoy Steering Committee over the Manifest (R38–R41)."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="manifest_approvals"
    )
    convened_at = models.DateTimeField()
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)
    remediation_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["convened_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="verdict_has_time",
                condition=Q(verdict="", verdict_at__isnull=True)
                | (~Q(verdict="") & Q(verdict_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"Manifest Approval of {self.convoy} at {self.convened_at:%Y-%m-%d %H:%M}"


class EmergencySailRequest(models.Model):
    """R42. Filed by the Commodore with the ATO; approved only when every element is present."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="emergency_sail_requests"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"Emergency Sail Authorization Request for {self.convoy}"
