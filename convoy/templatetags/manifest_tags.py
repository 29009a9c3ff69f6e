from django import template

register = template.Library()


@register.inclusion_tag("convoy/feature/_manifest_section.html")
def feature_manifest_section(feature):  # type: ignore[no-untyped-def]
    return {"feature": feature, "documents": feature.manifest_documents.all()}


@register.inclusion_tag("convoy/feature/_name_check.html")
def feature_name_check(feature):  # type: ignore[no-untyped-def]
    return {"feature": feature, "submissions": feature.name_submissions.all()[:1]}
