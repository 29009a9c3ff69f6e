"""The health check: `/healthz` answers "ok" without a session, a sign-in or the database.

For load balancers (is this web process up?) and as the reference view of `make loadtest`:
the cheapest request Django can answer through the full middleware stack.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" as plain text; no template, no query."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
