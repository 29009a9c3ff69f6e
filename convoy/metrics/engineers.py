"""The Tribunal's per-engineer figures (R51): Individual Velocity Score, Tasks, Lines of Code
and Defects per Code Engineer, CSET first-pass approval rate and the Standards Adherence
Iteration Count.

One annotated queryset of people, every figure a correlated subquery computed by the
database, so a page of engineers costs the same queries for 20 Changes and for 10,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from convoy import clock
from convoy.metrics.common import WEEK, percent
from convoy.models import (
    AppealOutcome,
    Change,
    CodeInspection,
    Convoy,
    DefectAttribution,
    Feature,
    FeatureStatus,
    Role,
    RoleAssignment,
    Task,
)

FRAMEWORK_SAIC = Decimal("2.3")  # R51: the framework's average Standards Adherence Iteration Count

FULL_ATTRIBUTION = (
    "Every engineer whose code touched a defect receives full attribution for that defect. "
    "There is no fractional blame: a defect touched by three Code Engineers counts as one "
    "defect for each of the three."
)
VELOCITY_RULE = (
    "Individual Velocity Score = completed story points per engineer ÷ Convoy duration. "
    "Story points are the Feature Captain's estimates, never the Code Engineer's."
)


def _scalar(queryset: QuerySet, function: str, expression=None, distinct: bool = False):
    """A correlated subquery `SELECT function(expression) FROM …` yielding one value per
    outer row (0 when there is nothing). `Func`, not an aggregate, so no GROUP BY is added."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else None
    value = Func(
        expression if expression is not None else F("pk"),
        function=function,
        output_field=IntegerField(),
        **({"template": template} if template else {}),
    )
    return Coalesce(
        Subquery(queryset.order_by().annotate(_v=value).values("_v")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def convoy_engineers(convoy: Convoy) -> QuerySet:
    """R51: the Convoy's Code Engineers (assigned, or authors of its Changes), annotated:

    - `completed_sp`: Σ estimated story points of the SHIPPED features whose Feature Team
      includes the engineer (each member is credited the feature's whole estimate);
    - `tasks`: tasks of those features' (every feature on whose team they serve);
    - `changes_authored`, `lines`: Changes authored, Σ (lines added + lines removed);
    - `defects`: defect attributions to the engineer in this Convoy (full attribution; an
      attribution withdrawn on appeal no longer counts, R52);
    - `inspected`, `first_pass`, `rounds`: Changes with a released Code Inspection, those
      passing in round 1, and every inspection round of their Changes (R21).
    """
    user = OuterRef("pk")
    own_changes = Change.objects.filter(feature__convoy=convoy, author=user)
    team_features = Feature.objects.filter(convoy=convoy, team=user)
    inspections = CodeInspection.objects.filter(change__feature__convoy=convoy, change__author=user)
    attributions = DefectAttribution.objects.filter(defect__convoy=convoy, engineer=user).exclude(
        appeal__outcome=AppealOutcome.WITHDRAWN
    )
    is_engineer = Exists(
        RoleAssignment.objects.filter(user=user, role=Role.CODE_ENGINEER, convoy=convoy)
    ) | Exists(own_changes)
    return (
        get_user_model()
        .objects.filter(is_engineer)
        .select_related("crew")
        .annotate(
            completed_sp=_scalar(
                team_features.filter(status=FeatureStatus.SHIPPED), "SUM", F("estimated_sp")
            ),
            tasks=_scalar(Task.objects.filter(feature__convoy=convoy, feature__team=user), "COUNT"),
            changes_authored=_scalar(own_changes, "COUNT"),
            lines=_scalar(own_changes, "SUM", F("lines_added") + F("lines_removed")),
            defects=_scalar(attributions, "COUNT"),
            inspected=_scalar(inspections.filter(round=1, released_at__isnull=False), "COUNT"),
            first_pass=_scalar(
                inspections.filter(round=1, released_at__isnull=False, passed=True), "COUNT"
            ),
            inspected_changes=_scalar(inspections, "COUNT", F("change"), distinct=True),
            rounds=_scalar(inspections, "COUNT"),
        )
        .order_by("crew__display_name", "username")
    )


def convoy_duration(convoy: Convoy) -> dt.timedelta:
    """From the Convoy's charter to its sailing (to now, while it has not sailed)."""
    end = convoy.sailed_at or clock.now()
    return max(end - convoy.created_at, dt.timedelta(0))


def velocity(completed_sp: int, duration: dt.timedelta) -> Decimal | None:
    """R51: Individual Velocity Score = completed story points ÷ Convoy duration, in story
    points per week (None for a Convoy of no duration)."""
    weeks = Decimal(duration.total_seconds()) / Decimal(WEEK.total_seconds())
    if weeks <= 0:
        return None
    return (Decimal(completed_sp) / weeks).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def first_pass_rate(first_pass: int, inspected: int) -> Decimal | None:
    """R51: CSET first-pass approval rate = Changes passing Code Inspection in round 1 ÷
    Changes whose round 1 was released × 100."""
    return percent(first_pass, inspected)


def iteration_count(rounds: int, inspected_changes: int) -> Decimal | None:
    """R21/R51: Standards Adherence Iteration Count = inspection rounds ÷ Changes inspected
    (the framework's average is 2.3)."""
    if not inspected_changes:
        return None
    return (Decimal(rounds) / Decimal(inspected_changes)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
