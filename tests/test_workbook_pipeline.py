"""The workbook's tabs of the Change pipeline and the CRAP Convening (R19–R35, R54): filled
from the records the ceremonies leave, with counts only for ballots (R58), a constant number
of queries whatever the number of records, and user text kept as text (R55)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convoy import clock
from convoy.ceremonies.convening import cast_ballot, close_convening, refer_false_oath
from convoy.ceremonies.emergency import (
    agree_emergency,
    approve_emergency,
    authorize_emergency,
    declare_emergency,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.signatures import archive_form
from convoy.exports.workbook.base import PendingTab
from convoy.exports.workbook.builder import build_workbook
from convoy.exports.workbook.tabs import TABS
from convoy.models import Oath
from tests.pipeline.conftest import (
    approve_chain,
    assess,
    certify,
    collect_signatures,
    convene,
    inspect,
    make_crew,
    new_change,
    submit,
    to_archived,
    to_signatures,
)
from tests.workbook_fixtures import build, column, data_rows

INJECTION = '=HYPERLINK("http://x","y")'


def run_pipeline(crew, tag: str = "") -> dict:
    """An emergency granted between Convenings, an intake rejection, then a Convening that
    accepts one Change (after a failed inspection round) and rejects another."""
    emergency = to_archived(crew, [new_change(crew, f"Hotfix{tag}")])[0]
    due = clock.add_business_days(clock.today(), 3)
    authorization = declare_emergency(
        actor=emergency.author, change=emergency, justification="Ledgers diverge.",
        risk_exposure_summary=" ".join(["exposure"] * 812), remediation_plan="Document it.",
        documentation_due=due,
    )  # fmt: skip
    agree_emergency(actor=crew.chair, authorization=authorization)
    for member in crew.crap[1:5]:
        approve_emergency(actor=member, authorization=authorization)
    authorize_emergency(actor=crew.world.admiral, authorization=authorization)

    unarchived = to_signatures(crew, [new_change(crew, f"Hasty{tag}")])[0]
    with pytest.raises(ProcessViolation):
        submit(crew, unarchived)  # R24

    accepted, rejected = new_change(crew, f"Accepted{tag}"), new_change(crew, f"Rejected{tag}")
    for change in (accepted, rejected):
        assess(crew, change, business_justification=INJECTION)
        approve_chain(crew, change)
    inspect(crew, [accepted, rejected], failed=[5])
    inspect(crew, [accepted, rejected])
    for change in (accepted, rejected):
        certify(crew, change)
        collect_signatures(crew, change)
        archive_form(actor=change.author, change=change)
    convening = convene(crew, [accepted, rejected])
    for member in crew.crap:
        cast_ballot(actor=member, convening=convening, change=accepted, accept=True)
        rejects = member == crew.crap[6]
        cast_ballot(
            actor=member, convening=convening, change=rejected, accept=not rejects,
            reasons=[7, 3] if rejects else [],
        )  # fmt: skip
    close_convening(actor=crew.chair, convening=convening)
    oath = Oath.objects.get(convening=convening)
    refer_false_oath(actor=crew.chair, oath=oath, finding="=1+1 was sworn complete.")
    return {
        "emergency": emergency,
        "intake": unarchived,
        "accepted": accepted,
        "rejected": rejected,
    }


@pytest.fixture
def piped(world):
    crew = make_crew(world)
    return crew, run_pipeline(crew)


@pytest.fixture
def book(piped, tmp_path):
    return build(piped[0].world.convoy, tmp_path)


def code(change) -> str:
    return f"CR-{change.pk:05d}"


def test_the_cia_tabs_hold_assessments_chain_and_ratings(book, piped):  # R19, R20
    _, c = piped
    assert len(data_rows(book["Impact Assessments"])) == 4
    assert set(column(book["Impact Assessments"], "Risk score (17 categories)")) == {51}
    chain = book["CIA Approval Chain"]
    assert column(chain, "Approver role")[:4] == [
        "Feature Captain", "Code Standards Enforcement Team",
        "Enterprise Architecture Review Board", "DevOps Usage & Compliance Head Engineer",
    ]  # fmt: skip
    assert len(data_rows(chain)) == 16
    ratings = book["CIA Risk Ratings"]
    assert len(data_rows(ratings)) == 4 * 17
    assert column(ratings, "Category no.")[:17] == list(range(1, 18))
    assert set(column(ratings, "Rating (1–5)")) == {3}


def test_inspection_rounds_and_signatures(book, piped):  # R21, R23
    _, c = piped
    rounds = [r for r in data_rows(book["Code Inspection Results"]) if r[0] == code(c["accepted"])]
    assert [(r[1], r[5], r[6], r[7]) for r in rounds] == [
        (1, 46, 1, "Failed"),
        (2, 47, 0, "Passed"),
    ]
    signatures = book["Signature Protocol"]
    assert column(signatures, "Verified against reference").count(True) == 5 * 3
    assert column(signatures, "Governance representative").count(True) == 2 * 3


def test_tallies_show_counts_only(book, piped):  # R30, R58
    _, c = piped
    tallies = {r[2]: r[3:] for r in data_rows(book["CRAP Ballot Tallies"])}
    assert tallies == {
        code(c["accepted"]): (7, 0, "ACCEPTED"),
        code(c["rejected"]): (6, 1, "REJECTED"),
    }
    members = {m.username for m in piped[0].crap}
    values = {v for r in data_rows(book["CRAP Ballot Tallies"]) for v in r}
    assert not members & values  # counts only: no voter


def test_rejections_intake_and_oversight(book, piped):  # R24, R31, R32, R33
    _, c = piped
    (entry,) = data_rows(book["Change Rejection Log"])
    assert entry[0] == code(c["rejected"]) and entry[3] == "3, 7" and entry[4] is None
    (intake,) = data_rows(book["Intake Rejections"])
    assert intake[0] == code(c["intake"])
    (month,) = data_rows(book["RBRB Oversight"])
    assert month[1:4] == (2, 1, 1)
    assert month[4] in {"insufficient rigour", "within bounds", "checklist complexity"}


def test_submissions_carry_exposure_and_rollback(book, piped):  # R25
    summaries = data_rows(book["Risk Exposure Summaries"])
    assert len(summaries) == 2 and summaries[0][2] == 8
    assert len(data_rows(book["Rollback Authorizations"])) == 2


def test_the_emergency_authorization_and_its_elements(book, piped):  # R34
    _, c = piped
    (row,) = data_rows(book["Emergency Authorizations"])
    assert row[0] == code(c["emergency"])
    assert row[3:6] == (True, 4, 812)
    assert row[7] is not None and row[8] == "Admiral"


def test_oaths_presentations_and_the_referral(book, piped):  # R27, R28, R35
    rows = data_rows(book["Supplicant's Oaths"])
    assert len(rows) == 2
    assert {r[3] for r in rows} == {"2027"}
    assert {r[6] for r in rows} == {150}
    assert {r[8] for r in rows} == {True}
    assert {r[9] for r in rows} == {"=1+1 was sworn complete."}


def test_user_text_in_the_new_tabs_stays_text(book):  # R55
    justifications = book["Impact Assessments"]
    cells = [row[1] for row in justifications.iter_rows(min_row=2)]
    assert {cell.value for cell in cells} == {INJECTION, "The ledgers disagree."}
    assert all(cell.data_type == "s" for cell in cells)
    finding = book["Supplicant's Oaths"]["J2"]
    assert finding.data_type == "s" and finding.value.startswith("=1+1")


def test_the_pipeline_and_convening_tabs_are_no_longer_pending():
    pending = {tab.title for tab in TABS if issubclass(tab, PendingTab)}
    assert not pending & {
        "Impact Assessments", "Code Inspection Results", "CIA Approval Chain",
        "Signature Protocol", "CRAP Ballot Tallies", "RBRB Oversight", "CIA Risk Ratings",
        "Risk Exposure Summaries", "Rollback Authorizations", "Change Rejection Log",
        "Intake Rejections", "Emergency Authorizations", "Supplicant's Oaths",
    }  # fmt: skip


def test_the_audit_trail_includes_the_pipeline_events(book):  # R57
    actions = set(column(book["Audit Trail"], "Action"))
    assert {"ballot.participate", "ballot.tally", "emergency.authorize"} <= actions


def test_more_pipeline_records_cost_no_more_queries(piped, tmp_path):  # STYLE 9
    crew, _ = piped
    convoy = crew.world.convoy
    with CaptureQueriesContext(connection) as small:
        build_workbook(convoy, tmp_path / "small.xlsx")
    run_pipeline(crew, tag=" again")
    with CaptureQueriesContext(connection) as large:
        build_workbook(convoy, tmp_path / "large.xlsx")
    assert len(large) == len(small)
