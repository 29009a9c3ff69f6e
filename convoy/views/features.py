"""Feature pages (§3): the Convoy's feature list, registration and edit, the feature page
with its status reports and task list (R14), the priority order (R11, R12) and capacity
reconciliation (R13, R15). Every write goes through a ceremony."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from convoy.caching import cached_part, cached_value, memoized, reader_cached
from convoy.ceremonies.certification import certify_feature_testing
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.planning import (
    add_task,
    edit_feature,
    may_act_as_owner,
    person_days,
    reconcile_capacity,
    register_feature,
    report_status,
    require_feature_captain,
    require_feature_owner,
    split_hours,
    split_task,
)
from convoy.ceremonies.priority import (
    plain,
    rank_features,
    tie_explanation,
    wsvf_expression,
    wsvf_terms,
)
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.filters import FeatureFilter
from convoy.forms.features import (
    CapacityForm,
    FeatureForm,
    RankingForm,
    StatusReportForm,
    TaskForm,
)
from convoy.models import (
    MAX_TASK_HOURS,
    AuditEvent,
    CertificateKind,
    Convoy,
    ConvoyState,
    Feature,
    Role,
    TieBreak,
)
from convoy.selectors import convoy_or_404
from convoy.tables import FeatureTable
from convoy.views.access import member_view, perform
from convoy.views.paging import page_number

FEATURES_PER_PAGE = 25
RANKS_PER_PAGE = 50
HISTORY_PER_PAGE = 25
STATUS_REPORTS_SHOWN = 5


def _feature(number: int, feature: int) -> Feature:
    return memoized(
        ("feature", number, feature), lambda: _read_feature(number, feature), versioned=True
    )


def _read_feature(number: int, feature: int) -> Feature:
    return get_object_or_404(
        # Each join costs PostgreSQL planning time on every request; the Commodore is not shown.
        Feature.objects.select_related("convoy", "captain__crew", "carried_from__convoy"),
        convoy__number=number,
        number=feature,
    )


def _may_register(request: HttpRequest, convoy: Convoy) -> bool:
    held = roles_of(request.user, convoy)
    return convoy.state != ConvoyState.CLOSED and bool(
        held & {Role.FEATURE_CAPTAIN, Role.COMMODORE}
    )


# The list ---------------------------------------------------------------------------------


@require_GET
@member_view
@reader_cached
def feature_list(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    # The filters and the table show the same to every reader for the same query string.
    body = cached_part(
        request,
        "feature-list",
        convoy.pk,
        sorted(request.GET.lists()),
        render=lambda: _feature_list_body(request, convoy),
    )
    return render(
        request,
        "convoy/features/feature_list.html",
        {"convoy": convoy, "body": body, "may_register": _may_register(request, convoy)},
    )


def _feature_list_body(request: HttpRequest, convoy: Convoy) -> str:
    features = convoy.features.select_related("convoy", "captain__crew").annotate(
        wsvf_score=wsvf_expression()
    )
    filterset = FeatureFilter(request.GET or None, queryset=features, convoy=convoy)
    if filterset.filtering:
        empty = "No features match these filters."
    else:
        empty = (
            f"No features are registered in {convoy.code}. "
            "Feature Captains register features during Alignment."
        )
    table = FeatureTable(filterset.qs, empty_text=empty, caption=f"Features of {convoy.code}")
    RequestConfig(request, paginate={"per_page": FEATURES_PER_PAGE}).configure(table)
    return render_to_string(
        "convoy/features/_list_body.html",
        {"convoy": convoy, "filter": filterset, "table": table},
        request=request,
    )


# Registration and edit --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def feature_register(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    held = require_role(
        request.user,
        convoy,
        Role.FEATURE_CAPTAIN,
        Role.COMMODORE,
        action="Registering a feature",
    )
    initial = {"captain": request.user.pk} if held == Role.FEATURE_CAPTAIN else {}
    form = FeatureForm(request.POST or None, convoy=convoy, initial=initial)
    if request.method == "POST" and form.is_valid():
        feature = perform(
            form, register_feature, actor=request.user, convoy=convoy, **form.ceremony_fields()
        )
        if feature is not None:
            messages.success(
                request, f"{feature.code} {feature.name} is registered in {convoy.code}."
            )
            return redirect(feature.get_absolute_url())
    return render(
        request,
        "convoy/features/feature_form.html",
        {"convoy": convoy, "form": form, "feature": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_view
def feature_edit(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    require_feature_owner(request.user, feature_obj, "Editing the registration")
    form = FeatureForm(
        request.POST or None,
        convoy=feature_obj.convoy,
        initial=FeatureForm.initial_for(feature_obj),
    )
    if request.method == "POST" and form.is_valid():
        edited = perform(
            form, edit_feature, actor=request.user, feature=feature_obj, **form.ceremony_fields()
        )
        if edited is not None:
            messages.success(request, f"The registration of {edited.code} is updated.")
            return redirect(edited.get_absolute_url())
    return render(
        request,
        "convoy/features/feature_form.html",
        {"convoy": feature_obj.convoy, "form": form, "feature": feature_obj},
        status=400 if form.errors else 200,
    )


# The feature page, its status reports and its tasks ---------------------------------------


def _render_feature(
    request: HttpRequest,
    feature: Feature,
    *,
    status_form: StatusReportForm | None = None,
    task_form: TaskForm | None = None,
    split_offer: dict[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    convoy = feature.convoy
    held = roles_of(request.user, convoy)
    is_open = convoy.state != ConvoyState.CLOSED
    is_owner = is_open and may_act_as_owner(request.user, feature)
    may_report = is_open and Role.FEATURE_CAPTAIN in held and feature.captain_id == request.user.pk
    history_page = page_number(request.GET.get("page"))
    parts = cached_value(
        request,
        "feature-parts",
        feature.pk,
        history_page,
        compute=lambda: _feature_parts(feature, history_page),
    )
    return render(
        request,
        "convoy/feature_detail.html",
        {
            "feature": feature,
            "convoy": convoy,
            "parts": {name: mark_safe(html) for name, html in parts.items()},  # our templates
            "may_edit": is_owner,
            "may_report": may_report,
            "status_form": status_form or (StatusReportForm() if may_report else None),
            "task_form": task_form or (TaskForm() if is_owner else None),
            "split_offer": split_offer,
            "may_certify_testing": convoy.state == ConvoyState.TESTING
            and Role.QA in held
            and not feature.certificates.filter(
                change__isnull=True, kind=CertificateKind.TESTING_COMPLETION
            ).exists(),
        },
        status=status,
    )


def _feature_parts(feature: Feature, history_page: int) -> dict[str, str]:
    """The parts of the feature page that every reader sees alike (cached by the caller)."""
    tasks = list(feature.tasks.all())
    change_ids = [str(pk) for pk in feature.changes.values_list("pk", flat=True)]
    task_ids = [str(task.pk) for task in tasks]
    history = AuditEvent.objects.filter(
        Q(object_type="convoy.feature", object_id=str(feature.pk))
        | Q(object_type="convoy.change", object_id__in=change_ids)
        | Q(object_type="convoy.task", object_id__in=task_ids)
    ).order_by("-seq")
    context = {
        "feature": feature,
        "convoy": feature.convoy,
        "terms": wsvf_terms(feature),
        "team": feature.team.select_related("crew").order_by("username"),
        "reports": feature.status_reports.select_related("reported_by__crew")[
            :STATUS_REPORTS_SHOWN
        ],
        "tasks": tasks,
        "task_hours": sum((task.hours for task in tasks), Decimal(0)),
        "changes": feature.changes.select_related("author__crew"),
        "page": Paginator(history, HISTORY_PER_PAGE).get_page(history_page),
    }
    return {
        name: render_to_string(template, context)
        for name, template in [
            ("facts", "convoy/feature/_facts.html"),
            ("reports", "convoy/feature/_reports.html"),
            ("tasks", "convoy/feature/_tasks.html"),
            ("changes", "convoy/feature/_changes.html"),
            ("history", "convoy/_events.html"),
        ]
    }


@require_GET
@member_view
@reader_cached
def feature_detail(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    return _render_feature(request, _feature(number, feature))


@require_POST
@member_view
def feature_status(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    require_feature_captain(request.user, feature_obj, "Reporting the status")
    form = StatusReportForm(request.POST)
    if form.is_valid():
        report = perform(
            form,
            report_status,
            actor=request.user,
            feature=feature_obj,
            signal=form.cleaned_data["signal"],
            summary=form.cleaned_data["summary"],
        )
        if report is not None:
            messages.success(
                request,
                f"The status of {feature_obj.code} is reported: {report.get_signal_display()}.",
            )
            return redirect(feature_obj.get_absolute_url())
    return _render_feature(request, feature_obj, status_form=form, status=400)


@require_POST
@member_view
def feature_certify_testing(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    """R8: the Quality Authority certifies the feature's testing; refusals come back as messages."""
    feature_obj = _feature(number, feature)
    require_role(request.user, None, Role.QA, action="Certifying a feature's testing")
    try:
        certify_feature_testing(actor=request.user, feature=feature_obj)
    except ProcessViolation as refusal:
        messages.error(request, f"{refusal.rule}: {refusal.message}")
    else:
        messages.success(
            request, f"{feature_obj.code} holds its Testing Completion Certificate (R8)."
        )
    return redirect(feature_obj.get_absolute_url())


