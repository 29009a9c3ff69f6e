"""In the browser: the Commodore renders the Convoy Manifest, the page follows the worker to
the download; an Auditor (read-only) downloads the PDF and can reach none of the rendering
pages (§13, R4, R56)."""

import re

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import Browser, Page, expect

from convoy.models import ExportJobState, ReportDownload, ReportJob
from tests.pdf_helpers import contains, text_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"  # tests/factories.py


@pytest.fixture(autouse=True)
def database_tasks(settings, tmp_path):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


def run_the_worker() -> None:
    """`manage.py db_worker --batch`, in this thread (its signal handlers left out)."""
    Worker(
        queue_names=["default"],
        interval=0.1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test-pdf",
        excluded_queue_names=[],
    ).run()


def sign_in(page: Page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/signin/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_commodore_renders_and_an_auditor_downloads_the_manifest(
    browser: Browser, live_server, world, tmp_path
):  # R56, R4
    world.feature(1, name="Ledger Sync")
    base = live_server.url
    commodore = browser.new_context().new_page()
    sign_in(commodore, base, "commodore", "/convoys/1/documents/")
    expect(commodore.get_by_role("heading", level=1)).to_contain_text("Documents")
    commodore.get_by_role("button", name="Render the Convoy Manifest").click()
    status = commodore.locator("#report-status")
    expect(status).to_contain_text("Queued: step 0 of 4")
    job_url = commodore.url

    run_the_worker()  # the page polls the live server meanwhile

    expect(status).to_have_text("Complete: step 4 of 4 (Complete).", timeout=15_000)
    assert ReportJob.objects.get().state == ExportJobState.COMPLETE
    expect(
        commodore.get_by_role("link", name=re.compile("Download Convoy_Manifest_"))
    ).to_be_visible()

    auditor = browser.new_context(accept_downloads=True).new_page()
    sign_in(auditor, base, "auditor", "/convoys/1/documents/")
    expect(auditor.get_by_role("heading", name="Convoy Manifest")).to_be_visible()
    expect(auditor.get_by_role("button", name=re.compile("Render"))).to_have_count(0)
    with auditor.expect_download() as info:
        auditor.get_by_role("link", name="Convoy_Manifest_CONVOY-1_v1_2027-01-04_CO.pdf").click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert not contains(text_of(saved), "Convoy Manifest", "F001 Ledger Sync")
    assert ReportDownload.objects.get().downloaded_by == world.auditor

    # The mutating pages are out of the Auditor's reach (R4): following a rendering, and
    # posting a new one with the page's own CSRF token.
    response = auditor.goto(job_url)
    assert response.status == 403
    expect(auditor.get_by_text("requires the role of Commodore")).to_be_visible()
    auditor.goto(f"{base}/convoys/1/documents/")
    token = auditor.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    refused = auditor.request.post(
        f"{base}/convoys/1/documents/render/",
        form={"kind": "manifest", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/convoys/1/documents/", "X-CSRFToken": csrf},
    )
    assert refused.status == 403
    assert "requires the role of Commodore" in refused.text()
    assert ReportJob.objects.count() == 1
