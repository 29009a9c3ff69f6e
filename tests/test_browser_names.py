"""A Feature Captain views a feature whose name holds a word not in the Book of Names (R18).

The feature registration form (`convoy:feature_register`) did not exist when this test was
written; the feature is registered through the ceremony in the fixture instead.
"""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.names import admit_word
from convoy.ceremonies.planning import register_feature
from convoy.models import NameSubmission, Role
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def feature(live_server):
    admiral = person("admiral", Role.ADMIRAL)
    earb = person("earb.nakamura", Role.EARB)
    for word in ("ledger", "sync"):
        admit_word(actor=earb, word=word)
    convoy = create_convoy(
        actor=admiral,
        year=2027,
        quarter=1,
        sailing_date=dt.date(2027, 3, 17),
        commodore=person("commodore"),
    )
    captain = person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy)
    captain.set_password(PASSWORD)
    captain.save()
    return register_feature(
        actor=captain,
        convoy=convoy,
        name="Ledger Sync Transformation",
        captain=captain,
        number=42,
    )


def test_a_feature_captain_sees_the_word_not_in_the_book_highlighted(
    page: Page, live_server, feature
):  # R18
    page.goto(f"{live_server.url}/signin/?next={feature.get_absolute_url()}")
    page.get_by_label("Username").fill("fc.okafor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    check = page.get_by_test_id("name-check")
    expect(check).to_have_text("Ledger Sync Transformation")
    offending = check.locator("mark.offending")
    expect(offending).to_have_count(1)
    expect(offending).to_have_text("Transformation")
    expect(offending).to_have_css("background-color", "rgb(251, 227, 225)")
    expect(page.get_by_text("1 word of this name is not in the Book of Names")).to_be_visible()

    page.get_by_role("button", name="Submit the name to the EARB").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The name 'Ledger Sync Transformation' of F042 has been submitted to the EARB."
    )
    expect(page.get_by_text("Awaiting the EARB")).to_be_visible()
    assert NameSubmission.objects.get().offending_words == ["Transformation"]
