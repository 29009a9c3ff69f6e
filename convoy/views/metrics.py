"""The CSO dashboard and Signal Report (R48–R51, R33), the Flow X-ray (§12) and the
Tribunal's per-engineer figures (R51). Reads only, except publishing the Signal Report,
which the Chief Signals Officer does through its ceremony."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from convoy.ceremonies.roles import require_role, roles_of
from convoy.ceremonies.signal_report import PUBLISHERS, publish_signal_report
from convoy.metrics import charts
from convoy.metrics.engineers import (
    FRAMEWORK_SAIC,
    FULL_ATTRIBUTION,
    VELOCITY_RULE,
    convoy_duration,
    convoy_engineers,
    first_pass_rate,
    iteration_count,
    velocity,
)
from convoy.metrics.lead_time import approved_changes, lead_time, rejection_rate
from convoy.metrics.signals import ESCALATIONS, TIERS, feature_completion
from convoy.metrics.xray import flow_xray, flow_xray_charts, shipped_changes
from convoy.metrics_tables import (
    ComparisonTable,
    EngineerTable,
    FiguresTable,
    LeadTimeTable,
    WaitTable,
)
from convoy.models import AppealOutcome, Convoy, DefectAttribution, Role
from convoy.selectors import current_convoy
from convoy.views.access import member_view

# §1: the CSO owns the metrics; the ATO sees everything; the Auditor reads every report;
# the Commodore steers by them; Leadership receives them at the Fleet Inspection.
METRICS_READERS = (Role.CSO, Role.ADMIRAL, Role.AUDITOR, Role.COMMODORE, Role.LEADERSHIP)
# The Tribunal's figures: the same readers, the DIAT (which attributes defects) and the
# engineer concerned.
TRIBUNAL_READERS = (*METRICS_READERS, Role.DIAT)
PER_PAGE = 25
SIGNAL_BANDS = (
    (0, 60, "Black", "#1b2430"),
    (60, 80, "Red", "#b42318"),
    (80, 90, "Amber", "#b07400"),
    (90, 140, "Green", "#1e6b3a"),
)


def _convoy(number: int) -> Convoy:
    return get_object_or_404(Convoy.objects.select_related("commodore__crew"), number=number)


def _svg(svg: str):  # type: ignore[no-untyped-def]
    # Drawn by convoy.metrics.charts from numbers and our own labels; matplotlib escapes text.
    return mark_safe(svg)


@require_GET
@member_view
def metrics_home(request: HttpRequest) -> HttpResponse:
    convoy = current_convoy()
    if convoy is None:
        raise Http404("No Convoy has been chartered.")
    return redirect("convoy:metrics_dashboard", convoy.number)


@require_GET
@member_view
def metrics_dashboard(request: HttpRequest, number: int) -> HttpResponse:
    """The CSO dashboard and Signal Report of one Convoy."""
    convoy = _convoy(number)
    require_role(request.user, convoy, *METRICS_READERS, action="Reading the Signal Report")
    completion = feature_completion(convoy)
    lead = lead_time(convoy)
    rejections = rejection_rate(convoy)
    duration = convoy_duration(convoy)
    lead_table = LeadTimeTable(
        approved_changes(convoy).select_related("feature"),
        caption="Change Request Lead Time per approved Change",
        prefix="lead-",
    )
    engineer_table = EngineerTable(
        convoy_engineers(convoy),
        convoy=convoy,
        duration=duration,
        caption="The Tribunal's figures per Code Engineer",
        prefix="eng-",
    )
    config = RequestConfig(request, paginate={"per_page": PER_PAGE})
    config.configure(lead_table)
    config.configure(engineer_table)
    lead_figures = FiguresTable(
        [{"label": label, "value": count} for label, count in lead.buckets],
        label="Lead time",
        value="Approved Changes",
        caption="Numbers behind the lead-time chart",
    )
    return render(
        request,
        "convoy/metrics/dashboard.html",
        {
            "convoy": convoy,
            "completion": completion,
            "lead": lead,
            "rejections": rejections,
            "duration_days": duration.days,
            "tiers": TIERS,
            "escalation_rules": ESCALATIONS,
            "notifications": list(convoy.notifications.order_by("-threshold")),
            "may_publish": bool(roles_of(request.user, convoy) & set(PUBLISHERS)),
            "fcr_chart": _svg(
                charts.gauge_chart(
                    slug="fcr-chart",
                    title=f"Feature Completion Ratio of {convoy.code}",
                    value=float(completion.fcr) if completion.fcr is not None else None,
                    bands=SIGNAL_BANDS,
                )
            ),
            "lead_chart": _svg(
                charts.bar_chart(
                    slug="lead-chart",
                    title=f"Change Request Lead Time of {convoy.code}",
                    labels=[label for label, _n in lead.buckets],
                    values=[n for _label, n in lead.buckets],
                    unit="Approved Changes",
                    highlight=0,
                )
            ),
            "lead_figures": lead_figures,
            "lead_table": lead_table,
            "engineer_table": engineer_table,
            "velocity_rule": VELOCITY_RULE,
            "full_attribution": FULL_ATTRIBUTION,
        },
    )


@require_POST
@member_view
def metrics_publish(request: HttpRequest, number: int) -> HttpResponse:
    """R49: the CSO publishes the Signal Report; crossings become notifications, once."""
    convoy = _convoy(number)
    completion, written = publish_signal_report(actor=request.user, convoy=convoy)
    if not completion.defined:
        messages.info(
            request,
            "R48: The Signal Report is published. The Feature Completion Ratio is undefined; "
            "no escalation is due.",
        )
    elif written:
        recipients = "; ".join(f"{n.action} ({n.threshold} %)" for n in written)
        messages.warning(request, f"R49: The Signal Report is published. Escalated: {recipients}.")
    else:
        messages.info(request, "R49: The Signal Report is published. No new threshold crossed.")
    return redirect("convoy:metrics_dashboard", convoy.number)


@require_GET
@member_view
def metrics_flow_xray(request: HttpRequest, number: int) -> HttpResponse:
    """§12: the Convoy beside the one-by-one replay of the same Changes."""
    convoy = _convoy(number)
    require_role(request.user, convoy, *METRICS_READERS, action="Reading the Flow X-ray")
    xray = flow_xray(convoy)
    rows = xray.comparison
    comparison_table = ComparisonTable(
        [row.__dict__ for row in rows],
        caption=f"{xray.convoy_side.label} beside the one-by-one replay",
    )
    wait_table = WaitTable(
        shipped_changes(convoy).select_related("feature"),
        sailed_at=convoy.sailed_at,
        caption="Wait time per shipped Change",
        prefix="wait-",
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(wait_table)
    wait_figures = FiguresTable(
        [{"label": label, "value": count} for label, count in xray.wait_buckets],
        label="Wait for the sailing",
        value="Changes",
        caption="Numbers behind the wait-time chart",
    )
    drawn = flow_xray_charts(xray)
    return render(
        request,
        "convoy/metrics/flow_xray.html",
        {
            "convoy": convoy,
            "xray": xray,
            "comparison_table": comparison_table,
            "wait_table": wait_table,
            "wait_figures": wait_figures,
            "wait_chart": _svg(drawn["xray-waits.svg"]),
            "comparison_chart": _svg(drawn["xray-comparison.svg"]),
        },
    )


@require_GET
@member_view
def metrics_engineer(request: HttpRequest, number: int, username: str) -> HttpResponse:
    """R51: one Code Engineer's figures in one Convoy, with the full-attribution rule."""
    convoy = _convoy(number)
    engineer = get_object_or_404(get_user_model(), username=username)
    if engineer.pk != request.user.pk:
        require_role(
            request.user, convoy, *TRIBUNAL_READERS, action="Reading a Code Engineer's figures"
        )
    figures = convoy_engineers(convoy).filter(pk=engineer.pk).first()
    if figures is None:
        raise Http404(f"{username} is not a Code Engineer of {convoy.code}.")
    duration = convoy_duration(convoy)
    attributions = (
        DefectAttribution.objects.filter(defect__convoy=convoy, engineer=engineer)
        .select_related("defect", "change", "appeal")
        .order_by("-attributed_at")
    )
    return render(
        request,
        "convoy/metrics/engineer.html",
        {
            "convoy": convoy,
            "engineer": engineer,
            "figures": figures,
            "velocity": velocity(figures.completed_sp, duration),
            "duration_days": duration.days,
            "first_pass": first_pass_rate(figures.first_pass, figures.inspected),
            "iterations": iteration_count(figures.rounds, figures.inspected_changes),
            "framework_saic": FRAMEWORK_SAIC,
            "attributions": attributions,
            "withdrawn": AppealOutcome.WITHDRAWN,
            "velocity_rule": VELOCITY_RULE,
            "full_attribution": FULL_ATTRIBUTION,
        },
    )
