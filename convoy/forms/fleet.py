"""Forms of Deploy the Fleet, the Fleet Inspection, Dry Dock and the Tribunal (R43–R47, R52, R53).

The forms only shape input; every rule (ranges, deadlines, who may act) is enforced by the
ceremonies, so a refusal names its rule whichever way the request arrives.
"""

from django import forms

from convoy.forms.safety import MAX_STORED_INT, RangeCheckedChoices, within_calendar
from convoy.models import (
    REQUIRED_SLIDES,
    ApprovalStage,
    Change,
    DefectTier,
    DemoVideoApproval,
    Dimension,
    Feature,
    Finding,
    RootCause,
)


class DeploymentRequestForm(forms.Form):
    summary = forms.CharField(
        label="What is to be deployed, and how it is rolled back",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class ApprovalStageForm(forms.Form):
    stage = forms.ChoiceField(choices=ApprovalStage.choices)


class YieldForm(forms.Form):
    results = forms.CharField(
        label="Results", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class VideoApprovalForm(forms.Form):
    feature = forms.ModelChoiceField(queryset=Feature.objects.none())
    title = forms.CharField(max_length=200)

    def __init__(self, *args, features=None, **kwargs):
        super().__init__(*args, **kwargs)
        if features is not None:
            self.fields["feature"].queryset = features


class PresentationForm(forms.Form):
    feature = forms.ModelChoiceField(queryset=Feature.objects.none())
    slot_start = forms.DateTimeField(
        label="Slot start",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[within_calendar],
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", help_text="The slot is 45.", max_value=MAX_STORED_INT
    )
    slide_count = forms.IntegerField(
        label="Slides", help_text="At least 25.", max_value=MAX_STORED_INT
    )
    live_demo = forms.BooleanField(label="A live demonstration was given", required=False)
    video = forms.ModelChoiceField(
        queryset=DemoVideoApproval.objects.none(),
        required=False,
        label="Pre-recorded video shown",
        help_text="Only videos the DOUCHE approved at least 48 hours before the slot.",
    )
    lessons = forms.CharField(
        label="Lessons Learned (one per line)", widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, features=None, videos=None, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in REQUIRED_SLIDES.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)
        if features is not None:
            self.fields["feature"].queryset = features
        if videos is not None:
            self.fields["video"].queryset = videos

    def slides(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key in REQUIRED_SLIDES}

    def lesson_lines(self) -> list[str]:
        return [line for line in self.cleaned_data["lessons"].splitlines() if line.strip()]


class ScoreForm(forms.Form):
    """Whole numbers; the 1–5 range is the ceremony's to refuse (R45)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for dimension in Dimension:
            self.fields[dimension.value] = forms.IntegerField(
                label=dimension.label,
                widget=forms.NumberInput(attrs={"min": 1, "max": 5}),
                min_value=-MAX_STORED_INT,
                max_value=MAX_STORED_INT,
            )

    def marks(self) -> dict[str, int]:
        return {d.value: self.cleaned_data[d.value] for d in Dimension}


class DefectForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tier = forms.TypedChoiceField(choices=DefectTier.choices, coerce=int)
    root_cause = forms.ChoiceField(choices=RootCause.choices)
    explanation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required when the root cause is “Other”.",
    )
    changes = RangeCheckedChoices(
        queryset=Change.objects.none(), help_text="The Changes whose code the defect touches."
    )

    def __init__(self, *args, changes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if changes is not None:
            self.fields["changes"].queryset = changes


class HearingForm(forms.Form):
    defence_seconds = forms.IntegerField(
        label="Defence time (seconds)", help_text="At most 120.", max_value=MAX_STORED_INT
    )
    finding = forms.ChoiceField(choices=Finding.choices)


class AppealForm(forms.Form):
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AppealDecisionForm(forms.Form):
    withdraw = forms.TypedChoiceField(
        choices=[("1", "Withdraw the attribution"), ("0", "The attribution stands")],
        coerce=lambda v: v == "1",
    )
