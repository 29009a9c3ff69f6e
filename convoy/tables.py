"""django-tables2 tables of the app's lists. Each renders from the row's own fields (and
what the queryset selected with it), so a page costs the same queries at any length."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from convoy.ceremonies.planning import person_days
from convoy.ceremonies.priority import wsvf
from convoy.ceremonies.roles import display_name
from convoy.models import Feature

CENTS = Decimal("0.01")


class FeatureTable(tables.Table):
    """A Convoy's features (queryset: select_related captain__crew, annotated `wsvf_score`
    with `wsvf_expression()` for sorting)."""

    code = tables.Column(accessor="number", verbose_name="Code")
    name = tables.Column(attrs={"td": {"class": "name"}})
    captain = tables.Column(
        verbose_name="Feature Captain", order_by=("captain__crew__display_name", "number")
    )
    status = tables.Column(attrs={"cell": {"class": "nowrap"}})
    signal = tables.Column(
        default=mark_safe('<span class="muted">Not reported</span>'),
        order_by=("signal", "number"),
        attrs={"cell": {"class": "nowrap"}},
    )
    estimated_sp = tables.Column(verbose_name="Est. SP", attrs={"cell": {"class": "num"}})
    person_days = tables.Column(
        accessor="estimated_sp",
        verbose_name="Person-days",
        order_by=("estimated_sp", "number"),
        attrs={"cell": {"class": "num"}},
    )
    wsvf_score = tables.Column(verbose_name="WSVF", attrs={"cell": {"class": "num"}})
    priority = tables.Column(
        default=mark_safe('<span class="muted">Not ranked</span>'),
        attrs={"cell": {"class": "num"}},
    )
    deferral_count = tables.Column(
        verbose_name="Deferrals",
        order_by=("deferral_count", "number"),
        attrs={"cell": {"class": "nowrap"}},
    )

    class Meta:
        template_name = "convoy/features/_table.html"
        attrs = {"class": "data", "id": "features"}
        order_by = ("code",)

    def __init__(self, *args, caption: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.caption = caption

    def order_priority(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        order = (
            F("priority").desc(nulls_last=True)
            if is_descending
            else F("priority").asc(nulls_last=True)
        )
        return queryset.order_by(order, "number"), True

    def order_wsvf_score(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset.order_by(("-" if is_descending else "") + "wsvf_score", "number"), True

    def render_code(self, record: Feature) -> SafeString:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.code)

    def render_name(self, record: Feature) -> SafeString:
        if record.acronym:
            return format_html('{} <span class="muted">({})</span>', record.name, record.acronym)
        return format_html("{}", record.name)

    def render_captain(self, record: Feature) -> str:
        return display_name(record.captain)

    def render_status(self, record: Feature) -> str:
        return record.get_status_display()

    def render_signal(self, record: Feature) -> SafeString:
        return format_html(
            '<span class="signal signal-{}">{}</span>', record.signal, record.get_signal_display()
        )

    def render_person_days(self, value: int) -> str:
        return f"{person_days(value).quantize(CENTS)}"  # R13

    def render_wsvf_score(self, record: Feature) -> str:
        return f"{wsvf(record).quantize(CENTS, rounding=ROUND_HALF_UP)}"  # R11

    def render_deferral_count(self, record: Feature) -> SafeString:
        if record.legacy_priority:
            return format_html('{} <span class="tag">Legacy Priority</span>', record.deferral_count)
        return format_html("{}", record.deferral_count)
