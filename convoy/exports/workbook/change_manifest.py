"""Tabs 1–12, Change Manifest: the Convoy, its features and every Change, with the Feature
Captain who authorised it, the conflict arbitration (Captain's Mast) and the certifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from convoy.ceremonies.commitment import cycle_locked_eight_quarters_before
from convoy.exports.workbook.base import (
    CHUNK,
    Section,
    Tab,
    boolean,
    calculated,
    date,
    decimal,
    integer,
    moment,
    person,
    text,
)
from convoy.exports.workbook.cells import Formula
from convoy.models import (
    LEGACY_PRIORITY_DEFERRALS,
    PERSON_DAYS_PER_STORY_POINT,
    Certificate,
    CertificateKind,
    Change,
    ChangeImpactAssessment,
    ChangeState,
    CodeInspection,
    Commitment,
    Convoy,
    ConvoyState,
    EarbEscalation,
    Feature,
    FeatureStatus,
    PcrState,
    PriorityChangeRequest,
    RankEntry,
    Signal,
    StretchOpportunity,
    Task,
    TieBreak,
)

CONVOY_STATES = dict(ConvoyState.choices)
FEATURE_STATUSES = dict(FeatureStatus.choices)
SIGNALS = dict(Signal.choices)
CHANGE_STATES = dict(ChangeState.choices)
TIE_BREAKS = dict(TieBreak.choices)
PCR_STATES = dict(PcrState.choices)

Rows = Iterator[tuple[Any, ...]]
INSPECTION_PASSED, INSPECTION_FAILED = "Passed", "Failed"


def feature_code(number: int | None) -> str:
    return f"F{number:03d}" if number is not None else ""


def change_code(pk: int | None) -> str:
    return f"CR-{pk:05d}" if pk is not None else ""


def convening_label(scheduled_for: dt.datetime | None) -> str:
    """A Convening as the agenda names it: its local date and time."""
    if scheduled_for is None:
        return ""
    return f"{timezone.localtime(scheduled_for):%Y-%m-%d %H:%M}"


def month_of(moment_: dt.datetime) -> str:
    return f"{timezone.localtime(moment_):%Y-%m}"


def task_name(convoy: int, feature: int, task: int) -> str:
    return f"C{convoy}-F{feature:03d}-T{task:03d}"  # R14


class ConvoyCharter(Tab):
    title = "Convoy Charter"
    section = Section.CHANGE_MANIFEST
    key = "Charter"
    columns = (
        text("Convoy", 12),
        integer("Year", 8),
        integer("Quarter", 8),
        date("Quarter start"),
        date("Quarter end"),
        integer("Quarter days", 10, name="Days"),
        date("Sailing date"),
        text("State", 20),
        text("Commodore", 24),
        decimal("Capacity (person-days)", 14),
        moment("Chartered"),
        moment("Sailed", name="Sailed"),
        moment("Closed"),
    )

    def rows(self, convoy: Convoy) -> Rows:
        convoy = Convoy.objects.select_related("commodore__crew").get(pk=convoy.pk)
        commodore = convoy.commodore
        crew = getattr(commodore, "crew", None)
        yield (
            convoy.code,
            convoy.year,
            convoy.quarter,
            convoy.quarter_start,
            convoy.quarter_end,
            (convoy.quarter_end - convoy.quarter_start).days + 1,
            convoy.sailing_date,
            CONVOY_STATES[convoy.state],
            person(crew.display_name if crew else None, commodore.username),
            convoy.capacity_person_days,
            convoy.created_at,
            convoy.sailed_at,
            convoy.closed_at,
        )


class FeatureInventory(Tab):
    title = "Feature Inventory"
    section = Section.CHANGE_MANIFEST
    key = "Features"
    columns = (
        text("Feature", 9, name="Code"),
        text("Name", 32),
        text("Acronym", 9),
        text("Feature Captain", 22),
        text("Status", 16, name="Status"),
        text("Signal", 8, name="Signal"),
        integer("Estimated SP", 10, name="EstSP"),
        integer("Actual SP", 10, name="ActualSP"),
        decimal("Effort (person-days)", 12, name="Effort"),
        integer("Priority", 8),
        integer("Deferrals", 9, name="Deferrals"),
        boolean("Legacy Priority", 10, name="Legacy"),
        integer("Team size", 9),
        moment("Registered"),
    )
    empty = "No records: {convoy} has no features registered."

    def rows(self, convoy: Convoy) -> Rows:
        features = (
            Feature.objects.filter(convoy=convoy)
            .annotate(team_size=Count("team"))
            .order_by("number")
            .values_list(
                "number",
                "name",
                "acronym",
                "captain__crew__display_name",
                "captain__username",
                "status",
                "signal",
                "estimated_sp",
                "actual_sp",
                "priority",
                "deferral_count",
                "team_size",
                "created_at",
            )
        )
        for row in features.iterator(chunk_size=CHUNK):
            number, name, acronym, captain, username, status, signal, estimated = row[:8]
            actual, priority, deferrals, team_size, created_at = row[8:]
            yield (
                feature_code(number),
                name,
                acronym,
                person(captain, username),
                FEATURE_STATUSES[status],
                SIGNALS.get(signal, ""),
                estimated,
                actual,
                estimated * PERSON_DAYS_PER_STORY_POINT,  # R13
                priority,
                deferrals,
                deferrals >= LEGACY_PRIORITY_DEFERRALS,  # R10
                team_size,
                created_at,
            )


class WsvfScoring(Tab):
    """R11 as live formulas, so each score can be audited from its inputs."""

    title = "WSVF Scoring"
    section = Section.CHANGE_MANIFEST
    key = "Wsvf"
    columns = (
        text("Feature", 9, name="Feature"),
        integer("Cost of delay (CoD)", 11),
        integer("Political capital base", 11),
        boolean("Sponsor attended Alignment (+3)", 14),
        boolean("Sponsor brought donuts (+5)", 13),
        calculated("Political capital (PC)", 11),
        integer("Executive visibility recorded", 12),
        boolean("Mentioned in earnings call", 12),
        calculated("Executive visibility (EV)", 11),
        integer("Acronym quality (AQ)", 10),
        calculated("WSVF (CoD+PC)×EV/AQ", 13, name="Score"),
    )
    empty = "No records: {convoy} has no features registered."

    def rows(self, convoy: Convoy) -> Rows:
        features = (
            Feature.objects.filter(convoy=convoy)
            .order_by("number")
            .values_list(
                "number",
                "cost_of_delay",
                "political_capital_base",
                "sponsor_attended_alignment",
                "sponsor_brought_donuts",
                "executive_visibility",
                "mentioned_in_earnings_call",
                "acronym_quality",
            )
        )
        for row, values in enumerate(features.iterator(chunk_size=CHUNK), start=2):
            number, cod, pc_base, attended, donuts, ev, earnings, aq = values
            yield (
                feature_code(number),
                cod,
                pc_base,
                attended,
                donuts,
                Formula(f"=C{row}+IF(D{row},3,0)+IF(E{row},5,0)"),
                ev,
                earnings,
                Formula(f"=IF(H{row},10,G{row})"),  # R11: forced to 10
                aq,
                Formula(f"=(B{row}+F{row})*I{row}/MAX(1,J{row})", "0.00"),  # AQ at least 1
            )


class PriorityRankings(Tab):
    title = "Priority Rankings"
    section = Section.CHANGE_MANIFEST
    key = "Rankings"
    columns = (
        moment("Ranked at"),
        text("Ranked by", 22),
        text("Coin toss witness (CSO)", 22),
        text("Coin seed", 20),  # text: a 64-bit seed exceeds a spreadsheet number's precision
        integer("Position", 8),
        text("Feature", 9),
        decimal("WSVF", 10),
        text("Tie broken by", 28),
    )
    empty = "No records: no priority ranking of {convoy} has been made."

    def rows(self, convoy: Convoy) -> Rows:
        entries = (
            RankEntry.objects.filter(ranking__convoy=convoy)
            .order_by("-ranking__ranked_at", "-ranking_id", "position")
            .values_list(
                "ranking__ranked_at",
                "ranking__ranked_by__crew__display_name",
                "ranking__ranked_by__username",
                "ranking__coin_witness__crew__display_name",
                "ranking__coin_witness__username",
                "ranking__coin_seed",
                "position",
                "feature__number",
                "wsvf",
                "broken_by",
            )
        )
        for row in entries.iterator(chunk_size=CHUNK):
            at, by, by_user, witness, witness_user, seed, position, number, wsvf, broken = row
            yield (
                at,
                person(by, by_user),
                person(witness, witness_user),
                str(seed),
                position,
                feature_code(number),
                wsvf,
                TIE_BREAKS.get(broken, "") if broken else "",
            )


class EightQuarterCommitment(Tab):
    """R48's denominator: the commitments of the cycle locked 8 quarters before the Convoy."""

    title = "Eight-Quarter Commitment"
    section = Section.CHANGE_MANIFEST
    key = "Commitments"
    columns = (
        text("Planning cycle", 14),
        moment("Locked at"),
        text("Locked by (ATO)", 22),
        text("Commitment", 32),
        integer("Target year", 9, name="TargetYear"),
        integer("Target quarter", 9),
        text("Fulfilled by", 10),
        text("Feature status", 16),
    )
    empty = "No records: no planning cycle was locked 8 quarters before {convoy} (R16, R48)."

    def rows(self, convoy: Convoy) -> Rows:
        cycle = cycle_locked_eight_quarters_before(convoy)
        if cycle is None:
            return
        by = cycle.locked_by
        locked_by = person(getattr(getattr(by, "crew", None), "display_name", None), by.username)
        commitments = (
            Commitment.objects.filter(cycle=cycle)
            .order_by("target_year", "target_quarter", "name")
            .values_list(
                "name",
                "target_year",
                "target_quarter",
                "feature__convoy__number",
                "feature__number",
                "feature__status",
            )
        )
        for name, year, quarter, convoy_number, number, status in commitments.iterator(
            chunk_size=CHUNK
        ):
            yield (
                f"{cycle.year} Q{cycle.quarter}",
                cycle.locked_at,
                locked_by,
                name,
                year,
                quarter,
                f"CONVOY-{convoy_number} {feature_code(number)}" if number else "",
                FEATURE_STATUSES.get(status, "") if status else "",
            )


