"""The Change pages (R19–R25): the record, its Impact Assessment and approval chain, the CSET's
inspection screen, the signature protocol and the submission to the CRAP agenda.

Every write goes through a ceremony; a refusal is shown with its rule id. A refusal for want
of a role (R4) is a 403 page naming the role.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy.ceremonies.agenda import submit_to_agenda
from convoy.ceremonies.certification import certify_testing, validate_integrity
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.code_inspection import (
    current_form,
    record_inspection,
    release_inspection_results,
    standards_adherence_iteration_count,
    submit_for_inspection,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import (
    approve_impact_assessment,
    next_approver_role,
    refuse_unless_author,
    submit_impact_assessment,
)
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.ceremonies.signatures import (
    GOVERNANCE_SIGNATURES_REQUIRED,
    SIGNATURES_REQUIRED,
    archive_form,
    form_status,
    require_signer,
    resubmit_change,
    sign_form,
)
from convoy.forms.safety import MAX_STORED_INT
from convoy.models import (
    CIA_APPROVAL_CHAIN,
    AuditEvent,
    Change,
    ChangeImpactAssessment,
    ChangeState,
    ChecklistItem,
    CodeInspection,
    Convening,
    ConveningState,
    Feature,
    RiskCategory,
    Role,
)
from convoy.selectors import current_convoy
from convoy.views.access import member_view, perform

CHANGES_PER_PAGE = 25
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class RecordChangeForm(forms.Form):
    feature = forms.ModelChoiceField(queryset=Feature.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=TEXTAREA, required=False)

    def __init__(self, *args: object, features: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature"].queryset = features


class ImpactAssessmentForm(forms.Form):
    business_justification = forms.CharField(widget=TEXTAREA)
    technical_approach = forms.CharField(widget=TEXTAREA)
    files_affected = forms.CharField(widget=TEXTAREA, help_text="One path per line.")
    estimated_lines_added = forms.IntegerField(min_value=0, max_value=MAX_STORED_INT)
    estimated_lines_removed = forms.IntegerField(min_value=0, max_value=MAX_STORED_INT)
    impact_on_other_features = forms.CharField(
        widget=TEXTAREA, label="Impact on other features in the Convoy"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for category in RiskCategory:
            self.fields[f"rating_{category.value}"] = forms.TypedChoiceField(
                label=category.label,
                choices=[("", "—")] + [(n, str(n)) for n in range(1, 6)],
                coerce=int,
            )

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[f"rating_{c.value}"] for c in RiskCategory]

    def text_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("rating_")]

    def ratings(self) -> dict[str, int]:
        return {c.value: self.cleaned_data[f"rating_{c.value}"] for c in RiskCategory}


class InspectionSubmissionForm(forms.Form):
    lines_added = forms.IntegerField(min_value=0, max_value=MAX_STORED_INT)
    lines_removed = forms.IntegerField(min_value=0, max_value=MAX_STORED_INT)


class InspectionForm(forms.Form):
    """One checkbox per checklist item, from the data: ticked passes, unticked fails (R21)."""

    def __init__(self, *args: object, items: list[ChecklistItem], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.number}"] = forms.BooleanField(
                label=f"{item.number}. {item.text}", required=False
            )
        self.items = items

    def results(self) -> dict[int, bool]:
        return {item.number: self.cleaned_data[f"item_{item.number}"] for item in self.items}


class SignatureForm(forms.Form):
    signature = forms.CharField(
        max_length=120,
        help_text="Verified against your signature reference on file (R23).",
    )


class AgendaSubmissionForm(forms.Form):
    convening = forms.ModelChoiceField(
        queryset=Convening.objects.none(),
        required=False,
        empty_label="The next Convening",
        help_text="After 17:00 on the business day before, the following Convening (R25).",
    )
    risk_exposure_summary = forms.CharField(widget=TEXTAREA)
    rollback_authorization_declaration = forms.CharField(widget=TEXTAREA)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["convening"].queryset = Convening.objects.filter(state=ConveningState.SCHEDULED)


def _change(pk: int) -> Change:
    return get_object_or_404(
        Change.objects.select_related("feature__convoy", "feature__captain__crew", "author__crew"),
        pk=pk,
    )


def _detail(change: Change) -> str:
    return reverse("convoy:change_detail", args=[change.pk])


@require_GET
@member_view
def change_list(request: HttpRequest) -> HttpResponse:
    convoy = current_convoy()
    if convoy is None:
        return render(request, "convoy/pipeline/change_list.html", {"convoy": None})
    changes = (
        Change.objects.filter(feature__convoy=convoy)
        .select_related("feature", "author__crew")
        .order_by("-pk")
    )
    state = request.GET.get("state", "")
    if state in ChangeState.values:
        changes = changes.filter(state=state)
    features = convoy.features.filter(team=request.user).order_by("number")
    may_record = Role.CODE_ENGINEER in roles_of(request.user, convoy) and features.exists()
    return render(
        request,
        "convoy/pipeline/change_list.html",
        {
            "convoy": convoy,
            "page": Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page")),
            "states": ChangeState,
            "state": state,
            "form": RecordChangeForm(features=features) if may_record else None,
        },
    )


@require_POST
@member_view
def change_record(request: HttpRequest) -> HttpResponse:
    convoy = current_convoy()
    if convoy is None:
        raise Http404("No Convoy has been chartered.")
    require_role(request.user, convoy, Role.CODE_ENGINEER, action="Recording a Change")
    form = RecordChangeForm(request.POST, features=convoy.features.filter(team=request.user))
    if form.is_valid():
        change = perform(
            form,
            record_change,
            actor=request.user,
            feature=form.cleaned_data["feature"],
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
        )
        if change is not None:
            messages.success(request, f"{change.record_id} has been recorded.")
            return redirect(_detail(change))
    changes = Change.objects.filter(feature__convoy=convoy).select_related("feature", "author")
    return render(
        request,
        "convoy/pipeline/change_list.html",
        {
            "convoy": convoy,
            "page": Paginator(changes.order_by("-pk"), CHANGES_PER_PAGE).get_page(1),
            "states": ChangeState,
            "form": form,
        },
        status=400,
    )


def _render_detail(
    request: HttpRequest,
    change: Change,
    *,
    cia_form: ImpactAssessmentForm | None = None,
    inspection_form: InspectionSubmissionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    convoy = change.feature.convoy
    held = roles_of(request.user, convoy)
    is_author = change.author_id == request.user.pk
    assessment = (
        ChangeImpactAssessment.objects.filter(change=change)
        .prefetch_related("ratings", "approvals__approver__crew")
        .first()
    )
    chain = []
    awaited = next_approver_role(assessment) if assessment else None
    if assessment is not None:
        signed = {a.step: a for a in assessment.approvals.all()}
        for step, role in enumerate(CIA_APPROVAL_CHAIN, start=1):
            chain.append({"step": step, "role": role, "approval": signed.get(step)})
    may_approve = (
        assessment is not None
        and change.state == ChangeState.IMPACT_ASSESSMENT
        and awaited in held
        and not is_author
    )
    if cia_form is None and is_author and change.state == ChangeState.DRAFT:
        cia_form = ImpactAssessmentForm()
    if inspection_form is None and is_author and change.state == ChangeState.CODING:
        inspection_form = InspectionSubmissionForm()
    form = current_form(change)
    history = AuditEvent.objects.filter(
        Q(object_type="convoy.change", object_id=str(change.pk))
    ).order_by("-seq")
    return render(
        request,
        "convoy/pipeline/change_detail.html",
        {
            "change": change,
            "convoy": convoy,
            "assessment": assessment,
            "ratings": sorted(
                assessment.ratings.all(), key=lambda r: RiskCategory.values.index(r.category)
            )
            if assessment
            else [],
            "chain": chain,
            "awaited": awaited,
            "may_approve": may_approve,
            "cia_form": cia_form,
            "inspection_form": inspection_form,
            "inspections": change.inspections.select_related("inspector__crew"),
            "iteration_count": standards_adherence_iteration_count(change),
            "certificates": change.certificates.select_related("issued_by__crew"),
            "form": form,
            "form_status": form_status(form) if form else None,
            "submissions": change.agenda_submissions.select_related(
                "convening", "tally__rejection_notice"
            ),
            "may_certify": Role.QA in held and change.state == ChangeState.TESTING,
            "may_validate": Role.DIAT in held and change.state == ChangeState.DIAT_REVIEW,
            "may_inspect": Role.CSET in held and change.state == ChangeState.CODE_INSPECTION,
            "may_submit": is_author and change.state == ChangeState.ARCHIVED,
            "may_resubmit": is_author and change.state == ChangeState.REJECTED,
            "emergencies": change.emergency_authorizations.order_by("-declared_at", "-pk"),
            "may_declare": is_author
            and Role.CODE_ENGINEER in held
            and change.state in (ChangeState.SIGNATURES, ChangeState.ARCHIVED),
            "history": Paginator(history, 25).get_page(request.GET.get("page")),
        },
        status=status,
    )


@require_GET
@member_view
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _change(pk))


@require_POST
@member_view
def change_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    require_role(
        request.user,
        change.feature.convoy,
        Role.CODE_ENGINEER,
        action="Filing a Change Impact Assessment",
    )
    form = ImpactAssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        assessment = perform(
            form,
            submit_impact_assessment,
            actor=request.user,
            change=change,
            business_justification=data["business_justification"],
            technical_approach=data["technical_approach"],
            files_affected=data["files_affected"],
            estimated_lines_added=data["estimated_lines_added"],
            estimated_lines_removed=data["estimated_lines_removed"],
            impact_on_other_features=data["impact_on_other_features"],
            ratings=form.ratings(),
        )
        if assessment is not None:
            messages.success(
                request,
                f"The Change Impact Assessment of {change.record_id} is filed: risk score "
                f"{assessment.risk_score} of {assessment.risk_score_max}. It awaits the "
                "Feature Captain's approval.",
            )
            return redirect(_detail(change))
    return _render_detail(request, _change(pk), cia_form=form, status=400)


@require_POST
@member_view
def change_submit_for_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    require_role(
        request.user, change.feature.convoy, Role.CODE_ENGINEER, action="Submitting for inspection"
    )
    form = InspectionSubmissionForm(request.POST)
    if form.is_valid():
        inspection = perform(
            form,
            submit_for_inspection,
            actor=request.user,
            change=change,
            lines_added=form.cleaned_data["lines_added"],
            lines_removed=form.cleaned_data["lines_removed"],
        )
        if inspection is not None:
            messages.success(
                request,
                f"Code Inspection round {inspection.round} of {change.record_id} is open. "
                f"Results are released no earlier than "
                f"{inspection.release_not_before:%Y-%m-%d %H:%M}.",
            )
            return redirect(_detail(change))
    return _render_detail(request, _change(pk), inspection_form=form, status=400)


def _act(
    request: HttpRequest,
    change: Change,
    ceremony: Callable[..., object],
    done: str,
    **kwargs: object,
) -> HttpResponse:
    """Run a ceremony that takes no form; a refusal is a message naming its rule."""
    try:
        ceremony(actor=request.user, change=change, **kwargs)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        messages.success(request, done)
    return redirect(_detail(change))


@require_POST
@member_view
def change_approve_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    return _act(
        request,
        change,
        approve_impact_assessment,
        f"{display_name(request.user)} has approved the Change Impact Assessment of "
        f"{change.record_id}.",
    )


@require_POST
@member_view
def change_certify_testing(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    return _act(
        request,
        change,
        certify_testing,
        f"The Testing Completion Certificate of {change.record_id} has been issued.",
    )


@require_POST
@member_view
def change_validate_integrity(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    return _act(
        request,
        change,
        validate_integrity,
        f"The DIAT has validated the integrity of {change.record_id}. Signatures may be collected.",
    )


@require_POST
@member_view
def change_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    return _act(
        request,
        change,
        resubmit_change,
        f"{change.record_id} has been resubmitted. Its change request form is to be signed again.",
    )


def _latest_round(change: Change) -> CodeInspection | None:
    return change.inspections.order_by("-round").first()


def _render_inspection(
    request: HttpRequest, change: Change, form: InspectionForm | None, status: int = 200
) -> HttpResponse:
    inspection = _latest_round(change)
    return render(
        request,
        "convoy/pipeline/inspection.html",
        {
            "change": change,
            "convoy": change.feature.convoy,
            "inspection": inspection,
            "form": form,
            "failed": inspection.results.filter(passed=False).select_related("item")
            if inspection and inspection.recorded_at
            else [],
            "iteration_count": standards_adherence_iteration_count(change),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view
def change_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """The CSET's screen: the 47 items, as stored, each pass or fail (R21)."""
    change = _change(pk)
    require_role(request.user, None, Role.CSET, action="Running a Code Inspection")
    inspection = _latest_round(change)
    awaiting_results = (
        inspection is not None
        and inspection.recorded_at is None
        and change.state == ChangeState.CODE_INSPECTION
    )
    items = list(ChecklistItem.objects.order_by("number"))
    form = InspectionForm(request.POST or None, items=items) if awaiting_results else None
    if request.method == "POST":
        if form is None:
            messages.error(request, f"R21: {change.record_id} has no inspection awaiting results.")
            return redirect(reverse("convoy:change_inspection", args=[change.pk]))
        if form.is_valid():
            done = perform(
                form,
                record_inspection,
                actor=request.user,
                inspection=inspection,
                results=form.results(),
            )
            if done is not None:
                failed = sum(1 for passed in form.results().values() if not passed)
                messages.success(
                    request,
                    f"Round {done.round} of {change.record_id} is recorded: "
                    f"{len(items) - failed} items pass, {failed} fail. Results are released "
                    f"no earlier than {done.release_not_before:%Y-%m-%d %H:%M}.",
                )
                return redirect(reverse("convoy:change_inspection", args=[change.pk]))
        return _render_inspection(request, change, form, status=400)
    return _render_inspection(request, change, form)


