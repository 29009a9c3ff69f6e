"""Tabs 23–31, Risk Registry: every identified risk with its severity (17 categories × 1–5)
and its mitigation: the CIA ratings, what the CRAP weighed, emergencies, deferrals and the
Feature Captains' signals."""

from __future__ import annotations

from django.db.models import Q

from convoy.exports.workbook.base import (
    CHUNK,
    PendingTab,
    Section,
    Tab,
    boolean,
    integer,
    moment,
    person,
    text,
)
from convoy.exports.workbook.change_manifest import (
    FEATURE_STATUSES,
    SIGNALS,
    Rows,
    feature_code,
)
from convoy.models import (
    LEGACY_PRIORITY_DEFERRALS,
    Convoy,
    EmergencySailRequest,
    Feature,
    FeatureStatus,
    StatusReport,
)


class CiaRiskRatings(PendingTab):
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
    empty = (
        "No records: the risk ratings of the Change Impact Assessment (R19: 17 categories, "
        "each 1–5) arrive with the Change pipeline."
    )


class RiskExposureSummaries(PendingTab):
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
    empty = (
        "No records: the Risk Exposure Summaries of agenda submissions (R25) arrive with the "
        "CRAP Convening."
    )


class RollbackAuthorizations(PendingTab):
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
    empty = (
        "No records: the Rollback Authorization Declarations (R25) arrive with the CRAP Convening."
    )


class ChangeRejectionLog(PendingTab):
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
    empty = "No records: the Change Rejection Log (R32) arrives with the CRAP Convening."


class IntakeRejections(PendingTab):
    title = "Intake Rejections"
    section = Section.RISK_REGISTRY
    key = "Intake"
    columns = (
        text("Change", 10),
        text("Team", 18),
        moment("Submitted at"),
        text("Reason", 48),
    )
    empty = (
        "No records: intake rejections (R24; not entries of the Change Rejection Log) arrive "
        "with the CRAP Convening."
    )


class EmergencyAuthorizations(PendingTab):
    title = "Emergency Authorizations"
    section = Section.RISK_REGISTRY
    key = "Emergencies"
    columns = (
        text("Change", 10),
        moment("Declared at"),
        boolean("Chair agreed", 9),
        integer("Member approvals (of 4)", 11),
        integer("Risk Exposure Summary words", 12),
        moment("Full documentation due"),
    )
    empty = "No records: Emergency Authorization Provisions (R34) arrive with the CRAP Convening."


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
