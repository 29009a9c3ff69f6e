"""Tabs 23–31, Risk Registry: every identified risk with its severity (17 categories × 1–5)
and its mitigation: the CIA ratings, what the CRAP weighed, emergencies, deferrals and the
Feature Captains' signals."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Value, When

from convoy.ceremonies.pcr import count_words
from convoy.exports.workbook.base import (
    CHUNK,
    Section,
    Tab,
    boolean,
    date,
    integer,
    moment,
    person,
    text,
)
from convoy.exports.workbook.change_manifest import (
    FEATURE_STATUSES,
    SIGNALS,
    Rows,
    change_code,
    convening_label,
    feature_code,
)
from convoy.models import (
    LEGACY_PRIORITY_DEFERRALS,
    AgendaSubmission,
    ChangeRejectionLogEntry,
    ChangeState,
    Convoy,
    EmergencyAuthorization,
    EmergencySailRequest,
    Feature,
    FeatureStatus,
    IntakeRejection,
    RiskCategory,
    RiskRating,
    StatusReport,
)

RISK_CATEGORIES = dict(RiskCategory.choices)
# R19's categories in their order, 1..17, so the registry reads as the assessment does.
CATEGORY_NUMBER = Case(
    *(When(category=c, then=Value(n)) for n, c in enumerate(RiskCategory.values, start=1)),
    output_field=IntegerField(),
)


def _submissions(convoy: Convoy, *fields: str) -> Any:
    """The agenda submissions of the Convoy's Changes (R25), in the order they arrived."""
    return (
        AgendaSubmission.objects.filter(change__feature__convoy=convoy)
        .order_by("submitted_at", "id")
        .values_list(
            "change_id", "convening__scheduled_for", fields[0], "submitted_at", *fields[1:]
        )
        .iterator(chunk_size=CHUNK)
    )


class CiaRiskRatings(Tab):
    """R19: every rating of every Change Impact Assessment, in the categories' order; the
    mitigation is the approval chain the assessment has been through (R20)."""

    title = "CIA Risk Ratings"
    section = Section.RISK_REGISTRY
    key = "Risks"
    columns = (
        text("Change", 10),
        integer("Category no.", 9),
        text("Risk category", 28),
        integer("Rating (1–5)", 9, name="Rating"),
        text("Mitigation", 36),
        text("Rated by", 22),
    )
    empty = "No records: no Change Impact Assessment has been filed in {convoy} (R19)."

    def rows(self, convoy: Convoy) -> Rows:
        ratings = (
            RiskRating.objects.filter(assessment__change__feature__convoy=convoy)
            .annotate(number=CATEGORY_NUMBER)
            .order_by("assessment__change_id", "number")
            .values_list(
                "assessment__change_id",
                "number",
                "category",
                "rating",
                "assessment__approved_at",
                "assessment__submitted_by__crew__display_name",
                "assessment__submitted_by__username",
            )
        )
        for change, number, category, rating, approved, name, username in ratings.iterator(
            chunk_size=CHUNK
        ):
            mitigation = (
                "Assessment approved by the full chain (R20)"
                if approved
                else "Awaiting the approval chain (R20)"
            )
            yield (
                change_code(change),
                number,
                RISK_CATEGORIES[category],
                rating,
                mitigation,
                person(name, username),
            )


class RiskExposureSummaries(Tab):
    """R25: the Risk Exposure Summary each agenda submission carries."""

    title = "Risk Exposure Summaries"
    section = Section.RISK_REGISTRY
    key = "Exposure"
    columns = (
        text("Change", 10),
        text("Convening", 14),
        integer("Words", 8),
        text("Summary", 48),
        moment("Submitted at"),
    )
    empty = "No records: no Change of {convoy} has been submitted to the CRAP agenda (R25)."

    def rows(self, convoy: Convoy) -> Rows:
        for change, scheduled, summary, at in _submissions(convoy, "risk_exposure_summary"):
            yield (
                change_code(change),
                convening_label(scheduled),
                count_words(summary),
                summary,
                at,
            )


