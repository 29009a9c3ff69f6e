"""Tabs 32–41, Personnel Accountability: each deliverable mapped to the named individual
responsible for it."""

from __future__ import annotations

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from convoy.exports.workbook.base import (
    CHUNK,
    Section,
    Tab,
    boolean,
    decimal,
    integer,
    moment,
    person,
    text,
)
from convoy.exports.workbook.change_manifest import (
    FEATURE_STATUSES,
    Rows,
    change_code,
    convening_label,
    feature_code,
    task_name,
)
from convoy.models import (
    AbsenceAttestationForm,
    AgendaSubmission,
    AppealOutcome,
    AttributionAppeal,
    BallotParticipation,
    Certificate,
    CertificateKind,
    Change,
    ChangeImpactAssessment,
    ChangeRejectionLogEntry,
    ChangeRequestForm,
    CiaApproval,
    CodeInspection,
    Convoy,
    CscMinutes,
    CscPresentation,
    CscVote,
    Defect,
    DefectStatus,
    DefectTier,
    DemoVideoApproval,
    Deployment,
    DeploymentApproval,
    DeploymentRequest,
    DeploymentYield,
    EarbEscalation,
    EmergencyApproval,
    EmergencyAuthorization,
    EmergencySailRequest,
    Feature,
    FeaturePresentation,
    FleetInspection,
    FleetInspectionReport,
    FormSignature,
    InspectionScore,
    IntakeRejection,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    Oath,
    OathMode,
    PcrApproval,
    Presentation,
    PriorityChangeRequest,
    PriorityRanking,
    ReadinessChecklist,
    RejectionNotice,
    Role,
    RoleAssignment,
    RootCause,
    StatusReport,
    StretchOpportunity,
    Tally,
    Task,
    TribunalCase,
    WorkbookDownload,
    WorkbookExport,
)
from convoy.models import DefectAttribution as DefectAttributionRecord

ROLES = dict(Role.choices)
DEFECT_TIERS = dict(DefectTier.choices)
ROOT_CAUSES = dict(RootCause.choices)
APPEAL_OUTCOMES = dict(AppealOutcome.choices)
CERTIFICATE_KINDS = dict(CertificateKind.choices)
OATH_MODES = dict(OathMode.choices)


class CrewRoster(Tab):
    title = "Crew Roster"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Crew"
    columns = (
        text("Name", 24),
        text("Username", 16, name="Username"),
        text("Initials", 8),
        text("Team", 26),
        text("Role", 30, name="Role"),
        integer("CRAP seat", 8),
        boolean("Chair", 8),
        text("Held for", 12),
    )

    def rows(self, convoy: Convoy) -> Rows:
        commodore = (
            Convoy.objects.filter(pk=convoy.pk)
            .values_list(
                "commodore__crew__display_name",
                "commodore__username",
                "commodore__crew__initials",
                "commodore__crew__team",
            )
            .get()
        )
        name, username, initials, team = commodore
        yield (
            person(name, username),
            username,
            initials,
            team,
            ROLES[Role.COMMODORE],
            None,
            False,
            convoy.code,
        )
        assignments = (
            RoleAssignment.objects.filter(Q(convoy=convoy) | Q(convoy__isnull=True))
            .order_by("role", "seat", "user__username")
            .values_list(
                "user__crew__display_name",
                "user__username",
                "user__crew__initials",
                "user__crew__team",
                "role",
                "seat",
                "is_chair",
                "convoy_id",
            )
        )
        for row in assignments.iterator(chunk_size=CHUNK):
            name, username, initials, team, role, seat, chair, convoy_id = row
            yield (
                person(name, username),
                username,
                initials,
                team,
                ROLES.get(role, role),
                seat,
                chair,
                convoy.code if convoy_id else "Standing",
            )


class FeatureOwnership(Tab):
    title = "Feature Ownership"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Ownership"
    columns = (
        text("Feature", 9),
        text("Name", 32),
        text("Feature Captain", 22),
        text("Captain username", 16, name="Captain"),
        text("Status", 16),
        integer("Estimated SP", 10),
        integer("Actual SP", 10),
    )
    empty = "No records: {convoy} has no features registered."

    def rows(self, convoy: Convoy) -> Rows:
        features = (
            Feature.objects.filter(convoy=convoy)
            .order_by("number")
            .values_list(
                "number",
                "name",
                "captain__crew__display_name",
                "captain__username",
                "status",
                "estimated_sp",
                "actual_sp",
            )
        )
        for number, name, captain, username, status, estimated, actual in features.iterator(
            chunk_size=CHUNK
        ):
            yield (
                feature_code(number),
                name,
                person(captain, username),
                username,
                FEATURE_STATUSES[status],
                estimated,
                actual,
            )


