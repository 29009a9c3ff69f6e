"""The CSO opens the Signal Report and the Flow X-ray in a real browser: the charts render,
the Signal colour matches the FCR tier, and an axe-core scan finds no serious or critical
accessibility violation.

axe-core comes from the PyPI package axe-playwright-python (pinned in the dev extras), which
bundles its own axe.min.js: the scan works offline, nothing is fetched.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from convoy.models import Role
from tests.factories import person
from tests.metrics_fixtures import at, change, commit, sail, ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def cso(world, live_server):
    """CONVOY-1 sailed with 3 of the 4 features committed 8 quarters earlier: 75.0 %."""
    commit(2025, 1, 4)
    features = [world.feature(n) for n in (1, 2, 3)]
    ship(*features)
    for n, feature in enumerate(features):
        change(
            feature, world.engineer, created=at(1, 11 + n), changed=at(2, 1 + 7 * n),
            done=at(1, 20 + n, 17), qa=world.qa, lines=(40, 4),
        )  # fmt: skip
    sail(world.convoy, at(3, 12, 17))
    user = person("cso", Role.CSO)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(page: Page, live_server, then: str) -> None:
    page.goto(f"{live_server.url}/signin/?next={then}")
    page.get_by_label("Username").fill("cso")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_charts_render(page: Page, count: int) -> None:
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(count)
    for index in range(count):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50
        assert chart.locator("path").count() > 5  # bars, axes and ticks drawn
        assert chart.locator("title").text_content()


def test_the_cso_reads_the_signal_report(page: Page, live_server, cso):  # R48, R49
    sign_in(page, live_server, "/metrics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signal Report — CONVOY-1")
    assert_charts_render(page, 2)
    expect(page.locator("#fcr-value")).to_have_text("75.0 %")
    expect(page.locator("#fcr-tier")).to_have_text("Remediation required")
    signal = page.locator("#signal .signal")
    expect(signal).to_have_attribute("data-signal", "RED")
    expect(signal).to_have_text("Red")
    # The badge is drawn in the Red signal's colours (app.css), not left unstyled.
    assert signal.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(251, 227, 225)"
    assert serious_violations(page) == []


def test_the_cso_publishes_and_the_escalations_are_recorded(page: Page, live_server, cso):
    sign_in(page, live_server, "/metrics/")
    page.get_by_role("button", name="Publish the Signal Report").click()
    expect(page.get_by_role("status")).to_contain_text("Escalated: Notify the Commodore (90 %)")
    rows = page.locator("#escalations tbody tr")
    expect(rows.nth(0)).to_contain_text(" at 75.0 %")  # R49: 90 %
    expect(rows.nth(1)).to_contain_text(" at 75.0 %")  # R49: 80 %
    expect(rows.nth(2)).not_to_contain_text(" at 75.0 %")


def test_the_cso_reads_the_flow_xray(page: Page, live_server, cso):  # §12
    sign_in(page, live_server, "/metrics/convoys/1/flow-xray/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Flow X-ray — CONVOY-1")
    assert_charts_render(page, 2)
    expect(page.locator("#coordination-pairs")).to_have_text("3")
    expect(page.locator("#comparison")).to_contain_text("One by one, when done")
    assert serious_violations(page) == []
