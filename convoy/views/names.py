"""EARB naming compliance pages (R18): the Book of Names, name submissions and rulings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.names import (
    admit_word,
    check_name,
    name_lookup_forms,
    normalise_word,
    rule_on_name,
    submit_name,
    words_in_book,
)
from convoy.ceremonies.roles import require_role, roles_of
from convoy.forms.names import NameRulingForm, WordForm
from convoy.models import BookOfNamesWord, Feature, NameSubmission, NameVerdict, Role
from convoy.views.access import member_view, perform, safe_next

WORDS_PER_PAGE = 50
SUBMISSIONS_PER_PAGE = 25


@require_http_methods(["GET", "POST"])
@member_view
def book_of_names(request: HttpRequest) -> HttpResponse:
    """Every signed-in person reads the Book; the EARB admits words to it."""
    form = WordForm(request.POST or None)
    if request.method == "POST":
        require_role(request.user, None, Role.EARB, action="Admitting a word to the Book of Names")
        if form.is_valid():
            entry = perform(
                form, admit_word, field="word", actor=request.user, word=form.cleaned_data["word"]
            )
            if entry is not None:
                messages.success(
                    request,
                    f"'{entry.word}' ({entry.syllables} "
                    f"{'syllable' if entry.syllables == 1 else 'syllables'}) has been admitted "
                    "to the Book of Names.",
                )
                return redirect("convoy:book_of_names")
    query = request.GET.get("q", "").strip()[:100]
    words = BookOfNamesWord.objects.select_related("added_by__crew").order_by("word")
    if query:
        words = words.filter(word__contains=normalise_word(query))
    page = Paginator(words, WORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "convoy/names/book_of_names.html",
        {
            "page": page,
            "query": query,
            "total": BookOfNamesWord.objects.count(),
            "form": form if Role.EARB in roles_of(request.user) else None,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@member_view
def name_submissions(request: HttpRequest) -> HttpResponse:
    """The EARB's docket: names awaiting a ruling first, then rulings, newest first."""
    submissions = NameSubmission.objects.select_related(
        "feature__convoy", "submitted_by__crew", "ruled_by__crew"
    ).order_by("verdict", "-submitted_at", "-id")
    page = Paginator(submissions, SUBMISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    book = words_in_book(name_lookup_forms(s.name for s in page))
    rows = []
    for submission in page:
        words = check_name(submission.name, book)
        rows.append(
            {"submission": submission, "words": words, "admissible": all(w.admitted for w in words)}
        )
    return render(
        request,
        "convoy/names/name_submissions.html",
        {
            "page": page,
            "rows": rows,
            "pending": NameSubmission.objects.filter(verdict=NameVerdict.PENDING).count(),
            "is_earb": Role.EARB in roles_of(request.user),
        },
    )


def _feature(number: int, feature: int) -> Feature:
    return get_object_or_404(
        Feature.objects.select_related("convoy", "captain__crew"),
        convoy__number=number,
        number=feature,
    )


@require_POST
@member_view
def name_submit(request: HttpRequest, number: int, feature: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    back = feature_obj.get_absolute_url() + "#name-check"
    try:
        submit_name(actor=request.user, feature=feature_obj)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(
            request,
            f"The name '{feature_obj.name}' of {feature_obj.code} has been submitted to the EARB.",
        )
    return redirect(back)


@require_POST
@member_view
def name_rule(request: HttpRequest, number: int, feature: int, submission: int) -> HttpResponse:
    feature_obj = _feature(number, feature)
    submission_obj = get_object_or_404(
        NameSubmission.objects.select_related("feature__convoy"),
        pk=submission,
        feature=feature_obj,
    )
    require_role(request.user, feature_obj.convoy, Role.EARB, action="Ruling on a feature name")
    back = safe_next(request, reverse("convoy:name_submissions"))
    form = NameRulingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether the EARB admits or rejects the name.")
        return redirect(back)
    try:
        ruled = rule_on_name(actor=request.user, submission=submission_obj, admit=form.admit)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(
            request,
            f"The name '{ruled.name}' of {feature_obj.code}: {ruled.get_verdict_display()}.",
        )
    return redirect(back)
