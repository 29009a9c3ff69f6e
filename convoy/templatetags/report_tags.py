"""Filters for the PDF documents (templates/reports/). All output is escaped by the
template engine; nothing here marks user text safe."""

from __future__ import annotations

import datetime as dt

from django import template
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from convoy.ceremonies.roles import display_name
from convoy.models import Role
from convoy.models.fleet import Dimension

register = template.Library()


@register.filter
def person(user: AbstractBaseUser | None) -> str:
    return display_name(user) if user is not None else "—"


@register.filter
def moment(value: dt.datetime | None) -> str:
    """A recorded instant as the documents print it: 2027-03-17 14:05 CET."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


@register.filter
def role_name(value: str) -> str:
    return Role(value).label if value in Role.values else (value or "—")


@register.filter
def mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def dimension(value: str) -> str:
    """A stored R45 dimension key ("slide_quality") as its name ("Slide Quality")."""
    return Dimension(value).label if value in Dimension.values else value


@register.filter
def short_moment(value: dt.datetime | None) -> str:
    """A recorded instant in a dense table: 2027-03-17 14:05 (the zone is named above it)."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
