"""The Commodore's Commendation (§13, R46): one landscape page suitable for framing, only for
a commended feature."""

import subprocess

import pytest

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.models import ReportKind, ReportRendering
from tests.pdf_helpers import bookmarks, contains, every_page_numbered, page_count, text_of
from tests.pdf_records import inspect


@pytest.fixture(autouse=True)
def _stores(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


def test_the_commendation_is_one_landscape_page_naming_captain_feature_and_means(world):  # R46
    inspect(world)
    rendering = render_report(
        actor=world.commodore,
        convoy=world.convoy,
        kind=ReportKind.COMMENDATION,
        feature=world.f1,
    )
    pdf = rendering_path(rendering)
    assert page_count(pdf) == 1
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276 pts (A4)" in size  # landscape: wider than tall
    assert not contains(
        text_of(pdf),
        "Commodore's Commendation",
        "is hereby awarded to",
        "Fc Okafor",
        "F001 Ledger Sync",
        "4.75",
        "Slide Quality",
        "CONVOY-1",
        "SADMF Document Standards Guide v14.2",
    )
    assert every_page_numbered(pdf) == []
    assert "Commodore's Commendation" in bookmarks(pdf)
    assert rendering.file_name.startswith("Commodores_Commendation_CONVOY-1_F001_v1_")


def test_a_feature_without_a_commendation_gets_no_certificate(world):  # R46
    inspect(world)
    with pytest.raises(ProcessViolation) as refused:
        render_report(
            actor=world.commodore,
            convoy=world.convoy,
            kind=ReportKind.COMMENDATION,
            feature=world.f2,
        )
    assert refused.value.rule == "R46"
    assert "above 4.5" in refused.value.message
    assert ReportRendering.objects.count() == 0
