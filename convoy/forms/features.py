"""Forms of the feature pages. The rules live in convoy/ceremonies/planning.py and
priority.py; these forms check what was typed and keep it when a ceremony refuses."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from convoy.ceremonies.roles import display_name
from convoy.forms.safety import RangeCheckedChoices
from convoy.models import MAX_TASK_HOURS, Convoy, Feature, Role, Signal

User = get_user_model()


def holders(convoy: Convoy | None, role: Role) -> QuerySet:
    """The people holding `role` in `convoy` (standing roles: pass None)."""
    return (
        User.objects.filter(role_assignments__role=role, role_assignments__convoy=convoy)
        .select_related("crew")
        .order_by("crew__display_name", "username")
        .distinct()
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class PeopleChoiceField(RangeCheckedChoices):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


WSVF_INPUTS = [
    "cost_of_delay",
    "political_capital_base",
    "sponsor_attended_alignment",
    "sponsor_brought_donuts",
    "executive_visibility",
    "mentioned_in_earnings_call",
    "acronym_quality",
]
SPONSOR_INPUTS = ["sponsor_name", "sponsor_seniority", "sponsor_office_distance_m"]


class FeatureForm(forms.Form):
    """Registration and edit of a feature: every WSVF input (R11) and tie-break input (R12)."""

    name = forms.CharField(max_length=200, help_text="At most 200 characters.")
    acronym = forms.CharField(max_length=20, required=False)
    captain = PersonChoiceField(queryset=User.objects.none(), label="Feature Captain")
    team = PeopleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Feature Team",
        help_text="Code Engineers of this Convoy.",
    )
    estimated_sp = forms.IntegerField(
        min_value=0,
        max_value=10_000,
        initial=0,
        label="Estimate (story points)",
        help_text="1 story point = 0.73 person-days (R13).",
    )
    cost_of_delay = forms.IntegerField(min_value=1, max_value=10, label="Cost of delay (CoD)")
    political_capital_base = forms.IntegerField(
        min_value=0,
        max_value=1_000,
        initial=0,
        label="Political capital (PC)",
        help_text="The base score, before the bonuses below.",
    )
    sponsor_attended_alignment = forms.BooleanField(
        required=False, label="The sponsor attended the last Convoy Alignment (PC + 3)"
    )
    sponsor_brought_donuts = forms.BooleanField(
        required=False, label="The sponsor brought donuts (PC + 5)"
    )
    executive_visibility = forms.IntegerField(
        min_value=1, max_value=10, label="Executive visibility (EV)"
    )
    mentioned_in_earnings_call = forms.BooleanField(
        required=False, label="Mentioned in a quarterly earnings call (EV becomes 10)"
    )
    acronym_quality = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=1,
        label="Acronym quality (AQ)",
        help_text="At least 1. A feature with no acronym scores 1.",
    )
    sponsor_name = forms.CharField(max_length=120, required=False, label="Sponsor")
    sponsor_seniority = forms.IntegerField(
        min_value=0,
        max_value=1_000,
        initial=0,
        label="Sponsor seniority",
        help_text="Higher is more senior; breaks a WSVF tie first (R12).",
    )
    sponsor_office_distance_m = forms.IntegerField(
        min_value=0,
        max_value=100_000_000,
        initial=0,
        label="Distance of the sponsor's office from the Commodore's (metres)",
        help_text="Closer ranks first when seniority and deferrals are equal (R12).",
    )

    def __init__(self, *args: Any, convoy: Convoy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["captain"].queryset = holders(convoy, Role.FEATURE_CAPTAIN)
        self.fields["team"].queryset = holders(convoy, Role.CODE_ENGINEER)
        self.fields["cost_of_delay"].help_text = "From 1 to 10."
        self.fields["executive_visibility"].help_text = "From 1 to 10."

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A feature is registered under a name.")
        return name

    def ceremony_fields(self) -> dict[str, Any]:
        """The cleaned data as the ceremonies take it (captain and team as people)."""
        return dict(self.cleaned_data) | {"team": list(self.cleaned_data["team"])}

    @staticmethod
    def initial_for(feature: Feature) -> dict[str, Any]:
        names = ["name", "acronym", "estimated_sp", *WSVF_INPUTS, *SPONSOR_INPUTS]
        return {name: getattr(feature, name) for name in names} | {
            "captain": feature.captain_id,
            "team": [member.pk for member in feature.team.all()],
        }

    def groups(self) -> list[tuple[str, list[forms.BoundField], list[forms.BoundField]]]:
        """The fields as the page shows them: a legend, its inputs, then its checkboxes."""
        groups = [
            ("The feature", ["name", "acronym", "captain", "estimated_sp"]),
            ("WSVF inputs (R11)", WSVF_INPUTS),
            ("The sponsor (R12 tie-breaks)", SPONSOR_INPUTS),
        ]
        return [
            (
                legend,
                [self[n] for n in names if self[n].widget_type != "checkbox"],
                [self[n] for n in names if self[n].widget_type == "checkbox"],
            )
            for legend, names in groups
        ]


class StatusReportForm(forms.Form):
    signal = forms.ChoiceField(choices=[("", "Choose a signal"), *Signal.choices])
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, label="Status"
    )


class TaskForm(forms.Form):
    """The 4-hour limit is R14's and the ceremony's: the form accepts a larger task so that
    the refusal can offer to split it."""

    title = forms.CharField(max_length=190)
    hours = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("400"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "short"}),
        help_text=f"At most {MAX_TASK_HOURS:g} hours per task (R14).",
    )


class RankingForm(forms.Form):
    witness = PersonChoiceField(
        queryset=User.objects.none(),
        label="Witness of the coin toss",
        empty_label="Choose the Chief Signals Officer",
        help_text="The Chief Signals Officer witnesses the coin toss (R12).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = holders(None, Role.CSO)


class CapacityForm(forms.Form):
    capacity_person_days = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("99999999.99"),
        max_digits=10,
        decimal_places=2,
        label="Capacity of the Feature Teams this quarter (person-days)",
    )
