"""Fleet Inspection (DOMAIN.md §8, R44–R47): presentations, scores, flags, commendations.

What the Fleet Inspection Report and the Commodore's Commendation PDFs read:

- `FleetInspection` (one per Convoy): opened by the Commodore after sailing; `signed_at` /
  `signed_by` (SignedRecord) is the Commodore concluding it — from then on nothing is added and
  `concluded_at` (= `signed_at`) starts the CSO's 24-hour compile deadline (R47).
- `FeaturePresentation` (one per feature, immutable): presenter (the Feature Captain),
  `slot_start` and `duration_minutes` (≤ 45), `slide_count` (≥ 25) and the required slides as
  booleans (`slide_logo_and_convoy`, `slide_executive_summary`, `slide_gantt`,
  `slide_loc_per_engineer`, `slide_dependencies`, `slide_lessons_learned`), and
  `video_approval` when a pre-recorded video was shown (live demonstrations are refused).
- `DemoVideoApproval` (immutable): the DOUCHE's approval of a pre-recorded video, at least 48
  hours before the presentation's slot.
- `LessonLearned` (immutable): one lesson of a presentation; `normalized` is the comparison key
  for the overlap with the previous Convoy's lessons (selectors `lessons_overlap`).
- `InspectionScore` (immutable, R45): one leadership attendee's four integer marks 1–5 for
  one presentation. Dimension means are computed (`fleet_inspection.feature_means`).
- `TribunalFlag` / `Commendation` (immutable, R46): written when the inspection is concluded,
  with the means that caused them, so the PDFs render from stored records.
- `FleetInspectionReport` (immutable, R47): the CSO's compilation: `compiled_at`,
  `deadline` (concluded + 24 h) and `is_late`.
"""

import datetime as dt
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.immutable import ImmutableRecord, SignedRecord

MIN_SLIDES = 25  # R44
SLOT_MINUTES = 45  # R44
VIDEO_APPROVAL_LEAD = dt.timedelta(hours=48)  # R44
SCORE_MIN, SCORE_MAX = 1, 5  # R45
TRIBUNAL_BELOW = 3.0  # R46
COMMENDATION_ABOVE = 4.5  # R46
COMPILE_WITHIN = dt.timedelta(hours=24)  # R47


class Dimension(models.TextChoices):
    """R45: the four scored dimensions (each the name of an `InspectionScore` field)."""

    SLIDE_QUALITY = "slide_quality", "Slide Quality"
    NARRATIVE_COHERENCE = "narrative_coherence", "Narrative Coherence"
    METRIC_COMPLIANCE = "metric_compliance", "Metric Compliance"
    TIME_MANAGEMENT = "time_management", "Time Management"


REQUIRED_SLIDES = {
    "slide_logo_and_convoy": "Slide 1: the SADMF logo and the Convoy number",
    "slide_executive_summary": "Slide 2: the executive summary",
    "slide_gantt": "A Gantt chart of estimated vs actual",
    "slide_loc_per_engineer": "Lines of code per Code Engineer",
    "slide_dependencies": "Dependencies with timestamps",
    "slide_lessons_learned": "A Lessons Learned slide",
}


