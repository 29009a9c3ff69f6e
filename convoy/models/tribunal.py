"""Dry Dock and the Tribunal (DOMAIN.md §9, R51–R53).

- `Defect`: found after sailing; triaged with a tier and a root cause (R53). Status OPEN,
  FIXED, or KNOWN_BEHAVIOR (unfixed at the end of Dry Dock, reclassified into the known-
  behaviors registry, which no metric counts and the Flow X-ray shows).
- `DefectAttribution` (immutable): the DIAT attributes a defect to every Code Engineer whose
  Change touched it — full attribution each, no fractional blame (R51, R52).
- `TribunalSession`: the monthly Tribunal (one per calendar month, R52).
- `TribunalCase` (signed when ruled): one engineer before one session; `strikes` is the count
  of standing attributions in the rolling 12 months when the case opened, `senior_review`
  whether that reached 3 (Senior Tribunal Review); defence time is at most 2 minutes.
- `AttributionAppeal` (signed when decided): filed by the engineer within 5 business days of
  the attribution, decided by the DIAT member who made it. A withdrawn attribution stays on
  record (R59); it no longer counts as a strike.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.immutable import ImmutableRecord, SignedRecord

SENIOR_REVIEW_STRIKES = 3  # R52
STRIKE_WINDOW = dt.timedelta(days=365)  # R52: rolling 12 months
DEFENCE_SECONDS = 120  # R52
APPEAL_BUSINESS_DAYS = 5  # R52


class DefectTier(models.IntegerChoices):
    EXECUTIVE_VISIBLE = 1, "Tier 1 — executive-visible"
    CUSTOMER_REPORTED = 2, "Tier 2 — customer-reported"
    OTHER = 3, "Tier 3 — everything else"


class RootCause(models.TextChoices):
    CODE_ENGINEER_ERROR = "CODE_ENGINEER_ERROR", "Code Engineer Error"
    INSUFFICIENT_TESTING = "INSUFFICIENT_TESTING", "Insufficient Testing"
    UNCLEAR_REQUIREMENTS = (
        "UNCLEAR_REQUIREMENTS",
        "Unclear Requirements (attributed to Code Engineer interpretation)",
    )
    OTHER = "OTHER", "Other (requires explanation)"


class DefectStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    FIXED = "FIXED", "Fixed"
    KNOWN_BEHAVIOR = "KNOWN_BEHAVIOR", "Known behavior"


class Defect(models.Model):
    convoy = models.ForeignKey("convoy.Convoy", on_delete=models.CASCADE, related_name="defects")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tier = models.PositiveSmallIntegerField(choices=DefectTier.choices)
    root_cause = models.CharField(max_length=30, choices=RootCause.choices)
    root_cause_explanation = models.TextField(blank=True)
    changes = models.ManyToManyField("convoy.Change", related_name="defects")
    status = models.CharField(
        max_length=20, choices=DefectStatus.choices, default=DefectStatus.OPEN
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["convoy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convoy", "number"], name="defect_number_unique"),
            models.CheckConstraint(name="defect_tier_1_to_3", condition=Q(tier__in=[1, 2, 3])),
            models.CheckConstraint(
                name="defect_other_is_explained",
                condition=~Q(root_cause=RootCause.OTHER) | ~Q(root_cause_explanation=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"D-{self.number:03d}"


class DefectAttribution(ImmutableRecord):
    defect = models.ForeignKey(Defect, on_delete=models.PROTECT, related_name="attributions")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="defect_attributions"
    )
    change = models.ForeignKey(
        "convoy.Change", on_delete=models.PROTECT, related_name="+", help_text="Their Change."
    )
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attributed_at = models.DateTimeField()

    class Meta:
        ordering = ["-attributed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["defect", "engineer"], name="attribution_once")
        ]

    def __str__(self) -> str:
        return f"{self.defect.code} attributed to {self.engineer}"


class TribunalSession(models.Model):
    month = models.DateField(unique=True, help_text="The first day of the session's month.")
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    convened_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Tribunal of {self.month:%B %Y}"


class Finding(models.TextChoices):
    RESPONSIBLE = "RESPONSIBLE", "Found responsible"
    NOT_RESPONSIBLE = "NOT_RESPONSIBLE", "Not found responsible"


class TribunalCase(SignedRecord):
    session = models.ForeignKey(TribunalSession, on_delete=models.PROTECT, related_name="cases")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tribunal_cases"
    )
    opened_at = models.DateTimeField()
    strikes = models.PositiveSmallIntegerField()
    senior_review = models.BooleanField()
    attributions = models.ManyToManyField(DefectAttribution, related_name="cases")
    defence_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    finding = models.CharField(max_length=20, choices=Finding.choices, blank=True)

    class Meta:
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "engineer"], name="tribunal_case_once"),
            models.CheckConstraint(
                name="tribunal_defence_two_minutes",
                condition=Q(defence_seconds__isnull=True) | Q(defence_seconds__lte=DEFENCE_SECONDS),
            ),
        ]

    def __str__(self) -> str:
        kind = "Senior Tribunal Review" if self.senior_review else "Tribunal case"
        return f"{kind}: {self.engineer}"


class AppealOutcome(models.TextChoices):
    WITHDRAWN = "WITHDRAWN", "Attribution withdrawn"
    STANDS = "STANDS", "Attribution stands"


class AttributionAppeal(SignedRecord):
    attribution = models.OneToOneField(
        DefectAttribution, on_delete=models.PROTECT, related_name="appeal"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    grounds = models.TextField()
    outcome = models.CharField(max_length=20, choices=AppealOutcome.choices, blank=True)

    class Meta:
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"Appeal of {self.attribution}"
