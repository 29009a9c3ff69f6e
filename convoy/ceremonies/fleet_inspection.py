"""Fleet Inspection (R44–R47): presentations, leadership scores, flags, commendations, report.

The Commodore opens the inspection once the Fleet has sailed; each Feature Captain presents
each shipped feature in a 45-minute slot (R44); each leadership attendee scores it 1–5 on four
dimensions (R45); on conclusion the Commodore's signature fixes the Tribunal flags and the
Commendations (R46); the CSO compiles the report within 24 hours of conclusion (R47).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    COMMENDATION_ABOVE,
    COMPILE_WITHIN,
    MIN_SLIDES,
    REQUIRED_SLIDES,
    SLOT_MINUTES,
    TRIBUNAL_BELOW,
    VIDEO_APPROVAL_LEAD,
    Commendation,
    Convoy,
    ConvoyState,
    DemoVideoApproval,
    Dimension,
    Feature,
    FeaturePresentation,
    FeatureStatus,
    FleetInspection,
    FleetInspectionReport,
    InspectionScore,
    LessonLearned,
    Role,
    TribunalFlag,
)
from convoy.models.fleet import SCORE_MAX, SCORE_MIN, normalize_lesson

# Selectors ------------------------------------------------------------------------------------


def presented_features(convoy: Convoy) -> QuerySet[Feature]:
    """R44: the features presented are the ones that shipped."""
    return convoy.features.filter(status=FeatureStatus.SHIPPED).order_by("number")


def _round(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def feature_means(presentation: FeaturePresentation) -> dict[str, float] | None:
    """R45: each dimension's mean over the scorers; None before the first score."""
    scores = list(presentation.scores.all())
    if not scores:
        return None
    return {
        d.value: _round(sum(getattr(s, d.value) for s in scores) / len(scores)) for d in Dimension
    }


def overall_mean(means: dict[str, float]) -> float:
    """R46: the mean of the four dimension means."""
    return _round(sum(means.values()) / len(means))


def flagged_dimensions(means: dict[str, float]) -> dict[str, float]:
    return {d: m for d, m in means.items() if m < TRIBUNAL_BELOW}


def previous_convoy(convoy: Convoy) -> Convoy | None:
    earlier = Q(year__lt=convoy.year) | Q(year=convoy.year, quarter__lt=convoy.quarter)
    return Convoy.objects.filter(earlier).order_by("-year", "-quarter").first()


def previous_lessons(convoy: Convoy) -> set[str]:
    """The normalised lessons of the previous Convoy's inspection (R44 overlap)."""
    previous = previous_convoy(convoy)
    if previous is None:
        return set()
    return set(
        LessonLearned.objects.filter(presentation__inspection__convoy=previous).values_list(
            "normalized", flat=True
        )
    )


def lessons_overlap(convoy: Convoy) -> dict[str, object]:
    """R44: how many of this Convoy's lessons repeat the previous Convoy's, and which."""
    earlier = previous_lessons(convoy)
    lessons = list(
        LessonLearned.objects.filter(presentation__inspection__convoy=convoy).select_related(
            "presentation__feature"
        )
    )
    repeated = [lesson for lesson in lessons if lesson.normalized in earlier]
    share = round(100 * len(repeated) / len(lessons)) if lessons else 0
    return {
        "total": len(lessons),
        "repeated": repeated,
        "repeated_ids": {lesson.pk for lesson in repeated},
        "percent": share,
        "previous": previous_convoy(convoy),
    }


def leadership(convoy: Convoy) -> list[AbstractBaseUser]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(role_assignments__convoy=convoy, role_assignments__role=Role.LEADERSHIP)
        .select_related("crew")
        .order_by("username")
    )


