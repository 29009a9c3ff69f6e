"""The Change pipeline before the Convening (DOMAIN.md §4, R19–R23).

Change Impact Assessment and its sequential approvals; the Code Compliance Checklist and the
Code Inspection rounds run against it; the change request form of the Integrated Record and
Signature Protocol with its signatures. The Quality Authority's and the DIAT's records are the
existing `Certificate` rows (kinds TESTING_COMPLETION and DIAT_INTEGRITY, with `change` set).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.crew import Role


class RiskCategory(models.TextChoices):
    """The 17 risk categories of the Change Impact Assessment (R19)."""

    AVAILABILITY = "AVAILABILITY", "Service Availability"
    DATA_INTEGRITY = "DATA_INTEGRITY", "Data Integrity"
    SECURITY = "SECURITY", "Information Security"
    PERFORMANCE = "PERFORMANCE", "Performance Degradation"
    REGULATORY = "REGULATORY", "Regulatory Compliance"
    REPUTATIONAL = "REPUTATIONAL", "Reputational Exposure"
    CONTINUITY = "CONTINUITY", "Operational Continuity"
    INTEGRATION = "INTEGRATION", "Integration Dependencies"
    ROLLBACK = "ROLLBACK", "Rollback Complexity"
    THIRD_PARTY = "THIRD_PARTY", "Vendor and Third-Party Exposure"
    FINANCIAL = "FINANCIAL", "Financial Exposure"
    EXECUTIVE = "EXECUTIVE", "Executive Visibility"
    DOCUMENTATION = "DOCUMENTATION", "Documentation Completeness"
    NAMING = "NAMING", "Naming Compliance"
    FREEZE = "FREEZE", "Change Freeze Proximity"
    CROSS_FEATURE = "CROSS_FEATURE", "Cross-Feature Impact"
    PROCESS = "PROCESS", "Process Adherence"


RISK_CATEGORY_COUNT = 17
RISK_RATING_MIN, RISK_RATING_MAX = 1, 5
assert len(RiskCategory) == RISK_CATEGORY_COUNT  # R19

# R20: the CIA is approved by these roles, one at a time, in this order.
CIA_APPROVAL_CHAIN: tuple[Role, ...] = (Role.FEATURE_CAPTAIN, Role.CSET, Role.EARB, Role.DOUCHE)


class ChangeImpactAssessment(models.Model):
    """R19. Written by the Change's Code Engineer before any code; immutable once submitted."""

    change = models.OneToOneField(
        "convoy.Change", on_delete=models.CASCADE, related_name="impact_assessment"
    )
    business_justification = models.TextField()
    technical_approach = models.TextField()
    files_affected = models.TextField(help_text="One path per line.")
    estimated_lines_added = models.PositiveIntegerField()
    estimated_lines_removed = models.PositiveIntegerField()
    impact_on_other_features = models.TextField()
    risk_score = models.PositiveSmallIntegerField(
        help_text="The sum of the 17 category ratings: 17 (least) to 85 (most)."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    approved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last approver of the chain signed (R20)."
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="cia_risk_score_in_range",
                condition=Q(
                    risk_score__gte=RISK_CATEGORY_COUNT * RISK_RATING_MIN,
                    risk_score__lte=RISK_CATEGORY_COUNT * RISK_RATING_MAX,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Change Impact Assessment of {self.change.record_id}"

    @property
    def risk_score_max(self) -> int:
        return RISK_CATEGORY_COUNT * RISK_RATING_MAX


class RiskRating(models.Model):
    assessment = models.ForeignKey(
        ChangeImpactAssessment, on_delete=models.CASCADE, related_name="ratings"
    )
    category = models.CharField(max_length=20, choices=RiskCategory.choices)
    rating = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["assessment", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "category"], name="risk_rating_one_per_category"
            ),
            models.CheckConstraint(
                name="risk_rating_1_to_5",
                condition=Q(rating__gte=RISK_RATING_MIN, rating__lte=RISK_RATING_MAX),
            ),
            models.CheckConstraint(
                name="risk_rating_category_valid", condition=Q(category__in=RiskCategory.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.rating}"


class CiaApproval(models.Model):
    """One signature of the R20 chain; the step fixes the role (a database invariant)."""

    assessment = models.ForeignKey(
        ChangeImpactAssessment, on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=Role.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["assessment", "step"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "step"], name="cia_approval_step_once"),
            models.CheckConstraint(
                name="cia_approval_step_role",
                condition=Q(step=1, role=Role.FEATURE_CAPTAIN)
                | Q(step=2, role=Role.CSET)
                | Q(step=3, role=Role.EARB)
                | Q(step=4, role=Role.DOUCHE),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} approval of {self.assessment}"


class ChecklistItem(models.Model):
    """One item of the Code Compliance Checklist (R21), loaded as data (`ensure_checklist`)."""

    number = models.PositiveSmallIntegerField(unique=True)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(name="checklist_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return f"Item {self.number}: {self.text}"


class CodeInspection(models.Model):
    """One round of Code Inspection (R21); rounds counted give the Standards Adherence
    Iteration Count. Results are recorded by the CSET, released no earlier than
    `release_not_before` (3 business days after submission)."""

    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="inspections"
    )
    round = models.PositiveSmallIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    release_not_before = models.DateTimeField()
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["change", "round"]
        constraints = [
            models.UniqueConstraint(fields=["change", "round"], name="inspection_round_unique"),
            models.CheckConstraint(
                name="inspection_recorded_has_outcome",
                condition=Q(recorded_at__isnull=True, passed__isnull=True)
                | Q(recorded_at__isnull=False, passed__isnull=False),
            ),
            models.CheckConstraint(
                name="inspection_released_after_recording",
                condition=Q(released_at__isnull=True) | Q(recorded_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Code Inspection round {self.round} of {self.change.record_id}"

    @property
    def released(self) -> bool:
        return self.released_at is not None


class InspectionResult(models.Model):
    """Pass or fail for one checklist item in one round; there is no partial pass (R21)."""

    inspection = models.ForeignKey(CodeInspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField()

    class Meta:
        ordering = ["inspection", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item.number}: {'pass' if self.passed else 'fail'}"


class EarbEscalation(models.Model):
    """R21: a Change failing inspection more than 3 times is escalated to the EARB, once."""

    change = models.OneToOneField(
        "convoy.Change", on_delete=models.CASCADE, related_name="earb_escalation"
    )
    inspection = models.ForeignKey(CodeInspection, on_delete=models.PROTECT, related_name="+")
    failures = models.PositiveSmallIntegerField()
    escalated_at = models.DateTimeField()

    class Meta:
        ordering = ["escalated_at", "id"]

    def __str__(self) -> str:
        return f"EARB escalation of {self.change.record_id}"


class ChangeRequestForm(models.Model):
    """R23: generated when the Code Inspection opens; a new revision on each resubmission.

    Signatures are collected on the current revision; once verified, it is archived, and only
    an archived revision admits the Change to an agenda (R24).
    """

    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="request_forms"
    )
    revision = models.PositiveSmallIntegerField(default=0)
    record_id = models.CharField(max_length=20)
    submitting_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target_convoy = models.ForeignKey("convoy.Convoy", on_delete=models.PROTECT, related_name="+")
    approval_chain = models.JSONField(help_text="The required approval chain, as role values.")
    generated_at = models.DateTimeField()
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["change", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["change", "revision"], name="request_form_revision"),
            models.CheckConstraint(
                name="request_form_archive_complete",
                condition=Q(archived_by__isnull=True, archived_at__isnull=True)
                | Q(archived_by__isnull=False, archived_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Change request form {self.record_id} rev. {self.revision}"

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class FormSignature(models.Model):
    """One signature on a change request form, verified against the signer's reference (R23).

    A mismatch is kept, flagged (`verified` false); the signer signs again and the new row
    names the flagged one in `recollects`. Signatures already verified are never re-collected.
    """

    form = models.ForeignKey(ChangeRequestForm, on_delete=models.CASCADE, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_role = models.CharField(max_length=20, choices=Role.choices)
    governance = models.BooleanField(
        help_text="Signed as a change governance representative (counts toward the quota of 2)."
    )
    signature_digest = models.CharField(max_length=64)
    verified = models.BooleanField()
    signed_at = models.DateTimeField()
    recollects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="recollected_by"
    )

    class Meta:
        ordering = ["form", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "signer"],
                condition=Q(verified=True),
                name="form_signature_one_verified_per_signer",
            ),
            models.CheckConstraint(
                name="form_signature_governance_is_cgr",
                condition=Q(governance=False) | Q(signed_role=Role.CGR),
            ),
        ]

    def __str__(self) -> str:
        state = "verified" if self.verified else "flagged"
        return f"Signature on {self.form.record_id} ({state})"