class ProvisioningTasks(Tab):
    title = "Provisioning Tasks"
    section = Section.CHANGE_MANIFEST
    key = "Tasks"
    columns = (
        text("Task", 16),
        text("Feature", 9, name="Feature"),
        text("Title", 36),
        decimal("Hours", 8, name="Hours"),
        text("Provisioned by", 22),
        moment("Provisioned at"),
    )
    empty = "No records: no task of {convoy} has been provisioned (R14)."

    def rows(self, convoy: Convoy) -> Rows:
        tasks = (
            Task.objects.filter(feature__convoy=convoy)
            .order_by("feature__number", "number")
            .values_list(
                "feature__number",
                "number",
                "title",
                "hours",
                "created_by__crew__display_name",
                "created_by__username",
                "created_at",
            )
        )
        for feature, number, title, hours, by, username, at in tasks.iterator(chunk_size=CHUNK):
            yield (
                task_name(convoy.number, feature, number),
                feature_code(feature),
                title,
                hours,
                person(by, username),
                at,
            )


class ChangeRegister(Tab):
    title = "Change Register"
    section = Section.CHANGE_MANIFEST
    key = "Changes"
    columns = (
        text("Change", 10, name="Record"),
        text("Feature", 9, name="Feature"),
        text("Title", 36),
        text("Code Engineer", 22),
        text("Engineer username", 16, name="Engineer"),
        text("Authorising Feature Captain", 22),
        text("State", 16, name="State"),
        integer("Resubmissions", 10),
        integer("Lines added", 9, name="LinesAdded"),
        integer("Lines removed", 9, name="LinesRemoved"),
        moment("Recorded"),
        moment("State changed"),
    )
    empty = "No records: no Change of {convoy} is in the platform."

    def rows(self, convoy: Convoy) -> Rows:
        changes = (
            Change.objects.filter(feature__convoy=convoy)
            .order_by("id")
            .values_list(
                "id",
                "feature__number",
                "title",
                "author__crew__display_name",
                "author__username",
                "feature__captain__crew__display_name",
                "feature__captain__username",
                "state",
                "resubmission_count",
                "lines_added",
                "lines_removed",
                "created_at",
                "state_changed_at",
            )
        )
        for row in changes.iterator(chunk_size=CHUNK):
            pk, feature, title, author, username, captain, captain_username, state = row[:8]
            resubmissions, added, removed, created_at, changed_at = row[8:]
            yield (
                change_code(pk),
                feature_code(feature),
                title,
                person(author, username),
                username,
                person(captain, captain_username),
                CHANGE_STATES[state],
                resubmissions,
                added,
                removed,
                created_at,
                changed_at,
            )


