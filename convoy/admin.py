"""Admin for every model. Domain records are read-only here: changes go through the
ceremonies (which check roles and write the audit chain), never through the admin.

Two things are edited here: the sign-in accounts and the crew profiles (a display name, a
signature reference on file). Each such edit is written to the audit chain in the admin's
own transaction, as a ceremony's is (R57)."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from convoy.ceremonies.audit import record_event, snapshot
from convoy.models import (
    AuditEvent,
    AuditHead,
    BookOfNamesWord,
    Certificate,
    Change,
    Commitment,
    Convoy,
    CrewProfile,
    EmergencySailRequest,
    ExportJob,
    Feature,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    PcrApproval,
    PlanningCycle,
    PriorityChangeRequest,
    PriorityRanking,
    RankEntry,
    RoleAssignment,
    StatusReport,
    StretchOpportunity,
    Task,
    WorkbookDownload,
    WorkbookExport,
    WorkshopClock,
)
from convoy.models.convening import (
    AgendaCopy,
    AgendaSubmission,
    Ballot,
    BallotParticipation,
    ChangeRejectionLogEntry,
    Convening,
    ConveningSeat,
    EmergencyApproval,
    EmergencyAuthorization,
    FalseOathReferral,
    IntakeRejection,
    Oath,
    OathText,
    Presentation,
    RejectionNotice,
    Tally,
)
from convoy.models.pipeline import (
    ChangeImpactAssessment,
    ChangeRequestForm,
    ChecklistItem,
    CiaApproval,
    CodeInspection,
    EarbEscalation,
    FormSignature,
    InspectionResult,
    RiskRating,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Convoy)
class ConvoyAdmin(ReadOnlyAdmin):
    list_display = ["code", "quarter_label", "state", "sailing_date", "commodore"]
    list_filter = ["state", "year"]


@admin.register(Feature)
class FeatureAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "convoy", "captain", "status", "deferral_count"]
    list_filter = ["convoy", "status"]
    search_fields = ["name", "acronym"]
    list_select_related = ["convoy", "captain"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["name", "title", "hours"]
    list_select_related = ["feature__convoy"]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["record_id", "title", "feature", "author", "state", "created_at"]
    list_filter = ["state", "feature__convoy"]
    search_fields = ["title"]
    list_select_related = ["feature__convoy", "author"]


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made here leaves an audit event (R57): who, which record,
    the audited fields before and after."""

    audited_fields: tuple[str, ...] = ()
    audit_name = ""  # the action's prefix: "crew" gives "crew.admin_change"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
            before = snapshot(stored, self.audited_fields) if stored is not None else None
            super().save_model(request, obj, form, change)
            after = snapshot(obj, self.audited_fields)
            if before != after:
                verb = "admin_change" if change else "admin_add"
                self._record(request, f"{self.audit_name}.{verb}", obj, before, after)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = snapshot(obj, self.audited_fields)
            self._record(request, f"{self.audit_name}.admin_delete", obj, before, None)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                before = snapshot(obj, self.audited_fields)
                self._record(request, f"{self.audit_name}.admin_delete", obj, before, None)
            super().delete_queryset(request, queryset)

    def _record(self, request: HttpRequest, action: str, obj: Any, before: Any, after: Any) -> None:
        record_event(actor=request.user, action=action, obj=obj, before=before, after=after)


