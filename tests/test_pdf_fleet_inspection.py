"""The Fleet Inspection Report (§13, R44–R47): the CSO's document for leadership."""

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.models import ReportKind, Role
from tests.factories import person
from tests.pdf_helpers import bookmarks, contains, every_page_numbered, page_count, text_of
from tests.pdf_records import inspect


@pytest.fixture(autouse=True)
def _stores(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def report(world):
    inspect(world)
    rendering = render_report(
        actor=world.cso, convoy=world.convoy, kind=ReportKind.FLEET_INSPECTION
    )
    world.rendering = rendering
    world.pdf = rendering_path(rendering)
    world.text = text_of(world.pdf)
    return world


def test_the_report_holds_every_section_of_13(report):  # R47
    assert not contains(
        report.text,
        "Fleet Inspection Report",
        "1. Executive summary",
        "Manifest Approval verdicts",
        "Feature Completion Ratio (R48)",
        "Signal (R49)",
        "Features shipped (1) and deferred (1)",
        "2. The features as inspected",
        "3. Estimated vs actual",
        "4. Dry Dock summary (R53)",
        "5. Compilation (R47)",
        "Appendix: the Flow X-ray",
        "Coordination load",
    )


def test_each_feature_shows_presenter_slides_and_every_scorers_marks(report):  # R44, R45
    assert not contains(report.text, "F001 Ledger Sync", "Fc Okafor", "31 (at least 25)")
    assert not contains(report.text, "Lead Achebe", "Lead Varga", "Slide Quality")
    # F001 means: 5.00 4.50 5.00 4.50, overall 4.75
    means = "5.00 4.50 5.00 4.50"
    assert not contains(report.text, means, "Mean of the four dimension means: 4.75")
    # F002 missed a required slide
    assert not contains(report.text, "missing: A Gantt chart of estimated vs actual")


def test_tribunal_flags_and_commendations_appear_by_feature(report):  # R46
    assert not contains(
        report.text,
        "The Commodore's Commendation, awarded to Fc Okafor",
        "overall 4.75 (above 4.5)",
        "Flagged for the Tribunal",
        "(below 3.0)",
    )


def test_lessons_show_their_overlap_with_the_previous_convoy(report):  # R44
    assert not contains(report.text, "Begin the manifest earlier!", "Repeated", "1 of 2 lessons")


def test_compile_time_and_lateness_and_dry_dock_are_reported(report):  # R47, R53
    assert not contains(report.text, "Late by 6:00:00", "Ledger totals drift by one cent")
    assert not contains(report.text, "Tier 1", "Code Engineer Error", "Known behaviors")


def test_the_report_has_numbered_pages_bookmarks_and_a_vector_chart(report):  # §13
    assert page_count(report.pdf) > 1
    assert every_page_numbered(report.pdf) == []
    marks = bookmarks(report.pdf)
    assert "F002 Harbour Gate" in marks and "5. Compilation (R47)" in marks
    # the Gantt chart is drawn as vector paths, its labels as selectable text
    assert "F001" in text_of(report.pdf, page_count(report.pdf) - 3)
    assert report.rendering.rendered_role == Role.CSO


def test_no_report_before_the_fleet_inspection_is_held(world):  # R47
    cso = person("cso.reyes", Role.CSO)
    with pytest.raises(ProcessViolation) as refused:
        render_report(actor=cso, convoy=world.convoy, kind=ReportKind.FLEET_INSPECTION)
    assert refused.value.rule == "R47"


def test_rendering_twice_from_the_same_records_gives_the_same_content(report):  # §13
    again = render_report(actor=report.cso, convoy=report.convoy, kind=ReportKind.FLEET_INSPECTION)
    assert again.version == 2
    assert text_of(rendering_path(again)) == report.text
