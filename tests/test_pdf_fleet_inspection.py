"""The Fleet Inspection Report (§13, R44–R47): the CSO's document for leadership.

Its Flow X-ray appendix (§12) carries the figures convoy.metrics computes and the metrics
charts byte for byte (through the closed fetcher's in-memory scheme)."""

import re

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.exports.pdf import fleet_inspection
from convoy.exports.pdf.documents import build_document
from convoy.exports.pdf.fetcher import memory_url
from convoy.exports.pdf.xray import text_alternative, xray_charts
from convoy.metrics.xray import flow_xray
from convoy.models import ReportKind, Role
from tests.factories import person
from tests.metrics_fixtures import at, change, sail
from tests.pdf_helpers import (
    bookmarks,
    contains,
    every_page_numbered,
    page_count,
    squeeze,
    text_of,
)
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
    assert "Appendix: the Flow X-ray" in marks and "Ceremony hours" in marks
    # the Gantt chart is drawn as vector paths, its labels as selectable text
    assert "F001" in text_of(report.pdf, page_of(report.pdf, "3. Estimated vs actual"))
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


def page_of(pdf, heading: str) -> int:
    """The first page after the contents that holds `heading` at the start of a line."""
    for page in range(3, page_count(pdf) + 1):
        if any(line.startswith(heading) for line in text_of(pdf, page).splitlines()):
            return page
    raise AssertionError(f"{heading!r} is on no page")


@pytest.fixture
def sailed(world):
    """The inspected CONVOY-1 with three certified Changes, sailed on 12 March 17:00."""
    inspect(world)
    e, qa = world.engineer, world.qa
    change(world.f1, e, created=at(1, 11), done=at(3, 2, 17), qa=qa)
    change(world.f1, e, created=at(1, 18), done=at(2, 20, 17), qa=qa)
    change(world.f1, e, created=at(1, 25), done=at(1, 30, 17), qa=qa)
    sail(world.convoy, at(3, 12, 17))
    rendering = render_report(
        actor=world.cso, convoy=world.convoy, kind=ReportKind.FLEET_INSPECTION
    )
    world.pdf = rendering_path(rendering)
    world.text = text_of(world.pdf)
    world.xray = flow_xray(world.convoy)
    return world


def undefined_or(value, unit: str = "") -> str:
    return "undefined" if value is None else f"{value}{unit}"


def test_the_appendix_states_the_xray_figures_convoy_metrics_computes(sailed):  # §12
    xray = sailed.xray
    c, r = xray.convoy_side, xray.replay_side
    assert (xray.median_wait_days, c.coordination_pairs) == (20, 3)  # a test that can fail
    assert not contains(
        sailed.text,
        f"Median wait {xray.median_wait_days} days from done",
        f"Coordination load {c.coordination_pairs} pairs held in mind together",
        f"(one by one: {r.coordination_pairs})",
        f"Ceremony hours {c.ceremony_hours} person-hours (one by one: {r.ceremony_hours})",
        f"Deployment frequency {c.deployments_per_week} per week "
        f"(one by one: {r.deployments_per_week})",
        f"Lead time for changes {undefined_or(c.lead_time_days, ' days')} "
        f"(one by one: {undefined_or(r.lead_time_days, ' days')})",
        f"Change failure rate {undefined_or(c.change_failure_rate, ' %')} "
        f"(one by one: {undefined_or(r.change_failure_rate, ' %')})",
        f"Time to restore {undefined_or(c.time_to_restore_days, ' days')} "
        f"(one by one: {undefined_or(r.time_to_restore_days, ' days')})",
    )


def appendix_lines(pdf) -> list[str]:
    """The appendix as laid out (pdftotext -layout), one table row a line, spaces squeezed."""
    first = page_of(pdf, "Appendix: the Flow X-ray")
    pages = (text_of(pdf, page, layout=True) for page in range(first, page_count(pdf) + 1))
    return [re.sub(r"\s+", " ", line).strip() for page in pages for line in page.splitlines()]


def has_row(lines: list[str], *cells: object) -> bool:
    row = " ".join("—" if cell is None else str(cell) for cell in cells)
    return any(line.startswith(row) for line in lines)


def test_the_comparison_table_gives_both_columns_and_the_ratio(sailed):  # §12
    lines = appendix_lines(sailed.pdf)
    rows = sailed.xray.comparison
    assert len(rows) == 9
    missing = [
        row.measure
        for row in rows
        if not has_row(
            lines,
            row.measure,
            row.convoy,
            row.replay,
            f"{row.ratio}×" if row.ratio is not None else None,
        )
    ]
    assert missing == []
    assert has_row(lines, "Ratio: the Convoy's figure ÷ the replay's")


def test_the_appendix_states_ceremonies_buckets_and_every_assumption(sailed):  # §12
    xray = sailed.xray
    lines = appendix_lines(sailed.pdf)
    assert [
        c.name for c in xray.ceremonies if not has_row(lines, c.name, c.sittings, c.person_hours)
    ] == []
    assert has_row(
        lines, "In all", xray.convoy_side.ceremony_hours, xray.replay_side.ceremony_hours
    )
    assert [label for label, n in xray.wait_buckets if not has_row(lines, label, n)] == []
    assert contains(sailed.text, *xray.assumptions) == []
    # the old appendix's own figures are gone
    assert "perquarter" not in squeeze(sailed.text)


def test_the_metrics_charts_are_embedded_unchanged_with_their_alternative(sailed):  # §13
    context = fleet_inspection.fleet_inspection_context(convoy=sailed.convoy, actor=sailed.cso)
    drawn = xray_charts(sailed.xray)
    for name, svg in drawn.items():
        assert context["resources"][name] == (svg.encode("utf-8"), "image/svg+xml")
    embedded = {chart.url: chart for chart in context["xray_charts"].values()}
    assert set(embedded) == {memory_url(name) for name in drawn}
    comparison = embedded[memory_url("xray-comparison.svg")]
    assert comparison.alternative == text_alternative(drawn["xray-comparison.svg"])[1]
    assert f"Coordination load: The Convoy {sailed.xray.convoy_side.coordination_pairs}," in (
        comparison.alternative
    )
    rendered = build_document(
        ReportKind.FLEET_INSPECTION, convoy=sailed.convoy, actor=sailed.cso, created=at(3, 20)
    )
    assert rendered.refused == ()  # every chart was fetched from memory