def inspection_rows(inspection: FleetInspection) -> list[dict[str, object]]:
    """One row per presentation: means, overall, flags and commendation (for pages and PDFs)."""
    rows = []
    presentations = inspection.presentations.select_related(
        "feature", "presenter__crew", "video_approval"
    ).prefetch_related("scores__scorer__crew", "lessons")
    for presentation in presentations:
        means = feature_means(presentation)
        rows.append(
            {
                "presentation": presentation,
                "scores": list(presentation.scores.all()),
                "means": [(d, means[d.value]) for d in Dimension] if means else [],
                "overall": overall_mean(means) if means else None,
                "flagged": flagged_dimensions(means) if means else {},
                "commended": bool(means) and overall_mean(means) > COMMENDATION_ABOVE,
            }
        )
    return rows


# Ceremonies -----------------------------------------------------------------------------------


def _refuse_if_concluded(inspection: FleetInspection) -> None:
    """Read from the database: a caller's copy may predate the conclusion."""
    inspection = FleetInspection.objects.select_related("convoy").get(pk=inspection.pk)
    refuse_if_closed(inspection.convoy)  # R7
    if inspection.is_signed:
        raise ProcessViolation(
            "R59",
            f"The Fleet Inspection of {inspection.convoy.code} was concluded on "
            f"{inspection.signed_at:%Y-%m-%d %H:%M}. Its records are signed.",
        )


def open_fleet_inspection(*, actor: AbstractBaseUser, convoy: Convoy) -> FleetInspection:
    """After sailing, the Commodore opens the Fleet Inspection (R44)."""
    require_role(actor, convoy, Role.COMMODORE, action="Opening the Fleet Inspection")
    if convoy.state not in (ConvoyState.SAILED, ConvoyState.FLEET_INSPECTION):
        raise ProcessViolation(
            "R44",
            f"The Fleet Inspection follows sailing. {convoy.code} is in "
            f"{convoy.get_state_display()}.",
        )
    try:
        with transaction.atomic():
            inspection = FleetInspection.objects.create(
                convoy=convoy, opened_by=actor, opened_at=clock.now()
            )
            record_event(actor=actor, action="fleet_inspection.open", obj=inspection)
    except IntegrityError:
        raise ProcessViolation("R44", f"{convoy.code} already has its Fleet Inspection.") from None
    return inspection


def approve_demo_video(
    *, actor: AbstractBaseUser, inspection: FleetInspection, feature: Feature, title: str
) -> DemoVideoApproval:
    """R44: the DOUCHE approves a pre-recorded video (at least 48 hours before the slot)."""
    require_role(actor, None, Role.DOUCHE, action="Approving a pre-recorded video")
    _refuse_if_concluded(inspection)
    if feature.convoy_id != inspection.convoy_id:
        raise ProcessViolation("R44", f"{feature.code} does not sail in {inspection.convoy.code}.")
    if not title.strip():
        raise ProcessViolation("R44", "A video is approved under its title.")
    with transaction.atomic():
        approval = DemoVideoApproval.objects.create(
            inspection=inspection,
            feature=feature,
            title=title.strip(),
            approved_by=actor,
            approved_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="fleet_inspection.video_approve",
            obj=approval,
            after=snapshot(approval, ["feature_id", "title"]),
        )
    return approval


def _check_slides(slide_count: int, slides: dict[str, bool]) -> None:
    if slide_count < MIN_SLIDES:
        raise ProcessViolation(
            "R44",
            f"A Fleet Inspection presentation has at least {MIN_SLIDES} slides, not {slide_count}.",
        )
    missing = [label for key, label in REQUIRED_SLIDES.items() if not slides.get(key)]
    if missing:
        raise ProcessViolation("R44", "Required slides are missing: " + "; ".join(missing) + ".")


def _check_video(
    feature: Feature, slot_start: dt.datetime, video: DemoVideoApproval | None
) -> None:
    if video is None:
        return
    if video.feature_id != feature.pk:
        raise ProcessViolation("R44", f"That video was approved for {video.feature.code}.")
    if video.approved_at > slot_start - VIDEO_APPROVAL_LEAD:
        raise ProcessViolation(
            "R44",
            "A pre-recorded video needs the DOUCHE's approval 48 hours in advance. "
            f"“{video.title}” was approved {video.approved_at:%Y-%m-%d %H:%M}, less than 48 "
            f"hours before the slot at {slot_start:%Y-%m-%d %H:%M}.",
        )


