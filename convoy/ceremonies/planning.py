"""Alignment and provisioning: features and their tasks (§3)."""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import MAX_TASK_HOURS, Convoy, Feature, Role, Task

FEATURE_FIELDS = [
    "number",
    "name",
    "acronym",
    "captain_id",
    "estimated_sp",
    "cost_of_delay",
    "political_capital_base",
    "sponsor_attended_alignment",
    "sponsor_brought_donuts",
    "executive_visibility",
    "mentioned_in_earnings_call",
    "acronym_quality",
    "sponsor_name",
    "sponsor_seniority",
    "sponsor_office_distance_m",
]


def register_feature(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    name: str,
    captain: AbstractBaseUser,
    number: int | None = None,
    team: list[AbstractBaseUser] | tuple[AbstractBaseUser, ...] = (),
    **inputs: object,
) -> Feature:
    """A Feature Captain (or the Commodore) registers a feature in the Convoy."""
    refuse_if_closed(convoy)
    require_role(
        actor, convoy, Role.FEATURE_CAPTAIN, Role.COMMODORE, action="Registering a feature"
    )
    if Role.FEATURE_CAPTAIN not in roles_of(captain, convoy):
        raise ProcessViolation(
            "R4",
            f"{display_name(captain)} is not a Feature Captain of {convoy.code} "
            "and may not own a feature.",
        )
    unknown = set(inputs) - set(FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown feature fields: {sorted(unknown)}")
    try:
        with transaction.atomic():
            Convoy.objects.select_for_update().get(pk=convoy.pk)
            if number is None:
                number = (convoy.features.aggregate(n=Max("number"))["n"] or 0) + 1
            feature = Feature.objects.create(
                convoy=convoy,
                number=number,
                name=name,
                captain=captain,
                created_at=clock.now(),
                **inputs,
            )
            if team:
                feature.team.set(team)
            record_event(
                actor=actor,
                action="feature.register",
                obj=feature,
                after=snapshot(feature, FEATURE_FIELDS) | {"team": sorted(u.pk for u in team)},
            )
    except IntegrityError:
        raise ProcessViolation(
            "R4", f"{convoy.code} already has a feature F{number:03d}; feature codes are unique."
        ) from None
    return feature


def add_task(*, actor: AbstractBaseUser, feature: Feature, title: str, hours: Decimal) -> Task:
    """R14: tasks are named C{convoy}-F{feature}-T{task} and last at most 4 hours."""
    convoy = feature.convoy
    refuse_if_closed(convoy)
    role = require_role(
        actor, convoy, Role.FEATURE_CAPTAIN, Role.COMMODORE, action="Editing the task list"
    )
    if role == Role.FEATURE_CAPTAIN and feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R14",
            f"Only the Feature Captain of {feature.code} ({display_name(feature.captain)}) "
            "or the Commodore edits its task list.",
        )
    hours = Decimal(hours)
    if hours <= 0:
        raise ProcessViolation("R14", "A task takes some time; its hours must be above zero.")
    if hours > MAX_TASK_HOURS:
        parts = int((hours / MAX_TASK_HOURS).to_integral_value(rounding="ROUND_CEILING"))
        raise ProcessViolation(
            "R14",
            f"A task may take at most {MAX_TASK_HOURS} hours; this one takes {hours}. "
            f"Split it into {parts} tasks of at most {MAX_TASK_HOURS} hours each.",
        )
    with transaction.atomic():
        Feature.objects.select_for_update().get(pk=feature.pk)
        number = (feature.tasks.aggregate(n=Max("number"))["n"] or 0) + 1
        task = Task.objects.create(
            feature=feature,
            number=number,
            title=title,
            hours=hours,
            created_by=actor,
            created_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="task.add",
            obj=task,
            after=snapshot(task, ["number", "title", "hours"]) | {"name": task.name},
        )
    return task
