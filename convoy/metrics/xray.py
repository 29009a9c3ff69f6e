"""The Flow X-ray (§12): what the big quarterly batch costs, from the app's own timestamps.

For one Convoy, side by side: the Convoy as it sailed, and a counterfactual replay of the
same Changes shipped one by one when done (same records, same timestamps; each deployed at
its Testing Completion Certificate instead of at the sailing). Pure reads, aggregated by
the database; the number of queries does not depend on the number of Changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from convoy import clock
from convoy.metrics.ceremony_hours import CeremonyHours, ceremony_hours
from convoy.metrics.common import WEEK, days, db_median, elapsed, percent, ratio
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convoy,
    Defect,
    DefectStatus,
)

# Wait-time distribution, in weeks: [from, to).
WAIT_BUCKETS = ((0, 1), (1, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 13), (13, None))
SAILING_HOUR = dt.time(17, 0)  # a Convoy not yet sailed is assumed to sail at 17:00 local

ASSUMPTIONS = (
    "A Change is done when the Quality Authority issues its Testing Completion Certificate "
    "(R22); its earliest certificate counts.",
    "A Change reaches production when its Convoy sails (Convoy.sailed_at): every Change "
    "ACCEPTED by the CRAP at sailing deploys then. Before sailing no Change has reached "
    "production.",
    "Wait time = sailing − done, per Change that sailed with a certificate on record.",
    "The replay deploys each of the same Changes at its own done moment, one deployment per "
    "Change; before the Convoy sails, the replay ships every Change that is done so far. "
    "Nothing else changes: same records, same timestamps, same defects.",
    "Deployment frequency counts deployments in the Convoy's calendar quarter, per week.",
    "Lead time for changes = deployment − Change record creation (the Change exists on the "
    "platform before anything else happens, §4); the median is shown.",
    "Change failure rate: a deployment fails when a defect recorded in Dry Dock touches one "
    "of its Changes. Known behaviors (R53) count as failures here, although no framework "
    "metric counts them.",
    "Time to restore: in the Convoy a fix reaches production with the next Convoy's sailing "
    "(its sailing date at 17:00 when it has not sailed); in the replay, when the fix is "
    "recorded (the defect's resolution). Only fixed defects have a time to restore.",
    "Blast radius = the Changes rolled back together if one fails: the whole batch in the "
    "Convoy, one Change in the replay.",
    "Coordination load = n·(n−1)/2 pairs of Changes that must be held in mind together for a "
    "deployment of n Changes.",
    "Ceremony hours = Σ duration × attendees from the ceremony records. The replay keeps the "
    "per-Change ceremonies as recorded (the CRAP Convenings) and drops the batch ceremonies "
    "(Manifest Approval, Fleet Inspection), which have no counterpart when each Change "
    "ships alone: a conservative replay.",
)


@dataclass(frozen=True)
class Side:
    """One column of the comparison: the Convoy as sailed, or the one-by-one replay."""

    label: str
    changes: int
    deployments: int
    deployments_per_week: Decimal
    lead_time: dt.timedelta | None
    failed_deployments: int
    change_failure_rate: Decimal | None  # percent
    time_to_restore: dt.timedelta | None
    batch_size: int  # Changes per deployment (largest)
    coordination_pairs: int
    blast_radius: int
    ceremony_hours: Decimal

    @property
    def lead_time_days(self) -> Decimal | None:
        return days(self.lead_time)

    @property
    def time_to_restore_days(self) -> Decimal | None:
        return days(self.time_to_restore)


@dataclass(frozen=True)
class ComparisonRow:
    measure: str
    convoy: object
    replay: object
    ratio: Decimal | None
    unit: str


@dataclass(frozen=True)
class FlowXray:
    convoy: Convoy
    sailed: bool
    deployed_at: dt.datetime | None
    shipped: int
    shipped_without_certificate: int
    done: int
    median_wait: dt.timedelta | None
    wait_buckets: list[tuple[str, int]]
    convoy_side: Side
    replay_side: Side
    ceremonies: list[CeremonyHours]
    known_behaviors: list[Defect]
    known_behavior_count: int
    defects: int
    assumptions: tuple[str, ...] = field(default=ASSUMPTIONS)

    @property
    def median_wait_days(self) -> Decimal | None:
        return days(self.median_wait)

    @property
    def comparison(self) -> list[ComparisonRow]:
        c, r = self.convoy_side, self.replay_side
        return [
            ComparisonRow(
                "Deployments in the quarter", c.deployments, r.deployments,
                ratio(r.deployments, c.deployments), "deployments",
            ),
            ComparisonRow(
                "Deployment frequency", c.deployments_per_week, r.deployments_per_week,
                ratio(r.deployments_per_week, c.deployments_per_week), "per week",
            ),
            ComparisonRow(
                "Lead time for changes (median)", c.lead_time_days, r.lead_time_days,
                ratio(c.lead_time_days, r.lead_time_days), "days",
            ),
            ComparisonRow(
                "Change failure rate", c.change_failure_rate, r.change_failure_rate,
                ratio(c.change_failure_rate, r.change_failure_rate), "%",
            ),
            ComparisonRow(
                "Time to restore (median)", c.time_to_restore_days, r.time_to_restore_days,
                ratio(c.time_to_restore_days, r.time_to_restore_days), "days",
            ),
            ComparisonRow(
                "Batch size", c.batch_size, r.batch_size,
                ratio(c.batch_size, r.batch_size), "Changes per deployment",
            ),
            ComparisonRow(
                "Coordination load", c.coordination_pairs, r.coordination_pairs,
                ratio(c.coordination_pairs, r.coordination_pairs), "pairs",
            ),
            ComparisonRow(
                "Blast radius", c.blast_radius, r.blast_radius,
                ratio(c.blast_radius, r.blast_radius), "Changes rolled back together",
            ),
            ComparisonRow(
                "Ceremony hours", c.ceremony_hours, r.ceremony_hours,
                ratio(c.ceremony_hours, r.ceremony_hours), "person-hours",
            ),
        ]  # fmt: skip


def coordination_pairs(n: int) -> int:
    """§12: n·(n−1)/2 pairs for a deployment of n Changes (0 for one Change or none)."""
    return n * (n - 1) // 2 if n > 1 else 0


def with_done_at(changes: QuerySet[Change]) -> QuerySet[Change]:
    """Annotate `done_at`: the earliest Testing Completion Certificate of each Change."""
    certificate = Certificate.objects.filter(
        change=OuterRef("pk"), kind=CertificateKind.TESTING_COMPLETION
    ).order_by("issued_at")
    return changes.annotate(
        done_at=Subquery(certificate.values("issued_at")[:1], output_field=DateTimeField()),
        has_defect=Exists(Defect.changes.through.objects.filter(change_id=OuterRef("pk"))),
    )


def shipped_changes(convoy: Convoy) -> QuerySet[Change]:
    """The Changes that reached production with the Convoy: ACCEPTED, once it has sailed."""
    return with_done_at(
        Change.objects.filter(
            feature__convoy=convoy,
            feature__convoy__sailed_at__isnull=False,
            state=ChangeState.ACCEPTED,
        )
    )


def replayed_changes(convoy: Convoy) -> QuerySet[Change]:
    """The replay's Changes: the shipped ones once the Convoy has sailed; before that, every
    Change that is done. Each deploys at its own `done_at`."""
    changes = with_done_at(Change.objects.filter(feature__convoy=convoy)).filter(
        done_at__isnull=False
    )
    if convoy.sailed_at is not None:
        changes = changes.filter(state=ChangeState.ACCEPTED)
    return changes


def next_sailing(convoy: Convoy) -> dt.datetime | None:
    """When a fix to this Convoy reaches production: the next Convoy's sailing."""
    following = Convoy.objects.filter(number=convoy.number + 1).values_list(
        "sailed_at", "sailing_date"
    )
    for sailed_at, sailing_date in following:
        if sailed_at is not None:
            return sailed_at
        return timezone.make_aware(dt.datetime.combine(sailing_date, SAILING_HOUR))
    return None


