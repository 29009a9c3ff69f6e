"""django-filter FilterSets of the app's lists."""

from typing import Any

import django_filters

from convoy.forms.features import PersonChoiceField, holders
from convoy.models import Convoy, Feature, FeatureStatus, Role, Signal


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


class FeatureFilter(django_filters.FilterSet):
    """A Convoy's features by Feature Captain, status, signal and name."""

    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    captain = PersonChoiceFilter(
        queryset=Feature.captain.field.related_model.objects.none(),
        label="Feature Captain",
        empty_label="Any Feature Captain",
    )
    status = django_filters.ChoiceFilter(choices=FeatureStatus.choices, empty_label="Any status")
    signal = django_filters.ChoiceFilter(
        choices=Signal.choices, empty_label="Any signal", null_label=None
    )

    class Meta:
        model = Feature
        fields = ["name", "captain", "status", "signal"]

    def __init__(self, *args: Any, convoy: Convoy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["captain"].queryset = holders(convoy, Role.FEATURE_CAPTAIN)

    @property
    def filtering(self) -> bool:
        """Whether any filter was given a value (an empty page then means "no match")."""
        return self.is_bound and any(self.data.get(name) for name in self.filters)