class ImpactAssessments(Tab):
    """R19: each Change Impact Assessment, with its risk score and the chain's end (R20)."""

    title = "Impact Assessments"
    section = Section.CHANGE_MANIFEST
    key = "Cia"
    columns = (
        text("Change", 10, name="Change"),
        text("Business justification", 36),
        text("Technical approach", 36),
        text("Files affected", 24),
        integer("Estimated lines added", 10),
        integer("Estimated lines removed", 10),
        text("Impact on other features", 30),
        integer("Risk score (17 categories)", 11, name="RiskScore"),
        boolean("Approved", 9, name="Approved"),
        moment("Approved at"),
    )
    empty = "No records: no Change Impact Assessment has been filed in {convoy} (R19)."

    def rows(self, convoy: Convoy) -> Rows:
        assessments = (
            ChangeImpactAssessment.objects.filter(change__feature__convoy=convoy)
            .order_by("change_id")
            .values_list(
                "change_id",
                "business_justification",
                "technical_approach",
                "files_affected",
                "estimated_lines_added",
                "estimated_lines_removed",
                "impact_on_other_features",
                "risk_score",
                "approved_at",
            )
        )
        for row in assessments.iterator(chunk_size=CHUNK):
            change, *texts, approved_at = row
            yield (change_code(change), *texts, approved_at is not None, approved_at)


