from django.http import HttpRequest
from django.urls import reverse

from convoy.ceremonies.exports import READERS as WORKBOOK_READERS
from convoy.ceremonies.roles import roles_of
from convoy.models import Role
from convoy.selectors import current_convoy
from convoy.views.oversight import OVERSIGHT_READERS

AUDIT_READERS = frozenset({Role.AUDITOR, Role.ADMIRAL, Role.RBRB, Role.CSO, Role.COMMODORE})


def navigation(request: HttpRequest) -> dict[str, object]:
    """The main navigation: pages of the current Convoy, then the standing registers."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
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
        ]
        if held & set(WORKBOOK_READERS):
            items.append(("Workbook", reverse("convoy:export_list", args=[convoy.number])))
    items += [
        ("Changes", reverse("convoy:change_list")),
        ("CRAP agenda", reverse("convoy:agenda")),
        ("Commitment", reverse("convoy:commitment")),
        ("Book of Names", reverse("convoy:book_of_names")),
    ]
    if held & set(OVERSIGHT_READERS):
        items.append(("Oversight", reverse("convoy:oversight")))
    if held & AUDIT_READERS:
        items.append(("Audit trail", reverse("convoy:audit_trail")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    return {
        "nav_items": items,
        "nav_roles": sorted(role.label for role in held),
        "nav_convoy": convoy,
    }
