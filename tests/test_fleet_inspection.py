"""Fleet Inspection: presentations (R44), scores (R45), flags and Commendations (R46), the
CSO's report and its lateness (R47)."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.fleet_inspection import (
    approve_demo_video,
    compile_report,
    conclude_fleet_inspection,
    feature_means,
    lessons_overlap,
    open_fleet_inspection,
    record_presentation,
    score_presentation,
)
from convoy.models import (
    ConvoyState,
    Dimension,
    FeaturePresentation,
    FeatureStatus,
    InspectionScore,
    Role,
)
from tests.factories import person
from tests.voyage_records import ALL_SLIDES

D = Dimension


@pytest.fixture
def inspection(world):
    for number in (1, 2):
        feature = world.feature(number)
        feature.status = FeatureStatus.SHIPPED
        feature.save(update_fields=["status"])
    world.convoy.state = ConvoyState.FLEET_INSPECTION
    world.convoy.save(update_fields=["state"])
    return open_fleet_inspection(actor=world.commodore, convoy=world.convoy)


@pytest.fixture
def leaders(world):
    return [person(f"leader.{n}", Role.LEADERSHIP, convoy=world.convoy) for n in ("a", "b")]


def present(world, inspection, number=1, **overrides):
    fields = {
        "actor": world.captain,
        "inspection": inspection,
        "feature": world.convoy.features.get(number=number),
        "slot_start": clock.now() + dt.timedelta(hours=1),
        "duration_minutes": 45,
        "slide_count": 25,
        "slides": ALL_SLIDES,
        "lessons": ["Start the documentation earlier."],
    }
    return record_presentation(**(fields | overrides))


def marks(*values):
    return dict(zip(D.values, values, strict=True))


def test_a_complete_presentation_is_recorded(world, inspection):  # R44
    presentation = present(world, inspection)
    assert presentation.slide_count == 25
    assert [lesson.text for lesson in presentation.lessons.all()] == [
        "Start the documentation earlier."
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slide_count": 24}, "at least 25 slides"),
        ({"slides": ALL_SLIDES | {"slide_logo_and_convoy": False}}, "SADMF logo"),
        ({"slides": ALL_SLIDES | {"slide_executive_summary": False}}, "executive summary"),
        ({"slides": ALL_SLIDES | {"slide_gantt": False}}, "Gantt"),
        ({"slides": ALL_SLIDES | {"slide_loc_per_engineer": False}}, "Lines of code"),
        ({"slides": ALL_SLIDES | {"slide_dependencies": False}}, "Dependencies"),
        ({"slides": ALL_SLIDES | {"slide_lessons_learned": False}}, "Lessons Learned"),
        ({"live_demo": True}, "Live demonstrations are not permitted"),
        ({"duration_minutes": 46}, "The slot is 45 minutes"),
        ({"lessons": []}, "at least one lesson"),
    ],
)
def test_a_non_compliant_presentation_is_refused(world, inspection, overrides, message):  # R44
    with pytest.raises(ProcessViolation, match=message) as refusal:
        present(world, inspection, **overrides)
    assert refusal.value.rule == "R44"
    assert not FeaturePresentation.objects.exists()


def test_each_captain_presents_their_own_feature(world, inspection):  # R44
    with pytest.raises(ProcessViolation) as refusal:
        present(world, inspection, actor=world.other_captain)
    assert refusal.value.rule == "R44"


def test_a_video_approved_less_than_48_hours_ahead_is_refused(world, inspection):  # R44
    douche = person("douche", Role.DOUCHE)
    feature = world.convoy.features.get(number=1)
    video = approve_demo_video(actor=douche, inspection=inspection, feature=feature, title="Demo")
    slot = clock.now() + dt.timedelta(hours=47)
    with pytest.raises(ProcessViolation, match="48 hours in advance") as refusal:
        present(world, inspection, video=video, slot_start=slot)
    assert refusal.value.rule == "R44"
    presentation = present(world, inspection, video=video, slot_start=slot + dt.timedelta(hours=1))
    assert presentation.video_approval == video


def test_only_the_douche_approves_videos(world, inspection):  # R44, R4
    feature = world.convoy.features.get(number=1)
    with pytest.raises(ProcessViolation) as refusal:
        approve_demo_video(actor=world.commodore, inspection=inspection, feature=feature, title="X")
    assert refusal.value.rule == "R4"


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, "4", True, None])
def test_scores_outside_one_to_five_are_refused(world, inspection, leaders, bad):  # R45
    presentation = present(world, inspection)
    with pytest.raises(ProcessViolation) as refusal:
        score_presentation(actor=leaders[0], presentation=presentation, marks=marks(4, 4, bad, 4))
    assert refusal.value.rule == "R45"
    assert not InspectionScore.objects.exists()


def test_a_score_by_a_non_member_of_leadership_is_refused(world, inspection):  # R45, R4
    presentation = present(world, inspection)
    with pytest.raises(ProcessViolation) as refusal:
        score_presentation(actor=world.engineer, presentation=presentation, marks=marks(5, 5, 5, 5))
    assert refusal.value.rule == "R4"
    assert not InspectionScore.objects.exists()


def test_a_scorer_scores_once(world, inspection, leaders):  # R45
    presentation = present(world, inspection)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(3, 3, 3, 3))
    with pytest.raises(ProcessViolation) as refusal:
        score_presentation(actor=leaders[0], presentation=presentation, marks=marks(5, 5, 5, 5))
    assert refusal.value.rule == "R45"
    assert InspectionScore.objects.get().slide_quality == 3


def test_a_dimension_score_is_the_mean_over_scorers(world, inspection, leaders):  # R45
    presentation = present(world, inspection)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(2, 4, 5, 1))
    score_presentation(actor=leaders[1], presentation=presentation, marks=marks(3, 5, 4, 2))
    assert feature_means(presentation) == {
        "slide_quality": 2.5,
        "narrative_coherence": 4.5,
        "metric_compliance": 4.5,
        "time_management": 1.5,
    }


def test_conclusion_flags_below_three_and_commends_above_four_and_a_half(
    world, inspection, leaders
):  # R46
    first, second = present(world, inspection, 1), present(world, inspection, 2)
    score_presentation(actor=leaders[0], presentation=first, marks=marks(5, 5, 5, 5))
    score_presentation(actor=leaders[1], presentation=first, marks=marks(5, 4, 5, 5))
    score_presentation(actor=leaders[0], presentation=second, marks=marks(3, 3, 2, 5))
    score_presentation(actor=leaders[1], presentation=second, marks=marks(3, 3, 3, 5))
    conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    commendation = inspection.commendations.get()
    assert commendation.feature.number == 1 and float(commendation.overall) == 4.88
    flag = inspection.tribunal_flags.get()
    assert flag.feature.number == 2 and flag.dimensions == {"metric_compliance": 2.5}


def test_exactly_three_is_not_flagged_and_exactly_four_and_a_half_not_commended(
    world, inspection, leaders
):  # R46
    world.convoy.features.filter(number=2).update(status=FeatureStatus.DEFERRED)
    presentation = present(world, inspection, 1)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(3, 5, 5, 5))
    score_presentation(actor=leaders[1], presentation=presentation, marks=marks(3, 4, 4, 4))
    conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    assert not inspection.tribunal_flags.exists()
    assert not inspection.commendations.exists()


def test_conclusion_waits_for_every_shipped_feature(world, inspection, leaders):  # R44
    presentation = present(world, inspection, 1)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(4, 4, 4, 4))
    with pytest.raises(ProcessViolation, match="F002") as refusal:
        conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    assert refusal.value.rule == "R44"
    inspection.refresh_from_db()
    assert inspection.signed_at is None


def test_conclusion_waits_for_scores(world, inspection):  # R45
    present(world, inspection, 1)
    present(world, inspection, 2)
    with pytest.raises(ProcessViolation) as refusal:
        conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    assert refusal.value.rule == "R45"


def test_no_score_after_conclusion(world, inspection, leaders):  # R59
    world.convoy.features.filter(number=2).update(status=FeatureStatus.DEFERRED)
    presentation = present(world, inspection, 1)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(4, 4, 4, 4))
    conclude_fleet_inspection(actor=world.commodore, inspection=inspection)
    with pytest.raises(ProcessViolation) as refusal:
        score_presentation(actor=leaders[1], presentation=presentation, marks=marks(1, 1, 1, 1))
    assert refusal.value.rule == "R59"


@pytest.fixture
def concluded(world, inspection, leaders):
    world.convoy.features.filter(number=2).update(status=FeatureStatus.DEFERRED)
    presentation = present(world, inspection, 1)
    score_presentation(actor=leaders[0], presentation=presentation, marks=marks(4, 4, 4, 4))
    return conclude_fleet_inspection(actor=world.commodore, inspection=inspection)


def test_the_report_compiled_within_24_hours_is_on_time(world, concluded):  # R47
    clock.travel_to(clock.now() + dt.timedelta(hours=24))
    report = compile_report(actor=person("cso", Role.CSO), inspection=concluded)
    assert report.deadline == concluded.signed_at + dt.timedelta(hours=24)
    assert not report.is_late


def test_a_late_report_shows_its_lateness(world, concluded):  # R47
    clock.travel_to(clock.now() + dt.timedelta(hours=27, minutes=30))
    report = compile_report(actor=person("cso", Role.CSO), inspection=concluded)
    assert report.is_late
    assert report.lateness == dt.timedelta(hours=3, minutes=30)


def test_the_report_follows_the_conclusion_and_is_the_csos(world, inspection):  # R47, R4
    cso = person("cso", Role.CSO)
    with pytest.raises(ProcessViolation) as refusal:
        compile_report(actor=cso, inspection=inspection)
    assert refusal.value.rule == "R47"
    with pytest.raises(ProcessViolation) as refusal:
        compile_report(actor=world.commodore, inspection=inspection)
    assert refusal.value.rule == "R4"


def test_lessons_overlap_with_the_previous_convoy(world, leaders):  # R44
    from convoy.ceremonies.lifecycle import create_convoy

    later = create_convoy(
        actor=world.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )
    for convoy, lessons in (
        (world.convoy, ["Start the documentation earlier.", "Fewer meetings."]),
        (later, ["start the documentation EARLIER", "More slides."]),
    ):
        person(f"fc.{convoy.number}", Role.FEATURE_CAPTAIN, convoy=convoy)
        feature = convoy.features.create(
            number=1,
            name="Ledger",
            captain=world.captain,
            status=FeatureStatus.SHIPPED,
            created_at=clock.now(),
        )
        from convoy.models import RoleAssignment

        RoleAssignment.objects.get_or_create(
            user=world.captain, role=Role.FEATURE_CAPTAIN, convoy=convoy
        )
        convoy.state = ConvoyState.FLEET_INSPECTION
        convoy.save(update_fields=["state"])
        inspection = open_fleet_inspection(actor=world.commodore, convoy=convoy)
        record_presentation(
            actor=world.captain,
            inspection=inspection,
            feature=feature,
            slot_start=clock.now(),
            duration_minutes=40,
            slide_count=30,
            slides=ALL_SLIDES,
            lessons=lessons,
        )
    overlap = lessons_overlap(later)
    assert overlap["total"] == 2
    assert [lesson.text for lesson in overlap["repeated"]] == ["start the documentation EARLIER"]
    assert overlap["percent"] == 50
    assert overlap["previous"] == world.convoy
