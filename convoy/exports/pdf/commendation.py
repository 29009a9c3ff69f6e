"""The Commodore's Commendation (§13, R46): one landscape page suitable for framing, for a
feature whose four dimension means average above 4.5. Rendered from the stored Commendation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from convoy.exports.pdf.common import base_context
from convoy.models import Convoy, Feature, ReportKind
from convoy.models.fleet import COMMENDATION_ABOVE, Commendation, Dimension

TEMPLATE = "reports/commendation.html"


def commendation_context(
    *, convoy: Convoy, actor: AbstractBaseUser, feature: Feature
) -> dict[str, Any]:
    commendation = (
        Commendation.objects.filter(feature=feature, inspection__convoy=convoy)
        .select_related("captain__crew", "awarded_by__crew", "feature")
        .get()
    )
    means = [(d.label, commendation.dimension_means.get(d.value)) for d in Dimension]
    context = base_context(
        convoy=convoy,
        actor=actor,
        document_title=ReportKind.COMMENDATION.label,
        audience=f"{feature.code}'s Feature Captain",
        stylesheet="commendation.css",
        contents=[],
    )
    context.update(
        {
            "commendation": commendation,
            "feature": feature,
            "means": means,
            "threshold": COMMENDATION_ABOVE,
        }
    )
    return context
