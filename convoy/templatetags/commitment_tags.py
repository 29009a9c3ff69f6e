"""`{% commitment_lock_banner convoy %}`: the lock banner (R16) for pages about a Convoy."""

from django import template

from convoy.ceremonies.commitment import cycle_label, lock_refusal, locked_cycles_covering

register = template.Library()


@register.inclusion_tag("convoy/commitment/_lock_banner.html")
def commitment_lock_banner(convoy):  # type: ignore[no-untyped-def]
    """Shown when a locked 8-quarter commitment covers the Convoy's quarter; else nothing."""
    if convoy is None:
        return {"banners": []}
    banners = [
        {
            "cycle": cycle,
            "label": cycle_label(cycle),
            "message": lock_refusal(cycle).message,
            "for_quarter": cycle.commitments.filter(
                target_year=convoy.year, target_quarter=convoy.quarter
            ).count(),
        }
        for cycle in locked_cycles_covering(convoy)
    ]
    return {"banners": banners, "convoy": convoy}