def record_presentation(
    *,
    actor: AbstractBaseUser,
    inspection: FleetInspection,
    feature: Feature,
    slot_start: dt.datetime,
    duration_minutes: int,
    slide_count: int,
    slides: dict[str, bool],
    lessons: Iterable[str],
    live_demo: bool = False,
    video: DemoVideoApproval | None = None,
) -> FeaturePresentation:
    """R44: the feature's Feature Captain records the presentation given, as given."""
    convoy = Convoy.objects.get(pk=inspection.convoy_id)
    feature = Feature.objects.select_related("captain").get(pk=feature.pk)
    require_role(actor, convoy, Role.FEATURE_CAPTAIN, action="Presenting at the Fleet Inspection")
    _refuse_if_concluded(inspection)
    if convoy.state != ConvoyState.FLEET_INSPECTION:
        raise ProcessViolation(
            "R7",
            f"Presentations are given in Fleet Inspection; {convoy.code} is in "
            f"{convoy.get_state_display()}.",
        )
    if feature.convoy_id != convoy.pk or feature.status != FeatureStatus.SHIPPED:
        raise ProcessViolation("R44", f"{feature.code} did not ship with {convoy.code}.")
    if feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R44",
            f"Each Feature Captain presents their own features. {feature.code} is "
            f"{display_name(feature.captain)}'s.",
        )
    if live_demo:
        raise ProcessViolation(
            "R44",
            "Live demonstrations are not permitted. A pre-recorded video may be shown "
            "with the DOUCHE's approval.",
        )
    if not 1 <= duration_minutes <= SLOT_MINUTES:
        raise ProcessViolation(
            "R44", f"The slot is {SLOT_MINUTES} minutes; {duration_minutes} minutes is outside it."
        )
    _check_slides(slide_count, slides)
    _check_video(feature, slot_start, video)
    texts = [t.strip() for t in lessons if t.strip()]
    if not texts:
        raise ProcessViolation("R44", "The Lessons Learned slide lists at least one lesson.")
    try:
        with transaction.atomic():
            presentation = FeaturePresentation.objects.create(
                inspection=inspection,
                feature=feature,
                presenter=actor,
                slot_start=slot_start,
                duration_minutes=duration_minutes,
                slide_count=slide_count,
                video_approval=video,
                recorded_at=clock.now(),
                **{key: bool(slides.get(key)) for key in REQUIRED_SLIDES},
            )
            LessonLearned.objects.bulk_create(
                LessonLearned(
                    presentation=presentation, text=t[:300], normalized=normalize_lesson(t)[:300]
                )
                for t in texts
            )
            record_event(
                actor=actor,
                action="fleet_inspection.present",
                obj=presentation,
                after=snapshot(
                    presentation, ["feature_id", "slide_count", "duration_minutes", "slot_start"]
                )
                | {"lessons": texts},
            )
    except IntegrityError:
        raise ProcessViolation("R44", f"{feature.code} has already been presented.") from None
    return presentation


def score_presentation(
    *, actor: AbstractBaseUser, presentation: FeaturePresentation, marks: dict[str, int]
) -> InspectionScore:
    """R45: a leadership attendee's four integer marks, 1 to 5. Signed on creation (R59)."""
    inspection = presentation.inspection
    require_role(
        actor, inspection.convoy, Role.LEADERSHIP, action="Scoring a Fleet Inspection presentation"
    )
    _refuse_if_concluded(inspection)
    values: dict[str, int] = {}
    for dimension in Dimension:
        value = marks.get(dimension.value)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (SCORE_MIN <= value <= SCORE_MAX)
        ):
            raise ProcessViolation(
                "R45",
                f"{dimension.label} is scored with a whole number from {SCORE_MIN} to "
                f"{SCORE_MAX}; {value!r} is not one.",
            )
        values[dimension.value] = value
    try:
        with transaction.atomic():
            score = InspectionScore.objects.create(
                presentation=presentation, scorer=actor, scored_at=clock.now(), **values
            )
            record_event(
                actor=actor,
                action="fleet_inspection.score",
                obj=score,
                after={"presentation_id": presentation.pk, **values},
            )
    except IntegrityError:
        raise ProcessViolation(
            "R45",
            f"{display_name(actor)} has already scored {presentation.feature.code}. "
            "A score, once given, is signed.",
        ) from None
    return score


