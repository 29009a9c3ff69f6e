"""The RBRB's oversight page (R33): rejection rates against their bounds, intake rejections
per team (R24), the Change Rejection Log (R32), escalations and Tribunal referrals."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from convoy.ceremonies.roles import require_role
from convoy.metrics.oversight import (
    CHECKLIST_COMPLEXITY,
    CHECKLIST_COMPLEXITY_REMEDY,
    intake_rejections_by_team,
    monthly_rejection_rates,
    rejection_log,
    rejection_rate_bounds,
)
from convoy.models import EarbEscalation, FalseOathReferral, Role
from convoy.views.access import member_view

OVERSIGHT_READERS = (Role.RBRB, Role.AUDITOR, Role.ADMIRAL)


@require_GET
@member_view
def oversight(request: HttpRequest) -> HttpResponse:
    require_role(request.user, None, *OVERSIGHT_READERS, action="Reading the RBRB oversight")
    lower, upper = rejection_rate_bounds()
    months, patterns = intake_rejections_by_team()
    return render(
        request,
        "convoy/convening/oversight.html",
        {
            "rates": monthly_rejection_rates(),
            "lower_percent": lower * 100,
            "upper_percent": upper * 100,
            "complexity": CHECKLIST_COMPLEXITY,
            "remedy": CHECKLIST_COMPLEXITY_REMEDY,
            "months": months,
            "patterns": [
                {"team": p.team, "total": p.total, "counts": [p.by_month.get(m, 0) for m in months]}
                for p in patterns
            ],
            "log": Paginator(rejection_log(), 25).get_page(request.GET.get("page")),
            "escalations": EarbEscalation.objects.select_related("change").order_by(
                "-escalated_at"
            ),
            "referrals": FalseOathReferral.objects.select_related(
                "oath__supplicant__crew", "oath__oath_text", "oath__convening"
            ),
        },
    )