class CodeInspectionResults(Tab):
    """R21: every round against the 47-item checklist. A round's results appear only once
    released (3 business days after submission); the round count is the Standards Adherence
    Iteration Count."""

    title = "Code Inspection Results"
    section = Section.CHANGE_MANIFEST
    key = "Inspections"
    columns = (
        text("Change", 10, name="Change"),
        integer("Round", 7, name="Round"),
        text("Inspector (CSET)", 22),
        moment("Submitted"),
        moment("Results released"),
        integer("Items passed (of 47)", 10),
        integer("Items failed", 9),
        text("Result", 10, name="Result"),
        boolean("Escalated to the EARB", 11),
    )
    empty = "No records: no Change of {convoy} has been submitted for Code Inspection (R21)."

    def rows(self, convoy: Convoy) -> Rows:
        rounds = (
            CodeInspection.objects.filter(change__feature__convoy=convoy)
            .annotate(
                items_passed=Count("results", filter=Q(results__passed=True)),
                items_failed=Count("results", filter=Q(results__passed=False)),
                escalated=Exists(EarbEscalation.objects.filter(inspection_id=OuterRef("pk"))),
            )
            .order_by("change_id", "round")
            .values_list(
                "change_id",
                "round",
                "inspector__crew__display_name",
                "inspector__username",
                "submitted_at",
                "released_at",
                "passed",
                "items_passed",
                "items_failed",
                "escalated",
            )
        )
        for row in rounds.iterator(chunk_size=CHUNK):
            change, number, inspector, username, submitted, released, passed = row[:7]
            items_passed, items_failed, escalated = row[7:]
            if released is None:
                outcome = "Awaiting the CSET" if passed is None else "Not yet released"
                items_passed = items_failed = None
            else:
                outcome = INSPECTION_PASSED if passed else INSPECTION_FAILED
            yield (
                change_code(change),
                number,
                person(inspector, username),
                submitted,
                released,
                items_passed,
                items_failed,
                outcome,
                escalated,
            )


