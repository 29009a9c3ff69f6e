"""A Feature Captain signs in, sees the dashboard, signs out (Playwright + Debian's Chromium)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.planning import register_feature
from convoy.models import Role
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def captain(live_server):
    admiral = person("admiral", Role.ADMIRAL)
    commodore = person("commodore")
    convoy = create_convoy(
        actor=admiral, year=2027, quarter=1, sailing_date=dt.date(2027, 3, 17), commodore=commodore
    )
    captain = person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy)
    captain.set_password("correct horse battery staple")
    captain.save()
    register_feature(actor=captain, convoy=convoy, name="Ledger Sync", captain=captain, number=42)
    return captain


def test_feature_captain_signs_in_sees_the_dashboard_and_signs_out(
    page: Page, live_server, captain
):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/signin/?next=/")

    page.get_by_label("Username").fill("fc.okafor")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")

    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CONVOY-1")
    expect(page.get_by_role("table", name="Features of CONVOY-1")).to_contain_text("F042")
    expect(page.get_by_role("table", name="Features of CONVOY-1")).to_contain_text("Ledger Sync")
    expect(page.get_by_text("Provision the task list of F042.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/signin/?next=/")
