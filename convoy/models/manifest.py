"""Certificates and the Manifest's documents that the Convoy's exit criteria read (R8).

The Manifest Approval sittings and verdicts live in convoy/models/approval.py.

Signed records: once issued they are not edited; a correction is a new record that names the
one it supersedes (R59).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.immutable import ImmutableRecord, SignedQuerySet, SignedRecord, _refusal


class CertificateKind(models.TextChoices):
    CODING_COMPLETION = "CODING_COMPLETION", "Coding Completion Certificate"
    CODE_INSPECTION = "CODE_INSPECTION", "Code Review Completion Certificate"
    TESTING_COMPLETION = "TESTING_COMPLETION", "Testing Completion Certificate"
    DIAT_INTEGRITY = "DIAT_INTEGRITY", "DIAT Integrity Validation"
    SIT_SIGN_OFF = "SIT_SIGN_OFF", "SIT Sign-Off"
    DEPLOYMENT_READINESS = "DEPLOYMENT_READINESS", "Deployment Readiness Checklist"
    COMMENDATION = "COMMENDATION", "Commodore's Commendation"


class Certificate(ImmutableRecord):
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


class DocumentKind(models.TextChoices):
    # One section per feature (§6).
    FEATURE_SPECIFICATION = "FEATURE_SPECIFICATION", "Feature Specification"
    CODING_COMPLETION_CERTIFICATE = "CODING_COMPLETION_CERTIFICATE", "Coding Completion Certificate"
    CODE_INSPECTION_REPORT = "CODE_INSPECTION_REPORT", "Code Inspection Report"
    TESTING_EVIDENCE_PACKAGE = "TESTING_EVIDENCE_PACKAGE", "Testing Evidence Package"
    SIT_SIGN_OFF = "SIT_SIGN_OFF", "SIT Sign-Off"
    SAD_UPDATE = "SAD_UPDATE", "SAD Update"
    SOS_MINUTES = "SOS_MINUTES", "SOS Minutes"
    DEPENDENCY_ATTESTATION_FORM = "DEPENDENCY_ATTESTATION_FORM", "Dependency Attestation Form"
    # Convoy-level attestations (§6).
    CSET_COMPLETION_CERTIFICATES = (
        "CSET_COMPLETION_CERTIFICATES",
        "CSET code review completion certificates",
    )
    EARB_NAMING_ATTESTATION = "EARB_NAMING_ATTESTATION", "EARB naming compliance attestation"
    QA_CERTIFICATION_REPORTS = "QA_CERTIFICATION_REPORTS", "QA test certification reports"
    DIAT_INTEGRITY_SIGN_OFF = "DIAT_INTEGRITY_SIGN_OFF", "DIAT integrity validation sign-off"
    COMMODORE_APPROVAL_STAMP = "COMMODORE_APPROVAL_STAMP", "The Commodore's final approval stamp"


FEATURE_DOCUMENT_KINDS = [
    DocumentKind.FEATURE_SPECIFICATION,
    DocumentKind.CODING_COMPLETION_CERTIFICATE,
    DocumentKind.CODE_INSPECTION_REPORT,
    DocumentKind.TESTING_EVIDENCE_PACKAGE,
    DocumentKind.SIT_SIGN_OFF,
    DocumentKind.SAD_UPDATE,
    DocumentKind.SOS_MINUTES,
    DocumentKind.DEPENDENCY_ATTESTATION_FORM,
]
CONVOY_DOCUMENT_KINDS = [
    DocumentKind.CSET_COMPLETION_CERTIFICATES,
    DocumentKind.EARB_NAMING_ATTESTATION,
    DocumentKind.QA_CERTIFICATION_REPORTS,
    DocumentKind.DIAT_INTEGRITY_SIGN_OFF,
    DocumentKind.COMMODORE_APPROVAL_STAMP,
]
DOCUMENT_STANDARDS_VERSION = "14.2"  # R37


def manifest_upload_path(instance: "ManifestDocument", filename: str) -> str:
    """Random names: the stored path says nothing of the document and cannot be guessed."""
    import secrets

    return f"manifest/{secrets.token_hex(16)}"


class ManifestDocumentQuerySet(SignedQuerySet):
    """R59 for documents: final once signed with a verified signature (R23: an unverified
    signature is collected again, on the same version)."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(signed_at__isnull=False, signature_verified=True).exists():
            raise _refusal(self.model, "altered")
        return models.QuerySet.update(self, **kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(signed_at__isnull=False, signature_verified=True).exists():
            raise _refusal(self.model, "deleted")
        return models.QuerySet.delete(self)


class ManifestDocument(SignedRecord):
    """One version of one Manifest item, written or uploaded, then signed (§6, R36, R37).

    Versions are never edited: a new version is a new row that supersedes the previous one.
    """

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="manifest_documents"
    )
    feature = models.ForeignKey(
        "convoy.Feature",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="manifest_documents",
        help_text="Empty for the Convoy-level attestations.",
    )
    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    standards_version = models.CharField(max_length=10, default=DOCUMENT_STANDARDS_VERSION)
    body = models.TextField(blank=True)
    file = models.FileField(upload_to=manifest_upload_path, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_role = models.CharField(max_length=20, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_verified = models.BooleanField(default=False)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    objects = ManifestDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["convoy", "feature", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["convoy", "feature", "kind", "version"],
                condition=Q(feature__isnull=False),
                name="manifest_feature_doc_version_unique",
            ),
            models.UniqueConstraint(
                fields=["convoy", "kind", "version"],
                condition=Q(feature__isnull=True),
                name="manifest_convoy_doc_version_unique",
            ),
            models.CheckConstraint(
                name="manifest_doc_has_content", condition=~Q(body="") | ~Q(file="")
            ),
            models.CheckConstraint(
                name="manifest_signature_complete",
                condition=Q(signed_by__isnull=True, signed_at__isnull=True)
                | Q(signed_by__isnull=False, signed_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["convoy", "kind"], name="manifest_convoy_kind_idx")]

    def __str__(self) -> str:
        subject = self.feature.code if self.feature_id else self.convoy.code
        return f"{self.get_kind_display()} v{self.version} — {subject}"

    def _stored_signed(self) -> bool:
        if self._state.adding or self.pk is None:
            return False
        return (
            type(self)
            ._base_manager.filter(pk=self.pk, signed_at__isnull=False, signature_verified=True)
            .exists()
        )
