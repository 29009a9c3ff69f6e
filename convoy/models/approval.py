"""Manifest Approval by the Convoy Steering Committee, the Change Freeze and Emergency Sail
(DOMAIN.md §2 R9, §7 R38–R42, §11 R59).

A sitting (`ManifestApproval`) walks the R38 agenda, its `stage` recording how far it has come:

    convene and verify quorum → roll call and receipt of the Manifest → presentations, 5 minutes
    per Feature Captain in feature-number order → closed deliberation over the deficiency list →
    binary vote → verdict announcement.

Records, for readers such as the Convoy Manifest PDF:

- `ManifestApproval`: the sitting. `verdict` is "The Fleet May Sail." or "The Fleet Is Held in
  Port." (R39); `deficiencies` is the deficiency list as it stood when the verdict was announced
  (each a dict: key, rule, kind, subject, item, role, message, url); `remediation_until` is the
  end of the 48-hour Remediation Window opened by a Held in Port verdict (R41); `bell_rung_at`
  is when the ship's bell was rung (R40). Signed (R59) by the Commodore at the verdict: from
  then on nothing about it changes. `reconvenes` names the Held in Port sitting it answers.
- `RollCallEntry`: who answered the roll call (CSC members and Feature Captains), with the
  Absence Attestation Form that excuses an absent Feature Captain (R38).
- `CscPresentation`: one Feature Captain's presentation: position (feature-number order),
  started/ended, seconds spoken against the 5-minute allocation.
- `CscVote`: one present CSC member's binary vote on the whole Convoy (R39). Immutable.
- `CscMinutes`: the CSC Minutes, written and signed at the verdict (R39, R40, R59): verdict,
  bell, vote counts, deficiency list and the minutes' text (`body`) as signed.
- `FreezeAnnouncement`: the CSO's announcement of a Change Freeze (R9).
- `EmergencySailRequest` and `EmergencySailSignature`: R42.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.immutable import ImmutableRecord, SignedRecord

PRESENTATION_SECONDS_CSC = 5 * 60  # R38: 5 minutes per Feature Captain
REMEDIATION_WINDOW = dt.timedelta(hours=48)  # R41
FREEZE_BEFORE_SAILING = dt.timedelta(hours=72)  # R9
FREEZE_AFTER_DEPLOYMENT = dt.timedelta(hours=48)  # R9
FREEZE_NOTICE_BUSINESS_DAYS = 5  # R9
EMERGENCY_SAIL_MIN_WORDS = 3000  # R42
EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS = 5  # R42


class Verdict(models.TextChoices):
    FLEET_MAY_SAIL = "FLEET_MAY_SAIL", "The Fleet May Sail."
    HELD_IN_PORT = "HELD_IN_PORT", "The Fleet Is Held in Port."


class SittingStage(models.TextChoices):
    ROLL_CALL = "ROLL_CALL", "Roll call and receipt of the Manifest"
    PRESENTATIONS = "PRESENTATIONS", "Presentations"
    DELIBERATION = "DELIBERATION", "Closed deliberation"
    VOTING = "VOTING", "Binary vote"
    CONCLUDED = "CONCLUDED", "Verdict announced"


class ManifestApproval(SignedRecord):
    """One sitting of the Convoy Steering Committee over the Manifest (R38–R41)."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="manifest_approvals"
    )
    convened_at = models.DateTimeField()
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(
        max_length=20, choices=SittingStage.choices, default=SittingStage.ROLL_CALL
    )
    members_seated = models.PositiveSmallIntegerField(
        default=0, help_text="CSC members seated for the Convoy when the sitting convened."
    )
    members_present = models.PositiveSmallIntegerField(
        default=0, help_text="CSC members present: the quorum verified at convening (R38)."
    )
    reconvenes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconvened_by",
        help_text="The Held in Port sitting this one reconvenes within its window (R41).",
    )
    manifest_received_at = models.DateTimeField(null=True, blank=True)
    deliberation_at = models.DateTimeField(null=True, blank=True)
    vote_opened_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)
    deficiencies = models.JSONField(
        default=list, blank=True, help_text="The deficiency list at the verdict (R36, R39)."
    )
    remediation_until = models.DateTimeField(null=True, blank=True)
    bell_rung_at = models.DateTimeField(null=True, blank=True, help_text="R40.")

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

    @property
    def concluded(self) -> bool:
        return bool(self.verdict)


