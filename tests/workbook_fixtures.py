"""A Convoy with a record in every built tab of the Release Tracking workbook, and helpers to
read the workbook back. Imported by the tests/test_workbook_*.py modules.

Records whose ceremonies exist go through them (features, tasks, Changes); the rest are
written directly, as the demo does, since the tests are about what the workbook shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from convoy import clock
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.planning import add_task
from convoy.exports.workbook.builder import build_workbook
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Commitment,
    Convoy,
    DocumentKind,
    EmergencySailRequest,
    Feature,
    FeatureStatus,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    NameVerdict,
    PcrApproval,
    PcrState,
    PlanningCycle,
    PriorityChangeRequest,
    PriorityRanking,
    RankEntry,
    Role,
    Signal,
    StatusReport,
    StretchOpportunity,
    TieBreak,
    Verdict,
)
from tests.factories import person


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2027, month, day, hour, minute))


def make_world():  # type: ignore[no-untyped-def]
    """tests/conftest.py's `world`, for fixtures wider than one test."""
    from tests.conftest import START, World

    clock.travel_to(START)
    admiral = person("admiral", Role.ADMIRAL)
    commodore = person("commodore")
    convoy = create_convoy(
        actor=admiral, year=2027, quarter=1, sailing_date=dt.date(2027, 3, 17), commodore=commodore
    )
    return World(
        convoy=convoy,
        admiral=admiral,
        commodore=commodore,
        captain=person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy),
        other_captain=person("fc.brandt", Role.FEATURE_CAPTAIN, convoy=convoy),
        engineer=person("ce.lindqvist", Role.CODE_ENGINEER, convoy=convoy),
        other_engineer=person("ce.moreau", Role.CODE_ENGINEER, convoy=convoy),
        auditor=person("auditor", Role.AUDITOR),
        qa=person("qa", Role.QA),
    )


@dataclass
class Busy:
    world: object
    convoy: Convoy
    other_convoy: Convoy
    changes: list[Change]


