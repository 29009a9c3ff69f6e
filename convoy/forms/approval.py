"""Forms of Manifest Approval, the Change Freeze and Emergency Sail (R9, R38–R42). The rules
live in convoy/ceremonies/manifest_approval.py, freeze.py and emergency_sail.py."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from convoy.ceremonies.manifest_approval import captain_slots, csc_members
from convoy.ceremonies.roles import display_name
from convoy.forms.safety import RangeCheckedChoices, within_calendar
from convoy.models import (
    EMERGENCY_SAIL_MIN_WORDS,
    EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS,
    Convoy,
    RiskCategory,
)

MAX_TEXT_CHARS = 200_000


class PersonChoiceField(RangeCheckedChoices):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


def _people(ids: list[int]) -> Any:
    return get_user_model().objects.filter(pk__in=ids).select_related("crew")


class ConveneForm(forms.Form):
    """R38 step 1: who of the CSC is present."""

    present = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="CSC members present",
        help_text="Quorum: the chair and a majority of the members seated.",
    )

    def __init__(self, *args: Any, convoy: Convoy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = _people([a.user_id for a in csc_members(convoy)])


class RollCallForm(forms.Form):
    """R38 step 2: which Feature Captains answer the roll call."""

    present = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Feature Captains present",
        help_text="An absent Feature Captain without an Absence Attestation Form is noted.",
    )

    def __init__(self, *args: Any, convoy: Convoy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = _people([s.captain.pk for s in captain_slots(convoy)])


class AbsenceAttestationForm(forms.Form):
    absent_on = forms.DateField(
        label="Day of absence",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
    )
    reason = forms.CharField(
        label="Reason for absence", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class VoteForm(forms.Form):
    """R39: one binary vote on the whole Convoy; there is no partial approval."""

    vote = forms.ChoiceField(
        label="Your vote on the Convoy as one indivisible unit",
        choices=[("APPROVE", "Approve"), ("HOLD", "Hold in port")],
        widget=forms.RadioSelect,
    )


class EmergencySailForm(forms.Form):
    """R42: every element of the Emergency Sail Authorization Request, in one form."""

    justification_narrative = forms.CharField(
        label="Emergency Justification Narrative",
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 16,
                "data-wordcount-min": str(EMERGENCY_SAIL_MIN_WORDS),
                "aria-describedby": "id_justification_narrative_count "
                "id_justification_narrative_helptext",
            }
        ),
        help_text=f"At least {EMERGENCY_SAIL_MIN_WORDS:,} words.",
    )
    remediation_plan = forms.CharField(
        label="Post-Emergency Documentation Remediation Plan",
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="How all missing paperwork will be completed after deployment.",
    )
    remediation_business_days = forms.IntegerField(
        label="Business days after deployment to complete it",
        min_value=0,
        max_value=365,
        help_text=f"At most {EMERGENCY_SAIL_REMEDIATION_BUSINESS_DAYS}.",
    )

    RATINGS = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in RiskCategory:
            for axis in ("likelihood", "impact"):
                self.fields[f"{axis}_{category.value}"] = forms.ChoiceField(
                    label=f"{category.label}: {axis}",
                    choices=self.RATINGS,
                    required=False,
                    widget=forms.Select(attrs={"aria-label": f"{category.label}: {axis}"}),
                )

    def matrix_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (c.label, self[f"likelihood_{c.value}"], self[f"impact_{c.value}"])
            for c in RiskCategory
        ]

    def matrix(self) -> dict[str, dict[str, str]]:
        return {
            c.value: {
                "likelihood": self.cleaned_data.get(f"likelihood_{c.value}", ""),
                "impact": self.cleaned_data.get(f"impact_{c.value}", ""),
            }
            for c in RiskCategory
        }
