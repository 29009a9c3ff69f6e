from django import template

register = template.Library()


@register.inclusion_tag("convoy/feature/_pcrs.html")
def feature_pcrs(feature):  # type: ignore[no-untyped-def]
    return {"feature": feature, "pcrs": feature.priority_change_requests.all()}
