"""Change Request Lead Time (R50) and the rejection rate of a Convoy's Changes (R33).

Pure reads, aggregated by the database: a fixed number of queries whatever the number of
Changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from convoy.metrics.common import DAY, days, db_median, elapsed, percent
from convoy.metrics.oversight import reading_for, rejection_rate_bounds
from convoy.models import Change, ChangeState, Convoy, Tally

REACTIVE_BELOW = dt.timedelta(days=5)  # R50
# Lead-time distribution: [from, to) in days; the first bucket is the "reactive" one.
LEAD_BUCKETS = ((0, 5), (5, 10), (10, 20), (20, 30), (30, 45), (45, 60), (60, None))


def approved_changes(convoy: Convoy) -> QuerySet[Change]:
    """The Convoy's Changes the CRAP approved, annotated `approved_at` and `lead`.

    The CRAP approval date is the tally that accepted the Change (R30); a Change recorded as
    ACCEPTED without a tally on the platform (history entered from the paper register) takes
    the moment it entered ACCEPTED.
    """
    tally = Tally.objects.filter(change=OuterRef("pk"), outcome=Tally.Outcome.ACCEPTED).order_by(
        "tallied_at"
    )
    return (
        Change.objects.filter(feature__convoy=convoy, state=ChangeState.ACCEPTED)
        .annotate(
            approved_at=Coalesce(
                Subquery(tally.values("tallied_at")[:1]),
                F("state_changed_at"),
                output_field=DateTimeField(),
            )
        )
        .annotate(lead=elapsed("approved_at", "created_at"))
    )


@dataclass(frozen=True)
class LeadTime:
    approved: int
    reactive: int  # lead time under 5 calendar days (R50)
    median: dt.timedelta | None
    buckets: list[tuple[str, int]]

    @property
    def median_days(self) -> Decimal | None:
        return days(self.median)

    @property
    def reactive_percent(self) -> Decimal | None:
        return percent(self.reactive, self.approved)


def bucket_label(low: int, high: int | None) -> str:
    return f"{low}–{high} days" if high is not None else f"{low}+ days"


def lead_time(convoy: Convoy) -> LeadTime:
    """R50: lead time = CRAP approval date − Change record creation date; under 5 calendar
    days the Change is flagged "reactive". Median and distribution by the database (two
    queries)."""
    changes = approved_changes(convoy)
    counts = {"approved": Count("pk"), "reactive": Count("pk", filter=Q(lead__lt=REACTIVE_BELOW))}
    for index, (low, high) in enumerate(LEAD_BUCKETS):
        where = Q(lead__gte=low * DAY)
        if high is not None:
            where &= Q(lead__lt=high * DAY)
        counts[f"b{index}"] = Count("pk", filter=where)
    figures = changes.aggregate(**counts)
    return LeadTime(
        approved=figures["approved"],
        reactive=figures["reactive"],
        median=db_median(changes, F("lead"), figures["approved"]),
        buckets=[
            (bucket_label(low, high), figures[f"b{index}"])
            for index, (low, high) in enumerate(LEAD_BUCKETS)
        ],
    )


@dataclass(frozen=True)
class RejectionRate:
    accepted: int
    rejected: int  # rejections, counting each rejection of a resubmitted Change
    rate: Decimal | None  # percent; None when the CRAP has decided nothing
    lower: Decimal
    upper: Decimal
    reading: str

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected


def rejection_rate(convoy: Convoy) -> RejectionRate:
    """R33: rejections ÷ (rejections + acceptances) × 100 for the Convoy's Changes, read
    against the RBRB's bounds ("insufficient rigour" below, "checklist complexity" above).

    Rejections = every resubmission (a Change returns to SIGNATURES only after a rejection,
    §4) + the Changes currently REJECTED; acceptances = the Changes ACCEPTED. One query.
    """
    figures = Change.objects.filter(feature__convoy=convoy).aggregate(
        accepted=Count("pk", filter=Q(state=ChangeState.ACCEPTED)),
        currently_rejected=Count("pk", filter=Q(state=ChangeState.REJECTED)),
        resubmissions=Coalesce(Sum("resubmission_count"), Value(0)),
    )
    rejected = figures["currently_rejected"] + figures["resubmissions"]
    accepted = figures["accepted"]
    rate = percent(rejected, accepted + rejected)
    lower, upper = rejection_rate_bounds()
    reading = "nothing decided" if rate is None else reading_for(rate / 100, lower, upper)
    return RejectionRate(
        accepted=accepted,
        rejected=rejected,
        rate=rate,
        lower=lower * 100,
        upper=upper * 100,
        reading=reading,
    )


def is_reactive(lead: dt.timedelta | None) -> bool:
    """R50: a lead time under 5 calendar days."""
    return lead is not None and lead < REACTIVE_BELOW
