"""Tabs 13–22, Approval Chain: every approval signature (CIA chain, signature protocol, CRAP,
DIAT, EARB, RBRB, Priority Change Request approvals, the Manifest's signatures, the CSC)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery

from convoy.exports.workbook.base import (
    CHUNK,
    Section,
    Tab,
    boolean,
    integer,
    moment,
    person,
    text,
)
from convoy.exports.workbook.change_manifest import (
    Rows,
    change_code,
    convening_label,
    feature_code,
    month_of,
)
from convoy.metrics.oversight import reading_for, rejection_rate_bounds
from convoy.models import (
    Certificate,
    CertificateKind,
    CiaApproval,
    Convoy,
    CscVote,
    DocumentKind,
    FormSignature,
    IntakeRejection,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    NameVerdict,
    PcrApproval,
    Role,
    RoleAssignment,
    RollCallCapacity,
    RollCallEntry,
    RollCallStatus,
    Tally,
    Verdict,
)

ROLES = dict(Role.choices)
DOCUMENT_KINDS = dict(DocumentKind.choices)
NAME_VERDICTS = dict(NameVerdict.choices)
VERDICTS = dict(Verdict.choices)
VOTES = {True: "Approve", False: "Hold in Port"}


class CiaApprovalChain(Tab):
    """R20: Feature Captain, CSET, EARB, DOUCHE, one signer at a time."""

    title = "CIA Approval Chain"
    section = Section.APPROVAL_CHAIN
    key = "CiaChain"
    columns = (
        text("Change", 10),
        integer("Step", 6),
        text("Approver role", 22, name="Role"),
        text("Approver", 22),
        moment("Approved at"),
    )
    empty = "No records: no Change Impact Assessment of {convoy} has been approved (R20)."

    def rows(self, convoy: Convoy) -> Rows:
        approvals = (
            CiaApproval.objects.filter(assessment__change__feature__convoy=convoy)
            .order_by("assessment__change_id", "step")
            .values_list(
                "assessment__change_id",
                "step",
                "role",
                "approver__crew__display_name",
                "approver__username",
                "approved_at",
            )
        )
        for change, step, role, name, username, at in approvals.iterator(chunk_size=CHUNK):
            yield (change_code(change), step, ROLES[role], person(name, username), at)


class SignatureProtocol(Tab):
    """R23: every signature on every change request form, verified or flagged."""

    title = "Signature Protocol"
    section = Section.APPROVAL_CHAIN
    key = "Signatures"
    columns = (
        text("Form", 12),
        text("Change", 10),
        text("Signer", 22),
        text("Role", 22),
        boolean("Governance representative", 13),
        moment("Signed at"),
        boolean("Verified against reference", 13, name="Verified"),
        moment("Archived at"),
    )
    empty = "No records: no change request form of {convoy} has been signed (R23)."

    def rows(self, convoy: Convoy) -> Rows:
        signatures = (
            FormSignature.objects.filter(form__change__feature__convoy=convoy)
            .order_by("form__change_id", "form__revision", "signed_at", "id")
            .values_list(
                "form__record_id",
                "form__revision",
                "form__change_id",
                "signer__crew__display_name",
                "signer__username",
                "signed_role",
                "governance",
                "signed_at",
                "verified",
                "form__archived_at",
            )
        )
        for row in signatures.iterator(chunk_size=CHUNK):
            record, revision, change, name, username, role, governance = row[:7]
            signed_at, verified, archived_at = row[7:]
            yield (
                f"{record} rev. {revision}",
                change_code(change),
                person(name, username),
                ROLES[role],
                governance,
                signed_at,
                verified,
                archived_at,
            )


class CrapBallotTallies(Tab):
    """R29, R30: the tally of each Change at each Convening: counts only, never a voter (R58)."""

    title = "CRAP Ballot Tallies"
    section = Section.APPROVAL_CHAIN
    key = "Tallies"
    columns = (
        text("Convening", 14),
        moment("Convened at"),
        text("Change", 10),
        integer("Accept ballots", 9, name="Accepts"),
        integer("Reject ballots", 9, name="Rejects"),
        text("Outcome", 12, name="Outcome"),
    )
    empty = "No records: the CRAP has tallied no Change of {convoy} (R30)."

    def rows(self, convoy: Convoy) -> Rows:
        tallies = (
            Tally.objects.filter(change__feature__convoy=convoy)
            .order_by("tallied_at", "id")
            .values_list(
                "convening__scheduled_for",
                "convening__opened_at",
                "change_id",
                "accepts",
                "rejects",
                "outcome",
            )
        )
        for scheduled, opened, change, accepts, rejects, outcome in tallies.iterator(
            chunk_size=CHUNK
        ):
            yield (
                convening_label(scheduled),
                opened,
                change_code(change),
                accepts,
                rejects,
                outcome,
            )


class DiatIntegrityValidations(Tab):
    title = "DIAT Integrity Validations"
    section = Section.APPROVAL_CHAIN
    key = "Diat"
    columns = (
        integer("Certificate", 10),
        text("Change", 10),
        text("Feature", 9),
        text("Validated by (DIAT)", 22),
        moment("Validated at"),
        text("Notes", 30),
        integer("Supersedes", 10),
    )
    empty = "No records: the DIAT has validated no evidence in {convoy} (R22)."

    def rows(self, convoy: Convoy) -> Rows:
        certificates = (
            Certificate.objects.filter(convoy=convoy, kind=CertificateKind.DIAT_INTEGRITY)
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


class EarbNamingRulings(Tab):
    title = "EARB Naming Rulings"
    section = Section.APPROVAL_CHAIN
    key = "Names"
    columns = (
        text("Feature", 9),
        text("Name submitted", 32),
        text("Submitted by", 22),
        moment("Submitted at"),
        text("Words not in the Book of Names", 28),
        text("Verdict", 18, name="Verdict"),
        text("Ruled by (EARB)", 22),
        moment("Ruled at"),
    )
    empty = "No records: no feature name of {convoy} has been put to the EARB (R18)."

    def rows(self, convoy: Convoy) -> Rows:
        submissions = (
            NameSubmission.objects.filter(feature__convoy=convoy)
            .order_by("submitted_at", "id")
            .values_list(
                "feature__number",
                "name",
                "submitted_by__crew__display_name",
                "submitted_by__username",
                "submitted_at",
                "offending_words",
                "verdict",
                "ruled_by__crew__display_name",
                "ruled_by__username",
                "ruled_at",
            )
        )
        for row in submissions.iterator(chunk_size=CHUNK):
            feature, name, by, username, at, offending, verdict, ruler, ruler_user, ruled = row
            yield (
                feature_code(feature),
                name,
                person(by, username),
                at,
                ", ".join(str(word) for word in offending or ()),
                NAME_VERDICTS.get(verdict, verdict),
                person(ruler, ruler_user),
                ruled,
            )


class RbrbOversight(Tab):
    """R33 for this Convoy's Changes: each month's CRAP rejection rate read against its
    bounds, beside the intake rejections (R24) the RBRB reads as a pattern."""

    title = "RBRB Oversight"
    section = Section.APPROVAL_CHAIN
    key = "Rbrb"
    columns = (
        text("Month", 10),
        integer("Changes heard", 9),
        integer("Rejections", 9),
        integer("Intake rejections", 9),
        text("Reading", 24),
        text("Overturned", 12),
    )
    empty = "No records: the CRAP has heard no Change of {convoy} (R33)."

    def rows(self, convoy: Convoy) -> Rows:
        heard: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        intake: Counter[str] = Counter()
        tallies = Tally.objects.filter(change__feature__convoy=convoy).values_list(
            "tallied_at", "outcome"
        )
        for at, outcome in tallies.iterator(chunk_size=CHUNK):
            heard[month_of(at)] += 1
            rejected[month_of(at)] += outcome == Tally.Outcome.REJECTED
        refused = IntakeRejection.objects.filter(change__feature__convoy=convoy).values_list(
            "rejected_at", flat=True
        )
        for at in refused.iterator(chunk_size=CHUNK):
            intake[month_of(at)] += 1
        lower, upper = rejection_rate_bounds()
        for month in sorted(set(heard) | set(intake)):
            reading = (
                reading_for(Decimal(rejected[month]) / heard[month], lower, upper)
                if heard[month]
                else "no Change heard"
            )
            yield (month, heard[month], rejected[month], intake[month], reading, "None recorded")


class PcrApprovals(Tab):
    title = "PCR Approvals"
    section = Section.APPROVAL_CHAIN
    key = "PcrApprovals"
    columns = (
        text("Request", 9),
        text("Feature", 9),
        text("Approver", 22),
        text("Approved as", 24),
        moment("Approved at"),
    )
    empty = "No records: no Priority Change Request of {convoy} has been approved (R17)."

    def rows(self, convoy: Convoy) -> Rows:
        approvals = (
            PcrApproval.objects.filter(pcr__convoy=convoy)
            .order_by("pcr_id", "approved_at", "id")
            .values_list(
                "pcr_id",
                "pcr__feature__number",
                "approver__crew__display_name",
                "approver__username",
                "role",
                "approved_at",
            )
        )
        for pcr, feature, name, username, role, at in approvals.iterator(chunk_size=CHUNK):
            yield (
                f"PCR-{pcr}",
                feature_code(feature),
                person(name, username),
                ROLES.get(role, role),
                at,
            )


class ManifestSignatures(Tab):
    title = "Manifest Signatures"
    section = Section.APPROVAL_CHAIN
    key = "ManifestDocs"
    columns = (
        text("Document", 30),
        text("Feature", 9),
        integer("Version", 8),
        text("Standards Guide version", 10),
        text("Filed by", 22),
        moment("Filed at"),
        text("Signed by", 22),
        text("Signed as", 22),
        moment("Signed at"),
        boolean("Signature verified", 10, name="Verified"),
        boolean("Superseded", 10),
    )
    empty = "No records: no document of the {convoy} Manifest has been filed (§6)."

    def rows(self, convoy: Convoy) -> Rows:
        documents = (
            ManifestDocument.objects.filter(convoy=convoy)
            .order_by("feature__number", "kind", "version", "id")
            .values_list(
                "kind",
                "feature__number",
                "version",
                "standards_version",
                "filed_by__crew__display_name",
                "filed_by__username",
                "filed_at",
                "signed_by__crew__display_name",
                "signed_by__username",
                "signed_role",
                "signed_at",
                "signature_verified",
                "superseded_by__id",
            )
        )
        for row in documents.iterator(chunk_size=CHUNK):
            kind, feature, version, standards, filer, filer_user, filed_at = row[:7]
            signer, signer_user, role, signed_at, verified, superseded_by = row[7:]
            yield (
                DOCUMENT_KINDS.get(kind, kind),
                feature_code(feature) if feature is not None else "Convoy",
                version,
                standards,
                person(filer, filer_user),
                filed_at,
                person(signer, signer_user),
                ROLES.get(role, role),
                signed_at,
                verified,
                superseded_by is not None,
            )


class CscVerdicts(Tab):
    title = "CSC Verdicts"
    section = Section.APPROVAL_CHAIN
    key = "Csc"
    columns = (
        integer("Sitting", 8, name="Sitting"),
        moment("Convened at"),
        text("Convened by", 22),
        text("Verdict", 26, name="Verdict"),
        moment("Verdict at"),
        moment("Remediation window until"),
    )
    empty = "No records: the Convoy Steering Committee has not sat on {convoy} (R38)."

    def rows(self, convoy: Convoy) -> Rows:
        sittings = (
            ManifestApproval.objects.filter(convoy=convoy)
            .order_by("convened_at", "id")
            .values_list(
                "convened_at",
                "convened_by__crew__display_name",
                "convened_by__username",
                "verdict",
                "verdict_at",
                "remediation_until",
            )
        )
        for number, row in enumerate(sittings.iterator(chunk_size=CHUNK), start=1):
            at, by, username, verdict, verdict_at, until = row
            yield (number, at, person(by, username), VERDICTS.get(verdict, ""), verdict_at, until)


class CscVotes(Tab):
    """R38, R39: each CSC member on the roll of each sitting, present or not, and the one
    binary vote a present member cast on the whole Convoy."""

    title = "CSC Votes"
    section = Section.APPROVAL_CHAIN
    key = "CscVotes"
    columns = (
        integer("Sitting", 8, name="Sitting"),
        text("Member", 22),
        boolean("Chair", 8),
        boolean("Present", 8, name="Present"),
        text("Vote", 10, name="Vote"),
        moment("Voted at"),
    )
    empty = "No records: no CSC member has been called to a sitting on {convoy} (R38)."

    def rows(self, convoy: Convoy) -> Rows:
        sittings = ManifestApproval.objects.filter(convoy=convoy).order_by("convened_at", "id")
        number = {pk: n for n, pk in enumerate(sittings.values_list("id", flat=True), start=1)}
        vote = CscVote.objects.filter(sitting=OuterRef("sitting"), member=OuterRef("person"))
        chair = RoleAssignment.objects.filter(
            convoy=convoy, role=Role.CSC, is_chair=True, user=OuterRef("person")
        )
        roll = (
            RollCallEntry.objects.filter(
                sitting__convoy=convoy, capacity=RollCallCapacity.CSC_MEMBER
            )
            .annotate(
                chair=Exists(chair),
                approve=Subquery(vote.values("approve")[:1]),
                cast_at=Subquery(vote.values("cast_at")[:1]),
            )
            .order_by("sitting__convened_at", "sitting_id", "person__username")
            .values_list(
                "sitting_id",
                "person__crew__display_name",
                "person__username",
                "chair",
                "status",
                "approve",
                "cast_at",
            )
        )
        for sitting, name, username, is_chair, status, approve, cast_at in roll.iterator(
            chunk_size=CHUNK
        ):
            yield (
                number[sitting],
                person(name, username),
                is_chair,
                status == RollCallStatus.PRESENT,
                "" if approve is None else VOTES[approve],
                cast_at,
            )
