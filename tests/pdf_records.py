"""Fleet Inspection records written directly (they are created signed, R59) for the PDF tests:
the previous Convoy's inspection with one lesson, and this Convoy's with a commended feature
(F001), a feature flagged for the Tribunal (F002), a defect in Dry Dock and a late report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from convoy import clock
from convoy.ceremonies.lifecycle import create_convoy
from convoy.models import FeatureStatus, Role
from convoy.models.fleet import (
    Commendation,
    FeaturePresentation,
    FleetInspection,
    FleetInspectionReport,
    InspectionScore,
    LessonLearned,
    TribunalFlag,
    normalize_lesson,
)
from convoy.models.tribunal import Defect
from tests.factories import person

SLIDES = {
    "slide_logo_and_convoy": True,
    "slide_executive_summary": True,
    "slide_gantt": True,
    "slide_loc_per_engineer": True,
    "slide_dependencies": True,
    "slide_lessons_learned": True,
}
REPEATED_LESSON = "Begin the Manifest earlier."


def presentation(inspection, feature, presenter, *, slides=25, missing=(), lessons=()):
    fields = SLIDES | {name: False for name in missing}
    p = FeaturePresentation.objects.create(
        inspection=inspection,
        feature=feature,
        presenter=presenter,
        slot_start=clock.now(),
        duration_minutes=44,
        slide_count=slides,
        recorded_at=clock.now(),
        **fields,
    )
    for text in lessons:
        LessonLearned.objects.create(presentation=p, text=text, normalized=normalize_lesson(text))
    return p


def score(p, scorer, marks):
    sq, nc, mc, tm = marks
    return InspectionScore.objects.create(
        presentation=p,
        scorer=scorer,
        slide_quality=sq,
        narrative_coherence=nc,
        metric_compliance=mc,
        time_management=tm,
        scored_at=clock.now(),
    )


def inspect(world, *, f1_name="Ledger Sync", f2_name="Harbour Gate"):
    """Returns the world with .f1 (commended), .f2 (flagged), .inspection, .leaders."""
    previous = create_convoy(
        actor=world.admiral,
        year=2026,
        quarter=4,
        sailing_date=dt.date(2026, 12, 9),
        commodore=world.commodore,
    )
    old_feature = previous.features.create(
        number=1, name="Old Ledger", captain=world.captain, created_at=clock.now()
    )
    old_inspection = FleetInspection.objects.create(
        convoy=previous, opened_by=world.commodore, opened_at=clock.now()
    )
    presentation(old_inspection, old_feature, world.captain, lessons=[REPEATED_LESSON])

    world.f1 = world.feature(1, name=f1_name, estimated_sp=13)
    world.f2 = world.feature(2, name=f2_name, captain=world.other_captain, estimated_sp=8)
    world.convoy.features.filter(pk=world.f1.pk).update(status=FeatureStatus.SHIPPED, actual_sp=21)
    world.convoy.features.filter(pk=world.f2.pk).update(status=FeatureStatus.DEFERRED)
    world.f1.refresh_from_db()
    world.f2.refresh_from_db()
    world.leaders = [
        person("lead.achebe", Role.LEADERSHIP, convoy=world.convoy),
        person("lead.varga", Role.LEADERSHIP, convoy=world.convoy),
    ]
    now = clock.now()
    inspection = FleetInspection.objects.create(
        convoy=world.convoy,
        opened_by=world.commodore,
        opened_at=now,
        signed_by=world.commodore,
        signed_at=now,
    )
    p1 = presentation(
        inspection,
        world.f1,
        world.captain,
        slides=31,
        lessons=["Begin the manifest earlier!", "Rehearse the slides twice."],
    )
    p2 = presentation(
        inspection, world.f2, world.other_captain, missing=("slide_gantt",), lessons=["None."]
    )
    score(p1, world.leaders[0], (5, 5, 5, 4))
    score(p1, world.leaders[1], (5, 4, 5, 5))
    score(p2, world.leaders[0], (2, 3, 4, 3))
    score(p2, world.leaders[1], (3, 2, 4, 3))
    Commendation.objects.create(
        inspection=inspection,
        feature=world.f1,
        captain=world.captain,
        overall=Decimal("4.75"),
        dimension_means={
            "slide_quality": 5.0,
            "narrative_coherence": 4.5,
            "metric_compliance": 5.0,
            "time_management": 4.5,
        },
        awarded_by=world.commodore,
        awarded_at=now,
    )
    TribunalFlag.objects.create(
        inspection=inspection,
        feature=world.f2,
        dimensions={"slide_quality": 2.5, "narrative_coherence": 2.5},
        flagged_at=now,
    )
    FleetInspectionReport.objects.create(
        inspection=inspection,
        compiled_by=world.commodore,
        compiled_at=now + dt.timedelta(hours=30),
        deadline=now + dt.timedelta(hours=24),
    )
    Defect.objects.create(
        convoy=world.convoy,
        number=1,
        title="Ledger totals drift by one cent",
        tier=1,
        root_cause="CODE_ENGINEER_ERROR",
        status="KNOWN_BEHAVIOR",
        reported_by=world.commodore,
        reported_at=now,
    )
    world.inspection = inspection
    world.cso = person("cso.reyes", Role.CSO)
    return world