def quarter_weeks(convoy: Convoy) -> Decimal:
    span = convoy.quarter_end - convoy.quarter_start + dt.timedelta(days=1)
    return Decimal(span.days) / 7


def per_week(deployments: int, weeks: Decimal) -> Decimal:
    return (Decimal(deployments) / weeks).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _wait_figures(convoy: Convoy, moment: dt.datetime) -> dict[str, int]:
    """Counts of shipped Changes, in total and per wait bucket (one query)."""
    counts = {
        "shipped": Count("pk"),
        "certified": Count("pk", filter=Q(done_at__isnull=False)),
        "failed": Count("pk", filter=Q(has_defect=True)),
    }
    for index, (low, high) in enumerate(WAIT_BUCKETS):
        where = Q(done_at__lte=moment - low * WEEK)
        if high is not None:
            where &= Q(done_at__gt=moment - high * WEEK)
        counts[f"w{index}"] = Count("pk", filter=where)
    return shipped_changes(convoy).aggregate(**counts)


def _restore_times(convoy: Convoy) -> tuple[dt.timedelta | None, dt.timedelta | None, int, int]:
    """Median time to restore in the Convoy and in the replay, over the fixed defects."""
    defects = Defect.objects.filter(convoy=convoy)
    figures = defects.aggregate(
        total=Count("pk"),
        fixed=Count("pk", filter=Q(resolved_at__isnull=False, status=DefectStatus.FIXED)),
    )
    fixed = defects.filter(resolved_at__isnull=False, status=DefectStatus.FIXED)
    replay = db_median(fixed, elapsed("resolved_at", "reported_at"), figures["fixed"])
    median_report = db_median(fixed, F("reported_at"), figures["fixed"])
    following = next_sailing(convoy)
    in_convoy = None
    if following is not None and median_report is not None:
        in_convoy = max(following - median_report, dt.timedelta(0))
    return in_convoy, replay, figures["total"], figures["fixed"]


