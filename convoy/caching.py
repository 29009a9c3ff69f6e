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
what is expected of them next) has the reader in its key. No part holds a form.

Whole pages are kept too, per reader (`reader_cached`): a GET of a page whose every word comes
from audited data and the clock is answered from the cache while the version stands, under the
reader, their staff flags and the full path. The page's CSRF tokens are taken out before it is
kept and a fresh one (masked anew, as Django does for each response) is put in when it is
served, so a kept page never carries one browser's token to another. A request with messages
waiting, or a page that adds one, is never kept or served from the cache.

Writes that bypass the ceremonies (a restore from backup, a fix in the Django shell) leave
no audit event: restart the web processes after one, which empties their memory caches.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.contrib import messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

from convoy import clock

CACHE_ALIAS = "pages"
RESPONSE_ALIAS = "responses"
PART_SECONDS = 600  # an unused entry is dropped after this; a stale one is never served


def data_version() -> str:
    """The audit chain's head and the clock's minute: equal versions show equal data."""
    from convoy.models import AuditEvent

    # Read on every signed-in page, kept or not: plain SQL costs under half the ORM's query.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")
        head = cursor.fetchone()
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


# Whole pages, per reader --------------------------------------------------------------------

_TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]*)"')
_TOKEN_SLOT = b'name="csrfmiddlewaretoken" value="\x00csrf\x00"'


def reader_cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep the page a GET renders for its reader until the data version moves.

    Only for a view whose page depends on nothing but audited data, the clock, the reader and
    the path with its query: not on a background task's progress, nor on the session. Put it
    inside the permission check (`member_view`), so a reader is served only pages they may read.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _response_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        cache = caches[RESPONSE_ALIAS]
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(_with_token(request, content), content_type=content_type)
        response = view(request, *args, **kwargs)
        content = _keepable(request, response)
        if content is not None:
            cache.set(key, (content, response["Content-Type"]), PART_SECONDS)
        return response

    return wrapper


def _response_key(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if request.method != "GET" or user is None or not user.is_authenticated:
        return None
    if len(messages.get_messages(request)):  # counted, not consumed: the page will show them
        return None
    path = request.get_full_path()
    return part_key("response", request_version(request), user.pk, user.is_staff, path)


def _keepable(request: HttpRequest, response: HttpResponse) -> bytes | None:
    """The page with its CSRF tokens taken out, or None when it must not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if getattr(messages.get_messages(request), "added_new", False):
        return None
    tokens = {match.group(1) for match in _TOKEN_FIELD.finditer(response.content)}
    content = _TOKEN_FIELD.sub(_TOKEN_SLOT, response.content)
    if any(token in content for token in tokens):  # a token outside a form field: keep nothing
        return None
    return content


def _with_token(request: HttpRequest, content: bytes) -> bytes:
    if _TOKEN_SLOT not in content:
        return content
    token = get_token(request).encode()
    return content.replace(_TOKEN_SLOT, b'name="csrfmiddlewaretoken" value="' + token + b'"')


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
    caches[RESPONSE_ALIAS].clear()
