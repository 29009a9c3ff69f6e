"""The Metrics Dashboard computed by a real spreadsheet engine (R54): LibreOffice Calc opens
the workbook, calculates every formula and writes each sheet as CSV; each value must equal
the same figure computed here from the database, and no formula may end in an error.

openpyxl stores formulas without results, so only an engine can prove them. LibreOffice is a
system package (`.ci/system-deps` installs `libreoffice-calc-nogui`).
"""

import csv
import datetime as dt
import shutil
import statistics
import subprocess
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.planning import add_task
from convoy.exports.workbook.builder import build_workbook
from convoy.exports.workbook.tabs import TABS
from convoy.models import (
    AuditEvent,
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Commitment,
    Feature,
    FeatureStatus,
    ManifestApproval,
    ManifestDocument,
    PcrState,
    PriorityChangeRequest,
    Role,
    RoleAssignment,
    Signal,
    StatusReport,
    StretchOpportunity,
    Task,
    Verdict,
)
from tests.workbook_fixtures import make_busy_convoy, make_world

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
ERRORS = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
NOT_YET = "Not yet measurable"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is missing: run .ci/system-deps (libreoffice-calc-nogui)",
    ),
]


@pytest.fixture(scope="module")
def calculated(django_db_setup, django_db_blocker, tmp_path_factory):
    """The busy Convoy (kept for the module, rolled back after it) and {sheet title: rows}
    as LibreOffice calculated them: one conversion for all the tests here."""
    with django_db_blocker.unblock(), transaction.atomic():
        busy = make_busy_convoy(make_world())
        world = busy.world
        feature = Feature.objects.get(convoy=busy.convoy, number=3)
        record_change(actor=world.engineer, feature=feature, title="=1+1")  # R55 in an engine
        add_task(actor=world.captain, feature=feature, title='=HYPERLINK("http://x","y")', hours=1)
        directory = tmp_path_factory.mktemp("libreoffice")
        book = directory / "book.xlsx"
        build_workbook(busy.convoy, book)
        out = directory / "csv"
        profile = (directory / "profile").as_uri()
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--calc",
             "--convert-to", CSV_FILTER, "--outdir", str(out), str(book)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        sheets = {}
        for tab in TABS:
            with (out / f"book-{tab.title}.csv").open(newline="", encoding="utf-8") as stream:
                sheets[tab.title] = list(csv.reader(stream))
        yield busy, sheets
        transaction.set_rollback(True)
        clock.reset()


@pytest.fixture
def sheets(calculated):
    return calculated[1]


@pytest.fixture
def busy(calculated):
    return calculated[0]


def same(actual: str, expected: object) -> bool:
    if isinstance(expected, str):
        return actual == expected
    if actual.endswith("%"):  # a percentage format is kept in the CSV
        actual = str(float(actual[:-1]) / 100)
    return abs(float(actual) - float(expected)) <= 1e-9 * max(1.0, abs(float(expected)))


def by_first_column(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in rows[1:]}


def test_no_formula_evaluates_to_an_error(sheets):  # R54
    for title, rows in sheets.items():
        for row in rows[1:]:
            for value in row:
                assert not value.startswith(ERRORS), (title, row)


def test_user_text_stays_text_in_the_engine(sheets):  # R55
    assert "=1+1" in [row[2] for row in sheets["Change Register"][1:]]
    assert '=HYPERLINK("http://x","y")' in [row[2] for row in sheets["Provisioning Tasks"][1:]]


