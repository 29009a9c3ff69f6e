"""The Remediation Window (R41).

On "The Fleet Is Held in Port." a Remediation Window of 48 hours opens. While the Convoy is
Held in Port, all other work in it is suspended: every mutation of its records is refused,
except remedying a deficiency listed in the verdict (filing or signing that Manifest item,
submitting or ruling on that feature's name). `guards.refuse_if_closed`, which every
ceremony that changes a Convoy's records calls, applies this guard, so no ceremony can forget
it. The Committee must reconvene within the window.

When the window lapses without the Committee reconvening: the verdict stands and the Convoy
stays Held in Port, its other work still suspended (remedying the listed deficiencies remains
permitted). A reconvening after the window is refused: R41 requires it within the window, and
the app does not extend a window nobody may extend. The one course left is an Emergency Sail
(R42): once the ATO approves one, the Commodore may bring the Convoy back to Manifest Approval
and on to sailing. The Convoy page and the Manifest Approval page show the lapse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import Convoy, ConvoyState, Feature, ManifestApproval, Verdict

NAME_ITEM = "NAME"


def remedy_key(feature: Feature | None, item: str) -> str:
    """How a deficiency is named in the verdict's list and by the ceremony remedying it."""
    return f"{feature.pk if feature is not None else 'convoy'}:{item}"


def latest_held_sitting(convoy: Convoy) -> ManifestApproval | None:
    return (
        ManifestApproval.objects.filter(convoy=convoy, verdict=Verdict.HELD_IN_PORT)
        .order_by("-verdict_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class RemediationWindow:
    sitting: ManifestApproval
    until: dt.datetime
    reconvened: bool

    @property
    def lapsed(self) -> bool:
        return not self.reconvened and clock.now() >= self.until

    @property
    def open(self) -> bool:
        return not self.reconvened and clock.now() < self.until

    @property
    def listed_keys(self) -> set[str]:
        return {d.get("key", "") for d in self.sitting.deficiencies}


def remediation_window(convoy: Convoy) -> RemediationWindow | None:
    """The window of the Convoy's latest Held in Port verdict, if it is Held in Port now."""
    if not Convoy.objects.filter(pk=convoy.pk, state=ConvoyState.HELD_IN_PORT).exists():
        return None
    sitting = latest_held_sitting(convoy)
    if sitting is None or sitting.remediation_until is None:
        return None
    reconvened = ManifestApproval.objects.filter(reconvenes=sitting).exists()
    return RemediationWindow(sitting, sitting.remediation_until, reconvened)


def _moment(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%A %d %B %Y, %H:%M}"


def refuse_unless_remediating(convoy: Convoy, remedying: str | None = None) -> None:
    """R41: while Held in Port, only the deficiencies listed in the verdict may be remedied."""
    window = remediation_window(convoy)
    if window is None:
        return
    if remedying is not None and remedying in window.listed_keys:
        return
    listed = len(window.listed_keys)
    when = (
        f"its Remediation Window runs until {_moment(window.until)}"
        if not window.lapsed
        else f"its Remediation Window lapsed at {_moment(window.until)}"
    )
    raise ProcessViolation(
        "R41",
        f"{convoy.code} is Held in Port; {when}. All other work in the Convoy is suspended: "
        f"only the {listed} deficienc{'y' if listed == 1 else 'ies'} listed in the verdict may "
        "be remedied.",
    )
