"""The Change record: a change that is not in the platform does not exist (§4)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import (
    display_name,
    refuse_feature_captain_authoring,
    require_role,
)
from convoy.models import Change, Feature, Role


def record_change(
    *, actor: AbstractBaseUser, feature: Feature, title: str, summary: str = ""
) -> Change:
    """A Code Engineer of the Feature Team records a Change before any work on it."""
    convoy = feature.convoy
    refuse_if_closed(convoy)
    refuse_feature_captain_authoring(actor, convoy)  # R2
    require_role(actor, convoy, Role.CODE_ENGINEER, action="Recording a Change")
    if not feature.team.filter(pk=actor.pk).exists():
        raise ProcessViolation(
            "R4",
            f"{display_name(actor)} is not on the Feature Team of {feature.code} "
            "and may not record Changes for it.",
        )
    title = title.strip()
    if not title:
        raise ProcessViolation("R19", "A Change needs a title.")
    now = clock.now()
    with transaction.atomic():
        change = Change.objects.create(
            feature=feature,
            title=title,
            summary=summary,
            author=actor,
            created_at=now,
            state_changed_at=now,
        )
        record_event(
            actor=actor,
            action="change.record",
            obj=change,
            after=snapshot(change, ["feature_id", "title", "author_id", "state"]),
        )
    return change