class AbsenceAttestationForm(ImmutableRecord):
    """Filed by a Feature Captain who will be absent from a sitting (R38)."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="absence_attestations"
    )
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    absent_on = models.DateField(help_text="The day of the sitting the captain will miss.")
    reason = models.TextField()
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["convoy", "captain", "absent_on"], name="absence_attestation_once_a_day"
            ),
            models.CheckConstraint(name="absence_attestation_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"Absence Attestation Form of {self.captain} for {self.absent_on:%Y-%m-%d}"


class RollCallCapacity(models.TextChoices):
    CSC_MEMBER = "CSC_MEMBER", "CSC member"
    FEATURE_CAPTAIN = "FEATURE_CAPTAIN", "Feature Captain"


class RollCallStatus(models.TextChoices):
    PRESENT = "PRESENT", "Present"
    ABSENT_ATTESTED = "ABSENT_ATTESTED", "Absent (Absence Attestation Form on file)"
    ABSENT_NOTED = "ABSENT_NOTED", "Absent without an Absence Attestation Form (noted)"


class RollCallEntry(ImmutableRecord):
    sitting = models.ForeignKey(ManifestApproval, on_delete=models.PROTECT, related_name="roll")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(max_length=20, choices=RollCallCapacity.choices)
    status = models.CharField(max_length=20, choices=RollCallStatus.choices)
    attestation = models.ForeignKey(
        AbsenceAttestationForm, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["capacity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "person", "capacity"], name="roll_call_once_per_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_status_display()}"


class CscPresentation(models.Model):
    """One Feature Captain's 5 minutes before the Committee (R38). Written at start, completed
    at the end; not edited afterwards (the sitting's minutes record it as signed)."""

    sitting = models.ForeignKey(
        ManifestApproval, on_delete=models.PROTECT, related_name="presentations"
    )
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(help_text="Feature-number order, from 1.")
    features = models.CharField(max_length=300, help_text="The captain's feature codes.")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["sitting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "captain"], name="csc_presentation_once_per_captain"
            ),
        ]

    def __str__(self) -> str:
        return f"Presentation {self.position} of {self.sitting}"

    @property
    def over_by(self) -> int:
        return max(0, (self.seconds or 0) - PRESENTATION_SECONDS_CSC)


class CscVote(ImmutableRecord):
    """A present CSC member's vote on the Convoy as one indivisible unit (R39)."""

    sitting = models.ForeignKey(ManifestApproval, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "member"], name="csc_vote_once_per_sitting"),
        ]

    def __str__(self) -> str:
        return f"Vote of {self.member} at {self.sitting}"


class CscMinutes(SignedRecord):
    """The CSC Minutes of one sitting, signed at the verdict (R39, R40, R59)."""

    sitting = models.OneToOneField(
        ManifestApproval, on_delete=models.PROTECT, related_name="minutes"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    bell_rung = models.BooleanField(default=False, help_text="R40: the ship's bell was rung.")
    votes_to_approve = models.PositiveSmallIntegerField()
    votes_to_hold = models.PositiveSmallIntegerField()
    deficiencies = models.JSONField(default=list, blank=True)
    body = models.TextField(help_text="The minutes as signed: one line per entry.")

    class Meta:
        verbose_name = "CSC Minutes"
        verbose_name_plural = "CSC Minutes"

    def __str__(self) -> str:
        return f"CSC Minutes of {self.sitting}"


class FreezeAnnouncement(ImmutableRecord):
    """R9: the CSO announces the Change Freeze at least 5 business days before it starts."""

    convoy = models.OneToOneField(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="freeze_announcement"
    )
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    announced_at = models.DateTimeField()
    freeze_starts_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Change Freeze announcement for {self.convoy}"


class EmergencySailRequest(models.Model):
    """R42. Filed by the Commodore with the ATO; approved only when every element is present.

    `risk_acceptance_matrix` maps each of the 17 risk categories (R19's) to
    {"likelihood": 1–5, "impact": 1–5, "acceptance": text}. `remediation_business_days` is the
    plan's commitment: all missing paperwork completed within that many business days of
    deployment (at most 5). `approved_at`/`approved_by` are the ATO's approval.
    """

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="emergency_sail_requests"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    risk_acceptance_matrix = models.JSONField(default=dict, blank=True)
    justification_narrative = models.TextField(blank=True)
    narrative_words = models.PositiveIntegerField(default=0)
    remediation_plan = models.TextField(blank=True)
    remediation_business_days = models.PositiveSmallIntegerField(default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"Emergency Sail Authorization Request {self.pk} for {self.convoy}"


class EmergencySailSignature(ImmutableRecord):
    """One CSC member's signature on the request, obtained individually (R42)."""

    request = models.ForeignKey(
        EmergencySailRequest, on_delete=models.PROTECT, related_name="signatures"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "member"], name="emergency_sail_signature_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Signature of {self.member} on {self.request}"
