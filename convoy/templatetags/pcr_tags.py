"""The feature page's Priority Change Requests, and the live word counters of the PCR form."""

from django import forms, template
from django.utils.html import format_html

from convoy.caching import cached_for_template
from convoy.ceremonies.pcr import (
    MIN_JUSTIFICATION_WORDS,
    approval_chain,
    count_words,
    feature_captains,
    flagged_for_coaching,
)
from convoy.ceremonies.roles import roles_of
from convoy.models import Role

register = template.Library()


@register.inclusion_tag("convoy/feature/_pcrs.html", takes_context=True)
def feature_pcrs(context, feature):  # type: ignore[no-untyped-def]
    """The feature's PCRs with their state; a "File a PCR" link for its Feature Captain."""
    user = context.get("user")
    convoy = feature.convoy
    rows = cached_for_template(context, "feature-pcrs", feature.pk, compute=lambda: _rows(feature))
    is_captain = (
        user is not None
        and user.is_authenticated
        and feature.captain_id == user.pk
        and Role.FEATURE_CAPTAIN in roles_of(user, convoy)
    )
    return {"feature": feature, "convoy": convoy, "rows": rows, "may_file": is_captain}


def _rows(feature):  # type: ignore[no-untyped-def]
    convoy = feature.convoy
    pcrs = feature.priority_change_requests.select_related("filed_by__crew").prefetch_related(
        "approvals__approver__crew"
    )
    captains = feature_captains(convoy) if pcrs else []
    flagged = flagged_for_coaching(convoy) if pcrs else set()
    rows = []
    for pcr in pcrs:
        slots = approval_chain(pcr, captains)
        rows.append(
            {
                "pcr": pcr,
                "approved": sum(1 for s in slots if s.approved),
                "required": len(slots),
                "flagged": pcr.filed_by_id in flagged,
            }
        )
    return rows


def _words(field: forms.BoundField | None) -> int:
    if field is None:
        return 0
    return count_words(field.value() or "")


@register.simple_tag
def word_counter(field: forms.BoundField, match: forms.BoundField | None = None) -> str:
    """The counter under a PCR text, as static/convoy/wordcount.js keeps it up to date.

    Rendered by the server too, so the count is right before the script runs (or without it).
    """
    words = _words(field)
    target = (
        max(MIN_JUSTIFICATION_WORDS, _words(match))
        if match is not None
        else (MIN_JUSTIFICATION_WORDS)
    )
    state = "met" if words >= target else "short"
    comparison = ""
    compared = ""
    if match is not None:
        other = _words(match)
        compared = "met" if words >= other else "short"
        comparison = (
            "At least as long as the justification."
            if words >= other
            else f"Shorter than the justification by {other - words:,} "
            f"{'word' if other - words == 1 else 'words'}."
        )
    return format_html(
        '<p class="wordcount {}" id="{}_count" data-wordcount-for="{}">'
        '<span class="wordcount-total">{} / {} words</span>'
        "{}</p>",
        state,
        field.auto_id,
        field.auto_id,
        f"{words:,}",
        f"{target:,}",
        format_html(' <span class="wordcount-compare {}">{}</span>', compared, comparison)
        if match is not None
        else "",
    )


@register.filter
def grouped(number: int) -> str:
    """1234 → "1,234", as the counters and the refusals write counts."""
    return f"{number:,}"