class RollbackAuthorizations(Tab):
    """R25: the Rollback Authorization Declaration each agenda submission carries."""

    title = "Rollback Authorizations"
    section = Section.RISK_REGISTRY
    key = "Rollbacks"
    columns = (
        text("Change", 10),
        text("Convening", 14),
        text("Declared by", 22),
        moment("Declared at"),
        text("Rollback plan", 48),
    )
    empty = "No records: no Change of {convoy} has been submitted to the CRAP agenda (R25)."

    def rows(self, convoy: Convoy) -> Rows:
        for change, scheduled, declaration, at, name, username in _submissions(
            convoy,
            "rollback_authorization_declaration",
            "submitted_by__crew__display_name",
            "submitted_by__username",
        ):
            yield (
                change_code(change),
                convening_label(scheduled),
                person(name, username),
                at,
                declaration,
            )


class ChangeRejectionLog(Tab):
    """R32: each rejection, its reasons (the union, without attribution, R31) and, once the
    Change is accepted, the resubmissions it took."""

    title = "Change Rejection Log"
    section = Section.RISK_REGISTRY
    key = "Rejections"
    columns = (
        text("Change", 10),
        text("Convening", 14),
        moment("Rejected at"),
        text("Checklist items found incomplete", 48),
        integer("Resubmissions before acceptance", 12),
    )
    empty = "No records: no Change of {convoy} has been rejected by the CRAP (R32)."

    def rows(self, convoy: Convoy) -> Rows:
        entries = (
            ChangeRejectionLogEntry.objects.filter(change__feature__convoy=convoy)
            .order_by("logged_at", "id")
            .values_list(
                "change_id",
                "convening__scheduled_for",
                "logged_at",
                "reasons",
                "change__state",
                "change__resubmission_count",
            )
        )
        for change, scheduled, at, reasons, state, resubmissions in entries.iterator(
            chunk_size=CHUNK
        ):
            yield (
                change_code(change),
                convening_label(scheduled),
                at,
                ", ".join(str(item) for item in reasons),
                resubmissions if state == ChangeState.ACCEPTED else None,
            )


class IntakeRejections(Tab):
    """R24: refused at intake, per team; not entries of the Change Rejection Log."""

    title = "Intake Rejections"
    section = Section.RISK_REGISTRY
    key = "Intake"
    columns = (
        text("Change", 10),
        text("Team", 18, name="Team"),
        moment("Submitted at"),
        text("Reason", 48),
    )
    empty = "No records: no submission of {convoy} has been refused at intake (R24)."

    def rows(self, convoy: Convoy) -> Rows:
        refusals = (
            IntakeRejection.objects.filter(change__feature__convoy=convoy)
            .order_by("rejected_at", "id")
            .values_list("change_id", "team", "rejected_at", "reason")
        )
        for change, team, at, reason in refusals.iterator(chunk_size=CHUNK):
            yield (change_code(change), team, at, reason)


class EmergencyAuthorizations(Tab):
    """R34: each declaration under the Emergency Authorization Provision and its elements."""

    title = "Emergency Authorizations"
    section = Section.RISK_REGISTRY
    key = "Emergencies"
    columns = (
        text("Change", 10),
        moment("Declared at"),
        text("Declared by", 22),
        boolean("Chair agreed", 9),
        integer("Member approvals (of 4)", 11),
        integer("Risk Exposure Summary words", 12),
        date("Full documentation due"),
        moment("Granted at"),
        text("Granted by (ATO)", 22),
    )
    empty = "No records: no emergency has been declared for a Change of {convoy} (R34)."

    def rows(self, convoy: Convoy) -> Rows:
        declarations = (
            EmergencyAuthorization.objects.filter(change__feature__convoy=convoy)
            .annotate(approval_count=Count("approvals"))
            .order_by("declared_at", "id")
            .values_list(
                "change_id",
                "declared_at",
                "declared_by__crew__display_name",
                "declared_by__username",
                "chair_agreed_at",
                "approval_count",
                "risk_exposure_summary",
                "documentation_due",
                "authorized_at",
                "authorized_by__crew__display_name",
                "authorized_by__username",
            )
        )
        for row in declarations.iterator(chunk_size=CHUNK):
            change, at, name, username, agreed, approvals, summary, due = row[:8]
            granted, ato, ato_username = row[8:]
            yield (
                change_code(change),
                at,
                person(name, username),
                agreed is not None,
                approvals,
                count_words(summary),
                due,
                granted,
                person(ato, ato_username) if granted else "",
            )


