"""False-oath referrals to the Tribunal (R35): the oaths sworn before the CRAP, as the minutes
record them, and the referral of one found to have been sworn falsely.

The chair who administered the oath, or the CRAP's present chair, refers (`require_referrer`);
anybody else is refused for want of the role (R4). The RBRB reads them, as the ATO and the
Auditor do, and changes nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from convoy.ceremonies.agenda import crap_chair
from convoy.ceremonies.convening import refer_false_oath, require_referrer
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import Oath, Role
from convoy.views.access import member_view, perform

PER_PAGE = 25
# Who reads the minutes' oaths: the RBRB, the ATO and auditors; and the chair, who refers.
READERS = (Role.RBRB, Role.ADMIRAL, Role.AUDITOR)


class ReferralForm(forms.Form):
    finding = forms.CharField(
        label="Finding of the false oath",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the supplicant swore, and what was later found. Sent to the Tribunal.",
    )


def _oath(pk: int) -> Oath:
    return get_object_or_404(
        Oath.objects.select_related(
            "supplicant__crew", "oath_text", "convening", "administered_by__crew"
        ),
        pk=pk,
    )


@require_GET
@member_view
def oath_list(request: HttpRequest) -> HttpResponse:
    """The Supplicant's Oaths in the minutes, newest first, with any referral (R27, R35)."""
    chair = crap_chair()
    is_chair = chair is not None and chair.pk == request.user.pk
    if not is_chair:
        require_role(request.user, None, *READERS, action="Reading the Supplicant's Oaths")
    oaths = Oath.objects.select_related(
        "supplicant__crew", "oath_text", "convening", "referral__referred_by__crew"
    ).order_by("-taken_at", "-pk")
    return render(
        request,
        "convoy/convening/oaths.html",
        {
            "page": Paginator(oaths, PER_PAGE).get_page(request.GET.get("page")),
            "may_refer": is_chair,
        },
    )


@require_http_methods(["GET", "POST"])
@member_view
def oath_refer(request: HttpRequest, pk: int) -> HttpResponse:
    """R35: a supplicant later found to have sworn falsely is referred to the Tribunal."""
    oath = _oath(pk)
    require_referrer(request.user, oath)
    referral = getattr(oath, "referral", None)
    form = ReferralForm(request.POST or None) if referral is None else None
    if request.method == "POST":
        if form is None:
            form = ReferralForm(request.POST)
            form.add_error(None, "R35: This oath has been referred to the Tribunal.")
        elif form.is_valid():
            done = perform(
                form,
                refer_false_oath,
                actor=request.user,
                oath=oath,
                finding=form.cleaned_data["finding"],
            )
            if done is not None:
                messages.success(
                    request,
                    f"{display_name(oath.supplicant)} is referred to the Tribunal for the "
                    f"Supplicant's Oath v{oath.oath_text.version} sworn at the {oath.convening}.",
                )
                return redirect("convoy:oath_refer", pk=oath.pk)
    return render(
        request,
        "convoy/convening/refer.html",
        {"oath": oath, "referral": referral, "form": form},
        status=400 if form is not None and form.errors else 200,
    )
