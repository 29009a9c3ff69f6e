"""Manifest Approval in three browsers (R38–R41): the Commodore, who chairs a 3-member CSC,
walks the agenda; each member votes on their own screen. First "The Fleet Is Held in Port."
with the deficiency list; after remediation the Committee reconvenes and "The Fleet May Sail."
Playwright + Debian's Chromium."""

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from convoy import clock
from convoy.models import CscMinutes, ManifestApproval, Verdict
from tests.approval_helpers import (
    K,
    complete_manifest,
    file_and_sign,
    put_in_manifest_approval,
    seat_committee,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def committee(world, live_server):
    committee = seat_committee(world, chair=world.commodore)
    put_in_manifest_approval(committee)
    complete_manifest(committee, leave=[("F001", K.SOS_MINUTES)])
    for member in committee.everyone:
        member.set_password(PASSWORD)
        member.save()
    return committee


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sit(pages: list[Page], base: str, approve: bool, reconvene: bool = False) -> Page:
    """One whole sitting, driven through the pages; returns the Commodore's page."""
    commodore = pages[0]
    commodore.goto(f"{base}/convoys/1/approval/")
    for name in ("Commodore", "Csc Ames", "Csc Bell"):
        commodore.get_by_label(name, exact=True).check()
    verb = "Reconvene" if reconvene else "Convene"
    commodore.get_by_role("button", name=f"{verb} and verify quorum").click()
    expect(commodore.get_by_text("Quorum verified: 3 of 3 members present.")).to_be_visible()

    commodore.get_by_label("Fc Okafor").check()
    commodore.get_by_label("Fc Brandt").check()
    commodore.get_by_role("button", name="Record the roll call and receive the Manifest").click()
    for captain in ("Fc Okafor", "Fc Brandt"):  # feature-number order
        commodore.get_by_role("button", name=f"Give {captain} the floor (5 minutes)").click()
        expect(commodore.get_by_role("timer")).to_contain_text("Remaining")
        clock.travel_to(clock.now() + dt.timedelta(minutes=4))
        commodore.get_by_role("button", name="Stop the timer").click()
    commodore.get_by_role("button", name="Close the presentations and deliberate").click()
    expect(commodore.get_by_role("heading", name="Closed deliberation")).to_be_visible()
    commodore.get_by_role("button", name="Call the vote").click()
    expect(commodore.get_by_text("Votes cast: 0 of 3")).to_be_visible()

    sitting = ManifestApproval.objects.order_by("-id").first()
    for page in pages:
        page.goto(f"{base}/convoys/1/approval/{sitting.pk}/vote/")
        page.get_by_label("Approve" if approve else "Hold in port").check()
        page.get_by_role("button", name="Cast the vote").click()
        expect(page.get_by_role("status").first).to_contain_text("Your vote on CONVOY-1")

    commodore.goto(f"{base}/convoys/1/approval/{sitting.pk}/")
    expect(commodore.get_by_text("Votes cast: 3 of 3")).to_be_visible()
    commodore.get_by_role("button", name="Announce the verdict").click()
    return commodore


def test_held_in_port_then_after_remediation_the_fleet_may_sail(
    browser: Browser, live_server, committee
):
    base = live_server.url
    contexts = [browser.new_context() for _ in committee.everyone]
    try:
        pages = [context.new_page() for context in contexts]
        for page, member in zip(pages, committee.everyone, strict=True):
            sign_in(page, base, member.username)

        commodore = sit(pages, base, approve=True)
        verdict = commodore.locator("section.verdict")
        expect(verdict.get_by_role("heading")).to_have_text("The Fleet Is Held in Port.")
        expect(verdict).to_contain_text("1 deficiency at the verdict")
        expect(verdict.get_by_role("table")).to_contain_text("SOS Minutes")
        expect(commodore.get_by_role("note").first).to_contain_text("Remediation Window until")

        file_and_sign(committee, K.SOS_MINUTES, committee.convoy.features.get(number=1))
        clock.travel_to(clock.now() + dt.timedelta(hours=3))

        commodore = sit(pages, base, approve=True, reconvene=True)
        verdict = commodore.locator("section.verdict")
        expect(verdict.get_by_role("heading")).to_have_text("The Fleet May Sail.")
        expect(verdict).to_contain_text("The ship's bell is rung")
        expect(commodore.locator("pre.minutes")).to_contain_text("The ship's bell was rung")
    finally:
        for context in contexts:
            context.close()
    verdicts = list(ManifestApproval.objects.order_by("id").values_list("verdict", flat=True))
    assert verdicts == [Verdict.HELD_IN_PORT, Verdict.FLEET_MAY_SAIL]
    assert CscMinutes.objects.filter(bell_rung=True).count() == 1
