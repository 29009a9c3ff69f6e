"""Refusals that apply to every mutation of a Convoy's records."""

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.remediation import refuse_unless_remediating
from convoy.models import Convoy, ConvoyState


def refuse_if_closed(convoy: Convoy, *, remedying: str | None = None) -> None:
    """A closed Convoy's records are final (R7); a Held in Port Convoy's work is suspended
    except remedying the deficiencies its verdict listed (R41). `remedying` names the listed
    deficiency the caller remedies (`remediation.remedy_key`)."""
    refuse_unless_remediating(convoy, remedying)
    if convoy.state == ConvoyState.CLOSED:
        raise ProcessViolation(
            "R7", f"{convoy.code} is closed. Its records are final and may not be changed."
        )
