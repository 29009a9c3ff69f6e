"""The Convoy Manifest for auditors (§13): the Manifest (§6) as filed, the deficiency list
(R36), the CSC's sittings and verdicts (R38–R40), every Change with its CIA chain, Code
Inspection, certificates and Convening outcome (ballot counts only, R58), the export log
(R56) and the audit chain's count, head hash and verification (R57).

Read in a constant number of queries, whatever the number of features and Changes.
Signed records appear as signed; a correction appears as a later version or a record naming
the one it supersedes (R59).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from convoy.ceremonies.audit import verify_chain
from convoy.deficiencies import by_role, deficiency_list, load_manifest
from convoy.exports.pdf.common import ContentsEntry, base_context
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    FEATURE_DOCUMENT_KINDS,
    AuditHead,
    Certificate,
    Change,
    CiaApproval,
    CodeInspection,
    Convoy,
    CscMinutes,
    ManifestApproval,
    ManifestDocument,
    ReportKind,
    ReportRendering,
    Tally,
    WorkbookExport,
)

TEMPLATE = "reports/manifest.html"
PDF_VARIANT = "pdf/a-3b"  # archival: the auditors' copy


@dataclass
class ItemHistory:
    """One Manifest item: every version as filed, newest last (corrections are later rows)."""

    label: str
    signing_role: str
    versions: list[ManifestDocument] = field(default_factory=list)


@dataclass
class ChangeRecord:
    change: Change
    cia_approvals: list[CiaApproval]
    inspections: list[CodeInspection]
    certificates: list[Certificate]
    tallies: list[Tally]


def _histories(convoy: Convoy) -> dict[tuple[int | None, str], list[ManifestDocument]]:
    documents = (
        ManifestDocument.objects.filter(convoy=convoy)
        .select_related("filed_by__crew", "signed_by__crew", "supersedes")
        .defer("body")
        .order_by("feature_id", "kind", "version")
    )
    found: dict[tuple[int | None, str], list[ManifestDocument]] = defaultdict(list)
    for document in documents:
        found[(document.feature_id, document.kind)].append(document)
    return found


def _changes(convoy: Convoy) -> list[ChangeRecord]:
    changes = (
        Change.objects.filter(feature__convoy=convoy)
        .select_related("feature", "author__crew", "impact_assessment")
        .prefetch_related(
            Prefetch(
                "impact_assessment__approvals",
                queryset=CiaApproval.objects.select_related("approver__crew").order_by("step"),
            ),
            Prefetch(
                "inspections",
                queryset=CodeInspection.objects.select_related("inspector__crew").order_by("round"),
            ),
            Prefetch(
                "certificates",
                queryset=Certificate.objects.select_related("issued_by__crew").order_by(
                    "issued_at", "id"
                ),
            ),
            Prefetch(
                "tallies",
                queryset=Tally.objects.select_related("convening").order_by("tallied_at", "id"),
            ),
        )
        .order_by("feature__number", "id")
    )
    records = []
    for change in changes:
        assessment = getattr(change, "impact_assessment", None)
        records.append(
            ChangeRecord(
                change=change,
                cia_approvals=list(assessment.approvals.all()) if assessment else [],
                inspections=list(change.inspections.all()),
                certificates=list(change.certificates.all()),
                tallies=list(change.tallies.all()),
            )
        )
    return records


def _sittings(convoy: Convoy) -> list[dict[str, Any]]:
    """R38–R40: each sitting, its CSC Minutes as signed and the deficiency list it weighed."""
    sittings = (
        ManifestApproval.objects.filter(convoy=convoy)
        .select_related("convened_by__crew", "signed_by__crew")
        .order_by("convened_at", "id")
    )
    minutes = {
        m.sitting_id: m
        for m in CscMinutes.objects.filter(sitting__convoy=convoy).select_related("signed_by__crew")
    }
    return [
        {
            "sitting": sitting,
            "minutes": minutes.get(sitting.pk),
            "lines": minutes[sitting.pk].body.splitlines() if sitting.pk in minutes else [],
        }
        for sitting in sittings
    ]


def manifest_context(*, convoy: Convoy, actor: AbstractBaseUser) -> dict[str, Any]:
    """Everything the Convoy Manifest shows, read from the stored records only."""
    records = load_manifest(convoy)
    histories = _histories(convoy)
    sections = []
    for section in records.sections:
        items = [
            ItemHistory(
                label=item.label,
                signing_role=item.signing_role.label,
                versions=histories.get((section.feature.pk, item.kind), []),
            )
            for item in section.items
        ]
        sections.append({"section": section, "items": items})
    attestations = [
        ItemHistory(
            label=item.label,
            signing_role=item.signing_role.label,
            versions=histories.get((None, item.kind), []),
        )
        for item in records.attestations
    ]
    deficiencies = deficiency_list(convoy, records=records)
    intact, events, verification = verify_chain()
    head = AuditHead.objects.filter(pk=1).first()
    contents = [
        ContentsEntry("inventory", "1. Feature inventory and Feature Captain sign-offs"),
        ContentsEntry("attestations", "2. Convoy-level attestations"),
        ContentsEntry("features", "3. The feature sections"),
        *(
            ContentsEntry(f"feature-{s['section'].feature.number}", _feature_title(s), 2)
            for s in sections
        ),
        ContentsEntry("deficiencies", "4. The deficiency list (R36)"),
        ContentsEntry("csc", "5. Convoy Steering Committee sittings and verdicts"),
        ContentsEntry("changes", "6. Changes: CIA chain, inspection, certificates, Convening"),
        ContentsEntry("export-log", "7. Export log (R56)"),
        ContentsEntry("audit", "8. The audit chain (R57)"),
    ]
    context = base_context(
        convoy=convoy,
        actor=actor,
        document_title=ReportKind.MANIFEST.label,
        audience="The auditors",
        stylesheet="manifest.css",
        contents=contents,
    )
    context.update(
        {
            "sections": sections,
            "feature_kinds": FEATURE_DOCUMENT_KINDS,
            "convoy_kinds": CONVOY_DOCUMENT_KINDS,
            "attestations": attestations,
            "deficiencies": deficiencies,
            "deficiencies_by_role": by_role(deficiencies),
            "sittings": _sittings(convoy),
            "changes": _changes(convoy),
            "workbook_exports": WorkbookExport.objects.filter(convoy=convoy)
            .select_related("exported_by__crew")
            .order_by("version"),
            "renderings": ReportRendering.objects.filter(convoy=convoy)
            .select_related("rendered_by__crew", "feature")
            .order_by("kind", "version"),
            "audit": {
                "intact": intact,
                "events": events,
                "verification": verification,
                "head_seq": head.seq if head else 0,
                "head_hash": head.hash if head else "",
            },
        }
    )
    return context


def _feature_title(entry: dict[str, Any]) -> str:
    feature = entry["section"].feature
    return f"{feature.code} {feature.name}"
