"""The Release Tracking workbook's shape (§10, R54): 47 tabs in five sections, each with a
header, typed cells, a frozen header, an autofilter; the Metrics Dashboard as formulas whose
every reference resolves."""

import datetime as dt
import re

import pytest
from openpyxl.formula import Tokenizer
from openpyxl.utils import range_boundaries

from convoy.exports.workbook.base import Kind, PendingTab, Section
from convoy.exports.workbook.tabs import TAB_COUNT, TABS
from tests.workbook_fixtures import build, busy, column, data_rows  # noqa: F401

SECTIONS = [
    (Section.CHANGE_MANIFEST, 1, 12),
    (Section.APPROVAL_CHAIN, 13, 22),
    (Section.RISK_REGISTRY, 23, 31),
    (Section.PERSONNEL_ACCOUNTABILITY, 32, 41),
    (Section.METRICS_DASHBOARD, 42, 47),
]
EXCEL_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")


@pytest.fixture
def book(busy, tmp_path):  # noqa: F811
    return build(busy.convoy, tmp_path)


def test_the_registry_lists_47_tabs_in_five_sections_in_order():  # R54
    assert len(TABS) == TAB_COUNT == 47
    for section, first, last in SECTIONS:
        assert [tab.section for tab in TABS[first - 1 : last]] == [section] * (last - first + 1)


def test_tab_titles_are_unique_and_valid_excel_sheet_names():
    titles = [tab.title for tab in TABS]
    assert len(set(titles)) == 47
    assert len({title.lower() for title in titles}) == 47
    for title in titles:
        assert 0 < len(title) <= 31, title
        assert not EXCEL_FORBIDDEN.search(title), title
        assert not title.startswith("'") and not title.endswith("'"), title


def test_defined_name_keys_are_unique_and_columns_named_once():
    keys = [tab.key for tab in TABS if tab.key]
    assert len(keys) == len(set(keys))
    for tab in TABS:
        names = [c.name for c in tab.columns if c.name]
        assert len(names) == len(set(names)), tab.title


def test_the_workbook_has_exactly_the_47_sheets_in_order(book):  # R54
    assert book.sheetnames == [tab.title for tab in TABS]


def test_every_sheet_has_its_header_frozen_filtered_and_sized(book):  # R54
    for tab in TABS:
        ws = book[tab.title]
        assert [cell.value for cell in ws[1]] == [c.header for c in tab.columns], tab.title
        assert all(cell.font.b for cell in ws[1]), tab.title
        assert ws.freeze_panes == "A2", tab.title
        last_column = ws.cell(row=1, column=len(tab.columns)).column_letter
        assert ws.auto_filter.ref == f"A1:{last_column}{max(ws.max_row, 2)}", tab.title
        for index, spec in enumerate(tab.columns, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            assert ws.column_dimensions[letter].width == spec.width, (tab.title, spec.header)


def _matches(kind: Kind, cell) -> bool:
    value = cell.value
    if value is None:
        return True
    if kind is Kind.TEXT:
        return cell.data_type == "s" and isinstance(value, str)
    if kind in (Kind.INTEGER, Kind.DECIMAL):
        return cell.data_type == "n" and isinstance(value, int | float)
    if kind is Kind.BOOLEAN:
        return cell.data_type == "b" and isinstance(value, bool)
    if kind is Kind.DATE:
        return cell.is_date and isinstance(value, dt.date | dt.datetime) and cell.number_format
    if kind is Kind.DATETIME:
        return cell.is_date and isinstance(value, dt.datetime) and value.tzinfo is None
    if kind is Kind.FORMULA:
        return cell.data_type == "f" or isinstance(value, str)
    raise AssertionError(kind)


def test_every_data_cell_has_its_columns_type(book):  # R54: dates as dates, numbers as numbers
    for tab in TABS:
        ws = book[tab.title]
        if ws["A2"].value and str(ws["A2"].value).startswith("No records"):
            continue
        for row in ws.iter_rows(min_row=2):
            for spec, cell in zip(tab.columns, row, strict=False):
                assert _matches(spec.kind, cell), (tab.title, spec.header, cell.value)


def test_built_tabs_hold_the_records(book, busy):  # noqa: F811
    changes = book["Change Register"]
    assert column(changes, "Change") == [f"CR-{c.pk:05d}" for c in busy.changes]
    assert column(changes, "State") == [
        "Accepted", "Accepted", "Rejected", "Testing", "Draft", "On the agenda",
    ]  # fmt: skip
    assert column(book["Provisioning Tasks"], "Task")[0] == "C1-F001-T001"  # R14
    assert column(book["Feature Inventory"], "Legacy Priority") == [False, True, False]  # R10
    assert column(book["Feature Inventory"], "Effort (person-days)") == [15.33, 24.82, 3.65]
    assert column(book["Priority Rankings"], "Coin seed") == [str(2**62 + 7)] * 3
    assert len(data_rows(book["Eight-Quarter Commitment"])) == 4
    assert column(book["Captain's Mast Arbitration"], "Verdict") == ["Granted at Captain's Mast"]
    assert column(book["CSC Verdicts"], "Verdict") == [
        "The Fleet Is Held in Port.", "The Fleet May Sail.",
    ]  # fmt: skip
    assert column(book["Deferral Register"], "Feature") == ["F002"]
    assert "Commodore" in column(book["Crew Roster"], "Role")


def test_datetimes_are_naive_local_time(book, busy):  # noqa: F811
    (sailed,) = column(book["Convoy Charter"], "Sailed")
    assert sailed == dt.datetime(2027, 3, 18, 14, 0)


def test_tabs_hold_only_this_convoys_records(book):
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "Elsewhere" in v for v in row), ws.title


