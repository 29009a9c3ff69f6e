"""The feature page's EARB naming check (R18) and Manifest section (§6, R36, R37)."""

from typing import Any

from django import template

from convoy.caching import cached_for_template
from convoy.ceremonies.manifest import may_file, may_sign
from convoy.ceremonies.names import check_name, latest_submission, submission_refusal
from convoy.ceremonies.roles import roles_of
from convoy.deficiencies import deficiency_list, load_manifest
from convoy.models import DOCUMENT_STANDARDS_VERSION, NameVerdict, Role

register = template.Library()


@register.inclusion_tag("convoy/feature/_name_check.html", takes_context=True)
def feature_name_check(context: template.Context, feature: Any) -> dict[str, Any]:
    """The name with every word not in the Book of Names marked; the EARB submission, with
    a submit button for the feature's Feature Captain and the ruling for the EARB."""
    user = context.get("user")
    convoy = feature.convoy
    held = roles_of(user, convoy)
    words, latest, submissions = cached_for_template(
        context, "feature-name-check", feature.pk, compute=lambda: _name_records(feature)
    )
    is_captain = user is not None and feature.captain_id == user.pk and Role.FEATURE_CAPTAIN in held
    refusal = submission_refusal(feature, latest) if is_captain else None
    pending = latest if latest is not None and latest.verdict == NameVerdict.PENDING else None
    return {
        "feature": feature,
        "convoy": convoy,
        "words": words,
        "offending": [w.word for w in words if not w.admitted],
        "latest": latest,
        "submissions": submissions,
        "may_submit": is_captain and refusal is None,
        "refusal": refusal,
        "pending": pending,
        "may_rule": pending is not None and Role.EARB in held,
        "pending_offending": [w.word for w in check_name(pending.name) if not w.admitted]
        if pending is not None
        else [],
        "csrf_token": context.get("csrf_token"),
        "request_path": context["request"].get_full_path() if "request" in context else "",
    }


def _name_records(feature: Any) -> tuple:
    submissions = feature.name_submissions.select_related("submitted_by__crew", "ruled_by__crew")
    return check_name(feature.name), latest_submission(feature), list(submissions[:10])


@register.inclusion_tag("convoy/feature/_manifest_section.html", takes_context=True)
def feature_manifest_section(context: template.Context, feature: Any) -> dict[str, Any]:
    """The feature's eight Manifest items as they stand, and its deficiency list (R36)."""
    user = context.get("user")
    convoy = feature.convoy
    held = roles_of(user, convoy)
    records, deficiencies = cached_for_template(
        context, "feature-manifest", feature.pk, compute=lambda: _manifest_records(feature)
    )
    section = records.sections[0]
    rows = [
        {
            "item": item,
            "may_file": may_file(held, user, section.feature, item.kind),
            "may_sign": may_sign(held, user, section.feature, item.kind)
            and item.current is not None
            and not (item.current.signed_by_id and item.current.signature_verified),
        }
        for item in section.items
    ]
    return {
        "feature": feature,
        "convoy": convoy,
        "rows": rows,
        "deficiencies": deficiencies,
        "readable": bool(held),
        "standards_version": DOCUMENT_STANDARDS_VERSION,
        "csrf_token": context.get("csrf_token"),
        "request_path": context["request"].get_full_path() if "request" in context else "",
    }


def _manifest_records(feature: Any) -> tuple:
    records = load_manifest(feature.convoy, feature)
    return records, deficiency_list(feature.convoy, feature, records=records)


@register.filter
def role_label(value: str) -> str:
    """A stored role value ("QA") as its name ("Quality Authority")."""
    return Role(value).label if value in Role.values else value
