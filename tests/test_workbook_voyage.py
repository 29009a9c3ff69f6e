"""The tabs whose records come from the end of the voyage: CSC Votes (R38, R39), Inspection
Scorecards (R45) and Defect Attribution (R51, R53), written by the ceremony functions and read
back from the Release Tracking workbook; their audit events join the Audit Trail (R57) and
user text stays text (R55)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convoy import clock
from convoy.ceremonies.fleet_inspection import (
    open_fleet_inspection,
    record_presentation,
    score_presentation,
)
from convoy.ceremonies.tribunal import attribute_defect, file_appeal, report_defect
from convoy.exports.workbook.base import PendingTab
from convoy.exports.workbook.builder import build_workbook
from convoy.exports.workbook.tabs import TABS
from convoy.models import (
    AuditEvent,
    ConvoyState,
    CrewProfile,
    FeatureStatus,
    Role,
    RootCause,
    Verdict,
)
from tests.approval_helpers import (
    complete_manifest,
    put_in_manifest_approval,
    run_sitting,
    seat_committee,
)
from tests.factories import person
from tests.test_voyage_end_to_end import test_a_convoy_sails_from_alignment_to_closed as sail
from tests.voyage_records import ALL_SLIDES, accepted_change
from tests.workbook_fixtures import build, column, data_rows

INJECTION = '=HYPERLINK("http://evil","Click")'
MARKS = ("slide_quality", "narrative_coherence", "metric_compliance", "time_management")


def _state(world, state):
    world.convoy.state = state
    world.convoy.save(update_fields=["state"])


@pytest.fixture
def held(world):
    """A Held in Port sitting: the chair and one member present and voting to approve, the
    third member absent; F002's SAD Update missing (R39)."""
    committee = seat_committee(world)
    CrewProfile.objects.filter(user=committee.members[0]).update(display_name=INJECTION)
    put_in_manifest_approval(committee)
    complete_manifest(committee, leave={("F002", "SAD_UPDATE")})
    present = [committee.chair, committee.members[0]]
    sitting = run_sitting(committee, present=present)
    assert sitting.verdict == Verdict.HELD_IN_PORT
    return committee


def test_csc_votes_lists_the_roll_and_each_vote(held, tmp_path):  # R38, R39
    rows = data_rows(build(held.world.convoy, tmp_path)["CSC Votes"])
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        (1, False, True, "Approve"),  # csc.ames, shown by the crew name
        (1, False, False, None),  # csc.bell, absent: no vote
        (1, True, True, "Approve"),  # csc.chair
    ]
    assert rows[0][1] == INJECTION
    assert rows[1][5] is None and isinstance(rows[0][5], dt.datetime)


def test_a_member_name_like_a_formula_stays_text(held, tmp_path):  # R55
    cell = build(held.world.convoy, tmp_path)["CSC Votes"]["B2"]
    assert cell.value == INJECTION and cell.data_type == "s"


def test_the_audit_trail_includes_the_csc_votes(held, tmp_path):  # R57
    actions = column(build(held.world.convoy, tmp_path)["Audit Trail"], "Action")
    assert actions.count("manifest_approval.vote") == 2


@pytest.fixture
def scored(world):
    """Two leadership attendees score F001's presentation in the Fleet Inspection (R45)."""
    feature = world.feature(1)
    feature.status = FeatureStatus.SHIPPED
    feature.save(update_fields=["status"])
    _state(world, ConvoyState.FLEET_INSPECTION)
    inspection = open_fleet_inspection(actor=world.commodore, convoy=world.convoy)
    presentation = record_presentation(
        actor=world.captain,
        inspection=inspection,
        feature=feature,
        slot_start=clock.now() + dt.timedelta(hours=1),
        duration_minutes=45,
        slide_count=25,
        slides=ALL_SLIDES,
        lessons=["Start the documentation earlier."],
    )
    leaders = [person(f"leader.{n}", Role.LEADERSHIP, convoy=world.convoy) for n in "ab"]
    CrewProfile.objects.filter(user=leaders[1]).update(display_name="@SUM(A1)")
    for leader, marks in zip(leaders, ((5, 4, 3, 2), (1, 2, 3, 4)), strict=True):
        score_presentation(
            actor=leader, presentation=presentation, marks=dict(zip(MARKS, marks, strict=True))
        )
    return world


def test_inspection_scorecards_show_every_scorer_s_marks(scored, tmp_path):  # R45
    ws = build(scored.convoy, tmp_path)["Inspection Scorecards"]
    rows = data_rows(ws)
    assert [r[:7] for r in rows] == [
        ("F001", "Fc Okafor", "Leader A", 5, 4, 3, 2),
        ("F001", "Fc Okafor", "@SUM(A1)", 1, 2, 3, 4),
    ]
    assert all(isinstance(r[7], dt.datetime) for r in rows)
    assert ws["C3"].data_type == "s"  # R55
    assert ws["D2"].data_type == "n"  # R54: marks are numbers


