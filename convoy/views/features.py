from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from convoy.models import AuditEvent, Feature
from convoy.views.access import member_view


@require_GET
@member_view
def feature_detail(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = get_object_or_404(
        Feature.objects.select_related("convoy", "captain__crew", "carried_from__convoy"),
        convoy__number=number,
        number=feature,
    )
    change_ids = [str(pk) for pk in feature_obj.changes.values_list("pk", flat=True)]
    history = AuditEvent.objects.filter(
        Q(object_type="convoy.feature", object_id=str(feature_obj.pk))
        | Q(object_type="convoy.change", object_id__in=change_ids)
    ).order_by("-seq")
    return render(
        request,
        "convoy/feature_detail.html",
        {
            "feature": feature_obj,
            "convoy": feature_obj.convoy,
            "team": feature_obj.team.select_related("crew").order_by("username"),
            "tasks": feature_obj.tasks.all(),
            "changes": feature_obj.changes.select_related("author__crew"),
            "history": Paginator(history, 25).get_page(request.GET.get("page")),
        },
    )
