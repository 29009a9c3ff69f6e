"""What every document's context holds (§13) and the contents list built from its sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from convoy.ceremonies.roles import display_name
from convoy.models import DOCUMENT_STANDARDS_VERSION, Convoy


@dataclass(frozen=True)
class ContentsEntry:
    anchor: str
    title: str
    level: int = 1


def base_context(
    *,
    convoy: Convoy,
    actor: AbstractBaseUser,
    document_title: str,
    audience: str,
    stylesheet: str,
    contents: list[ContentsEntry],
) -> dict[str, Any]:
    return {
        "convoy": convoy,
        "document_title": document_title,
        "audience": audience,
        "stylesheet": stylesheet,
        "author": display_name(actor),
        "commodore_name": display_name(convoy.commodore),
        "standards_version": DOCUMENT_STANDARDS_VERSION,
        "contents": contents,
        "time_zone": timezone.get_current_timezone_name(),
    }