def test_the_audit_trail_includes_the_fleet_inspection(scored, tmp_path):  # R57
    actions = set(column(build(scored.convoy, tmp_path)["Audit Trail"], "Action"))
    assert {"fleet_inspection.open", "fleet_inspection.score"} <= actions


@pytest.fixture
def dock(world):
    """A defect touched by two engineers' Changes, attributed in full to each (R51, R53)."""
    feature = world.feature(1)
    changes = [
        accepted_change(world, feature, world.engineer, "Ledger rounding"),
        accepted_change(world, feature, world.other_engineer, "Ledger export"),
    ]
    _state(world, ConvoyState.DRY_DOCK)
    world.diat = person("diat.okonkwo", Role.DIAT)
    defect = report_defect(
        actor=world.commodore,
        convoy=world.convoy,
        title="=1+1 totals",
        tier=2,
        root_cause=RootCause.CODE_ENGINEER_ERROR,
        changes=changes,
    )
    attribute_defect(actor=world.diat, defect=defect)
    return world


def test_defect_attribution_names_every_engineer_in_full(dock, tmp_path):  # R51, R53
    rows = data_rows(build(dock.convoy, tmp_path)["Defect Attribution"])
    assert [(r[0], r[2], r[3], r[6], r[7]) for r in rows] == [
        ("D-001", "Tier 2 — customer-reported", "Code Engineer Error", u, "Diat Okonkwo")
        for u in (dock.engineer.username, dock.other_engineer.username)
    ]
    assert {r[10] for r in rows} == {False}


def test_the_engineer_metrics_count_the_attributions(dock, tmp_path):  # R51
    ws = build(dock.convoy, tmp_path)["Engineer Metrics"]
    formulas = column(ws, "Defects (full attribution)")
    assert formulas and all(f.startswith("=COUNTIFS(Defects_Engineer,") for f in formulas)


def test_an_appeal_shows_as_pending(dock, tmp_path):  # R52
    attribution = dock.engineer.defect_attributions.get()
    file_appeal(actor=dock.engineer, attribution=attribution, grounds="Not my rounding.")
    rows = data_rows(build(dock.convoy, tmp_path)["Defect Attribution"])
    assert [r[9] for r in rows] == ["Appeal pending", None]


def test_a_defect_title_like_a_formula_stays_text(dock, tmp_path):  # R55
    cell = build(dock.convoy, tmp_path)["Defect Attribution"]["B2"]
    assert cell.value == "=1+1 totals" and cell.data_type == "s"


def test_the_audit_trail_includes_the_dry_dock(dock, tmp_path):  # R57
    actions = set(column(build(dock.convoy, tmp_path)["Audit Trail"], "Action"))
    assert {"defect.report", "defect.attribute"} <= actions


def test_more_defects_cost_no_more_queries(dock, tmp_path):  # STYLE 9
    def queries(name):
        with CaptureQueriesContext(connection) as captured:
            build_workbook(dock.convoy, tmp_path / name)
        return len(captured)

    before = queries("small.xlsx")
    feature = dock.convoy.features.get(number=1)
    for n in range(3):
        change = accepted_change(dock, feature, dock.other_engineer, f"Ledger {n}")
        defect = report_defect(
            actor=dock.commodore,
            convoy=dock.convoy,
            title=f"Defect {n}",
            tier=3,
            root_cause=RootCause.INSUFFICIENT_TESTING,
            changes=[change],
        )
        attribute_defect(actor=dock.diat, defect=defect)
    assert queries("large.xlsx") == before


def test_no_tab_is_left_pending():  # R54
    assert not [tab.title for tab in TABS if issubclass(tab, PendingTab)]


# Records of no one Convoy: the CRAP's Convenings, the ATO's oath text, the Book of Names.
SHARED_RECORDS = {"convoy.convening", "convoy.oathtext", "convoy.bookofnamesword"}


def test_the_audit_trail_of_a_whole_voyage_has_every_convoy_record_s_events(
    world, capsys, tmp_path
):  # R57
    sail(world, capsys)
    book = build(world.convoy, tmp_path)
    trail = set(column(book["Audit Trail"], "Object type"))
    everything = set(AuditEvent.objects.values_list("object_type", flat=True))
    assert everything - trail == SHARED_RECORDS
    assert {"convoy.cscvote", "convoy.inspectionscore", "convoy.defectattribution"} <= trail
    assert len(data_rows(book["CSC Votes"])) == 6  # two sittings of three members
    assert len(data_rows(book["Inspection Scorecards"])) == 2
    assert len(data_rows(book["Defect Attribution"])) == 1
