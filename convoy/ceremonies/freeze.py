"""The Change Freeze (R9).

From 72 hours before the sailing date (the start of the sailing day, local time) until 48
hours after deployment (`Convoy.sailed_at`, which the deployment record equals), no Change may
be submitted to the CRAP agenda, for any reason. R9 covers exactly that: submission to the
agenda (`submit_to_agenda`), and the Emergency Authorization Provision (R34, `declare_emergency`
and `authorize_emergency`), the one other road by which a Change reaches acceptance: "for any
reason" admits no emergency. Other work (the Manifest, PCRs, features, tasks) is not frozen
by R9; a Held in Port Convoy suspends it under R41 instead.

Before the Convoy has deployed, the freeze has no end yet: it holds until 48 hours after the
deployment, whenever that is.

The CSO announces each freeze at least 5 business days before it starts. The freeze holds
whether or not it was announced; an unannounced freeze is shown as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import require_role
from convoy.models import (
    FREEZE_AFTER_DEPLOYMENT,
    FREEZE_BEFORE_SAILING,
    FREEZE_NOTICE_BUSINESS_DAYS,
    Convoy,
    FreezeAnnouncement,
    Role,
)


@dataclass(frozen=True)
class FreezeWindow:
    starts_at: dt.datetime
    ends_at: dt.datetime | None  # None until the Convoy has deployed

    def holds_at(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


def freeze_window(convoy: Convoy) -> FreezeWindow:
    """R9: 72 hours before the sailing date until 48 hours after deployment."""
    starts_at = clock.at_local(convoy.sailing_date, dt.time(0, 0)) - FREEZE_BEFORE_SAILING
    ends_at = convoy.sailed_at + FREEZE_AFTER_DEPLOYMENT if convoy.sailed_at else None
    return FreezeWindow(starts_at, ends_at)


def freeze_in_force(convoy: Convoy, moment: dt.datetime | None = None) -> bool:
    return freeze_window(convoy).holds_at(moment or clock.now())


def _moment(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%A %d %B %Y, %H:%M}"


def refuse_if_frozen(convoy: Convoy, action: str) -> None:
    """R9: the one guard of the Change Freeze, called by every ceremony the rule covers."""
    window = freeze_window(convoy)
    if not window.holds_at(clock.now()):
        return
    until = (
        f"until {_moment(window.ends_at)} (48 hours after deployment)"
        if window.ends_at
        else "until 48 hours after the Fleet deploys"
    )
    raise ProcessViolation(
        "R9",
        f"{action} is refused: the Change Freeze of {convoy.code} is in force from "
        f"{_moment(window.starts_at)} {until}. No Change may be submitted to the CRAP agenda, "
        "for any reason.",
    )


def announcement_deadline(convoy: Convoy) -> dt.date:
    """The last day to announce the freeze: 5 whole business days must lie between the
    announcement and the freeze's start (which is always at midnight)."""
    eve = timezone.localdate(freeze_window(convoy).starts_at) - dt.timedelta(days=1)
    day = eve
    while clock.business_days_between(day, eve) < FREEZE_NOTICE_BUSINESS_DAYS:
        day -= dt.timedelta(days=1)
    return day


def announce_freeze(*, actor: AbstractBaseUser, convoy: Convoy) -> FreezeAnnouncement:
    """R9: the CSO announces the freeze, at least 5 business days before it starts."""
    require_role(actor, convoy, Role.CSO, action="Announcing a Change Freeze")
    window = freeze_window(convoy)
    deadline = announcement_deadline(convoy)
    if clock.today() > deadline:
        raise ProcessViolation(
            "R9",
            f"The Change Freeze of {convoy.code} starts {_moment(window.starts_at)}; it is "
            f"announced at least {FREEZE_NOTICE_BUSINESS_DAYS} business days before, by "
            f"{deadline:%A %d %B %Y}. That day has passed.",
        )
    try:
        with transaction.atomic():
            announcement = FreezeAnnouncement.objects.create(
                convoy=convoy,
                announced_by=actor,
                announced_at=clock.now(),
                freeze_starts_at=window.starts_at,
            )
            record_event(
                actor=actor,
                action="freeze.announce",
                obj=announcement,
                after=snapshot(announcement, ["convoy_id", "freeze_starts_at"]),
            )
    except IntegrityError:
        raise ProcessViolation(
            "R9", f"The Change Freeze of {convoy.code} has been announced already."
        ) from None
    return announcement
