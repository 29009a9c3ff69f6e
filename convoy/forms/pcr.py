"""Forms of the Priority Change Request (R17). The rules live in convoy/ceremonies/pcr.py."""

from typing import Any

from django import forms

from convoy.ceremonies.pcr import MAX_TEXT_CHARS, MIN_JUSTIFICATION_WORDS, highest_priority
from convoy.ceremonies.roles import display_name
from convoy.models import Feature


class RecordInput(forms.TextInput):
    """A value copied from the records: shown read-only (focusable, unlike `disabled`).

    The field is `disabled`, so Django ignores whatever is posted for it and keeps the
    record's value.
    """

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.pop("disabled", False):
            widget_attrs["readonly"] = True
        return context


def _record_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, disabled=True, required=False, widget=RecordInput, help_text=help_text
    )


def _text_widget(name: str, **attrs: str) -> forms.Textarea:
    return forms.Textarea(
        attrs={
            "rows": 16,
            "data-wordcount-min": str(MIN_JUSTIFICATION_WORDS),
            "aria-describedby": f"id_{name}_count id_{name}_helptext",
            **attrs,
        }
    )


class PcrForm(forms.Form):
    """Every field of R17's form. Both texts are submitted together, in this one form."""

    feature_name = _record_field("Feature name", "As recorded for the feature.")
    feature_captain_name = _record_field("Feature Captain's name", "The feature's owner.")
    current_priority = _record_field("Current priority id", "From the latest ranking.")
    feature_team_size = _record_field("Feature Team size", "Code Engineers on the team.")
    proposed_priority = forms.TypedChoiceField(
        label="Proposed priority id",
        coerce=int,
        help_text="On a grant, the feature holding it takes the current priority in exchange.",
    )
    justification = forms.CharField(
        label="Justification",
        widget=_text_widget("justification"),
        help_text=f"At least {MIN_JUSTIFICATION_WORDS:,} words.",
    )
    counter_justification = forms.CharField(
        label="Counter-justification",
        widget=_text_widget(
            "counter_justification", **{"data-wordcount-match": "id_justification"}
        ),
        help_text="At least as many words as the justification.",
    )

    def __init__(self, *args: Any, feature: Feature, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature_name"].initial = feature.name
        self.fields["feature_captain_name"].initial = display_name(feature.captain)
        self.fields["current_priority"].initial = feature.priority
        self.fields["feature_team_size"].initial = feature.team.count()
        holders = {f.priority: f for f in feature.convoy.features.filter(priority__isnull=False)}
        self.fields["proposed_priority"].choices = [("", "Choose a priority")] + [
            (
                priority,
                f"{priority} · {holders[priority].code} {holders[priority].name}"
                if priority in holders
                else f"{priority} · held by no feature",
            )
            for priority in range(1, highest_priority(feature.convoy) + 1)
            if priority != feature.priority
        ]

    def _clean_text(self, name: str, label: str) -> str:
        text = self.cleaned_data[name]
        if len(text) > MAX_TEXT_CHARS:
            raise forms.ValidationError(
                f"The {label} may be at most {MAX_TEXT_CHARS:,} characters long; "
                f"this one has {len(text):,}."
            )
        return text

    def clean_justification(self) -> str:
        return self._clean_text("justification", "justification")

    def clean_counter_justification(self) -> str:
        return self._clean_text("counter_justification", "counter-justification")


class ApprovalForm(forms.Form):
    role = forms.CharField(max_length=20)


class RulingForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Verdict",
        choices=[("grant", "Grant the request"), ("deny", "Deny the request")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Grounds of the verdict",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Entered in the record. The verdict is final.",
    )

    @property
    def grant(self) -> bool:
        return self.cleaned_data["verdict"] == "grant"
