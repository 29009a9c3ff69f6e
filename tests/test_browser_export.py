"""The Commodore exports the Release Tracking workbook in the browser: the export is queued,
the page follows the worker tab by tab, the download link appears, the file downloads, and
the export log shows who downloaded which version (§10, R56)."""

import time

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from convoy.exports.workbook import builder
from convoy.exports.workbook.tabs import TABS
from convoy.models import ExportJob, ExportJobState, WorkbookDownload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # tests/factories.py
TAB_SECONDS = 0.12  # a slowed export (about 6 s), so the page has progress to show


@pytest.fixture(autouse=True)
def database_tasks(settings, tmp_path):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def slow_tabs(monkeypatch):
    write_tab = builder.write_tab

    def slowly(*args, **kwargs):
        time.sleep(TAB_SECONDS)
        return write_tab(*args, **kwargs)

    monkeypatch.setattr(builder, "write_tab", slowly)


def run_the_worker() -> None:
    """`manage.py db_worker --batch`, in this thread (its signal handlers left out)."""
    Worker(
        queue_names=["default"],
        interval=0.1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()


def test_the_commodore_exports_follows_progress_and_downloads(
    page: Page, live_server, world, slow_tabs, tmp_path
):  # R56
    page.goto(f"{live_server.url}/signin/?next=/convoys/1/exports/")
    page.get_by_label("Username").fill("commodore")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release Tracking workbook")
    expect(
        page.get_by_text("No version of the CONVOY-1 workbook has been exported.")
    ).to_be_visible()

    page.get_by_role("button", name="Export version 1 of the workbook").click()
    status = page.locator("#export-status")
    expect(status).to_have_text("Queued: waiting for the export worker. Tab 0 of 47 written.")
    expect(page.locator("#export-download")).to_be_hidden()
    page.evaluate(
        """() => {
            window.seen = [];
            const status = document.getElementById("export-status");
            new MutationObserver(() => window.seen.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )

    run_the_worker()  # the page polls the live server meanwhile

    expect(status).to_have_text("Complete: tab 47 of 47 written.", timeout=15_000)
    expect(page.locator("#export-bar")).to_have_attribute("value", "47")
    seen = page.evaluate("() => window.seen")
    writing = [text for text in seen if text.startswith("Writing: tab ")]
    assert writing, seen  # the page showed the export between tab 0 and tab 47
    assert ExportJob.objects.get().state == ExportJobState.COMPLETE

    link = page.get_by_role("link", name="Download Release_Tracking_CONVOY-1_v1_")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Release_Tracking_CONVOY-1_v1_2027-01-04_CO.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert load_workbook(saved, read_only=True).sheetnames == [tab.title for tab in TABS]
    assert WorkbookDownload.objects.get().downloaded_by == world.commodore

    page.goto(f"{live_server.url}/convoys/1/exports/")
    log = page.get_by_role("table", name="Export log")
    expect(log).to_contain_text("Release_Tracking_CONVOY-1_v1_2027-01-04_CO.xlsx")
    expect(log).to_contain_text("Commodore (Commodore,")
