"""The 47 tabs of the Release Tracking workbook, in section order (DOMAIN.md §10, R54).

This list is the workbook: the builder writes these tabs in this order, and the tests
hold it to 47 names in five sections.
"""

from convoy.exports.workbook import approval_chain as ac
from convoy.exports.workbook import change_manifest as cm
from convoy.exports.workbook import dashboard as md
from convoy.exports.workbook import personnel as pa
from convoy.exports.workbook import risk_registry as rr
from convoy.exports.workbook.base import Tab

TABS: tuple[type[Tab], ...] = (
    # Change Manifest, tabs 1–12
    cm.ConvoyCharter,
    cm.FeatureInventory,
    cm.WsvfScoring,
    cm.PriorityRankings,
    cm.EightQuarterCommitment,
    cm.ProvisioningTasks,
    cm.ChangeRegister,
    cm.ImpactAssessments,
    cm.CodeInspectionResults,
    cm.QaTestingCertificates,
    cm.CaptainsMast,
    cm.StretchOpportunities,
    # Approval Chain, tabs 13–22
    ac.CiaApprovalChain,
    ac.SignatureProtocol,
    ac.CrapBallotTallies,
    ac.DiatIntegrityValidations,
    ac.EarbNamingRulings,
    ac.RbrbOversight,
    ac.PcrApprovals,
    ac.ManifestSignatures,
    ac.CscVerdicts,
    ac.CscVotes,
    # Risk Registry, tabs 23–31
    rr.CiaRiskRatings,
    rr.RiskExposureSummaries,
    rr.RollbackAuthorizations,
    rr.ChangeRejectionLog,
    rr.IntakeRejections,
    rr.EmergencyAuthorizations,
    rr.EmergencySailRequests,
    rr.DeferralRegister,
    rr.StatusReportSignals,
    # Personnel Accountability, tabs 32–41
    pa.CrewRoster,
    pa.FeatureOwnership,
    pa.FeatureTeamMembers,
    pa.ChangeAccountability,
    pa.TaskAccountability,
    pa.CertificateSignatories,
    pa.SupplicantsOaths,
    pa.InspectionScorecards,
    pa.DefectAttribution,
    pa.AuditTrail,
    # Metrics Dashboard, tabs 42–47
    md.ConvoySummary,
    md.ChangePipeline,
    md.FeatureSignals,
    md.EngineerMetrics,
    md.FeatureMetrics,
    md.FlowXray,
)

TAB_COUNT = 47
