"""A Feature Captain registers a feature with its WSVF inputs and finds it in the list
(Playwright + Debian's Chromium)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from convoy.ceremonies.lifecycle import create_convoy
from convoy.models import Role
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def convoy(live_server):
    admiral = person("admiral", Role.ADMIRAL)
    commodore = person("commodore")
    convoy = create_convoy(
        actor=admiral, year=2027, quarter=1, sailing_date=dt.date(2027, 3, 17), commodore=commodore
    )
    captain = person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy)
    captain.set_password("correct horse battery staple")
    captain.save()
    person("ce.lindqvist", Role.CODE_ENGINEER, convoy=convoy)
    return convoy


def test_a_feature_captain_registers_a_feature_and_sees_its_wsvf_in_the_list(
    page: Page, live_server, convoy
):  # R11, R13
    page.goto(f"{live_server.url}/convoys/{convoy.number}/features/")
    page.get_by_label("Username").fill("fc.okafor")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Features of {convoy.code}")
    expect(page.get_by_text(f"No features are registered in {convoy.code}.")).to_be_visible()

    page.get_by_role("link", name="Register a feature").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Invoice Ledger Sync")
    page.get_by_label("Acronym", exact=True).fill("ILS")
    page.get_by_label("Estimate (story points)").fill("13")
    page.get_by_label("Cost of delay (CoD)").fill("7")
    page.get_by_label("Political capital (PC)").fill("4")
    page.get_by_label("The sponsor attended the last Convoy Alignment (PC + 3)").check()
    page.get_by_label("Executive visibility (EV)").fill("6")
    page.get_by_label("Acronym quality (AQ)").fill("3")
    page.get_by_label("Ce Lindqvist").check()
    page.get_by_role("button", name="Register the feature").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("F001 Invoice Ledger Sync")
    expect(page.get_by_role("status")).to_contain_text("F001 Invoice Ledger Sync is registered")
    expect(page.get_by_text("(7 + 7) × 6 ÷ 3 = 28").first).to_be_visible()

    page.get_by_role("link", name="Features", exact=True).first.click()
    table = page.get_by_role("table", name=f"Features of {convoy.code}")
    row = table.get_by_role("row").filter(has_text="F001")
    expect(row).to_contain_text("Invoice Ledger Sync")
    expect(row.get_by_role("cell").nth(7)).to_have_text("28.00")  # WSVF
    expect(row.get_by_role("cell").nth(6)).to_have_text("9.49")  # 13 SP × 0.73
