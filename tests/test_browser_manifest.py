"""A Feature Captain uploads a Manifest document and the deficiency list shrinks by one (R36)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.planning import register_feature
from convoy.models import ManifestDocument, Role
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def feature(live_server):
    convoy = create_convoy(
        actor=person("admiral", Role.ADMIRAL),
        year=2027,
        quarter=1,
        sailing_date=dt.date(2027, 3, 17),
        commodore=person("commodore"),
    )
    captain = person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy)
    captain.set_password(PASSWORD)
    captain.save()
    return register_feature(
        actor=captain, convoy=convoy, name="Ledger Sync", captain=captain, number=42
    )


def test_a_feature_captain_uploads_a_document_and_the_list_shrinks_by_one(
    page: Page, live_server, feature, tmp_path
):  # R36
    spec = tmp_path / "Ledger Sync specification.pdf"
    spec.write_bytes(PDF_BYTES)
    page.goto(f"{live_server.url}/signin/?next={feature.get_absolute_url()}")
    page.get_by_label("Username").fill("fc.okafor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    count = page.get_by_test_id("deficiency-count")
    expect(count).to_have_text("9")  # eight items missing, and the name not yet admitted
    deficiencies = page.locator("ul.deficiencies > li")
    expect(deficiencies).to_have_count(9)
    expect(
        deficiencies.filter(has_text="The Feature Specification of F042 is not on file.")
    ).to_have_count(1)

    page.get_by_role("link", name="File the Feature Specification").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Feature Specification")
    page.get_by_label("Uploaded document").set_input_files(str(spec))
    expect(page.get_by_label("Document Standards Guide version")).to_have_value("14.2")
    page.get_by_label("Sign this version as Feature Captain").check()
    page.get_by_role("button", name="File", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(
        "Feature Specification v1 of F042 is on file and signed."
    )
    expect(count).to_have_text("8")
    expect(deficiencies).to_have_count(8)
    expect(deficiencies.filter(has_text="Feature Specification")).to_have_count(0)
    document = ManifestDocument.objects.get()
    assert (document.original_filename, document.content_type) == (
        "Ledger Sync specification.pdf",
        "application/pdf",
    )