@admin.register(CrewProfile)
class CrewProfileAdmin(AuditedAdmin):
    list_display = ["display_name", "user", "initials", "team"]
    search_fields = ["display_name", "user__username"]
    audited_fields = ("user_id", "display_name", "initials", "team", "signature_reference")
    audit_name = "crew"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Django's account admin; the password hash itself is never written to the chain, only
    that it was set."""

    audited_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_superuser",
    )
    audit_name = "user"

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                stored = User._default_manager.get(pk=user.pk)
                if stored.password != user.password:
                    self._record(
                        request, "user.admin_password_set", stored, None, {"password": "set"}
                    )
        return response


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "convoy", "seat", "is_chair"]
    list_filter = ["role", "convoy"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["kind", "convoy", "feature", "change", "issued_by", "issued_at"]
    list_filter = ["kind", "convoy"]


@admin.register(ManifestApproval)
class ManifestApprovalAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "convened_at", "verdict", "verdict_at"]


@admin.register(EmergencySailRequest)
class EmergencySailRequestAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "filed_by", "filed_at", "approved_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_name", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_name"]


@admin.register(AuditHead)
class AuditHeadAdmin(ReadOnlyAdmin):
    list_display = ["seq", "hash"]


@admin.register(WorkshopClock)
class WorkshopClockAdmin(ReadOnlyAdmin):
    list_display = ["offset_seconds", "set_at"]


@admin.register(StatusReport)
class StatusReportAdmin(ReadOnlyAdmin):
    list_display = ["feature", "signal", "reported_by", "reported_at"]
    list_filter = ["signal"]


@admin.register(PriorityRanking)
class PriorityRankingAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "ranked_by", "ranked_at", "coin_seed", "coin_witness"]


@admin.register(RankEntry)
class RankEntryAdmin(ReadOnlyAdmin):
    list_display = ["ranking", "position", "feature", "wsvf", "broken_by"]


@admin.register(StretchOpportunity)
class StretchOpportunityAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "estimated_person_days", "capacity_person_days", "recorded_at"]


@admin.register(PlanningCycle)
class PlanningCycleAdmin(ReadOnlyAdmin):
    list_display = ["year", "quarter", "locked_at", "locked_by"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "name", "target_year", "target_quarter", "feature"]


@admin.register(PriorityChangeRequest)
class PriorityChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["feature_name", "current_priority", "proposed_priority", "state", "filed_at"]
    list_filter = ["state", "convoy"]
    exclude = ["justification", "counter_justification"]


@admin.register(PcrApproval)
class PcrApprovalAdmin(ReadOnlyAdmin):
    list_display = ["pcr", "approver", "role", "approved_at"]


@admin.register(BookOfNamesWord)
class BookOfNamesWordAdmin(ReadOnlyAdmin):
    list_display = ["word", "syllables", "added_by", "added_at"]
    search_fields = ["word"]


@admin.register(NameSubmission)
class NameSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["feature", "name", "verdict", "submitted_at", "ruled_at"]


@admin.register(ManifestDocument)
class ManifestDocumentAdmin(ReadOnlyAdmin):
    list_display = ["kind", "convoy", "feature", "version", "standards_version", "signed_by"]
    list_filter = ["kind", "convoy"]
    exclude = ["file"]


@admin.register(WorkbookExport)
class WorkbookExportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "convoy", "version", "exported_by", "exported_at", "sha256"]
    list_filter = ["convoy"]
    list_select_related = ["convoy", "exported_by"]


@admin.register(WorkbookDownload)
class WorkbookDownloadAdmin(ReadOnlyAdmin):
    list_display = ["export", "downloaded_by", "downloaded_role", "downloaded_at"]
    list_select_related = ["export", "downloaded_by"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "requested_by", "requested_at", "state", "tabs_done", "export"]
    list_filter = ["state"]


# The Change pipeline (R19–R23) and the CRAP (R24–R35).
@admin.register(ChangeImpactAssessment)
class ChangeImpactAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["change", "risk_score", "submitted_at", "approved_at"]


@admin.register(RiskRating)
class RiskRatingAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "category", "rating"]


@admin.register(CiaApproval)
class CiaApprovalAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "step", "role", "approver", "approved_at"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["number", "text"]


@admin.register(CodeInspection)
class CodeInspectionAdmin(ReadOnlyAdmin):
    list_display = ["change", "round", "submitted_at", "passed", "released_at"]


@admin.register(InspectionResult)
class InspectionResultAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "item", "passed"]


@admin.register(EarbEscalation)
class EarbEscalationAdmin(ReadOnlyAdmin):
    list_display = ["change", "failures", "escalated_at"]


@admin.register(ChangeRequestForm)
class ChangeRequestFormAdmin(ReadOnlyAdmin):
    list_display = ["record_id", "revision", "target_convoy", "generated_at", "archived_at"]


@admin.register(FormSignature)
class FormSignatureAdmin(ReadOnlyAdmin):
    list_display = ["form", "signer", "signed_role", "verified", "signed_at"]
    exclude = ["signature_digest"]


@admin.register(Convening)
class ConveningAdmin(ReadOnlyAdmin):
    list_display = ["scheduled_for", "cadence", "state", "agenda_distributed_at"]


@admin.register(ConveningSeat)
class ConveningSeatAdmin(ReadOnlyAdmin):
    list_display = ["convening", "seat", "member", "is_chair"]


@admin.register(AgendaCopy)
class AgendaCopyAdmin(ReadOnlyAdmin):
    list_display = ["convening", "seat", "member", "delivered_at"]


@admin.register(AgendaSubmission)
class AgendaSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["change", "convening", "requested_convening", "submitted_at", "outcome"]


@admin.register(IntakeRejection)
class IntakeRejectionAdmin(ReadOnlyAdmin):
    list_display = ["change", "team", "rejected_at", "reason"]


@admin.register(OathText)
class OathTextAdmin(ReadOnlyAdmin):
    list_display = ["version", "set_by", "set_at"]


@admin.register(Oath)
class OathAdmin(ReadOnlyAdmin):
    list_display = ["convening", "supplicant", "oath_text", "mode", "taken_at"]


@admin.register(Presentation)
class PresentationAdmin(ReadOnlyAdmin):
    list_display = ["submission", "started_at", "speaking_seconds", "question_seconds"]


@admin.register(BallotParticipation)
class BallotParticipationAdmin(ReadOnlyAdmin):
    """R58: who has voted; nothing here or in BallotAdmin leads from one to the other."""

    list_display = ["member", "change", "convening"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """R58: the choice and its reasons only; listed in the order of their random ids."""

    list_display = ["change", "convening", "accept", "reasons"]
    fields = ["change", "convening", "accept", "reasons"]


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = ["change", "convening", "accepts", "rejects", "outcome", "tallied_at"]


@admin.register(RejectionNotice)
class RejectionNoticeAdmin(ReadOnlyAdmin):
    list_display = ["change", "team", "items", "issued_at"]


@admin.register(ChangeRejectionLogEntry)
class ChangeRejectionLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["change", "convening", "reasons", "resubmission_count", "logged_at"]


@admin.register(EmergencyAuthorization)
class EmergencyAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["change", "declared_at", "documentation_due", "authorized_at"]


@admin.register(EmergencyApproval)
class EmergencyApprovalAdmin(ReadOnlyAdmin):
    list_display = ["authorization", "member", "approved_at"]


@admin.register(FalseOathReferral)
class FalseOathReferralAdmin(ReadOnlyAdmin):
    list_display = ["oath", "referred_by", "referred_at"]


# Deploy the Fleet, Fleet Inspection, Dry Dock and the Tribunal (R43-R47, R52, R53) -----------
from convoy.models.deployment import (  # noqa: E402
    Deployment,
    DeploymentApproval,
    DeploymentRequest,
    DeploymentYield,
    ReadinessChecklist,
)
from convoy.models.fleet import (  # noqa: E402
    Commendation,
    DemoVideoApproval,
    FeaturePresentation,
    FleetInspection,
    FleetInspectionReport,
    InspectionScore,
    LessonLearned,
    TribunalFlag,
)
from convoy.models.tribunal import (  # noqa: E402
    AttributionAppeal,
    Defect,
    DefectAttribution,
    TribunalCase,
    TribunalSession,
)

for _model in (
    Deployment,
    DeploymentApproval,
    DeploymentRequest,
    DeploymentYield,
    ReadinessChecklist,
    Commendation,
    DemoVideoApproval,
    FeaturePresentation,
    FleetInspection,
    FleetInspectionReport,
    InspectionScore,
    LessonLearned,
    TribunalFlag,
    AttributionAppeal,
    Defect,
    DefectAttribution,
    TribunalCase,
    TribunalSession,
):
    admin.site.register(_model, ReadOnlyAdmin)


# The PDF documents of §13: renderings, downloads and jobs (R56) ----------------------------
from convoy.models.reports import ReportDownload, ReportJob, ReportRendering  # noqa: E402


@admin.register(ReportRendering)
class ReportRenderingAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "convoy", "kind", "version", "rendered_by", "rendered_at"]
    list_filter = ["kind", "convoy"]
    list_select_related = ["convoy", "rendered_by"]


@admin.register(ReportDownload)
class ReportDownloadAdmin(ReadOnlyAdmin):
    list_display = ["rendering", "downloaded_by", "downloaded_role", "downloaded_at"]
    list_select_related = ["rendering", "downloaded_by"]


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "kind", "requested_by", "requested_at", "state", "steps_done"]
    list_filter = ["state", "kind"]


# Metrics: Signal Report escalations (R49) ---------------------------------------------------
from convoy.models.notifications import Notification  # noqa: E402


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["convoy", "threshold", "role", "action", "fcr", "raised_at"]
    list_filter = ["role", "convoy"]
    list_select_related = ["convoy"]


# Manifest Approval, the Change Freeze and Emergency Sail (R9, R38-R42) --------------------
from convoy.models.approval import (  # noqa: E402
    AbsenceAttestationForm,
    CscMinutes,
    CscPresentation,
    CscVote,
    EmergencySailSignature,
    FreezeAnnouncement,
    RollCallEntry,
)

for _model in (
    AbsenceAttestationForm,
    CscMinutes,
    CscPresentation,
    CscVote,
    EmergencySailSignature,
    FreezeAnnouncement,
    RollCallEntry,
):
    admin.site.register(_model, ReadOnlyAdmin)
