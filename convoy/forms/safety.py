"""Hostile input that a form must refuse before it reaches the database (issue 10).

Text fields need nothing here: every Django `CharField` already refuses NUL with a field error
(PostgreSQL cannot store it). Numbers are another matter: SQLite stores integers of at most
64 bits, PostgreSQL's `integer` 32, and a larger number crashes the query instead of failing
validation. So every whole-number input is bounded, and choices of records by id check the
ids' range before looking them up.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core import validators
from django.http import HttpRequest

# The largest value of PostgreSQL's `integer` (and of Django's PositiveIntegerField there).
MAX_STORED_INT = 2_147_483_647
_ID = re.compile(r"[0-9]{1,10}")


def record_id(value: object) -> int | None:
    """`value` as a record id if it is one a database could hold, else None."""
    text = str(value)
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_STORED_INT else None


def posted_id(request: HttpRequest, name: str) -> int:
    """A record id posted outside a form; 0 (no record) for anything else."""
    return record_id(request.POST.get(name, "")) or 0


class RangeCheckedChoices(forms.ModelMultipleChoiceField):
    """A multiple choice of records whose ids are checked before the lookup: an id too large
    for the database is an invalid choice, not an OverflowError."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value:
                if record_id(pk) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


# Dates: the calendar ends at 9999-12-31, so a date near either end overflows as soon as a
# ceremony adds business days to it or converts it to UTC. No ceremony of the framework needs a
# date outside these years.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def within_calendar(value: dt.date) -> None:
    """A field validator: refuse a date (or datetime) outside EARLIEST_DATE..LATEST_DATE."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise forms.ValidationError(
            f"Enter a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}.",
            code="out_of_calendar",
        )


class UsernameLengthMixin:
    """The sign-in form's username length, enforced.

    AuthenticationForm sets the username field's max_length after the field is built, so the
    length is only a widget attribute: a longer username reached `authenticate`, and
    django-axes' record of the failed attempt (a 255-character column) crashed on PostgreSQL.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        field = self.fields["username"]  # type: ignore[attr-defined]
        field.validators.append(validators.MaxLengthValidator(field.max_length or 150))


class SignInForm(UsernameLengthMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(UsernameLengthMixin, AdminAuthenticationForm):
    """The admin's sign-in form."""
