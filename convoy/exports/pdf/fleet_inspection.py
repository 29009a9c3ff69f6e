"""The Fleet Inspection Report (§13, R47; the CSO's, for leadership): executive summary
(Manifest Approval verdicts, FCR and Signal colour, features shipped and deferred); per
feature the presenter, slide-count compliance (R44), the four dimension means with every
scorer's marks (R45), Tribunal flags and Commendations (R46), estimated vs actual (a Gantt
chart), Lessons Learned and their overlap with the previous Convoy's; the Dry Dock summary
(R53); compile time and lateness (R47); appendix: the Flow X-ray (§12),
read from convoy.metrics by convoy/exports/pdf/xray.py.

Read from stored records only, in a constant number of queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from convoy.ceremonies.fleet_inspection import feature_means, overall_mean, previous_lessons
from convoy.exports.pdf.charts import estimate_gantt
from convoy.exports.pdf.common import ContentsEntry, base_context
from convoy.exports.pdf.fetcher import memory_url
from convoy.exports.pdf.xray import xray_appendix
from convoy.metrics.signals import feature_completion
from convoy.models import (
    Convoy,
    Feature,
    FeatureStatus,
    ManifestApproval,
    ReportKind,
)
from convoy.models.fleet import (
    COMMENDATION_ABOVE,
    MIN_SLIDES,
    REQUIRED_SLIDES,
    TRIBUNAL_BELOW,
    Dimension,
    FeaturePresentation,
    FleetInspection,
    InspectionScore,
    LessonLearned,
)
from convoy.models.tribunal import Defect

TEMPLATE = "reports/fleet_inspection.html"
GANTT_ROWS = 30  # features per chart: one chart fits a page


@dataclass
class FeatureInspection:
    feature: Feature
    presentation: FeaturePresentation | None
    scores: list[InspectionScore] = field(default_factory=list)
    means: dict[str, float] | None = None
    overall: float | None = None
    lessons: list[tuple[LessonLearned, bool]] = field(default_factory=list)
    flags: list[Any] = field(default_factory=list)
    commendations: list[Any] = field(default_factory=list)

    @property
    def missing_slides(self) -> list[str]:
        if self.presentation is None:
            return []
        p = self.presentation
        return [label for name, label in REQUIRED_SLIDES.items() if not getattr(p, name)]

    @property
    def repeated_lessons(self) -> int:
        return sum(1 for _, repeated in self.lessons if repeated)


def _features(convoy: Convoy, inspection: FleetInspection | None) -> list[FeatureInspection]:
    features = list(convoy.features.select_related("captain__crew").order_by("number"))
    presentations: dict[int, FeaturePresentation] = {}
    flags: dict[int, list] = defaultdict(list)
    commendations: dict[int, list] = defaultdict(list)
    if inspection is not None:
        for p in inspection.presentations.select_related("presenter__crew").prefetch_related(
            Prefetch("scores", queryset=InspectionScore.objects.select_related("scorer__crew")),
            Prefetch("lessons", queryset=LessonLearned.objects.order_by("id")),
        ):
            presentations[p.feature_id] = p
        for flag in inspection.tribunal_flags.all():
            flags[flag.feature_id].append(flag)
        for c in inspection.commendations.select_related("captain__crew", "awarded_by__crew"):
            commendations[c.feature_id].append(c)
    previous = previous_lessons(convoy)
    found = []
    for feature in features:
        p = presentations.get(feature.pk)
        means = feature_means(p) if p else None
        found.append(
            FeatureInspection(
                feature=feature,
                presentation=p,
                scores=list(p.scores.all()) if p else [],
                means=means,
                overall=overall_mean(means) if means else None,
                lessons=[(lesson, lesson.normalized in previous) for lesson in p.lessons.all()]
                if p
                else [],
                flags=flags[feature.pk],
                commendations=commendations[feature.pk],
            )
        )
    return found


def dry_dock(convoy: Convoy) -> dict[str, Any]:
    """R53: defects by tier, root cause and status; known behaviors stay visible."""
    defects = list(Defect.objects.filter(convoy=convoy).order_by("tier", "number"))
    return {
        "defects": defects,
        "by_tier": sorted(Counter(d.get_tier_display() for d in defects).items()),
        "by_cause": sorted(Counter(d.get_root_cause_display() for d in defects).items()),
        "known_behaviors": sum(1 for d in defects if d.status == "KNOWN_BEHAVIOR"),
    }


def fleet_inspection_context(*, convoy: Convoy, actor: AbstractBaseUser) -> dict[str, Any]:
    inspection = (
        FleetInspection.objects.filter(convoy=convoy)
        .select_related("opened_by__crew", "signed_by__crew")
        .first()
    )
    report = getattr(inspection, "report", None) if inspection else None
    features = _features(convoy, inspection)
    shipped = [f.feature for f in features if f.feature.status == FeatureStatus.SHIPPED]
    deferred = [f.feature for f in features if f.feature.status == FeatureStatus.DEFERRED]
    rows = [(f.feature.code, f.feature.estimated_sp, f.feature.actual_sp) for f in features]
    charts = {
        f"gantt-{n}.svg": (estimate_gantt(rows[start : start + GANTT_ROWS]), "image/svg+xml")
        for n, start in enumerate(range(0, len(rows), GANTT_ROWS), start=1)
    }
    xray, xray_resources = xray_appendix(convoy)
    contents = [
        ContentsEntry("summary", "1. Executive summary"),
        ContentsEntry("features", "2. The features as inspected"),
        *(
            ContentsEntry(f"feature-{f.feature.number}", f"{f.feature.code} {f.feature.name}", 2)
            for f in features
        ),
        ContentsEntry("gantt", "3. Estimated vs actual"),
        ContentsEntry("dry-dock", "4. Dry Dock summary (R53)"),
        ContentsEntry("compilation", "5. Compilation (R47)"),
        ContentsEntry("xray", "Appendix: the Flow X-ray"),
        ContentsEntry("xray-comparison", "The Convoy beside the one-by-one replay", 2),
        ContentsEntry("xray-waits", "Wait time per Change", 2),
        ContentsEntry("xray-ceremonies", "Ceremony hours", 2),
        ContentsEntry("xray-assumptions", "Assumptions", 2),
    ]
    context = base_context(
        convoy=convoy,
        actor=actor,
        document_title=ReportKind.FLEET_INSPECTION.label,
        audience="Leadership",
        stylesheet="fleet_inspection.css",
        contents=contents,
    )
    context.update(
        {
            "inspection": inspection,
            "report": report,
            "features": features,
            "dimensions": list(Dimension),
            "min_slides": MIN_SLIDES,
            "tribunal_below": TRIBUNAL_BELOW,
            "commendation_above": COMMENDATION_ABOVE,
            "sittings": ManifestApproval.objects.filter(convoy=convoy).order_by("convened_at"),
            "shipped": shipped,
            "deferred": deferred,
            "completion": feature_completion(convoy),
            "dry_dock": dry_dock(convoy),
            **xray,
            "gantt_urls": [memory_url(name) for name in charts],
            "resources": {**charts, **xray_resources},
        }
    )
    return context