@require_POST
@member_view
def task_add(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    require_feature_owner(request.user, feature_obj, "Editing the task list")
    form = TaskForm(request.POST)
    split_offer = None
    if form.is_valid():
        title, hours = form.cleaned_data["title"], form.cleaned_data["hours"]
        task = perform(
            form,
            add_task,
            field="hours",
            actor=request.user,
            feature=feature_obj,
            title=title,
            hours=hours,
        )
        if task is not None:
            messages.success(
                request, f"{task.name} is provisioned: {task.title}, {plain(task.hours)} h."
            )
            return redirect(feature_obj.get_absolute_url() + "#tasks-heading")
        refused_for_length = hours > MAX_TASK_HOURS and any(
            error.startswith("R14:") for error in form.errors.get("hours", [])
        )
        if refused_for_length:  # R14: offer the split in one click
            split_offer = {"title": title, "hours": hours, "parts": split_hours(hours)}
    return _render_feature(
        request, feature_obj, task_form=form, split_offer=split_offer, status=400
    )


@require_POST
@member_view
def task_split(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    require_feature_owner(request.user, feature_obj, "Editing the task list")
    form = TaskForm(request.POST)
    if form.is_valid():
        tasks = perform(
            form,
            split_task,
            field="hours",
            actor=request.user,
            feature=feature_obj,
            title=form.cleaned_data["title"],
            hours=form.cleaned_data["hours"],
        )
        if tasks:
            names = f"{tasks[0].name} to {tasks[-1].name}" if len(tasks) > 1 else tasks[0].name
            messages.success(
                request,
                f"{len(tasks)} tasks are provisioned ({names}), "
                f"{plain(sum(task.hours for task in tasks))} h in all.",
            )
            return redirect(feature_obj.get_absolute_url() + "#tasks-heading")
    return _render_feature(request, feature_obj, task_form=form, status=400)


# Priority (R11, R12) ----------------------------------------------------------------------


def _render_priority(
    request: HttpRequest, convoy: Convoy, form: RankingForm | None = None, status: int = 200
) -> HttpResponse:
    may_rank = Role.COMMODORE in roles_of(request.user, convoy) and (
        convoy.state != ConvoyState.CLOSED
    )
    rankings = convoy.priority_rankings.select_related("ranked_by__crew", "coin_witness__crew")
    latest = rankings.first()
    rows = []
    page = None
    if latest is not None:
        entries = latest.entries.select_related("feature__captain__crew", "feature__convoy")
        page = Paginator(entries, RANKS_PER_PAGE).get_page(request.GET.get("page"))
        previous = None
        if page.start_index() > 1:
            previous = entries.get(position=page.start_index() - 1).feature
        for entry in page:
            terms = wsvf_terms(entry.feature)
            rows.append(
                {
                    "entry": entry,
                    "terms": terms,
                    "changed": terms.score != entry.wsvf,
                    "tie": tie_explanation(entry.broken_by, previous, entry.feature),
                }
            )
            previous = entry.feature
    unranked = convoy.features.select_related("captain__crew", "convoy").order_by("number")
    if latest is not None:
        unranked = unranked.exclude(pk__in=latest.entries.values("feature_id"))
    unranked_rows = [{"feature": f, "terms": wsvf_terms(f)} for f in unranked]
    ties = (
        latest.entries.exclude(broken_by=TieBreak.NONE)
        .values_list("broken_by")
        .annotate(n=Count("id"))
        if latest is not None
        else []
    )
    return render(
        request,
        "convoy/features/priority.html",
        {
            "convoy": convoy,
            "latest": latest,
            "page": page,
            "rows": rows,
            "unranked": unranked_rows,
            "tie_counts": [(TieBreak(rule).label, n) for rule, n in ties],
            "earlier": rankings[1:11],
            "form": form or (RankingForm() if may_rank else None),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view
def priority(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    if request.method == "GET":
        return _render_priority(request, convoy)
    require_role(request.user, convoy, Role.COMMODORE, action="Ranking the features")
    form = RankingForm(request.POST)
    if form.is_valid():
        ranking = perform(
            form,
            rank_features,
            actor=request.user,
            convoy=convoy,
            witness=form.cleaned_data["witness"],
        )
        if ranking is not None:
            messages.success(
                request,
                f"The features of {convoy.code} are ranked. Coin seed {ranking.coin_seed}, "
                f"witnessed by {display_name(ranking.coin_witness)}.",
            )
            return redirect(reverse("convoy:priority", args=[convoy.number]))
    return _render_priority(request, convoy, form=form, status=400)


# Capacity (R13, R15) ----------------------------------------------------------------------


def _render_capacity(
    request: HttpRequest, convoy: Convoy, form: CapacityForm | None = None, status: int = 200
) -> HttpResponse:
    may_reconcile = Role.COMMODORE in roles_of(request.user, convoy) and (
        convoy.state != ConvoyState.CLOSED
    )
    features = convoy.features.select_related("captain__crew", "convoy").order_by("number")
    totals = convoy.features.aggregate(sp=Sum("estimated_sp"), n=Count("id"))
    estimate = person_days(totals["sp"] or 0)
    capacity = convoy.capacity_person_days
    initial = {"capacity_person_days": capacity} if capacity is not None else {}
    return render(
        request,
        "convoy/features/capacity.html",
        {
            "convoy": convoy,
            "page": Paginator(features, FEATURES_PER_PAGE).get_page(request.GET.get("page")),
            "total_sp": totals["sp"] or 0,
            "feature_count": totals["n"],
            "estimate": estimate,
            "capacity": capacity,
            "gap": estimate - capacity if capacity is not None and estimate > capacity else None,
            "spare": capacity - estimate if capacity is not None and estimate <= capacity else None,
            "stretch_opportunities": convoy.stretch_opportunities.select_related(
                "recorded_by__crew"
            ),
            "form": form or (CapacityForm(initial=initial) if may_reconcile else None),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view
def capacity(request: HttpRequest, number: int) -> HttpResponse:
    convoy = convoy_or_404(number)
    if request.method == "GET":
        return _render_capacity(request, convoy)
    require_role(request.user, convoy, Role.COMMODORE, action="Reconciling capacity")
    form = CapacityForm(request.POST)
    if form.is_valid():
        stretch = perform(
            form,
            reconcile_capacity,
            actor=request.user,
            convoy=convoy,
            capacity_person_days=form.cleaned_data["capacity_person_days"],
        )
        if not form.errors:  # a refusal is a form error; without one, it was recorded
            if stretch is not None:
                messages.success(
                    request,
                    f"Estimates of {stretch.estimated_person_days} person-days exceed the "
                    f"capacity of {stretch.capacity_person_days} person-days. A stretch "
                    f"opportunity of {stretch.gap_person_days} person-days is recorded in the "
                    "Manifest.",
                )
            else:
                messages.success(
                    request,
                    f"The capacity of {convoy.code} is recorded. Estimates are within it.",
                )
            return redirect(reverse("convoy:capacity", args=[convoy.number]))
    return _render_capacity(request, convoy, form=form, status=400)
