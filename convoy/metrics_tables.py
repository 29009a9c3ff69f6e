"""django-tables2 tables of the CSO dashboard, the Flow X-ray and the Tribunal's figures.

Every table renders from its queryset's own annotations (or from a short list of plain
rows), so a page costs the same queries at any number of Changes.
"""

from __future__ import annotations

import datetime as dt

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from convoy.metrics.common import days
from convoy.metrics.engineers import first_pass_rate, iteration_count, velocity
from convoy.metrics.lead_time import is_reactive

NUM = {"cell": {"class": "num"}}
NOWRAP = {"cell": {"class": "nowrap"}}


def _when(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def _figure(value) -> str:  # type: ignore[no-untyped-def]
    return "—" if value is None else str(value)


class MetricsTable(tables.Table):
    """Our table template: caption, sortable headers with aria-sort, pager, empty state."""

    class Meta:
        template_name = "convoy/metrics/_table.html"
        attrs = {"class": "data"}

    def __init__(self, *args, caption: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.caption = caption


class ChangeLinkColumn(tables.Column):
    def render(self, record) -> str:  # type: ignore[no-untyped-def]
        return format_html(
            '<a href="{}">{}</a>', reverse("convoy:change_detail", args=[record.pk]), record
        )


class LeadTimeTable(MetricsTable):
    """R50: approved Changes (queryset from `approved_changes`), lead time and the flag."""

    change = ChangeLinkColumn(accessor="pk", verbose_name="Change", order_by=("id",))
    feature = tables.Column(accessor="feature__number", verbose_name="Feature")
    created_at = tables.Column(verbose_name="Record created", attrs=NOWRAP)
    approved_at = tables.Column(verbose_name="CRAP approval", attrs=NOWRAP)
    lead = tables.Column(verbose_name="Lead time (days)", attrs=NUM)
    reactive = tables.Column(accessor="lead", verbose_name="Flag", orderable=False, empty_values=())

    class Meta(MetricsTable.Meta):
        attrs = {"class": "data", "id": "lead-times"}
        order_by = ("-lead",)

    def render_feature(self, value: int) -> str:
        return f"F{value:03d}"

    def render_created_at(self, value: dt.datetime) -> str:
        return _when(value)

    def render_approved_at(self, value: dt.datetime) -> str:
        return _when(value)

    def render_lead(self, value: dt.timedelta) -> str:
        return _figure(days(value))

    def render_reactive(self, value: dt.timedelta | None) -> str:
        return "Reactive (under 5 days)" if is_reactive(value) else ""


class EngineerTable(MetricsTable):
    """R51: the per-engineer figures (queryset from `convoy_engineers`)."""

    name = tables.Column(accessor="crew__display_name", verbose_name="Code Engineer")
    changes_authored = tables.Column(verbose_name="Changes", attrs=NUM)
    completed_sp = tables.Column(verbose_name="Completed SP", attrs=NUM)
    velocity = tables.Column(
        accessor="completed_sp", verbose_name="Velocity (SP/week)", attrs=NUM, orderable=False
    )
    tasks = tables.Column(verbose_name="Tasks", attrs=NUM)
    lines = tables.Column(verbose_name="Lines of Code", attrs=NUM)
    defects = tables.Column(verbose_name="Defects", attrs=NUM)
    first_pass = tables.Column(verbose_name="CSET first pass", attrs=NUM, orderable=False)
    rounds = tables.Column(verbose_name="Iteration Count", attrs=NUM, orderable=False)

    class Meta(MetricsTable.Meta):
        attrs = {"class": "data", "id": "engineers"}

    def __init__(self, *args, convoy, duration: dt.timedelta, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.convoy = convoy
        self.duration = duration

    def render_name(self, value: str, record) -> str:  # type: ignore[no-untyped-def]
        url = reverse("convoy:metrics_engineer", args=[self.convoy.number, record.username])
        return format_html('<a href="{}">{}</a>', url, value or record.username)

    def render_velocity(self, value: int) -> str:
        return _figure(velocity(value, self.duration))

    def render_first_pass(self, value: int, record) -> str:  # type: ignore[no-untyped-def]
        rate = first_pass_rate(value, record.inspected)
        return "No inspection released" if rate is None else f"{rate} %"

    def render_rounds(self, value: int, record) -> str:  # type: ignore[no-untyped-def]
        return _figure(iteration_count(value, record.inspected_changes))


class WaitTable(MetricsTable):
    """§12: each shipped Change, when it was done and how long it waited for the sailing."""

    change = ChangeLinkColumn(accessor="pk", verbose_name="Change", order_by=("id",))
    feature = tables.Column(accessor="feature__number", verbose_name="Feature")
    created_at = tables.Column(verbose_name="Record created", attrs=NOWRAP)
    done_at = tables.Column(verbose_name="Done (QA certificate)", attrs=NOWRAP)
    wait = tables.Column(
        accessor="done_at", verbose_name="Wait for the sailing (days)", attrs=NUM, orderable=False
    )

    class Meta(MetricsTable.Meta):
        attrs = {"class": "data", "id": "waits"}
        order_by = ("done_at",)

    def __init__(self, *args, sailed_at: dt.datetime | None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.sailed_at = sailed_at

    def render_feature(self, value: int) -> str:
        return f"F{value:03d}"

    def render_created_at(self, value: dt.datetime) -> str:
        return _when(value)

    def render_done_at(self, value: dt.datetime | None) -> str:
        return _when(value) if value else "No certificate on record"

    def render_wait(self, value: dt.datetime | None) -> str:
        if value is None or self.sailed_at is None:
            return "—"
        return _figure(days(self.sailed_at - value))


class ComparisonTable(MetricsTable):
    """§12: the Convoy beside the one-by-one replay, with the ratio (plain rows)."""

    measure = tables.Column(verbose_name="Measure", orderable=False)
    convoy = tables.Column(verbose_name="The Convoy", attrs=NUM, orderable=False)
    replay = tables.Column(verbose_name="One by one, when done", attrs=NUM, orderable=False)
    ratio = tables.Column(verbose_name="Ratio", attrs=NUM, orderable=False)
    unit = tables.Column(verbose_name="Unit", orderable=False)

    class Meta(MetricsTable.Meta):
        attrs = {"class": "data", "id": "comparison"}

    def render_convoy(self, value) -> str:  # type: ignore[no-untyped-def]
        return _figure(value)

    def render_replay(self, value) -> str:  # type: ignore[no-untyped-def]
        return _figure(value)

    def render_ratio(self, value) -> str:  # type: ignore[no-untyped-def]
        return f"{value}×"


class FiguresTable(MetricsTable):
    """The numbers behind a chart: one row per label (plain rows)."""

    label = tables.Column(verbose_name="", orderable=False)
    value = tables.Column(verbose_name="", attrs=NUM, orderable=False)

    def __init__(self, data, *, label: str, value: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(data, **kwargs)
        self.columns["label"].column.verbose_name = label
        self.columns["value"].column.verbose_name = value