def test_wsvf_is_computed_as_r11_says(sheets, busy):  # R11
    scores = {row[0]: float(row[10]) for row in sheets["WSVF Scoring"][1:]}
    # F002: (3 + 1 + 5 donuts) × 10 (earnings call) / 1; F003: (1 + 0) × 1 / 1.
    assert scores == {"F001": 28.0, "F002": 90.0, "F003": 1.0}


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def expected_summary(convoy) -> dict[str, object]:
    features = Feature.objects.filter(convoy=convoy)
    changes = Change.objects.filter(feature__convoy=convoy)
    tasks = Task.objects.filter(feature__convoy=convoy)
    latest_stretch = StretchOpportunity.objects.filter(convoy=convoy).latest("recorded_at")
    committed = Commitment.objects.filter(
        cycle__year=convoy.year - 2, cycle__quarter=convoy.quarter, cycle__locked_at__isnull=False
    ).count()
    shipped = features.filter(status=FeatureStatus.SHIPPED).count()
    fcr = shipped / committed * 100 if committed else ""
    return {
        "Features registered": features.count(),
        "Features shipped": shipped,
        "Features deferred": features.filter(status=FeatureStatus.DEFERRED).count(),
        "Features bearing Legacy Priority": features.filter(deferral_count__gte=3).count(),
        "Estimated story points": features.aggregate(s=Sum("estimated_sp"))["s"],
        "Actual story points": features.aggregate(s=Sum("actual_sp"))["s"] or 0,
        "Estimated effort (person-days)": features.aggregate(s=Sum("estimated_sp"))["s"] * 0.73,
        "Tasks provisioned": tasks.count(),
        "Task hours": tasks.aggregate(s=Sum("hours"))["s"],
        "Stretch opportunity (person-days, latest)": latest_stretch.estimated_person_days
        - latest_stretch.capacity_person_days,
        "Changes recorded": changes.count(),
        "Changes accepted": changes.filter(state=ChangeState.ACCEPTED).count(),
        "Changes rejected": changes.filter(state=ChangeState.REJECTED).count(),
        "Testing Completion Certificates": Certificate.objects.filter(
            convoy=convoy, kind=CertificateKind.TESTING_COMPLETION
        ).count(),
        "Priority Change Requests granted": PriorityChangeRequest.objects.filter(
            convoy=convoy, state=PcrState.GRANTED
        ).count(),
        "Manifest documents with a verified signature": ManifestDocument.objects.filter(
            convoy=convoy, signature_verified=True
        ).count(),
        "CSC sittings": ManifestApproval.objects.filter(convoy=convoy).count(),
        "Verdicts: The Fleet Is Held in Port.": ManifestApproval.objects.filter(
            convoy=convoy, verdict=Verdict.HELD_IN_PORT
        ).count(),
        "Features committed 8 quarters earlier": committed,
        "Feature Completion Ratio (%)": fcr,
        "Feature Completion Ratio tier": fcr_tier(fcr),
        "Escalation": escalation(fcr),
        "Audit events": audit_events_of(convoy),
    }


def fcr_tier(fcr: float | str) -> str:  # R48
    if fcr == "":
        return "No locked commitment"
    for bound, tier in ((85, "Remediation required"), (100, "Below expectations"),
                        (115, "Expectations met"), (130, "Velocity surplus")):  # fmt: skip
        if fcr < bound:
            return tier
    return "Transformation elite"


def escalation(fcr: float | str) -> str:  # R49
    if fcr == "":
        return "None"
    if fcr < 60:
        return "Recommend the Tribunal"
    if fcr <= 70:
        return "Convene an Emergency Status Review with every Feature Captain"
    if fcr <= 80:
        return "Alert the ATO and request a root cause analysis"
    return "Notify the Commodore" if fcr <= 90 else "None"


def audit_events_of(convoy) -> int:
    """Events whose object is one of the Convoy's records, matched here one by one."""
    ours = {("convoy.convoy", str(convoy.pk))}
    for label, records in (
        ("convoy.feature", Feature.objects.filter(convoy=convoy)),
        ("convoy.task", Task.objects.filter(feature__convoy=convoy)),
        ("convoy.change", Change.objects.filter(feature__convoy=convoy)),
        ("convoy.certificate", Certificate.objects.filter(convoy=convoy)),
        ("convoy.roleassignment", RoleAssignment.objects.filter(convoy=convoy)),
    ):
        ours |= {(label, str(pk)) for pk in records.values_list("pk", flat=True)}
    return sum(1 for e in AuditEvent.objects.all() if (e.object_type, e.object_id) in ours)


def test_the_convoy_summary_matches_the_database(sheets, busy):  # R54
    rows = by_first_column(sheets["Convoy Summary"])
    expected = expected_summary(busy.convoy)
    assert expected["Feature Completion Ratio (%)"] == 25.0  # 1 shipped of 4 committed
    assert set(rows) == set(expected)
    for label, value in expected.items():
        assert same(rows[label][1], value), (label, rows[label][1], value)


def test_the_change_pipeline_matches_the_database(sheets, busy):
    rows = by_first_column(sheets["Change Pipeline"])
    changes = Change.objects.filter(feature__convoy=busy.convoy)
    total = changes.count()
    for state in ChangeState:
        count = changes.filter(state=state).count()
        assert same(rows[state.label][1], count), state
        assert same(rows[state.label][2], count / total), state
    assert same(rows["All Changes"][1], total)


