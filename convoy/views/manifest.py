"""The Convoy Manifest pages (§6, R36, R37): the Manifest, its items, signing, downloads.

Everything here is read by people who hold a role in the Convoy, or a standing role (the
Auditor, the EARB, the CSET…). Nobody else reads the Manifest or its files.
"""

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convoy.caching import cached_part, reader_cached
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest import (
    SIGNING_ROLE,
    file_document,
    kind_from_slug,
    kind_slug,
    may_file,
    may_sign,
    require_filer,
    sign_document,
)
from convoy.ceremonies.roles import display_name, roles_of
from convoy.deficiencies import (
    ManifestItem,
    by_role,
    convoy_item_url,
    deficiency_list,
    feature_item_url,
    item_deficiencies,
    load_manifest,
)
from convoy.forms.manifest import DocumentForm
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    DOCUMENT_STANDARDS_VERSION,
    FEATURE_DOCUMENT_KINDS,
    Convoy,
    DocumentKind,
    Feature,
    ManifestDocument,
    Role,
)
from convoy.selectors import convoy_or_404
from convoy.views.access import member_view, perform, safe_next
from convoy.views.paging import page_number


def require_manifest_reader(user: AbstractBaseUser, convoy: Convoy) -> frozenset[Role]:
    """R4: the Manifest is read by those holding a role in the Convoy or a standing role."""
    held = roles_of(user, convoy)
    if not held:
        raise ProcessViolation(
            "R4",
            f"Reading the Manifest of {convoy.code} requires a role in {convoy.code} or a "
            f"standing role. {display_name(user)} holds neither.",
        )
    return held


def _kind(slug: str, allowed: list[DocumentKind]) -> DocumentKind:
    kind = kind_from_slug(slug)
    if kind is None or kind not in allowed:
        raise Http404("No such Manifest item.")
    return kind


SECTIONS_PER_PAGE = 25  # features in the inventory and the sections, per page
DEFICIENCIES_SHOWN = 25  # rows per role on the whole list; the role's own list shows all
DEFICIENCIES_PER_PAGE = 100


@require_GET
@member_view
@reader_cached
def manifest(request: HttpRequest, number: int) -> HttpResponse:
    """The Manifest: its deficiency list by responsible role (R36), the feature inventory
    and every section, a page of features at a time. The list for one role alone is at
    `?role=ROLE`. Everything below the heading is the same for every reader and is cached
    under the audit chain's head (convoy/caching.py)."""
    convoy = convoy_or_404(number)
    require_manifest_reader(request.user, convoy)
    role = request.GET.get("role")
    role = Role(role) if role in Role.values else None
    page = page_number(request.GET.get("page"))
    deficiency_page = page_number(request.GET.get("dpage"))
    body = cached_part(
        request,
        "manifest",
        convoy.pk,
        role,
        page,
        deficiency_page,
        render=lambda: _manifest_body(convoy, role, page, deficiency_page),
    )
    return render(
        request,
        "convoy/manifest/manifest.html",
        {"convoy": convoy, "body": body, "standards_version": DOCUMENT_STANDARDS_VERSION},
    )


def _manifest_body(convoy: Convoy, role: Role | None, page: int, deficiency_page: int) -> str:
    records = load_manifest(convoy)
    deficiencies = deficiency_list(convoy, records=records)
    groups = by_role(deficiencies)
    if role is None:
        shown = [(r, items[:DEFICIENCIES_SHOWN], len(items)) for r, items in groups]
        role_page = None
    else:
        items = dict(groups).get(role, [])
        role_page = Paginator(items, DEFICIENCIES_PER_PAGE).get_page(deficiency_page)
        shown = [(role, role_page.object_list, len(items))]
    sections = Paginator(records.sections, SECTIONS_PER_PAGE).get_page(page)
    actual = [s.feature.actual_sp for s in records.sections if s.feature.actual_sp is not None]
    return render_to_string(
        "convoy/manifest/_body.html",
        {
            "convoy": convoy,
            "records": records,
            "count": len(deficiencies),
            "summary": [(r, len(items)) for r, items in groups],
            "shown": shown,
            "role": role,
            "role_query": f"role={role.value}&" if role else "",
            "role_page": role_page,
            "sections": sections,
            "estimated_total": sum(s.feature.estimated_sp for s in records.sections),
            "actual_total": sum(actual) if actual else None,
            "standards_version": DOCUMENT_STANDARDS_VERSION,
        },
    )


