"""The Chief Signals Officer publishes the Signal Report (R48, R49).

Publishing reads the Feature Completion Ratio and records one `Notification` per R49
threshold the ratio has crossed, addressed to the role the rule names. A crossing already
recorded for the Convoy is not recorded again (a database constraint holds it too), so
publishing twice, or every day, notifies each role once.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.roles import require_role
from convoy.metrics.signals import FeatureCompletion, feature_completion
from convoy.models import Convoy, Notification, Role

PUBLISHERS = (Role.CSO,)


def publish_signal_report(
    *, actor: AbstractBaseUser | None, convoy: Convoy
) -> tuple[FeatureCompletion, list[Notification]]:
    """R49: record the escalations of every threshold crossed and not yet recorded.

    Returns the ratio as published and the notifications written now (empty when every
    crossing was already recorded). `actor=None` is the system (the demo's history).
    """
    if actor is not None:
        require_role(actor, convoy, *PUBLISHERS, action="Publishing the Signal Report")
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        completion = feature_completion(convoy)
        recorded = set(convoy.notifications.values_list("threshold", flat=True))
        written = []
        for escalation in completion.escalations:
            if escalation.threshold in recorded:
                continue
            notification = Notification.objects.create(
                convoy=convoy,
                rule="R49",
                threshold=escalation.threshold,
                role=escalation.role,
                action=escalation.action,
                fcr=completion.fcr,
                raised_by=actor,
                raised_at=clock.now(),
            )
            record_event(
                actor=actor,
                action="signal_report.escalate",
                obj=notification,
                after=snapshot(notification, ["convoy_id", "threshold", "role", "action", "fcr"]),
            )
            written.append(notification)
    return completion, written