def test_the_audit_trail_lists_this_convoys_events(book, busy):  # noqa: F811, R57
    from convoy.models import AuditEvent

    actions = column(book["Audit Trail"], "Action")
    assert actions[0] == "convoy.create"
    assert "change.record" in actions
    elsewhere = AuditEvent.objects.filter(object_repr__contains="Elsewhere").count()
    assert elsewhere == 2
    assert len(actions) == AuditEvent.objects.count() - elsewhere - 1  # and CONVOY-2's charter


def test_every_tab_has_its_records_built(book):
    assert not [tab.title for tab in TABS if issubclass(tab, PendingTab)]
    for tab in TABS:  # an empty tab says why, never that its records are still to come
        first = book[tab.title]["A2"].value
        assert not (isinstance(first, str) and " arrive with " in first), tab.title


def test_an_empty_built_tab_says_so_for_the_convoy(busy, tmp_path):  # noqa: F811
    book = build(busy.other_convoy, tmp_path)
    assert book["QA Testing Certificates"]["A2"].value == (
        "No records: the Quality Authority has certified no testing in CONVOY-2."
    )


# --- The Metrics Dashboard: formulas whose references all resolve (R54) -------------------

SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([A-Za-z0-9_.]+))!(.+)$")
CELL_OR_RANGE = re.compile(r"^\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$")


def references(formula: str) -> list[str]:
    return [
        token.value
        for token in Tokenizer(formula).items
        if token.type == "OPERAND" and token.subtype == "RANGE"
    ]


def resolve(book, sheet_title: str, reference: str) -> tuple[str, str]:
    """(sheet title, A1 range) that a reference in a formula on `sheet_title` points to."""
    if reference in book.defined_names:
        reference = book.defined_names[reference].attr_text
    match = SHEET_REF.match(reference)
    if match:
        sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
        return sheet, match.group(3).replace("$", "")
    return sheet_title, reference.replace("$", "")


def formulas(book):
    for tab in TABS:
        ws = book[tab.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield tab, ws, cell


def test_the_metrics_dashboard_is_made_of_formulas(book):  # R54
    for tab in TABS[41:]:
        ws = book[tab.title]
        counted = [c for row in ws.iter_rows(min_row=2) for c in row if c.data_type == "f"]
        assert counted, f"{tab.title} has no formula"


def test_every_formula_references_existing_sheets_and_ranges(book):  # R54
    checked = 0
    for tab, ws, cell in formulas(book):
        for reference in references(cell.value):
            assert reference in book.defined_names or CELL_OR_RANGE.match(
                reference.replace("$", "").split("!")[-1]
            ), (tab.title, cell.coordinate, reference)
            sheet, a1 = resolve(book, ws.title, reference)
            assert sheet in book.sheetnames, (tab.title, cell.coordinate, reference)
            min_col, min_row, max_col, max_row = range_boundaries(a1)
            target = book[sheet]
            assert 1 <= min_row <= max_row <= max(target.max_row, 2), (reference, a1)
            assert 1 <= min_col <= max_col <= target.max_column, (reference, a1)
            checked += 1
    assert checked > 100


def test_defined_names_cover_their_columns_data_rows(book):
    for tab in TABS:
        for index, spec in enumerate(tab.columns, start=1):
            if not spec.name:
                continue
            name = f"{tab.key}_{spec.name}"
            sheet, a1 = resolve(book, "", name)
            assert sheet == tab.title
            ws = book[tab.title]
            letter = ws.cell(row=1, column=index).column_letter
            assert a1 == f"{letter}2:{letter}{max(ws.max_row, 2)}"


def test_the_dashboard_has_native_charts(busy, tmp_path):  # noqa: F811
    from zipfile import ZipFile

    path = tmp_path / "charts.xlsx"
    from convoy.exports.workbook.builder import build_workbook

    build_workbook(busy.convoy, path)
    with ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4
