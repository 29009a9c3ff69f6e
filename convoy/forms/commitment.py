"""Forms of the 8-quarter commitment (R16). The rules live in convoy/ceremonies/commitment.py."""

from django import forms

from convoy import clock
from convoy.ceremonies.commitment import cycle_window, quarter_label
from convoy.models import PlanningCycle

QUARTERS = [(q, f"Q{q}") for q in (1, 2, 3, 4)]


class OpenCycleForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2999)
    quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        today = clock.today()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1


class CommitmentForm(forms.Form):
    """A feature and the quarter, among the cycle's 8, it is committed for."""

    name = forms.CharField(label="Feature", max_length=200)
    target = forms.ChoiceField(
        label="Target quarter", help_text="One of the 8 quarters this cycle commits for (R16)."
    )

    def __init__(self, *args: object, cycle: PlanningCycle, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (f"{year}-{quarter}", quarter_label(year, quarter))
            for year, quarter in cycle_window(cycle)
        ]

    def target_quarter(self) -> tuple[int, int]:
        year, quarter = self.cleaned_data["target"].split("-")
        return int(year), int(quarter)


class LockCycleForm(forms.Form):
    confirm = forms.BooleanField(
        label="I lock this commitment. Nothing may be added, removed or edited afterwards.",
        error_messages={"required": "Confirm the lock: it cannot be undone (R16)."},
    )
