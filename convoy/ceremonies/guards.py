"""Refusals that apply to every mutation of a Convoy's records."""

from convoy.ceremonies.errors import ProcessViolation
from convoy.models import Convoy, ConvoyState


def refuse_if_closed(convoy: Convoy) -> None:
    if convoy.state == ConvoyState.CLOSED:
        raise ProcessViolation(
            "R7", f"{convoy.code} is closed. Its records are final and may not be changed."
        )
