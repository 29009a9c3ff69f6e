"""The three documents of §13, registered in one place: which template, which records, which
PDF variant. `build_document` renders one of them; it neither writes files nor logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from convoy.exports.pdf import commendation, fleet_inspection, manifest
from convoy.exports.pdf.render import Progress, RenderedPdf, render_pdf, report_step
from convoy.models import Convoy, Feature, ReportKind


@dataclass(frozen=True)
class DocumentSpec:
    kind: ReportKind
    template: str
    context: Callable[..., dict[str, Any]]
    pdf_variant: str = ""
    per_feature: bool = False


DOCUMENTS = {
    ReportKind.MANIFEST: DocumentSpec(
        ReportKind.MANIFEST, manifest.TEMPLATE, manifest.manifest_context, manifest.PDF_VARIANT
    ),
    ReportKind.FLEET_INSPECTION: DocumentSpec(
        ReportKind.FLEET_INSPECTION,
        fleet_inspection.TEMPLATE,
        fleet_inspection.fleet_inspection_context,
    ),
    ReportKind.COMMENDATION: DocumentSpec(
        ReportKind.COMMENDATION,
        commendation.TEMPLATE,
        commendation.commendation_context,
        per_feature=True,
    ),
}


def build_document(
    kind: ReportKind,
    *,
    convoy: Convoy,
    actor: AbstractBaseUser,
    created: dt.datetime,
    feature: Feature | None = None,
    progress: Progress | None = None,
) -> RenderedPdf:
    spec = DOCUMENTS[ReportKind(kind)]
    report_step(progress, 0)
    arguments: dict[str, Any] = {"convoy": convoy, "actor": actor}
    if spec.per_feature:
        arguments["feature"] = feature
    context = spec.context(**arguments)
    resources = context.pop("resources", None)
    return render_pdf(
        spec.template,
        context,
        created=created,
        pdf_variant=spec.pdf_variant or None,
        resources=resources,
        progress=progress,
    )
