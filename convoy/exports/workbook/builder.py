"""Writes the Release Tracking workbook of a Convoy (DOMAIN.md §10), streaming.

openpyxl's write-only mode keeps one row in memory at a time: each tab's rows go straight
from its generator to a temporary file, and `save` assembles the .xlsx. The builder knows
nothing of HTTP, files or versions: it writes to the destination it is given and reports
progress tab by tab through a callback (convoy/ceremonies/exports.py does the rest).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from convoy.exports.workbook.base import Section, Tab
from convoy.exports.workbook.cells import cell_value, text_cell
from convoy.exports.workbook.tabs import TABS
from convoy.models import Convoy

# Values openpyxl writes as they are; every other value, every str above all (R55), goes
# through cells.cell_value. A set lookup per value instead of a call: the export's own cost.
PLAIN = frozenset({int, float, Decimal, bool, dt.date, type(None)})

# (tabs done, tabs in all, title of the tab just written)
Progress = Callable[[int, int, str], object]

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
SECTION_COLOURS = {
    Section.CHANGE_MANIFEST: "1F4E79",
    Section.APPROVAL_CHAIN: "385723",
    Section.RISK_REGISTRY: "843C0C",
    Section.PERSONNEL_ACCOUNTABILITY: "7030A0",
    Section.METRICS_DASHBOARD: "404040",
}


@dataclass
class TabReport:
    title: str
    rows: int  # records written; 0 when the tab says it has none
    cells: int


@dataclass
class BuildReport:
    tabs: list[TabReport] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(tab.rows for tab in self.tabs)

    @property
    def cells(self) -> int:
        return sum(tab.cells for tab in self.tabs)


def defined_name(tab: type[Tab] | Tab, column_name: str) -> str:
    return f"{tab.key}_{column_name}"


def build_workbook(
    convoy: Convoy, destination: str | Path | IO[bytes], *, progress: Progress | None = None
) -> BuildReport:
    """Write the 47 tabs of `convoy` to `destination` (a path or a binary file object)."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"Release Tracking workbook, {convoy.code}"
    workbook.properties.subject = "SADMF Release Tracking (DOMAIN.md §10)"
    report = BuildReport()
    total = len(TABS)
    try:
        for done, tab_class in enumerate(TABS, start=1):
            tab = tab_class()
            report.tabs.append(write_tab(workbook, tab, convoy))
            if progress is not None:
                progress(done, total, tab.title)
        workbook.save(destination)
    except BaseException:
        discard(workbook)
        raise
    return report


def discard(workbook: Workbook) -> None:
    """Close and delete the sheets' temporary files of a workbook that will not be saved.

    openpyxl removes them only when it saves (or at interpreter exit), which a long-running
    worker never reaches; this uses its write-only internals (`_rows`, `_writer`).
    """
    for ws in workbook.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        rows = getattr(ws, "_rows", None)
        for close in (rows.close if rows is not None else None, writer.close, writer.cleanup):
            if close is None:
                continue
            with contextlib.suppress(OSError, ValueError, StopIteration):
                close()


def write_tab(workbook: Workbook, tab: Tab, convoy: Convoy) -> TabReport:
    ws = workbook.create_sheet(tab.title)
    width = len(tab.columns)
    last_column = get_column_letter(width)
    # Everything about the sheet's top (views, columns) is written with the first row.
    for index, column in enumerate(tab.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = 45  # room for three lines of a wrapped header
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.sheet_properties.tabColor = SECTION_COLOURS[tab.section]
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0

    ws.append([header_cell(ws, column.header) for column in tab.columns])
    last_row = 1
    for values in tab.rows(convoy):
        if len(values) != width:
            raise ValueError(
                f"{tab.title}: a row of {len(values)} values for {width} columns: {values!r}"
            )
        ws.append([v if type(v) in PLAIN else cell_value(ws, v) for v in values])
        last_row += 1
    records = last_row - 1
    cells = width * (records + 1)
    if records == 0:
        ws.append([text_cell(ws, tab.empty_text(convoy))])
        last_row = 2
        cells += 1

    ws.auto_filter.ref = f"A1:{last_column}{last_row}"
    for index, column in enumerate(tab.columns, start=1):
        if column.name:
            letter = get_column_letter(index)
            name = defined_name(tab, column.name)
            reference = f"{quote_sheetname(tab.title)}!${letter}$2:${letter}${last_row}"
            workbook.defined_names[name] = DefinedName(name, attr_text=reference)
    for chart, anchor in tab.charts(ws, last_row if records else 1):
        ws.add_chart(chart, anchor)
    return TabReport(tab.title, records, cells)


def header_cell(ws: object, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, header)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell
