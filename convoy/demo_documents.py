"""The documents of §13 as the demo's people render and read them (R46, R47, R56).

Scheduled on CONVOY-26's timeline by `schedule_documents_26` (convoy/demo.py), after the
Fleet Inspection records of convoy/demo_fleet.py: the CSO renders the Fleet Inspection Report
once compiled, the Commodore renders the Commendation and, at closing, the Convoy Manifest for
the auditors, which the Auditor downloads. So every section of every document has records,
the Manifest's export log included, and the Documents page shows who read which version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from convoy.ceremonies.reports import record_download, render_report
from convoy.models import ReportKind
from convoy.models.fleet import Commendation

DEMO_TZ = ZoneInfo("America/New_York")  # as convoy/demo.py


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=DEMO_TZ)


def schedule_documents_26(builder: Any, number: int) -> None:
    tl = builder.timeline
    person = builder.person

    def convoy() -> Any:
        return builder.convoys[number]

    def render(kind: ReportKind, who: str) -> Any:
        return lambda: render_report(actor=person(who), convoy=convoy(), kind=kind)

    def commendation() -> None:
        awarded = Commendation.objects.filter(inspection__convoy=convoy()).order_by(
            "feature__number"
        )
        for award in awarded:
            render_report(
                actor=person("commodore"),
                convoy=convoy(),
                kind=ReportKind.COMMENDATION,
                feature=award.feature,
            )

    def auditor_reads_the_manifest() -> None:
        rendering = convoy().report_renderings.filter(kind=ReportKind.MANIFEST).latest("version")
        record_download(actor=person("auditor"), rendering=rendering)

    tl.at(local(2026, 12, 22, 18, 45), render(ReportKind.FLEET_INSPECTION, "cso"))  # R47
    tl.at(local(2026, 12, 23, 10), commendation)  # R46
    tl.at(local(2026, 12, 30, 17), render(ReportKind.MANIFEST, "commodore"))  # §13, R56
    tl.at(local(2026, 12, 31, 10), auditor_reads_the_manifest)  # R56
