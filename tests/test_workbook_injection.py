"""R55: text from users is written as text, never as a formula or an error, whatever it starts
with; characters XML forbids are removed and nothing else changes."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook, load_workbook

from convoy.ceremonies.changes import record_change
from convoy.ceremonies.planning import add_task
from convoy.exports.workbook.base import Kind
from convoy.exports.workbook.builder import build_workbook
from convoy.exports.workbook.cells import Formula, cell_value, clean_text, text_cell
from convoy.exports.workbook.tabs import TABS
from convoy.models import CrewProfile, Feature
from tests.workbook_fixtures import column

# (what a user typed, what a reader must read back)
PAYLOADS = [
    ("=1+1", "=1+1"),
    ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
    ("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ("#N/A", "#N/A"),
    ("#DIV/0!", "#DIV/0!"),
    ("@SUM(A1)", "@SUM(A1)"),
    ("+1", "+1"),
    ("-1", "-1"),
    ("\t=1+1", "\t=1+1"),
    # XML end-of-line handling reads every CR as LF, so the CR is stored as LF (cells.py).
    ("\r=1+1", "\n=1+1"),
    ("a\x02b\x07c\x1bd\x1f", "abcd"),  # NUL too (unit test below); PostgreSQL refuses it
    ("\x01=2+2", "=2+2"),
    ("plain text", "plain text"),
]


@pytest.fixture
def book_with_payloads(world, tmp_path):
    feature = world.feature(1, name='=HYPERLINK("http://evil","Click")')
    for typed, _ in PAYLOADS:  # task titles are stored as typed (Change titles are stripped)
        add_task(actor=world.captain, feature=feature, title=typed, hours=Decimal(1))
    record_change(actor=world.engineer, feature=feature, title="=SUM(A1:A9)")
    CrewProfile.objects.filter(user=world.engineer).update(display_name="=1+1")
    path = tmp_path / "book.xlsx"
    build_workbook(world.convoy, path)
    return load_workbook(path)


def test_user_text_reads_back_as_the_same_text_never_a_formula(book_with_payloads):  # R55
    ws = book_with_payloads["Provisioning Tasks"]
    titles = [row[2] for row in ws.iter_rows(min_row=2)]
    assert [cell.value for cell in titles] == [expected for _, expected in PAYLOADS]
    for cell in titles:
        assert cell.data_type == "s", (cell.value, cell.data_type)


def test_text_that_looks_like_a_formula_carries_the_quote_prefix(book_with_payloads):  # R55
    ws = book_with_payloads["Provisioning Tasks"]
    prefixed = {row[2].value: row[2].quotePrefix for row in ws.iter_rows(min_row=2)}
    assert prefixed["=1+1"] is True
    assert prefixed["#N/A"] is True
    assert prefixed["-1"] is True
    assert prefixed["\n=1+1"] is True
    assert prefixed["plain text"] is False


def test_names_are_text_in_every_tab_they_reach(book_with_payloads):  # R55
    book = book_with_payloads
    assert column(book["Change Register"], "Code Engineer") == ["=1+1"]
    assert column(book["Change Register"], "Title") == ["=SUM(A1:A9)"]
    assert column(book["Feature Inventory"], "Name") == ['=HYPERLINK("http://evil","Click")']
    for tab in TABS[:41]:  # every tab but the Metrics Dashboard
        ws = book[tab.title]
        for row in ws.iter_rows(min_row=2):
            for spec, cell in zip(tab.columns, row, strict=False):
                if spec.kind is Kind.FORMULA:  # the builder's own (WSVF Scoring, R11)
                    continue
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert cell.data_type != "e", (ws.title, cell.coordinate, cell.value)


def test_only_the_builders_formulas_are_formulas():  # R55
    ws = Workbook(write_only=True).create_sheet("T")
    assert cell_value(ws, Formula("=1+1")).data_type == "f"
    assert cell_value(ws, "=1+1").data_type == "s"
    with pytest.raises(ValueError):
        Formula("1+1")


def test_a_str_subclass_is_text_too():  # R55: SafeString, TextChoices members
    from django.utils.safestring import mark_safe

    ws = Workbook(write_only=True).create_sheet("T")
    cell = cell_value(ws, mark_safe("=1+1"))
    assert cell.data_type == "s" and cell.value == "=1+1"


def test_characters_xml_forbids_are_removed_and_nothing_else():
    assert clean_text("a\x00\x08\x0b\x0c\x0e\x1fb") == "ab"
    assert clean_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert clean_text("é ✓ 漢字") == "é ✓ 漢字"


def test_harmless_text_is_written_as_a_plain_string():
    ws = Workbook(write_only=True).create_sheet("T")
    assert text_cell(ws, "Ledger Sync") == "Ledger Sync"


def test_a_username_of_a_leading_minus_is_text_in_the_crew_roster(world, tmp_path):  # R55
    get_user_model().objects.filter(pk=world.auditor.pk).update(username="-auditor")
    CrewProfile.objects.filter(user=world.auditor).update(display_name="@auditor")
    path = tmp_path / "book.xlsx"
    build_workbook(world.convoy, path)
    ws = load_workbook(path)["Crew Roster"]
    cells = {row[1].value: row for row in ws.iter_rows(min_row=2)}
    assert cells["-auditor"][1].data_type == "s"
    assert cells["-auditor"][0].value == "@auditor"
    assert cells["-auditor"][0].data_type == "s"
    assert Feature.objects.count() == 0