class EmergencySailRequests(Tab):
    title = "Emergency Sail Requests"
    section = Section.RISK_REGISTRY
    key = "EmergencySail"
    columns = (
        integer("Request", 8),
        text("Filed by", 22),
        moment("Filed at"),
        boolean("Approved by the ATO", 11, name="Approved"),
        moment("Approved at"),
    )
    empty = "No records: no Emergency Sail Authorization Request has been filed for {convoy} (R42)."

    def rows(self, convoy: Convoy) -> Rows:
        requests = (
            EmergencySailRequest.objects.filter(convoy=convoy)
            .order_by("filed_at", "id")
            .values_list(
                "id",
                "filed_by__crew__display_name",
                "filed_by__username",
                "filed_at",
                "approved_at",
            )
        )
        for pk, by, username, at, approved_at in requests.iterator(chunk_size=CHUNK):
            yield (pk, person(by, username), at, approved_at is not None, approved_at)


class DeferralRegister(Tab):
    """R10: features carried forward, and the Legacy Priority they earn by it."""

    title = "Deferral Register"
    section = Section.RISK_REGISTRY
    key = "Deferrals"
    columns = (
        text("Feature", 9),
        text("Name", 32),
        text("Feature Captain", 22),
        text("Status", 16),
        integer("Deferrals", 9),
        boolean("Legacy Priority", 10),
        text("Carried from", 18),
        text("Carried forward to", 18),
    )
    empty = "No records: no feature of {convoy} has been deferred (R10)."

    def rows(self, convoy: Convoy) -> Rows:
        features = (
            Feature.objects.filter(convoy=convoy)
            .filter(
                Q(deferral_count__gt=0)
                | Q(status=FeatureStatus.DEFERRED)
                | Q(carried_from__isnull=False)
            )
            .order_by("number")
            .values_list(
                "number",
                "name",
                "captain__crew__display_name",
                "captain__username",
                "status",
                "deferral_count",
                "carried_from__convoy__number",
                "carried_from__number",
                "carried_forward__convoy__number",
                "carried_forward__number",
            )
        )
        for row in features.iterator(chunk_size=CHUNK):
            number, name, captain, username, status, deferrals = row[:6]
            from_convoy, from_number, to_convoy, to_number = row[6:]
            yield (
                feature_code(number),
                name,
                person(captain, username),
                FEATURE_STATUSES[status],
                deferrals,
                deferrals >= LEGACY_PRIORITY_DEFERRALS,
                f"CONVOY-{from_convoy} {feature_code(from_number)}" if from_convoy else "",
                f"CONVOY-{to_convoy} {feature_code(to_number)}" if to_convoy else "",
            )


class StatusReportSignals(Tab):
    title = "Status Report Signals"
    section = Section.RISK_REGISTRY
    key = "Reports"
    columns = (
        text("Feature", 9),
        text("Signal", 8, name="Signal"),
        text("Summary", 48),
        text("Reported by", 22),
        moment("Reported at"),
    )
    empty = "No records: no Feature Captain of {convoy} has filed a status report."

    def rows(self, convoy: Convoy) -> Rows:
        reports = (
            StatusReport.objects.filter(feature__convoy=convoy)
            .order_by("feature__number", "-reported_at", "-id")
            .values_list(
                "feature__number",
                "signal",
                "summary",
                "reported_by__crew__display_name",
                "reported_by__username",
                "reported_at",
            )
        )
        for number, signal, summary, by, username, at in reports.iterator(chunk_size=CHUNK):
            yield (feature_code(number), SIGNALS[signal], summary, person(by, username), at)
