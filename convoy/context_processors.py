from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from convoy import clock
from convoy.caching import cached_value
from convoy.ceremonies.exports import READERS as WORKBOOK_READERS
from convoy.ceremonies.freeze import freeze_window
from convoy.ceremonies.remediation import remediation_window
from convoy.ceremonies.reports import READERS as DOCUMENT_READERS
from convoy.ceremonies.roles import roles_of
from convoy.models import Convoy, Role
from convoy.selectors import current_convoy
from convoy.views.metrics import METRICS_READERS
from convoy.views.oversight import OVERSIGHT_READERS

AUDIT_READERS = frozenset({Role.AUDITOR, Role.ADMIRAL, Role.RBRB, Role.CSO, Role.COMMODORE})


def navigation(request: HttpRequest) -> dict[str, object]:
    """The main navigation: pages of the current Convoy, then the standing registers.

    The same for one person until the data changes, so it is kept under the data version."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return cached_value(
        request, "navigation", user.pk, user.is_staff, compute=lambda: _navigation(user)
    )


def _navigation(user: AbstractBaseUser) -> dict[str, object]:
    convoy = current_convoy()
    held = roles_of(user, convoy)
    items = [("Dashboard", reverse("convoy:dashboard"))]
    if convoy is not None:
        items += [
            (convoy.code, convoy.get_absolute_url()),
            ("Features", reverse("convoy:feature_list", args=[convoy.number])),
            ("Priority", reverse("convoy:priority", args=[convoy.number])),
            ("Manifest", reverse("convoy:manifest", args=[convoy.number])),
            ("PCRs", reverse("convoy:pcr_list", args=[convoy.number])),
            ("Manifest Approval", reverse("convoy:approval", args=[convoy.number])),
        ]
        if held & set(METRICS_READERS):
            items.append(
                ("Signal Report", reverse("convoy:metrics_dashboard", args=[convoy.number]))
            )
            items.append(("Flow X-ray", reverse("convoy:metrics_flow_xray", args=[convoy.number])))
        if held & set(WORKBOOK_READERS):
            items.append(("Workbook", reverse("convoy:export_list", args=[convoy.number])))
        if held & set(DOCUMENT_READERS):
            items.append(("Documents", reverse("convoy:report_list", args=[convoy.number])))
    items += [
        ("Changes", reverse("convoy:change_list")),
        ("CRAP agenda", reverse("convoy:agenda")),
        ("Commitment", reverse("convoy:commitment")),
        ("Book of Names", reverse("convoy:book_of_names")),
        ("Tribunal", reverse("convoy:tribunal")),
    ]
    if held & set(OVERSIGHT_READERS):
        items.append(("Oversight", reverse("convoy:oversight")))
    if held & AUDIT_READERS:
        items.append(("Audit trail", reverse("convoy:audit_trail")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    crew = getattr(user, "crew", None)
    return {
        "nav_name": crew.display_name if crew is not None else user.get_username(),
        "voyage_banners": voyage_banners(convoy) if convoy is not None else [],
        "nav_items": items,
        "nav_roles": sorted(role.label for role in held),
        "nav_convoy": convoy,
    }


def voyage_banners(convoy: Convoy) -> list[dict[str, str]]:
    """Shown on every page while they hold: the Change Freeze (R9) and Held in Port (R41)."""
    banners = []
    window = remediation_window(convoy)
    if window is not None:
        until = f"{timezone.localtime(window.until):%A %d %B, %H:%M}"
        text = (
            f"{convoy.code}: The Fleet Is Held in Port. The Remediation Window lapsed at {until}; "
            "all other work remains suspended."
            if window.lapsed
            else f"{convoy.code}: The Fleet Is Held in Port. Remediation Window until {until}; "
            "all work other than the listed deficiencies is suspended."
        )
        banners.append(
            {"rule": "R41", "text": text, "url": reverse("convoy:approval", args=[convoy.number])}
        )
    freeze = freeze_window(convoy)
    if freeze.holds_at(clock.now()):
        until = (
            f"until {timezone.localtime(freeze.ends_at):%A %d %B, %H:%M}"
            if freeze.ends_at
            else "until 48 hours after deployment"
        )
        banners.append(
            {
                "rule": "R9",
                "text": f"{convoy.code}: Change Freeze in force {until}. No Change may be "
                "submitted to the CRAP agenda, for any reason.",
                "url": reverse("convoy:freeze", args=[convoy.number]),
            }
        )
    return banners