def _item_page(
    request: HttpRequest,
    convoy: Convoy,
    feature: Feature | None,
    kind: DocumentKind,
    back: str,
) -> HttpResponse:
    held = require_manifest_reader(request.user, convoy)
    filer = may_file(held, request.user, feature, kind)
    signer = may_sign(held, request.user, feature, kind)
    here = feature_item_url(convoy, feature, kind) if feature else convoy_item_url(convoy, kind)
    form = None
    if filer:
        form = DocumentForm(
            request.POST or None,
            request.FILES or None,
            may_sign=signer,
            sign_label=f"Sign this version as {SIGNING_ROLE[kind].label}",
        )
    if request.method == "POST":
        if form is None:
            require_filer(request.user, convoy, feature, kind)  # R4: answered with a 403
        elif form.is_valid():
            document = perform(
                form,
                file_document,
                actor=request.user,
                convoy=convoy,
                feature=feature,
                kind=kind,
                body=form.cleaned_data["body"],
                upload=form.cleaned_data["upload"],
                standards_version=form.cleaned_data["standards_version"],
                sign=form.wants_signature,
            )
            if document is not None:
                signed = " and signed" if document.signed_by_id else ""
                messages.success(
                    request,
                    f"{document.get_kind_display()} v{document.version} of "
                    f"{feature.code if feature else convoy.code} is on file{signed}.",
                )
                return redirect(back)
    versions = ManifestDocument.objects.filter(convoy=convoy, feature=feature, kind=kind)
    versions = list(
        versions.select_related("filed_by__crew", "signed_by__crew").order_by("-version")
    )
    current = versions[0] if versions else None
    item = ManifestItem(kind, convoy, feature, current, len(versions), here)
    return render(
        request,
        "convoy/manifest/item.html",
        {
            "convoy": convoy,
            "feature": feature,
            "kind": kind,
            "signing_role": SIGNING_ROLE[kind],
            "versions": versions,
            "current": current,
            "form": form,
            "may_sign_current": signer
            and current is not None
            and not (current.signed_by_id and current.signature_verified),
            "here": here,
            "deficiencies": item_deficiencies(item),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_view
def manifest_feature_item(
    request: HttpRequest, number: int, feature: int, kind: str
) -> HttpResponse:
    feature_obj = get_object_or_404(
        Feature.objects.select_related("convoy__commodore__crew", "captain__crew"),
        convoy__number=number,
        number=feature,
    )
    return _item_page(
        request,
        feature_obj.convoy,
        feature_obj,
        _kind(kind, FEATURE_DOCUMENT_KINDS),
        back=feature_obj.get_absolute_url() + "#manifest",
    )


@require_http_methods(["GET", "POST"])
@member_view
def manifest_convoy_item(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    convoy = convoy_or_404(number)
    return _item_page(
        request,
        convoy,
        None,
        _kind(kind, CONVOY_DOCUMENT_KINDS),
        back=convoy_item_url(convoy, kind_from_slug(kind)),
    )


def _document(number: int, pk: int) -> ManifestDocument:
    return get_object_or_404(
        ManifestDocument.objects.select_related(
            "convoy__commodore__crew", "feature__captain__crew", "signed_by__crew"
        ),
        convoy__number=number,
        pk=pk,
    )


@require_POST
@member_view
def manifest_document_sign(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    document = _document(number, pk)
    if document.feature is not None:
        default = feature_item_url(document.convoy, document.feature, document.kind)
    else:
        default = convoy_item_url(document.convoy, document.kind)
    try:
        signed = sign_document(actor=request.user, document=document)
    except ProcessViolation as violation:
        if violation.rule == "R4":
            raise
        messages.error(request, f"{violation.rule}: {violation.message}")
    else:
        subject = signed.feature.code if signed.feature else signed.convoy.code
        verified = (
            "The signature is verified."
            if signed.signature_verified
            else "The signature could not be verified: no signature reference is on file for "
            f"{display_name(request.user)}. It must be collected again."
        )
        messages.success(
            request,
            f"{signed.get_kind_display()} v{signed.version} of {subject} signed as "
            f"{Role(signed.signed_role).label}. {verified}",
        )
    return redirect(safe_next(request, default))


@require_GET
@member_view
def manifest_document_download(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """The document as filed, as an attachment, with the type its content was judged to be."""
    document = _document(number, pk)
    require_manifest_reader(request.user, document.convoy)
    if document.file:
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_filename or f"document-{document.pk}",
            content_type=document.content_type,
        )
    else:
        parts = [document.convoy.code, document.feature.code if document.feature else None]
        parts += [kind_slug(document.kind), f"v{document.version}"]
        name = "-".join(p for p in parts if p)
        response = HttpResponse(
            document.body.encode("utf-8"), content_type="text/plain; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
