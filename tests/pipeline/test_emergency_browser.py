"""The Emergency Justification Declaration in a browser (R34): the live word counter of the
expedited Risk Exposure Summary counts as the server does, and the declaration is filed."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from convoy.models import EmergencyAuthorization
from tests.pipeline.conftest import archived_change, make_crew

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_the_counter_reaches_800_words_and_the_declaration_is_filed(
    world, live_server, page: Page, tmp_path
):  # R34
    crew = make_crew(world)
    change = archived_change(crew)
    change.author.set_password(PASSWORD)
    change.author.save()
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill(change.author.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("convoy:emergency_declare", args=[change.pk]))

    counter = page.locator("#id_risk_exposure_summary_count")
    expect(counter).to_have_text("0 / 800 words")
    summary = page.get_by_label("Expedited Risk Exposure Summary")
    summary.fill(" ".join(["exposure"] * 799))
    expect(counter).to_have_text("799 / 800 words")
    expect(counter).to_have_class("wordcount short")
    summary.fill(" ".join(["exposure"] * 800))
    expect(counter).to_have_text("800 / 800 words")
    expect(counter).to_have_class("wordcount met")
    page.get_by_label("Emergency Justification Declaration").fill("Ledgers diverge.")
    page.get_by_label("Remediation plan").fill("Full documentation within 3 business days.")
    page.screenshot(path=str(tmp_path / "declare.png"), full_page=True)
    page.get_by_role("button", name="File the declaration with the ATO").click()
    expect(page.get_by_text("It lacks:")).to_be_visible()
    page.screenshot(path="/tmp/ee_emergency_detail.png", full_page=True)
    assert EmergencyAuthorization.objects.get().change_id == change.pk