def test_the_feature_signals_match_the_database(sheets, busy):
    rows = by_first_column(sheets["Feature Signals"])
    features = Feature.objects.filter(convoy=busy.convoy)
    reports = StatusReport.objects.filter(feature__convoy=busy.convoy)
    for signal in Signal:
        assert same(rows[signal.label][1], features.filter(signal=signal).count())
        assert same(rows[signal.label][2], reports.filter(signal=signal).count())
    assert same(rows["No signal reported"][1], features.filter(signal="").count())


def test_the_engineer_metrics_match_the_database(sheets, busy):  # R51
    rows = {row[1]: row for row in sheets["Engineer Metrics"][1:]}
    convoy = busy.convoy
    days = (convoy.quarter_end - convoy.quarter_start).days + 1
    engineers = set(
        RoleAssignment.objects.filter(convoy=convoy, role=Role.CODE_ENGINEER).values_list(
            "user__username", flat=True
        )
    )
    assert set(rows) == engineers
    for username in engineers:
        authored = Change.objects.filter(feature__convoy=convoy, author__username=username)
        teams = Feature.objects.filter(convoy=convoy, team__username=username)
        completed = sum(f.estimated_sp for f in teams if f.status == FeatureStatus.SHIPPED)
        row = rows[username]
        assert same(row[3], authored.count())
        assert same(row[4], sum(c.lines_added for c in authored))
        assert same(row[5], sum(c.lines_removed for c in authored))
        assert same(row[6], teams.count())
        assert same(row[7], completed)
        assert same(row[8], completed / days)
        assert same(row[9], 0)  # no defects until the Dry Dock


def wsvf(feature: Feature) -> float:  # R11
    political_capital = (
        feature.political_capital_base
        + 3 * feature.sponsor_attended_alignment
        + 5 * feature.sponsor_brought_donuts
    )
    visibility = 10 if feature.mentioned_in_earnings_call else feature.executive_visibility
    return (
        (feature.cost_of_delay + political_capital) * visibility / max(1, feature.acronym_quality)
    )


def test_the_feature_metrics_match_the_database(sheets, busy):
    rows = by_first_column(sheets["Feature Metrics"])
    for feature in Feature.objects.filter(convoy=busy.convoy):
        row = rows[feature.code]
        tasks = feature.tasks.all()
        changes = feature.changes.all()
        assert same(row[2], feature.estimated_sp)
        assert same(row[3], feature.actual_sp or 0)
        expected_variance = (
            "" if feature.actual_sp is None else feature.actual_sp - feature.estimated_sp
        )
        assert same(row[4], expected_variance)
        assert same(row[5], wsvf(feature))
        assert same(row[6], tasks.count())
        assert same(row[7], sum((t.hours for t in tasks), Decimal(0)))
        assert same(row[8], changes.count())
        assert same(row[9], changes.filter(state=ChangeState.ACCEPTED).count())


def test_the_flow_xray_matches_the_database(sheets, busy):  # §12
    rows = by_first_column(sheets["Flow X-ray"])
    convoy = busy.convoy
    n = Change.objects.filter(feature__convoy=convoy).count()
    issued = Certificate.objects.filter(
        convoy=convoy, kind=CertificateKind.TESTING_COMPLETION
    ).values_list("issued_at", flat=True)
    # Times in a workbook are local wall-clock times (Excel has no time zones).
    waits = [(local(convoy.sailed_at) - local(moment)) / dt.timedelta(days=1) for moment in issued]
    expected = {
        "Batch size (Changes in this deployment)": n,
        "Coordination load (pairs held in mind, n·(n−1)/2)": n * (n - 1) / 2,
        "Blast radius (Changes rolled back together if one fails)": n,
        "Testing Completion Certificates": len(waits),
        "Median wait, QA certificate to sailing (days)": statistics.median(waits),
        "Deployment frequency (deployments this quarter)": 1,
        "Lead time for changes (record to CRAP approval)": NOT_YET,
        "Change failure rate": NOT_YET,
        "Time to restore": NOT_YET,
        "Ceremony hours (duration × attendees)": NOT_YET,
    }
    assert set(rows) == set(expected)
    for label, value in expected.items():
        assert same(rows[label][1], value), (label, rows[label][1], value)