def flow_xray(convoy: Convoy) -> FlowXray:
    """§12, for one Convoy. Formulas (each stated on the page with its assumption):

    wait = sailed_at − done_at per shipped Change, and the median; batch size n = Changes
    shipped; coordination load = n·(n−1)/2; ceremony hours = Σ duration × attendees; blast
    radius = n (replay: 1); DORA: deployments per week over the quarter, median lead time
    (deployment − creation), change failure rate (failed deployments ÷ deployments × 100),
    median time to restore. Replay: each Change deployed at its done_at.
    """
    sailed = convoy.sailed_at is not None
    moment = convoy.sailed_at or clock.now()
    waits = _wait_figures(convoy, moment)
    shipped = waits["shipped"]
    certified_shipped = shipped_changes(convoy).filter(done_at__isnull=False)
    latest_done = db_median(certified_shipped, F("done_at"), waits["certified"])
    median_wait = moment - latest_done if sailed and latest_done is not None else None
    convoy_lead_from = db_median(shipped_changes(convoy), F("created_at"), shipped)

    replay = replayed_changes(convoy)
    replay_figures = replay.aggregate(n=Count("pk"), failed=Count("pk", filter=Q(has_defect=True)))
    n_replay = replay_figures["n"]
    replay_lead = db_median(replay, elapsed("done_at", "created_at"), n_replay)
    restore_convoy, restore_replay, defect_total, _fixed = _restore_times(convoy)

    ceremonies = ceremony_hours(convoy)
    all_hours = sum((c.person_hours for c in ceremonies), Decimal(0))
    per_change_hours = sum((c.person_hours for c in ceremonies if c.per_change), Decimal(0))
    known = Defect.objects.filter(convoy=convoy, status=DefectStatus.KNOWN_BEHAVIOR)
    known_rows = list(known.order_by("number")[:50])
    known_count = known.count()

    weeks = quarter_weeks(convoy)
    deployments = 1 if sailed and shipped else 0
    convoy_failed = 1 if deployments and waits["failed"] else 0
    convoy_side = Side(
        label=f"{convoy.code} as sailed" if sailed else f"{convoy.code} (not sailed)",
        changes=shipped,
        deployments=deployments,
        deployments_per_week=per_week(deployments, weeks),
        lead_time=moment - convoy_lead_from if sailed and convoy_lead_from else None,
        failed_deployments=convoy_failed,
        change_failure_rate=percent(convoy_failed, deployments),
        time_to_restore=restore_convoy,
        batch_size=shipped,
        coordination_pairs=coordination_pairs(shipped),
        blast_radius=shipped,
        ceremony_hours=all_hours,
    )
    replay_side = Side(
        label="One by one, when done",
        changes=n_replay,
        deployments=n_replay,
        deployments_per_week=per_week(n_replay, weeks),
        lead_time=replay_lead,
        failed_deployments=replay_figures["failed"],
        change_failure_rate=percent(replay_figures["failed"], n_replay),
        time_to_restore=restore_replay,
        batch_size=1 if n_replay else 0,
        coordination_pairs=0,
        blast_radius=1 if n_replay else 0,
        ceremony_hours=per_change_hours,
    )
    return FlowXray(
        convoy=convoy,
        sailed=sailed,
        deployed_at=convoy.sailed_at,
        shipped=shipped,
        shipped_without_certificate=shipped - waits["certified"],
        done=n_replay,
        median_wait=median_wait,
        wait_buckets=[
            (_week_label(low, high), waits[f"w{index}"] if sailed else 0)
            for index, (low, high) in enumerate(WAIT_BUCKETS)
        ],
        convoy_side=convoy_side,
        replay_side=replay_side,
        ceremonies=ceremonies,
        known_behaviors=known_rows,
        known_behavior_count=known_count,
        defects=defect_total,
    )


def _week_label(low: int, high: int | None) -> str:
    return f"{low}–{high} weeks" if high is not None else f"{low}+ weeks"


# The charts ---------------------------------------------------------------------------------

# The comparison chart leaves out the count of deployments: the frequency row carries it.
NOT_CHARTED = ("Deployments in the quarter",)


def _as_float(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def flow_xray_charts(xray: FlowXray) -> dict[str, str]:
    """§12's two charts as SVG strings, one drawing for the page and the PDF report alike:
    "xray-comparison.svg" (the Convoy beside the one-by-one replay) and "xray-waits.svg"
    (wait from done to production, by band)."""
    from convoy.metrics import charts

    code = xray.convoy.code
    rows = [row for row in xray.comparison if row.measure not in NOT_CHARTED]
    return {
        "xray-comparison.svg": charts.comparison_chart(
            slug="comparison-chart",
            title=f"{code} beside the one-by-one replay",
            measures=[row.measure for row in rows],
            convoy=[_as_float(row.convoy) for row in rows],
            replay=[_as_float(row.replay) for row in rows],
            convoy_label="The Convoy",
            replay_label="One by one, when done",
        ),
        "xray-waits.svg": charts.bar_chart(
            slug="wait-chart",
            title=f"Wait from done to production, {code}",
            labels=[label for label, _n in xray.wait_buckets],
            values=[n for _label, n in xray.wait_buckets],
            unit="Changes",
        ),
    }