def make_busy_convoy(world) -> Busy:  # type: ignore[no-untyped-def]
    """World's CONVOY-1 (2027 Q1) with three features and records in every built tab,
    and CONVOY-2 (2027 Q2) with records that must not appear in CONVOY-1's workbook."""
    w = world
    convoy = w.convoy
    cso = person("cso", Role.CSO)
    earb = person("earb", Role.EARB)
    diat = person("diat", Role.DIAT)

    f1 = w.feature(1, name="Invoice Ledger Sync", acronym="ILS", estimated_sp=21,
                   cost_of_delay=7, political_capital_base=4, sponsor_attended_alignment=True,
                   executive_visibility=6, acronym_quality=3)  # fmt: skip
    f2 = w.feature(2, name="Fax Gateway Retirement", acronym="FGR", estimated_sp=34,
                   captain=w.other_captain, cost_of_delay=3, political_capital_base=1,
                   sponsor_brought_donuts=True, executive_visibility=2,
                   mentioned_in_earnings_call=True, team=[w.other_engineer])  # fmt: skip
    f3 = w.feature(3, name="Dark Mode", estimated_sp=5, team=[w.engineer])
    Feature.objects.filter(pk=f1.pk).update(
        status=FeatureStatus.SHIPPED, actual_sp=19, priority=1, signal=Signal.GREEN
    )
    Feature.objects.filter(pk=f2.pk).update(
        status=FeatureStatus.DEFERRED, deferral_count=3, priority=2, signal=Signal.AMBER
    )
    Feature.objects.filter(pk=f3.pk).update(status=FeatureStatus.IN_PROGRESS, priority=3)

    for feature, captain, titles in (
        (f1, w.captain, [("Map ledger fields", "2.5"), ("Write the sync job", "4")]),
        (f2, w.other_captain, [("Drain the fax queue", "3")]),
        (f3, w.captain, [("Pick colour tokens", "1.5")]),
    ):
        for title, hours in titles:
            add_task(actor=captain, feature=feature, title=title, hours=Decimal(hours))

    plan = [
        (f1, w.engineer, "Import invoices", ChangeState.ACCEPTED, 120, 30),
        (f1, w.other_engineer, "Round currencies", ChangeState.ACCEPTED, 40, 8),
        (f2, w.other_engineer, "Retire the gateway", ChangeState.REJECTED, 10, 900),
        (f3, w.engineer, "Toggle in settings", ChangeState.TESTING, 75, 5),
        (f3, w.engineer, "Chart palette", ChangeState.DRAFT, 0, 0),
        (f1, w.engineer, "Sync scheduler", ChangeState.ON_AGENDA, 60, 12),
    ]
    changes = []
    for feature, author, title, state, added, removed in plan:
        change = record_change(actor=author, feature=feature, title=title)
        Change.objects.filter(pk=change.pk).update(
            state=state, lines_added=added, lines_removed=removed
        )
        changes.append(change)

    for change, moment in zip(
        changes[:4], (at(1, 20), at(2, 3), at(2, 10, 15), at(3, 1)), strict=True
    ):
        Certificate.objects.create(
            kind=CertificateKind.TESTING_COMPLETION, convoy=convoy, change=change,
            issued_by=w.qa, issued_role=Role.QA, issued_at=moment, notes="Evidence on file.",
        )  # fmt: skip
    Certificate.objects.create(
        kind=CertificateKind.DIAT_INTEGRITY, convoy=convoy, change=changes[0],
        issued_by=diat, issued_role=Role.DIAT, issued_at=at(1, 25),
    )  # fmt: skip
    Certificate.objects.create(
        kind=CertificateKind.CODING_COMPLETION, convoy=convoy, feature=f1,
        issued_by=w.captain, issued_role=Role.FEATURE_CAPTAIN, issued_at=at(1, 18),
    )  # fmt: skip

    ranking = PriorityRanking.objects.create(
        convoy=convoy, ranked_by=w.commodore, ranked_at=at(1, 6), coin_seed=2**62 + 7,
        coin_witness=cso,
    )  # fmt: skip
    RankEntry.objects.create(ranking=ranking, feature=f2, position=1, wsvf=Decimal("140"))
    RankEntry.objects.create(ranking=ranking, feature=f1, position=2, wsvf=Decimal("28"))
    RankEntry.objects.create(
        ranking=ranking, feature=f3, position=3, wsvf=Decimal("2"), broken_by=TieBreak.COIN
    )

    cycle = PlanningCycle.objects.create(
        year=2025, quarter=1, locked_at=timezone.make_aware(dt.datetime(2025, 1, 6, 9)),
        locked_by=w.admiral, created_at=timezone.make_aware(dt.datetime(2025, 1, 2, 9)),
    )  # fmt: skip
    for name, year, quarter, feature in (
        ("Invoice Ledger Sync", 2027, 1, f1),
        ("Fax Gateway Retirement", 2027, 1, f2),
        ("Dark Mode", 2027, 1, None),
        ("Quantum Ledger", 2026, 3, None),
    ):
        Commitment.objects.create(
            cycle=cycle, name=name, target_year=year, target_quarter=quarter, feature=feature
        )

    pcr = PriorityChangeRequest.objects.create(
        convoy=convoy, feature=f3, feature_name=f3.name, feature_captain_name="Fc Okafor",
        current_priority=3, proposed_priority=1, feature_team_size=1,
        justification="word " * 2000, counter_justification="word " * 2001,
        justification_words=2000, counter_justification_words=2001, filed_by=w.captain,
        filed_at=at(1, 12), state=PcrState.GRANTED, ruled_at=at(1, 19),
        ruling_note="Granted. The Commodore's verdict is final.",
    )  # fmt: skip
    PcrApproval.objects.create(pcr=pcr, approver=earb, role=Role.EARB, approved_at=at(1, 14))
    PcrApproval.objects.create(
        pcr=pcr, approver=w.commodore, role=Role.COMMODORE, approved_at=at(1, 15)
    )

    StatusReport.objects.create(
        feature=f2, signal=Signal.AMBER, summary="At risk: the fax queue refuses to drain.",
        reported_by=w.other_captain, reported_at=at(2, 1),
    )  # fmt: skip
    StatusReport.objects.create(
        feature=f1, signal=Signal.GREEN, summary="On track.", reported_by=w.captain,
        reported_at=at(2, 1, 11),
    )  # fmt: skip
    NameSubmission.objects.create(
        feature=f3, name="Dark Mode Synergy", submitted_by=w.captain, submitted_at=at(1, 8),
        offending_words=["synergy"], verdict=NameVerdict.REJECTED, ruled_by=earb,
        ruled_at=at(1, 9),
    )  # fmt: skip
    StretchOpportunity.objects.create(
        convoy=convoy, estimated_person_days=Decimal("44.00"),
        capacity_person_days=Decimal("40.00"), recorded_by=w.commodore, recorded_at=at(1, 5),
    )  # fmt: skip
    StretchOpportunity.objects.create(
        convoy=convoy, estimated_person_days=Decimal("43.80"),
        capacity_person_days=Decimal("30.00"), recorded_by=w.commodore, recorded_at=at(1, 7),
    )  # fmt: skip
    ManifestDocument.objects.create(
        convoy=convoy, feature=f1, kind=DocumentKind.FEATURE_SPECIFICATION, version=1,
        body="The specification.", filed_by=w.captain, filed_at=at(2, 20), signed_by=w.captain,
        signed_role=Role.FEATURE_CAPTAIN, signed_at=at(2, 21), signature_verified=True,
    )  # fmt: skip
    ManifestDocument.objects.create(
        convoy=convoy, kind=DocumentKind.COMMODORE_APPROVAL_STAMP, version=1, body="Stamped.",
        filed_by=w.commodore, filed_at=at(3, 16),
    )  # fmt: skip
    ManifestApproval.objects.create(
        convoy=convoy, convened_at=at(3, 17, 9), convened_by=w.commodore,
        verdict=Verdict.HELD_IN_PORT, verdict_at=at(3, 17, 11), remediation_until=at(3, 19, 11),
    )  # fmt: skip
    ManifestApproval.objects.create(
        convoy=convoy, convened_at=at(3, 18, 9), convened_by=w.commodore,
        verdict=Verdict.FLEET_MAY_SAIL, verdict_at=at(3, 18, 10),
    )  # fmt: skip
    EmergencySailRequest.objects.create(convoy=convoy, filed_by=w.commodore, filed_at=at(3, 17))
    Convoy.objects.filter(pk=convoy.pk).update(sailed_at=at(3, 18, 14))
    convoy.refresh_from_db()

    other = create_convoy(
        actor=w.admiral, year=2027, quarter=2, sailing_date=dt.date(2027, 6, 16),
        commodore=w.commodore,
    )  # fmt: skip
    outsider = person("fc.outsider", Role.FEATURE_CAPTAIN, convoy=other)
    stranger = person("ce.stranger", Role.CODE_ENGINEER, convoy=other)
    from convoy.ceremonies.planning import register_feature

    elsewhere = register_feature(
        actor=outsider, convoy=other, name="Elsewhere Feature", captain=outsider, number=1,
        team=[stranger],
    )  # fmt: skip
    record_change(actor=stranger, feature=elsewhere, title="Elsewhere Change")
    return Busy(world=w, convoy=convoy, other_convoy=other, changes=changes)


@pytest.fixture
def busy(world) -> Busy:  # type: ignore[no-untyped-def]
    return make_busy_convoy(world)


def build(convoy: Convoy, directory: Path) -> Workbook:
    path = directory / "book.xlsx"
    build_workbook(convoy, path)
    return load_workbook(path)


def data_rows(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    return list(ws.iter_rows(min_row=2, values_only=True))


def column(ws, header: str) -> list:  # type: ignore[no-untyped-def]
    headers = [cell.value for cell in ws[1]]
    index = headers.index(header)
    return [row[index] for row in data_rows(ws)]
