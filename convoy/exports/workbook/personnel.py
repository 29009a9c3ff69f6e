"""Tabs 32–41, Personnel Accountability: each deliverable mapped to the named individual
responsible for it."""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from convoy.exports.workbook.base import (
    CHUNK,
    PendingTab,
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
    feature_code,
    task_name,
)
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    Convoy,
    EmergencySailRequest,
    Feature,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    PcrApproval,
    PriorityChangeRequest,
    PriorityRanking,
    Role,
    RoleAssignment,
    StatusReport,
    StretchOpportunity,
    Task,
    WorkbookDownload,
    WorkbookExport,
)

ROLES = dict(Role.choices)
CERTIFICATE_KINDS = dict(CertificateKind.choices)


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


class SupplicantsOaths(PendingTab):
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
    )
    empty = "No records: the Supplicant's Oaths (R27) arrive with the CRAP Convening."


class InspectionScorecards(PendingTab):
    title = "Inspection Scorecards"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Scorecards"
    columns = (
        text("Feature", 9),
        text("Presenter", 22),
        text("Scorer (Leadership)", 22),
        integer("Slide Quality", 9),
        integer("Narrative Coherence", 10),
        integer("Metric Compliance", 10),
        integer("Time Management", 10),
    )
    empty = "No records: the Fleet Inspection scores (R45) arrive with the Fleet Inspection."


class DefectAttribution(PendingTab):
    title = "Defect Attribution"
    section = Section.PERSONNEL_ACCOUNTABILITY
    key = "Defects"
    columns = (
        text("Defect", 10),
        text("Tier", 22),
        text("Root cause", 30),
        text("Code Engineer", 22),
        text("Username", 16, name="Engineer"),
        moment("Attributed at"),
        boolean("Known behavior", 10),
    )
    empty = (
        "No records: defects and their attribution (R51, R53; full attribution to every "
        "engineer whose code touched one) arrive with the Dry Dock."
    )


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