class FeatureTeamMembers(Tab):
    title = "Feature Team Members"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Team"
    columns = (
        text("Feature", 9, name="Feature"),
        text("Code Engineer", 22),
        text("Username", 16, name="Engineer"),
        text("Team", 16),
        text("Feature status", 16, name="Status"),
        integer("Feature estimated SP", 11, name="EstSP"),
    )
    empty = "No records: no Code Engineer is on a Feature Team of {convoy}."

    def rows(self, convoy: Convoy) -> Rows:
        members = (
            Feature.team.through.objects.filter(feature__convoy=convoy)
            .order_by("feature__number", "user__username")
            .values_list(
                "feature__number",
                "user__crew__display_name",
                "user__username",
                "user__crew__team",
                "feature__status",
                "feature__estimated_sp",
            )
        )
        for number, name, username, team, status, estimated in members.iterator(chunk_size=CHUNK):
            yield (
                feature_code(number),
                person(name, username),
                username,
                team,
                FEATURE_STATUSES[status],
                estimated,
            )


class ChangeAccountability(Tab):
    title = "Change Accountability"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Authors"
    columns = (
        text("Change", 10),
        text("Feature", 9),
        text("Code Engineer", 22),
        text("Engineer username", 16),
        text("Engineer's team", 16),
        text("Authorising Feature Captain", 22),
        text("Captain username", 16),
    )
    empty = "No records: no Change of {convoy} is in the platform."

    def rows(self, convoy: Convoy) -> Rows:
        changes = (
            Change.objects.filter(feature__convoy=convoy)
            .order_by("id")
            .values_list(
                "id",
                "feature__number",
                "author__crew__display_name",
                "author__username",
                "author__crew__team",
                "feature__captain__crew__display_name",
                "feature__captain__username",
            )
        )
        for pk, feature, author, username, team, captain, captain_user in changes.iterator(
            chunk_size=CHUNK
        ):
            yield (
                change_code(pk),
                feature_code(feature),
                person(author, username),
                username,
                team,
                person(captain, captain_user),
                captain_user,
            )


class TaskAccountability(Tab):
    title = "Task Accountability"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "TaskOwners"
    columns = (
        text("Task", 16),
        text("Feature Captain", 22),
        text("Captain username", 16),
        text("Provisioned by", 22),
        text("Provisioner username", 16),
        decimal("Hours", 8),
    )
    empty = "No records: no task of {convoy} has been provisioned (R14)."

    def rows(self, convoy: Convoy) -> Rows:
        tasks = (
            Task.objects.filter(feature__convoy=convoy)
            .order_by("feature__number", "number")
            .values_list(
                "feature__number",
                "number",
                "feature__captain__crew__display_name",
                "feature__captain__username",
                "created_by__crew__display_name",
                "created_by__username",
                "hours",
            )
        )
        for row in tasks.iterator(chunk_size=CHUNK):
            feature, number, captain, captain_user, by, username, hours = row
            yield (
                task_name(convoy.number, feature, number),
                person(captain, captain_user),
                captain_user,
                person(by, username),
                username,
                hours,
            )


class CertificateSignatories(Tab):
    title = "Certificate Signatories"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Signatories"
    columns = (
        integer("Certificate", 10),
        text("Kind", 30, name="Kind"),
        text("Subject", 12),
        text("Issued by", 22),
        text("Username", 16),
        text("Issued as", 24),
        moment("Issued at"),
        integer("Supersedes", 10),
    )
    empty = "No records: no certificate has been issued in {convoy}."

    def rows(self, convoy: Convoy) -> Rows:
        certificates = (
            Certificate.objects.filter(convoy=convoy)
            .order_by("issued_at", "id")
            .values_list(
                "id",
                "kind",
                "change_id",
                "feature__number",
                "issued_by__crew__display_name",
                "issued_by__username",
                "issued_role",
                "issued_at",
                "supersedes_id",
            )
        )
        for row in certificates.iterator(chunk_size=CHUNK):
            pk, kind, change, feature, by, username, role, at, supersedes = row
            if change is not None:
                subject = change_code(change)
            elif feature is not None:
                subject = feature_code(feature)
            else:
                subject = convoy.code
            yield (
                pk,
                CERTIFICATE_KINDS.get(kind, kind),
                subject,
                person(by, username),
                username,
                ROLES.get(role, role),
                at,
                supersedes,
            )


