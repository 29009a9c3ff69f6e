"""Small helpers the metrics share: medians computed by the database, durations in days.

Every helper runs a fixed number of queries whatever the number of rows, so a page built
from them costs the same queries for 20 Changes and for 10,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DurationField, Expression, ExpressionWrapper, F, QuerySet

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def elapsed(later: str, earlier: str) -> ExpressionWrapper:
    """`later − earlier` between two datetime columns (or annotations), as a duration."""
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def db_median(queryset: QuerySet, expression: Expression | F, count: int) -> Any | None:
    """The median of `expression` over the `count` rows of `queryset`, or None when empty.

    The database sorts and skips to the middle (ORDER BY … LIMIT 2 OFFSET (n−1)//2); Python
    only averages the two middle values of an even count. One query, even when `count` is 0.
    """
    middle = max(count - 1, 0) // 2
    values = list(
        queryset.annotate(_median_value=expression)
        .order_by("_median_value")
        .values_list("_median_value", flat=True)[middle : middle + 2]
    )
    values = [v for v in values if v is not None]
    if count == 0 or not values:
        return None
    if count % 2 == 1 or len(values) == 1:
        return values[0]
    low, high = values[0], values[1]
    return low + (high - low) / 2


def days(duration: dt.timedelta | None) -> Decimal | None:
    """A duration in days, to one decimal place (None stays None)."""
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def hours(duration: dt.timedelta) -> Decimal:
    """A duration in hours, exact (microsecond resolution); round only the final sum."""
    return Decimal(duration // dt.timedelta(microseconds=1)) / Decimal(3_600_000_000)


def to_hundredths(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator ÷ denominator × 100, to one decimal place; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def ratio(numerator: Decimal | int | float | None, denominator: Decimal | int | float | None):
    """numerator ÷ denominator to one decimal, or None when either is missing or zero."""
    if numerator is None or denominator is None or not denominator:
        return None
    return (Decimal(str(numerator)) / Decimal(str(denominator))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
