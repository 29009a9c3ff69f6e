"""What a workbook tab is: a title, a section, typed columns and a generator of rows (R54).

A tab class knows its records, never the workbook: `rows(convoy)` yields one sequence of
Python values per record, in column order, from a small constant number of queries. The
builder turns the values into typed cells (cells.py), writes the header, freezes it, sets
the autofilter and column widths, and gives every `Column` with a `name` a workbook-level
defined name (`{Tab.key}_{Column.name}`) over its data rows, which the Metrics Dashboard's
formulas use so that every formula reads as what it counts.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from convoy.models import Convoy

CHUNK = 2000  # rows fetched per round trip when a tab streams its records


class Section(enum.Enum):
    CHANGE_MANIFEST = "Change Manifest"
    APPROVAL_CHAIN = "Approval Chain"
    RISK_REGISTRY = "Risk Registry"
    PERSONNEL_ACCOUNTABILITY = "Personnel Accountability"
    METRICS_DASHBOARD = "Metrics Dashboard"


class Kind(enum.Enum):
    """What a column holds; tests check each data cell against it."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    FORMULA = "formula"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: int = 16
    name: str = ""  # the defined name's suffix, for columns that formulas read


def text(header: str, width: int = 18, name: str = "") -> Column:
    return Column(header, Kind.TEXT, width, name)


def integer(header: str, width: int = 10, name: str = "") -> Column:
    return Column(header, Kind.INTEGER, width, name)


def decimal(header: str, width: int = 12, name: str = "") -> Column:
    return Column(header, Kind.DECIMAL, width, name)


def date(header: str, width: int = 12, name: str = "") -> Column:
    return Column(header, Kind.DATE, width, name)


def moment(header: str, width: int = 18, name: str = "") -> Column:
    return Column(header, Kind.DATETIME, width, name)


def boolean(header: str, width: int = 10, name: str = "") -> Column:
    return Column(header, Kind.BOOLEAN, width, name)


def calculated(header: str, width: int = 12, name: str = "") -> Column:
    """A column of the builder's own formulas (cells.Formula)."""
    return Column(header, Kind.FORMULA, width, name)


class Tab(ABC):
    """One tab of the workbook. Subclasses set the class attributes and `rows`."""

    title: ClassVar[str]
    section: ClassVar[Section]
    key: ClassVar[str]  # prefix of the tab's defined names (letters only)
    columns: ClassVar[tuple[Column, ...]]
    # The first row's text when the tab has no records.
    empty: ClassVar[str] = "No records."

    @abstractmethod
    def rows(self, convoy: Convoy) -> Iterable[Sequence[Any]]:
        """The tab's data rows, in the order of `columns`."""

    def empty_text(self, convoy: Convoy) -> str:
        return self.empty.format(convoy=convoy.code)

    def charts(self, ws: Any, last_row: int) -> list[tuple[Any, str]]:
        """Native charts over the rows written (2..last_row), each with its anchor cell."""
        return []


class PendingTab(Tab):
    """A tab whose records a later part of the app builds (DOMAIN.md §4, §5, §8).

    It has its header now and says in its first row why it is empty. Filling it means
    writing `rows` and changing `empty` to the plain "no records" of a built tab.
    """

    def rows(self, convoy: Convoy) -> Iterator[Sequence[Any]]:
        return iter(())


def person(display_name: str | None, username: str | None) -> str:
    """The named individual as the records show them: the crew name, else the username."""
    return display_name or username or ""