class SupplicantsOaths(Tab):
    """R27, R28, R35: each Change heard, the submitter's oath (version and form), the
    presenter's timed allocation, and any referral of a false oath to the Tribunal."""

    title = "Supplicant's Oaths"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Oaths"
    columns = (
        text("Convening", 14),
        text("Submitter", 22),
        text("Change", 10),
        text("Oath text version", 10),
        text("Taken", 18),
        moment("Taken at"),
        integer("Speaking seconds (of 180)", 11),
        integer("Question seconds", 10),
        boolean("Referred to the Tribunal", 11, name="Referred"),
        text("Finding", 40),
    )
    empty = "No records: no submitter of a Change of {convoy} has taken the Supplicant's Oath."

    def rows(self, convoy: Convoy) -> Rows:
        oath = Oath.objects.filter(
            convening=OuterRef("convening"), supplicant=OuterRef("submitted_by")
        )
        submissions = (
            AgendaSubmission.objects.filter(change__feature__convoy=convoy)
            .annotate(
                oath_version=Subquery(oath.values("oath_text__version")[:1]),
                oath_mode=Subquery(oath.values("mode")[:1]),
                oath_at=Subquery(oath.values("taken_at")[:1]),
                finding=Subquery(oath.values("referral__finding")[:1]),
            )
            .filter(oath_at__isnull=False)
            .order_by("convening__scheduled_for", "submitted_at", "id")
            .values_list(
                "convening__scheduled_for",
                "submitted_by__crew__display_name",
                "submitted_by__username",
                "change_id",
                "oath_version",
                "oath_mode",
                "oath_at",
                "presentation__speaking_seconds",
                "presentation__question_seconds",
                "finding",
            )
        )
        for row in submissions.iterator(chunk_size=CHUNK):
            scheduled, name, username, change, version, mode, at, spoke, questions = row[:9]
            finding = row[9]
            yield (
                convening_label(scheduled),
                person(name, username),
                change_code(change),
                version,
                OATH_MODES[mode],
                at,
                spoke,
                questions,
                finding is not None,
                finding or "",
            )


class InspectionScorecards(Tab):
    """R45: each leadership attendee's four marks (1–5) for each feature's presentation."""

    title = "Inspection Scorecards"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Scorecards"
    columns = (
        text("Feature", 9, name="Feature"),
        text("Presenter", 22),
        text("Scorer (Leadership)", 22),
        integer("Slide Quality", 9, name="SlideQuality"),
        integer("Narrative Coherence", 10, name="Narrative"),
        integer("Metric Compliance", 10, name="Metrics"),
        integer("Time Management", 10, name="Time"),
        moment("Scored at"),
    )
    empty = "No records: no presentation of the {convoy} Fleet Inspection has been scored (R45)."

    def rows(self, convoy: Convoy) -> Rows:
        scores = (
            InspectionScore.objects.filter(presentation__inspection__convoy=convoy)
            .order_by("presentation__feature__number", "scorer__username", "id")
            .values_list(
                "presentation__feature__number",
                "presentation__presenter__crew__display_name",
                "presentation__presenter__username",
                "scorer__crew__display_name",
                "scorer__username",
                "slide_quality",
                "narrative_coherence",
                "metric_compliance",
                "time_management",
                "scored_at",
            )
        )
        for row in scores.iterator(chunk_size=CHUNK):
            feature, presenter, presenter_user, scorer, scorer_user = row[:5]
            yield (
                feature_code(feature),
                person(presenter, presenter_user),
                person(scorer, scorer_user),
                *row[5:],
            )


