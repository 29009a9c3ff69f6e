from convoy.models.audit import AuditEvent, AuditHead, WorkshopClock
from convoy.models.change import CHANGE_PIPELINE, Change, ChangeState
from convoy.models.convoy import Convoy, ConvoyState, quarter_bounds
from convoy.models.crew import (
    CRAP_SEATS,
    PER_CONVOY_ROLES,
    STANDING_ROLES,
    CrewProfile,
    Role,
    RoleAssignment,
)
from convoy.models.feature import (
    LEGACY_PRIORITY_DEFERRALS,
    MAX_TASK_HOURS,
    PERSON_DAYS_PER_STORY_POINT,
    Feature,
    FeatureStatus,
    Task,
)
from convoy.models.manifest import (
    Certificate,
    CertificateKind,
    EmergencySailRequest,
    ManifestApproval,
    Verdict,
)

__all__ = [
    "CHANGE_PIPELINE",
    "CRAP_SEATS",
    "LEGACY_PRIORITY_DEFERRALS",
    "MAX_TASK_HOURS",
    "PERSON_DAYS_PER_STORY_POINT",
    "PER_CONVOY_ROLES",
    "STANDING_ROLES",
    "AuditEvent",
    "AuditHead",
    "Certificate",
    "CertificateKind",
    "Change",
    "ChangeState",
    "Convoy",
    "ConvoyState",
    "CrewProfile",
    "EmergencySailRequest",
    "Feature",
    "FeatureStatus",
    "ManifestApproval",
    "Role",
    "RoleAssignment",
    "Task",
    "Verdict",
    "WorkshopClock",
    "quarter_bounds",
]
