"""The sign-in lockout page (django-axes calls `lockout`; settings.AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme


def client_address(request: HttpRequest) -> str | None:
    """The signing-in person's address, as the lockout counts it (AXES_CLIENT_IP_CALLABLE).

    Behind SADMF_PROXY_COUNT trusted reverse proxies, each appending to X-Forwarded-For, the
    client is the entry that many places from the right; anything further left was written
    by the client and is not believed. Without proxies, the connection's address.
    """
    proxies = settings.SADMF_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_message(username: str) -> str:
    """What a locked-out person reads: the count, the scope, the end of the lock."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    # The lock is kept by django-axes on the real clock, not the framework's clock.
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return (
        f"Sign-in refused. {settings.AXES_FAILURE_LIMIT} consecutive failed attempts have been "
        f"made for the username “{username}” from this address. Sign-in for that username "
        f"from this address is locked until {until:%H:%M} ({minutes} minutes after the latest "
        f"attempt; each further attempt restarts the {minutes} minutes). Every attempt is recorded."
    )


def lockout(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page again, with the lockout stated and nothing else changed (HTTP 429).

    Used for the admin's sign-in too: the lock is the same, so is its explanation.
    """
    username = ((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "next": next_url, "lockout": lockout_message(username)}
    return render(request, "registration/login.html", context, status=429)