class DefectAttribution(Tab):
    """R51, R53: each defect attributed in full to every Code Engineer whose Change touched
    it, with its tier and root cause; a withdrawn attribution stays on record (R59)."""

    title = "Defect Attribution"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Defects"
    columns = (
        text("Defect", 10, name="Defect"),
        text("Title", 30),
        text("Tier", 22, name="Tier"),
        text("Root cause", 30),
        text("Change", 10),
        text("Code Engineer", 22),
        text("Username", 16, name="Engineer"),
        text("Attributed by (DIAT)", 22),
        moment("Attributed at"),
        text("Appeal", 22),
        boolean("Known behavior", 10, name="Known"),
    )
    empty = "No records: no defect of {convoy} has been attributed (R51)."

    def rows(self, convoy: Convoy) -> Rows:
        attributions = (
            DefectAttributionRecord.objects.filter(defect__convoy=convoy)
            .order_by("defect__number", "engineer__username", "id")
            .values_list(
                "defect__number",
                "defect__title",
                "defect__tier",
                "defect__root_cause",
                "change_id",
                "engineer__crew__display_name",
                "engineer__username",
                "attributed_by__crew__display_name",
                "attributed_by__username",
                "attributed_at",
                "appeal__outcome",
                "appeal__signed_at",
                "defect__status",
            )
        )
        for row in attributions.iterator(chunk_size=CHUNK):
            number, title, tier, cause, change, name, username, by, by_user, at = row[:10]
            outcome, decided, status = row[10:]
            yield (
                f"D-{number:03d}",
                title,
                DEFECT_TIERS.get(tier, tier),
                ROOT_CAUSES.get(cause, cause),
                change_code(change),
                person(name, username),
                username,
                person(by, by_user),
                at,
                _appeal(outcome, decided),
                status == DefectStatus.KNOWN_BEHAVIOR,
            )


def _appeal(outcome: str | None, decided: object) -> str:
    """The appeal as it stands (R52): none, pending, or its signed outcome."""
    if outcome is None:
        return ""
    if not outcome or decided is None:
        return "Appeal pending"
    return APPEAL_OUTCOMES.get(outcome, outcome)


