"""Turning the framework's refusals into HTTP answers."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convoy.ceremonies.errors import ProcessViolation


def refused(request: HttpRequest, violation: ProcessViolation, status: int = 403) -> HttpResponse:
    return render(request, "convoy/refused.html", {"violation": violation}, status=status)


def member_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; a ProcessViolation raised by a role check becomes a 403 page."""

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
