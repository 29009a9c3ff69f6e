"""Turning the framework's refusals into HTTP answers and form errors."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from convoy.ceremonies.errors import ProcessViolation

T = TypeVar("T")


def refused(request: HttpRequest, violation: ProcessViolation, status: int = 403) -> HttpResponse:
    return render(request, "convoy/refused.html", {"violation": violation}, status=status)


def member_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; a refusal for want of a role (R4) becomes a 403 page naming the role."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ProcessViolation as violation:
            if violation.rule == "R4":
                return refused(request, violation)
            raise

    return wrapper


def perform(
    form: forms.Form, ceremony: Callable[..., T], /, *, field: str | None = None, **kwargs: Any
) -> T | None:
    """Run a ceremony for a valid form; a refusal becomes a form error and nothing is saved.

    The rule id leads the message ("R17: …"). `field` puts the error next to that field;
    by default it is a non-field error. Refusals for want of a role (R4) are re-raised so
    `member_view` answers 403.
    """
    try:
        return ceremony(**kwargs)
    except ProcessViolation as violation:
        if violation.rule == "R4" and field is None:
            raise
        form.add_error(field, f"{violation.rule}: {violation.message}")
        return None


def safe_next(request: HttpRequest, default: str) -> str:
    """The posted `next` if it is a printable path on this site, else `default`. Only a path:
    `redirect` reads a word without "/" or "." as a view name, and answered 500 for it."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