@require_POST
@member_view
def change_inspection_release(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    require_role(request.user, None, Role.CSET, action="Releasing Code Inspection results")
    inspection = _latest_round(change)
    if inspection is None:
        raise Http404("No inspection round.")
    try:
        released = release_inspection_results(actor=request.user, inspection=inspection)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        verdict = "passed" if released.passed else "failed"
        messages.success(request, f"Round {released.round} of {change.record_id} {verdict}.")
    return redirect(reverse("convoy:change_inspection", args=[change.pk]))


def _render_signatures(
    request: HttpRequest, change: Change, sign: SignatureForm | None, status: int = 200
) -> HttpResponse:
    form = current_form(change)
    return render(
        request,
        "convoy/pipeline/signatures.html",
        {
            "change": change,
            "convoy": change.feature.convoy,
            "form_record": form,
            "status": form_status(form) if form else None,
            "signatures": form.signatures.select_related("signer__crew", "recollected_by")
            if form
            else [],
            "required": SIGNATURES_REQUIRED,
            "governance_required": GOVERNANCE_SIGNATURES_REQUIRED,
            "sign_form": sign,
            "may_archive": change.author_id == request.user.pk
            and change.state == ChangeState.SIGNATURES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view
def change_signatures(request: HttpRequest, pk: int) -> HttpResponse:
    """R23: the form, its signatures (verified or flagged) and, for signers, the pen."""
    change = _change(pk)
    collecting = change.state == ChangeState.SIGNATURES and change.author_id != request.user.pk
    form = SignatureForm(request.POST or None) if collecting else None
    if request.method == "POST":
        require_signer(request.user, change)  # R4 before the form, whatever was posted
        if form is None:
            form = SignatureForm(request.POST)
        if form.is_valid():
            signature = perform(
                form,
                sign_form,
                actor=request.user,
                change=change,
                signature=form.cleaned_data["signature"],
            )
            if signature is not None:
                if signature.verified:
                    messages.success(request, "Your signature is verified against your reference.")
                else:
                    messages.error(
                        request,
                        "R23: Your signature does not match your reference on file. It is "
                        "flagged; sign again. The other signatures stand.",
                    )
                return redirect(reverse("convoy:change_signatures", args=[change.pk]))
        return _render_signatures(request, change, form, status=400)
    return _render_signatures(request, change, form)


@require_POST
@member_view
def change_archive_form(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    try:
        archive_form(actor=request.user, change=change)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
        return redirect(reverse("convoy:change_signatures", args=[change.pk]))
    messages.success(
        request, f"The change request form of {change.record_id} is verified and archived."
    )
    return redirect(_detail(change))


@require_http_methods(["GET", "POST"])
@member_view
def change_submit_to_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """R24/R25: the author submits the Change with its package."""
    change = _change(pk)
    require_role(
        request.user,
        change.feature.convoy,
        Role.CODE_ENGINEER,
        action="Submitting to the CRAP agenda",
    )
    refuse_unless_author(request.user, change, "Submitting to the CRAP agenda")
    form = AgendaSubmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submission = perform(
            form,
            submit_to_agenda,
            actor=request.user,
            change=change,
            convening=form.cleaned_data["convening"],
            risk_exposure_summary=form.cleaned_data["risk_exposure_summary"],
            rollback_authorization_declaration=form.cleaned_data[
                "rollback_authorization_declaration"
            ],
        )
        if submission is not None:
            note = (
                " The cutoff had passed; it goes to the following Convening."
                if submission.rolled_over
                else ""
            )
            messages.success(
                request, f"{change.record_id} is on the agenda of the {submission.convening}.{note}"
            )
            return redirect(_detail(change))
    return render(
        request,
        "convoy/pipeline/agenda_submission.html",
        {"change": change, "convoy": change.feature.convoy, "form": form},
        status=400 if form.errors else 200,
    )
