"""Forms of the Book of Names and of name rulings (R18). The rules live in
convoy/ceremonies/names.py; these forms only carry what was typed."""

from django import forms

from convoy.ceremonies.names import MAX_WORD_LENGTH


class WordForm(forms.Form):
    word = forms.CharField(
        label="Word",
        max_length=MAX_WORD_LENGTH,
        help_text=(
            "One word of the letters a to z, which a hyphen or an apostrophe may join. "
            "No word of more than three syllables is admitted."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class NameRulingForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("admit", "Admit"), ("reject", "Reject")])

    @property
    def admit(self) -> bool:
        return self.cleaned_data["verdict"] == "admit"
