"""Hand-built records for the metrics tests: every timestamp chosen, so the expected values
can be worked out by hand in each test."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Commitment,
    Convoy,
    Feature,
    FeatureStatus,
    PlanningCycle,
)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2027) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def commit(year: int, quarter: int, count: int, *, locked: bool = True) -> PlanningCycle:
    """A planning cycle starting in `year` Q`quarter` with `count` commitments."""
    cycle = PlanningCycle.objects.create(
        year=year,
        quarter=quarter,
        created_at=at(1, 1, year=year),
        locked_at=at(1, 2, year=year) if locked else None,
    )
    Commitment.objects.bulk_create(
        Commitment(cycle=cycle, name=f"Commitment {n}", target_year=year, target_quarter=quarter)
        for n in range(count)
    )
    return cycle


def ship(*features: Feature) -> None:
    Feature.objects.filter(pk__in=[f.pk for f in features]).update(status=FeatureStatus.SHIPPED)


def change(
    feature: Feature,
    author,
    *,
    created: dt.datetime,
    state: str = ChangeState.ACCEPTED,
    changed: dt.datetime | None = None,
    done: dt.datetime | None = None,
    lines: tuple[int, int] = (0, 0),
    resubmissions: int = 0,
    qa=None,
) -> Change:
    """A Change with chosen times; `done` issues its Testing Completion Certificate."""
    record = Change.objects.create(
        feature=feature,
        title=f"Change of {feature.code}",
        author=author,
        state=state,
        created_at=created,
        state_changed_at=changed or created,
        lines_added=lines[0],
        lines_removed=lines[1],
        resubmission_count=resubmissions,
    )
    if done is not None:
        Certificate.objects.create(
            kind=CertificateKind.TESTING_COMPLETION,
            convoy=feature.convoy,
            feature=feature,
            change=record,
            issued_by=qa or author,
            issued_role="QA",
            issued_at=done,
        )
    return record


def sail(convoy: Convoy, moment: dt.datetime) -> Convoy:
    Convoy.objects.filter(pk=convoy.pk).update(sailed_at=moment)
    convoy.refresh_from_db()
    return convoy