def normalize_lesson(text: str) -> str:
    """The comparison key: lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


class FleetInspection(SignedRecord):
    convoy = models.OneToOneField(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="fleet_inspection"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Fleet Inspection of {self.convoy}"

    @property
    def concluded_at(self) -> dt.datetime | None:
        return self.signed_at

    @property
    def compile_deadline(self) -> dt.datetime | None:
        return self.signed_at + COMPILE_WITHIN if self.signed_at else None


class DemoVideoApproval(ImmutableRecord):
    inspection = models.ForeignKey(
        FleetInspection, on_delete=models.PROTECT, related_name="video_approvals"
    )
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="video_approvals"
    )
    title = models.CharField(max_length=200)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]

    def __str__(self) -> str:
        return f"Video “{self.title}” for {self.feature.code}"


class FeaturePresentation(ImmutableRecord):
    inspection = models.ForeignKey(
        FleetInspection, on_delete=models.PROTECT, related_name="presentations"
    )
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="inspection_presentations"
    )
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    slot_start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    slide_count = models.PositiveSmallIntegerField()
    slide_logo_and_convoy = models.BooleanField()
    slide_executive_summary = models.BooleanField()
    slide_gantt = models.BooleanField()
    slide_loc_per_engineer = models.BooleanField()
    slide_dependencies = models.BooleanField()
    slide_lessons_learned = models.BooleanField()
    video_approval = models.OneToOneField(
        DemoVideoApproval,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presentation",
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["feature__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "feature"], name="fleet_presentation_once_per_feature"
            ),
            models.CheckConstraint(
                name="fleet_presentation_min_slides", condition=Q(slide_count__gte=MIN_SLIDES)
            ),
            models.CheckConstraint(
                name="fleet_presentation_slot",
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=SLOT_MINUTES),
            ),
        ]

    def __str__(self) -> str:
        return f"Presentation of {self.feature.code} at {self.inspection}"

    @property
    def slot_end(self) -> dt.datetime:
        return self.slot_start + dt.timedelta(minutes=SLOT_MINUTES)


class LessonLearned(ImmutableRecord):
    presentation = models.ForeignKey(
        FeaturePresentation, on_delete=models.PROTECT, related_name="lessons"
    )
    text = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


def _score_range(name: str) -> Q:
    return Q(**{f"{name}__gte": SCORE_MIN, f"{name}__lte": SCORE_MAX})


class InspectionScore(ImmutableRecord):
    presentation = models.ForeignKey(
        FeaturePresentation, on_delete=models.PROTECT, related_name="scores"
    )
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    slide_quality = models.PositiveSmallIntegerField()
    narrative_coherence = models.PositiveSmallIntegerField()
    metric_compliance = models.PositiveSmallIntegerField()
    time_management = models.PositiveSmallIntegerField()
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["presentation", "scorer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["presentation", "scorer"], name="fleet_score_once_per_scorer"
            ),
            *(
                models.CheckConstraint(
                    name=f"fleet_score_{d.value}_1_to_5", condition=_score_range(d)
                )
                for d in Dimension
            ),
        ]

    def __str__(self) -> str:
        return f"Score by {self.scorer} on {self.presentation}"

    def marks(self) -> dict[str, int]:
        return {d.value: getattr(self, d.value) for d in Dimension}


class TribunalFlag(ImmutableRecord):
    """R46: a dimension mean below 3.0. `dimensions` = {dimension: mean} of the failing ones."""

    inspection = models.ForeignKey(
        FleetInspection, on_delete=models.PROTECT, related_name="tribunal_flags"
    )
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="tribunal_flags"
    )
    dimensions = models.JSONField()
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ["feature__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "feature"], name="fleet_flag_once")
        ]

    def __str__(self) -> str:
        return f"Tribunal flag on {self.feature.code}"

    @property
    def failing(self) -> list[tuple[str, float]]:
        """(dimension label, mean) of each dimension below 3.0."""
        return [(Dimension(d).label, mean) for d, mean in self.dimensions.items()]


class Commendation(ImmutableRecord):
    """R46: the Commodore's Commendation; `overall` is the mean of the four dimension means."""

    inspection = models.ForeignKey(
        FleetInspection, on_delete=models.PROTECT, related_name="commendations"
    )
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="commendations"
    )
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    overall = models.DecimalField(max_digits=4, decimal_places=2)
    dimension_means = models.JSONField(help_text="{dimension: mean}, rounded to 2 places.")
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["feature__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "feature"], name="fleet_commend_once")
        ]

    def __str__(self) -> str:
        return f"Commodore's Commendation for {self.feature.code}"


class FleetInspectionReport(ImmutableRecord):
    inspection = models.OneToOneField(
        FleetInspection, on_delete=models.PROTECT, related_name="report"
    )
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    compiled_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="Conclusion of the inspection + 24 hours (R47).")

    class Meta:
        ordering = ["-compiled_at"]

    def __str__(self) -> str:
        return f"Fleet Inspection Report of {self.inspection.convoy}"

    @property
    def is_late(self) -> bool:
        return self.compiled_at > self.deadline

    @property
    def lateness(self) -> dt.timedelta:
        return max(self.compiled_at - self.deadline, dt.timedelta(0))