def conclude_fleet_inspection(
    *, actor: AbstractBaseUser, inspection: FleetInspection
) -> FleetInspection:
    """The Commodore concludes: flags below 3.0 and Commendations above 4.5 are fixed (R46)."""
    convoy = inspection.convoy
    require_role(actor, convoy, Role.COMMODORE, action="Concluding the Fleet Inspection")
    with transaction.atomic():
        inspection = FleetInspection.objects.select_for_update().get(pk=inspection.pk)
        _refuse_if_concluded(inspection)
        presented = set(inspection.presentations.values_list("feature_id", flat=True))
        absent = [f.code for f in presented_features(convoy) if f.pk not in presented]
        if absent:
            raise ProcessViolation(
                "R44",
                "Every shipped feature is presented. Not yet presented: " + ", ".join(absent) + ".",
            )
        rows = inspection_rows(inspection)
        unscored = [r["presentation"].feature.code for r in rows if not r["scores"]]
        if unscored:
            raise ProcessViolation(
                "R45",
                "Every presentation is scored by leadership. Unscored: "
                + ", ".join(unscored)
                + ".",
            )
        now = clock.now()
        inspection.signed_at = now
        inspection.signed_by = actor
        inspection.save(update_fields=["signed_at", "signed_by"])
        outcomes = _fix_outcomes(actor, inspection, rows, now)
        record_event(
            actor=actor,
            action="fleet_inspection.conclude",
            obj=inspection,
            after={"signed_at": now, **outcomes},
        )
    return inspection


def _fix_outcomes(
    actor: AbstractBaseUser,
    inspection: FleetInspection,
    rows: list[dict[str, object]],
    now: dt.datetime,
) -> dict[str, list[str]]:
    flagged, commended = [], []
    for row in rows:
        presentation: FeaturePresentation = row["presentation"]  # type: ignore[assignment]
        feature = presentation.feature
        means = dict((d.value, m) for d, m in row["means"])  # type: ignore[union-attr]
        if row["flagged"]:
            TribunalFlag.objects.create(
                inspection=inspection, feature=feature, dimensions=row["flagged"], flagged_at=now
            )
            flagged.append(feature.code)
        if row["commended"]:
            Commendation.objects.create(
                inspection=inspection,
                feature=feature,
                captain=feature.captain,
                overall=Decimal(str(row["overall"])),
                dimension_means=means,
                awarded_by=actor,
                awarded_at=now,
            )
            commended.append(feature.code)
    return {"tribunal_flags": flagged, "commendations": commended}


def compile_report(
    *, actor: AbstractBaseUser, inspection: FleetInspection
) -> FleetInspectionReport:
    """R47: the CSO compiles the report; compile time and lateness are recorded as they are."""
    require_role(actor, None, Role.CSO, action="Compiling the Fleet Inspection Report")
    inspection = FleetInspection.objects.select_related("convoy").get(pk=inspection.pk)
    if not inspection.is_signed:
        raise ProcessViolation(
            "R47", "The report is compiled after the Fleet Inspection is concluded."
        )
    try:
        with transaction.atomic():
            report = FleetInspectionReport.objects.create(
                inspection=inspection,
                compiled_by=actor,
                compiled_at=clock.now(),
                deadline=inspection.signed_at + COMPILE_WITHIN,
            )
            record_event(
                actor=actor,
                action="fleet_inspection.compile",
                obj=report,
                after={
                    "compiled_at": report.compiled_at,
                    "deadline": report.deadline,
                    "late": report.is_late,
                },
            )
    except IntegrityError:
        raise ProcessViolation("R47", "The Fleet Inspection Report is already compiled.") from None
    return report