def convoy_objects(convoy: Convoy) -> dict[str, QuerySet]:
    """The records of this Convoy by audit object type (AuditEvent.object_type).

    Filling a pending tab adds its model here, so its audit events join the trail.
    """
    return {
        "convoy.convoy": Convoy.objects.filter(pk=convoy.pk),
        "convoy.roleassignment": RoleAssignment.objects.filter(convoy=convoy),
        "convoy.feature": Feature.objects.filter(convoy=convoy),
        "convoy.task": Task.objects.filter(feature__convoy=convoy),
        "convoy.change": Change.objects.filter(feature__convoy=convoy),
        "convoy.certificate": Certificate.objects.filter(convoy=convoy),
        "convoy.manifestapproval": ManifestApproval.objects.filter(convoy=convoy),
        "convoy.manifestdocument": ManifestDocument.objects.filter(convoy=convoy),
        "convoy.emergencysailrequest": EmergencySailRequest.objects.filter(convoy=convoy),
        "convoy.statusreport": StatusReport.objects.filter(feature__convoy=convoy),
        "convoy.priorityranking": PriorityRanking.objects.filter(convoy=convoy),
        "convoy.stretchopportunity": StretchOpportunity.objects.filter(convoy=convoy),
        "convoy.prioritychangerequest": PriorityChangeRequest.objects.filter(convoy=convoy),
        "convoy.pcrapproval": PcrApproval.objects.filter(pcr__convoy=convoy),
        "convoy.namesubmission": NameSubmission.objects.filter(feature__convoy=convoy),
        "convoy.changeimpactassessment": ChangeImpactAssessment.objects.filter(
            change__feature__convoy=convoy
        ),
        "convoy.ciaapproval": CiaApproval.objects.filter(
            assessment__change__feature__convoy=convoy
        ),
        "convoy.codeinspection": CodeInspection.objects.filter(change__feature__convoy=convoy),
        "convoy.earbescalation": EarbEscalation.objects.filter(change__feature__convoy=convoy),
        "convoy.changerequestform": ChangeRequestForm.objects.filter(
            change__feature__convoy=convoy
        ),
        "convoy.formsignature": FormSignature.objects.filter(form__change__feature__convoy=convoy),
        "convoy.agendasubmission": AgendaSubmission.objects.filter(change__feature__convoy=convoy),
        "convoy.intakerejection": IntakeRejection.objects.filter(change__feature__convoy=convoy),
        "convoy.presentation": Presentation.objects.filter(
            submission__change__feature__convoy=convoy
        ),
        "convoy.ballotparticipation": BallotParticipation.objects.filter(
            change__feature__convoy=convoy
        ),
        "convoy.tally": Tally.objects.filter(change__feature__convoy=convoy),
        "convoy.rejectionnotice": RejectionNotice.objects.filter(change__feature__convoy=convoy),
        "convoy.changerejectionlogentry": ChangeRejectionLogEntry.objects.filter(
            change__feature__convoy=convoy
        ),
        "convoy.emergencyauthorization": EmergencyAuthorization.objects.filter(
            change__feature__convoy=convoy
        ),
        "convoy.emergencyapproval": EmergencyApproval.objects.filter(
            authorization__change__feature__convoy=convoy
        ),
        "convoy.absenceattestationform": AbsenceAttestationForm.objects.filter(convoy=convoy),
        "convoy.cscpresentation": CscPresentation.objects.filter(sitting__convoy=convoy),
        "convoy.cscvote": CscVote.objects.filter(sitting__convoy=convoy),
        "convoy.cscminutes": CscMinutes.objects.filter(sitting__convoy=convoy),
        "convoy.deploymentrequest": DeploymentRequest.objects.filter(convoy=convoy),
        "convoy.deploymentapproval": DeploymentApproval.objects.filter(request__convoy=convoy),
        "convoy.readinesschecklist": ReadinessChecklist.objects.filter(convoy=convoy),
        "convoy.deployment": Deployment.objects.filter(convoy=convoy),
        "convoy.deploymentyield": DeploymentYield.objects.filter(deployment__convoy=convoy),
        "convoy.oath": Oath.objects.filter(
            convening__submissions__change__feature__convoy=convoy,
            convening__submissions__submitted_by=F("supplicant"),
        ),
        "convoy.fleetinspection": FleetInspection.objects.filter(convoy=convoy),
        "convoy.demovideoapproval": DemoVideoApproval.objects.filter(inspection__convoy=convoy),
        "convoy.featurepresentation": FeaturePresentation.objects.filter(inspection__convoy=convoy),
        "convoy.inspectionscore": InspectionScore.objects.filter(
            presentation__inspection__convoy=convoy
        ),
        "convoy.fleetinspectionreport": FleetInspectionReport.objects.filter(
            inspection__convoy=convoy
        ),
        "convoy.defect": Defect.objects.filter(convoy=convoy),
        "convoy.defectattribution": DefectAttributionRecord.objects.filter(defect__convoy=convoy),
        "convoy.attributionappeal": AttributionAppeal.objects.filter(
            attribution__defect__convoy=convoy
        ),
        "convoy.tribunalcase": TribunalCase.objects.filter(attributions__defect__convoy=convoy),
        "convoy.workbookexport": WorkbookExport.objects.filter(convoy=convoy),
        "convoy.workbookdownload": WorkbookDownload.objects.filter(export__convoy=convoy),
    }


class AuditTrail(Tab):
    title = "Audit Trail"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Audit"
    columns = (
        integer("Event", 9, name="Seq"),
        moment("At"),
        text("Actor", 22),
        text("Username", 16, name="Actor"),
        text("Action", 26, name="Action"),
        text("Object type", 22),
        text("Object", 40),
        text("Event hash (SHA-256)", 20),
    )
    empty = "No records: no audit event concerns {convoy}."

    def rows(self, convoy: Convoy) -> Rows:
        from convoy.models import AuditEvent

        where = Q()
        for object_type, records in convoy_objects(convoy).items():
            ids = records.annotate(audit_key=Cast("pk", CharField())).values("audit_key")
            where |= Q(object_type=object_type, object_id__in=ids)
        events = (
            AuditEvent.objects.filter(where)
            .order_by("seq")
            .values_list(
                "seq",
                "at",
                "actor__crew__display_name",
                "actor_name",
                "action",
                "object_type",
                "object_repr",
                "hash",
            )
        )
        for seq, at, name, username, action, object_type, object_repr, digest in events.iterator(
            chunk_size=CHUNK
        ):
            yield (seq, at, name or username, username, action, object_type, object_repr, digest)
