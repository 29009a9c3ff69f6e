"""CONVOY-26 from the Deployment Request to the Tribunal, for the demo (R43–R47, R52, R53).

Scheduled on the demo's timeline by `schedule_fleet_records`, called from the CONVOY-26
voyage in convoy/demo.py; every record goes through the ceremonies. Idempotence is the demo's
own (`load_demo` builds once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from convoy.ceremonies import deployment, fleet_inspection, tribunal
from convoy.models import (
    REQUIRED_SLIDES,
    ApprovalStage,
    Dimension,
    FeatureStatus,
    Finding,
    FleetInspection,
    TribunalCase,
)

SLIDES = dict.fromkeys(REQUIRED_SLIDES, True)
# Per shipped feature (in order): each leader's marks (slide, narrative, metric, time) and
# the lessons. The first earns the Commendation; the third is flagged (Metric Compliance).
MARKS = [
    [(5, 5, 5, 5), (5, 4, 5, 5), (5, 5, 4, 5)],
    [(4, 4, 3, 4), (3, 4, 4, 4), (4, 3, 4, 3)],
    [(3, 4, 2, 3), (3, 3, 3, 4), (4, 3, 2, 3)],
    [(4, 4, 4, 4), (4, 3, 4, 4), (4, 4, 3, 5)],
    [(3, 3, 3, 3), (4, 4, 4, 3), (3, 4, 4, 4)],
    [(4, 5, 4, 4), (5, 4, 4, 4), (4, 4, 5, 4)],
]
LESSONS = [
    "Start the documentation earlier.",
    "Communication is key.",
    "Involve stakeholders sooner.",
    "Estimate more conservatively.",
]
LEADERS = ("lead.harrington", "lead.abara", "lead.castellanos")


DEMO_TZ = ZoneInfo("America/New_York")  # as convoy/demo.py


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=DEMO_TZ)


def schedule_fleet_records(builder: Any, number: int, features: tuple[Any, ...]) -> None:
    """READY before sailing; the Fleet Inspection after; a Tribunal at the end of December."""
    tl = builder.timeline
    shipped = [plan for plan in features if plan.ships]
    person = builder.person

    def feature(plan: Any) -> Any:
        return builder.features[(number, plan.name)]

    def convoy() -> Any:
        builder.convoys[number].refresh_from_db()
        return builder.convoys[number]

    requests: list[Any] = []

    def file() -> None:
        requests.append(
            deployment.file_deployment_request(
                actor=person(shipped[0].captain),
                convoy=convoy(),
                summary="Every accepted Change of the shipped features; rollback by redeploying "
                "CONVOY-25's build.",
            )
        )

    def sign(username: str, stage: str) -> Callable[[], None]:
        return lambda: deployment.approve_deployment_request(
            actor=person(username), request=requests[0], stage=stage
        )

    peer = next(p.captain for p in shipped if p.captain != shipped[0].captain)
    tl.at(local(2026, 12, 10, 11), file)
    tl.at(local(2026, 12, 10, 14), sign(peer, ApprovalStage.PEER_REVIEW))
    tl.at(local(2026, 12, 11, 10), sign("csc.mbeki", ApprovalStage.APPROVAL))
    tl.at(local(2026, 12, 11, 11), sign("csc.garrido", ApprovalStage.APPROVAL))
    tl.at(local(2026, 12, 14, 9, 30), sign("commodore", ApprovalStage.COMMODORE))
    tl.at(
        local(2026, 12, 18, 9),
        lambda: deployment.yield_results(
            actor=person("commodore"),
            convoy=convoy(),
            results="Deployed overnight. One rollback of the invoice ledger was prepared and "
            "not needed. Dry Dock opens for the defects reported since.",
        ),
    )
    tl.at(
        local(2026, 12, 18, 9, 30),
        lambda: fleet_inspection.open_fleet_inspection(actor=person("commodore"), convoy=convoy()),
    )
    tl.at(
        local(2026, 12, 18, 10),
        lambda: fleet_inspection.approve_demo_video(
            actor=person("douche"),
            inspection=FleetInspection.objects.get(convoy=convoy()),
            feature=feature(shipped[1]),
            title=f"{shipped[1].name}: recorded walkthrough",
        ),
    )
    for index, plan in enumerate(shipped):
        slot = local(2026, 12, 21, 10) + dt.timedelta(minutes=45 * index)
        tl.at(slot + dt.timedelta(minutes=44), _presentation(builder, number, plan, index, slot))
    tl.at(
        local(2026, 12, 21, 17),
        lambda: fleet_inspection.conclude_fleet_inspection(
            actor=person("commodore"), inspection=FleetInspection.objects.get(convoy=convoy())
        ),
    )
    # R47: due 24 hours after conclusion; the CSO compiles it 90 minutes late.
    tl.at(
        local(2026, 12, 22, 18, 30),
        lambda: fleet_inspection.compile_report(
            actor=person("cso"), inspection=FleetInspection.objects.get(convoy=convoy())
        ),
    )
    _schedule_tribunal(builder, number, convoy)


def _presentation(builder: Any, number: int, plan: Any, index: int, slot: dt.datetime) -> Any:
    def step() -> None:
        feature = builder.features[(number, plan.name)]
        feature.refresh_from_db()
        if feature.status != FeatureStatus.SHIPPED:
            return
        inspection = FleetInspection.objects.get(convoy__number=number)
        video = inspection.video_approvals.filter(feature=feature).first()
        presentation = fleet_inspection.record_presentation(
            actor=builder.person(plan.captain),
            inspection=inspection,
            feature=feature,
            slot_start=slot,
            duration_minutes=44 if index % 2 else 45,
            slide_count=25 + 3 * index,
            slides=SLIDES,
            lessons=LESSONS[index % 2 : index % 2 + 2],
            video=video,
        )
        for leader, marks in zip(LEADERS, MARKS[index % len(MARKS)], strict=True):
            fleet_inspection.score_presentation(
                actor=builder.person(leader),
                presentation=presentation,
                marks=dict(zip(Dimension.values, marks, strict=True)),
            )

    return step


def _schedule_tribunal(builder: Any, number: int, convoy: Callable[[], Any]) -> None:
    tl = builder.timeline
    person = builder.person

    def attribute_rest() -> None:
        for defect in convoy().defects.filter(attributions__isnull=True):
            tribunal.attribute_defect(actor=person("diat"), defect=defect)

    def appeal() -> None:
        attribution = convoy().defects.get(number=1).attributions.order_by("pk").first()
        tribunal.file_appeal(
            actor=attribution.engineer,
            attribution=attribution,
            grounds="The rounding was specified by the Feature Specification, section 4.",
        )

    def decide() -> None:
        attribution = convoy().defects.get(number=1).attributions.order_by("pk").first()
        tribunal.decide_appeal(actor=person("diat"), appeal=attribution.appeal, withdraw=False)

    def hear() -> None:
        case = TribunalCase.objects.filter(session__month=dt.date(2026, 12, 1)).order_by("pk")
        tribunal.hear_case(
            actor=person("admiral"),
            case=case.first(),
            defence_seconds=118,
            finding=Finding.RESPONSIBLE,
        )

    tl.at(local(2026, 12, 23, 10), attribute_rest)
    tl.at(local(2026, 12, 22, 11), appeal)
    tl.at(local(2026, 12, 23, 15), decide)
    tl.at(local(2026, 12, 28, 10), lambda: tribunal.convene_tribunal(actor=person("admiral")))
    tl.at(local(2026, 12, 28, 11), hear)
