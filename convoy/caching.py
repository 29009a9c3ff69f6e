"""Page parts reused until the data they show changes.

A 10,000-Change Convoy is read far more often than it changes. Every change of state leaves
an audit event in the same transaction (R57), so the head of the audit chain (its hash, which
chains every event before it) names the version of everything a page can show. A part is
cached under that version and under the workshop clock's minute (for the text that reads the
clock: windows, banners, days remaining). Nothing is ever invalidated: once a ceremony runs,
the head moves and every old entry simply stops being asked for, and web processes that keep
their own cache (the default local-memory cache) still agree.

The key names everything a part depends on besides the data: a part the same for every
reader (the Manifest, the feature list) is asked for only after the view has checked that
the reader may read it; a value that depends on the reader (the navigation, the roles held,
what is expected of them next) has the reader in its key. Forms, with their CSRF tokens,
are never cached.

Writes that bypass the ceremonies (a restore from backup, a fix in the Django shell) leave
no audit event: restart the web processes after one, which empties their memory caches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from convoy import clock

CACHE_ALIAS = "pages"
PART_SECONDS = 600  # an unused entry is dropped after this; a stale one is never served


def data_version() -> str:
    """The audit chain's head and the clock's minute: equal versions show equal data."""
    from convoy.models import AuditEvent

    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    minute = clock.now().strftime("%Y%m%d%H%M")
    return f"{head[0]}.{head[1][:16]}.{minute}" if head else f"empty.{minute}"


def request_version(request: HttpRequest) -> str:
    """`data_version()`, read once per request."""
    version = getattr(request, "_sadmf_data_version", None)
    if version is None:
        version = data_version()
        request._sadmf_data_version = version  # type: ignore[attr-defined]
    return version


def part_key(name: str, version: str, *vary: Any) -> str:
    digest = hashlib.sha256(repr((name, version, vary)).encode()).hexdigest()[:32]
    return f"part:{name}:{digest}"


def cached_part(
    request: HttpRequest, name: str, *vary: Any, render: Callable[[], str]
) -> SafeString:
    """The rendered part `name` for these `vary` values at the current data version.

    `render` runs only when the part is not cached yet; it must not depend on the reader.
    """
    cache = caches[CACHE_ALIAS]
    key = part_key(name, request_version(request), *vary)
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html, PART_SECONDS)
    return mark_safe(html)  # rendered by our own templates, escaped there


def cached_value(request: HttpRequest, name: str, *vary: Any, compute: Callable[[], Any]) -> Any:
    """Like `cached_part`, for a picklable value (the navigation of one person, say)."""
    cache = caches[CACHE_ALIAS]
    key = part_key(name, request_version(request), *vary)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PART_SECONDS)
    return value


def cached_for_template(context: Any, name: str, *vary: Any, compute: Callable[[], Any]) -> Any:
    """`cached_value` for a template tag; computed afresh where no request is rendered."""
    request = context.get("request")
    if request is None:
        return compute()
    return cached_value(request, name, *vary, compute=compute)


# Reads repeated within one GET request (the reader's roles, the current Convoy) ------------

_read_memo: ContextVar[dict | None] = ContextVar("sadmf_read_memo", default=None)


class ReadMemoMiddleware:
    """While a GET or HEAD request is answered, `memoized` reads are read once. Requests
    that may change data (POST) read afresh every time: a ceremony may change what it reads."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _read_memo.set({"request": request})
        try:
            return self.get_response(request)
        finally:
            _read_memo.reset(token)


def memoized(key: tuple, compute: Callable[[], Any], *, versioned: bool = False) -> Any:
    """`compute()`, read once per GET request; with `versioned`, also kept across requests
    under the data version (`key` then names everything the value depends on)."""
    memo = _read_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        if versioned:
            memo[key] = cached_value(memo["request"], "memo", *key, compute=compute)
        else:
            memo[key] = compute()
    return memo[key]


def clear() -> None:
    caches[CACHE_ALIAS].clear()
