"""The filing form of a Manifest item (§6, R37). The ceremony re-checks everything; the form
puts the errors it can judge alone next to the field they concern."""

from typing import Any

from django import forms

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.manifest import (
    ACCEPTED_TYPES_TEXT,
    MAX_BODY_CHARS,
    check_upload,
)
from convoy.models import DOCUMENT_STANDARDS_VERSION


class DocumentForm(forms.Form):
    body = forms.CharField(
        label="Written document",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=f"Write the document here, at most {MAX_BODY_CHARS:,} characters, or upload it.",
    )
    upload = forms.FileField(
        label="Uploaded document",
        required=False,
        allow_empty_file=True,  # the ceremony's refusal says why an empty file is refused
        help_text=f"{ACCEPTED_TYPES_TEXT}. The content is checked, not the name.",
    )
    standards_version = forms.CharField(
        label="Document Standards Guide version",
        max_length=10,
        initial=DOCUMENT_STANDARDS_VERSION,
        widget=forms.TextInput(attrs={"class": "short", "inputmode": "decimal"}),
        help_text=(
            f"The version of the SADMF Document Standards Guide the document follows. "
            f"A document under any version other than {DOCUMENT_STANDARDS_VERSION} is filed "
            "and listed as a formatting deficiency (R37)."
        ),
    )
    sign = forms.BooleanField(label="Sign this version on filing", required=False)

    def __init__(self, *args: Any, may_sign: bool, sign_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if may_sign:
            if sign_label:
                self.fields["sign"].label = sign_label
        else:
            del self.fields["sign"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > MAX_BODY_CHARS:
            raise forms.ValidationError(
                f"R37: A written document may be at most {MAX_BODY_CHARS:,} characters long; "
                f"this one has {len(body):,}. A longer document is uploaded as a file."
            )
        return body

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                check_upload(upload)
            except ProcessViolation as violation:
                raise forms.ValidationError(f"{violation.rule}: {violation.message}") from None
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        written = bool((cleaned.get("body") or "").strip())
        uploaded = cleaned.get("upload") is not None
        if "body" in self.errors or "upload" in self.errors:
            return cleaned
        if written and uploaded:
            raise forms.ValidationError(
                "A Manifest document is either written or uploaded, not both."
            )
        if not written and not uploaded:
            raise forms.ValidationError("Write the document or upload its file.")
        return cleaned

    @property
    def wants_signature(self) -> bool:
        return bool(self.cleaned_data.get("sign"))


class SignForm(forms.Form):
    next = forms.CharField(required=False)