class QaTestingCertificates(Tab):
    title = "QA Testing Certificates"
    section = Section.CHANGE_MANIFEST
    key = "QaCerts"
    columns = (
        integer("Certificate", 10),
        text("Change", 10, name="Change"),
        text("Feature", 9),
        text("Certified by (QA)", 22),
        moment("Certified at", name="IssuedAt"),
        text("Notes", 30),
        integer("Supersedes", 10),
    )
    empty = "No records: the Quality Authority has certified no testing in {convoy}."

    def rows(self, convoy: Convoy) -> Rows:
        certificates = (
            Certificate.objects.filter(convoy=convoy, kind=CertificateKind.TESTING_COMPLETION)
            .order_by("issued_at", "id")
            .values_list(
                "id",
                "change_id",
                "feature__number",
                "change__feature__number",
                "issued_by__crew__display_name",
                "issued_by__username",
                "issued_at",
                "notes",
                "supersedes_id",
            )
        )
        for row in certificates.iterator(chunk_size=CHUNK):
            pk, change, feature, change_feature, by, username, at, notes, supersedes = row
            yield (
                pk,
                change_code(change),
                feature_code(feature if feature is not None else change_feature),
                person(by, username),
                at,
                notes,
                supersedes,
            )


class CaptainsMast(Tab):
    """The conflict arbitration outcome: Priority Change Requests heard at Captain's Mast."""

    title = "Captain's Mast Arbitration"
    section = Section.CHANGE_MANIFEST
    key = "Mast"
    columns = (
        text("Request", 9),
        text("Feature", 9),
        text("Feature name (as filed)", 28),
        text("Feature Captain (as filed)", 22),
        text("Filed by", 22),
        integer("Current priority", 9),
        integer("Proposed priority", 9),
        integer("Feature Team size", 9),
        integer("Justification words", 11),
        integer("Counter-justification words", 12),
        moment("Filed at"),
        text("Verdict", 24, name="Verdict"),
        moment("Ruled at"),
        text("Ruling note", 36),
    )
    empty = "No records: no Priority Change Request has been filed in {convoy} (R17)."

    def rows(self, convoy: Convoy) -> Rows:
        requests = (
            PriorityChangeRequest.objects.filter(convoy=convoy)
            .order_by("filed_at", "id")
            .values_list(
                "id",
                "feature__number",
                "feature_name",
                "feature_captain_name",
                "filed_by__crew__display_name",
                "filed_by__username",
                "current_priority",
                "proposed_priority",
                "feature_team_size",
                "justification_words",
                "counter_justification_words",
                "filed_at",
                "state",
                "ruled_at",
                "ruling_note",
            )
        )
        for row in requests.iterator(chunk_size=CHUNK):
            pk, feature, name, captain, by, username = row[:6]
            current, proposed, team, words, counter, filed_at, state, ruled_at, note = row[6:]
            yield (
                f"PCR-{pk}",
                feature_code(feature),
                name,
                captain,
                person(by, username),
                current,
                proposed,
                team,
                words,
                counter,
                filed_at,
                PCR_STATES[state],
                ruled_at,
                note,
            )


class StretchOpportunities(Tab):
    """R15: estimates above capacity, recorded as a stretch opportunity."""

    title = "Stretch Opportunities"
    section = Section.CHANGE_MANIFEST
    key = "Stretch"
    columns = (
        moment("Recorded at"),
        text("Recorded by", 22),
        decimal("Estimated (person-days)", 13),
        decimal("Capacity (person-days)", 13),
        decimal("Stretch (person-days)", 13, name="Gap"),
    )
    empty = "No records: the estimates of {convoy} have not exceeded its capacity."

    def rows(self, convoy: Convoy) -> Rows:
        records = (
            StretchOpportunity.objects.filter(convoy=convoy)
            .order_by("-recorded_at", "-id")  # the latest reconciliation first
            .values_list(
                "recorded_at",
                "recorded_by__crew__display_name",
                "recorded_by__username",
                "estimated_person_days",
                "capacity_person_days",
            )
        )
        for at, by, username, estimated, capacity in records.iterator(chunk_size=CHUNK):
            yield (at, person(by, username), estimated, capacity, estimated - capacity)
