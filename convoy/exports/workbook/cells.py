"""Turning Python values into workbook cells: the one place where R55 is enforced.

openpyxl makes a live formula of any string longer than one character that starts with "=",
and an error cell of any string equal to an error code (`#N/A`); Excel and LibreOffice treat
text starting with + - @ or a control character as a formula when it is edited. So every
string from the records goes through `text_cell`: characters XML forbids are removed, and a
string that could be read as a formula or an error is written as text with Excel's hidden
quote prefix, its value unchanged. Only `Formula` values, built by the workbook's own
dashboards, become formulas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# R55: a leading = + - @, tab or carriage return makes a spreadsheet read text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
ERROR_TEXTS = frozenset(ERROR_CODES)


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula written by the builder itself (the only way a cell becomes a formula)."""

    text: str
    number_format: str = ""  # a spreadsheet infers a date format from date operands

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"A formula starts with '=': {self.text!r}")


def clean_text(value: str) -> str:
    """The text as every reader will read it back.

    Characters XML 1.0 forbids (most C0 controls) are removed. A carriage return cannot
    survive either: openpyxl writes it raw and XML end-of-line handling turns every CR and
    CR LF into LF on reading, so it is normalised here and the stored value is what is read.
    """
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def needs_neutralising(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS) or value in ERROR_TEXTS


def text_cell(ws: WriteOnlyWorksheet, value: str) -> str | WriteOnlyCell:
    """R55: user text as text. Returns the plain string when nothing could misread it."""
    if not value.isprintable():  # only then can it hold a control character or a CR
        value = clean_text(value)
    if not needs_neutralising(value):
        return value
    cell = WriteOnlyCell(ws, value)
    # Assigning the value ran openpyxl's type inference; force text afterwards (assigning
    # `.value` again would infer again) and add the quote prefix so it shows as text too.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def formula_cell(ws: WriteOnlyWorksheet, formula: Formula) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, formula.text)
    if cell.data_type != "f":  # pragma: no cover - Formula guarantees the leading "="
        raise ValueError(f"not a formula: {formula.text!r}")
    if formula.number_format:
        cell.number_format = formula.number_format
    return cell


def cell_value(ws: WriteOnlyWorksheet, value: Any) -> Any:
    """A value openpyxl writes with the right type.

    Strings through `text_cell`; aware datetimes to naive local time (Excel has no time
    zones); dates, numbers and booleans as themselves (openpyxl gives dates a date format).
    """
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        if value.isprintable() and not needs_neutralising(value):
            return value  # the common case, decided without building a cell
        return text_cell(ws, value)
    if kind is dt.datetime:
        if value.tzinfo is not None:
            # The app's time zone (settings.TIME_ZONE): a file has no request to activate one.
            value = value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None)
        return value
    if kind in (int, float, Decimal, bool, dt.date):
        return value
    if kind is Formula:
        return formula_cell(ws, value)
    if isinstance(value, str):  # str subclasses, e.g. SafeString or a TextChoices member
        return text_cell(ws, str(value))
    raise TypeError(f"The workbook does not write values of type {kind.__name__}.")
