"""A Feature Captain files a Priority Change Request with the live word counters (R17)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.pcr import count_words
from convoy.ceremonies.planning import register_feature
from convoy.models import Feature, PriorityChangeRequest, Role
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def words(n: int, word: str) -> str:
    return " ".join([word] * n)


@pytest.fixture
def ranked_feature(live_server):
    admiral = person("admiral", Role.ADMIRAL)
    commodore = person("commodore")
    convoy = create_convoy(
        actor=admiral, year=2027, quarter=1, sailing_date=dt.date(2027, 3, 17), commodore=commodore
    )
    captain = person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy)
    captain.set_password(PASSWORD)
    captain.save()
    feature = register_feature(
        actor=captain, convoy=convoy, name="Ledger Sync", captain=captain, number=42
    )
    Feature.objects.filter(pk=feature.pk).update(priority=3)
    return feature


def sign_in(page: Page, live_server, then: str) -> None:
    page.goto(f"{live_server.url}/signin/?next={then}")
    page.get_by_label("Username").fill("fc.okafor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_feature_captain_is_refused_at_1999_words_then_files(
    page: Page, live_server, ranked_feature
):  # R17
    sign_in(page, live_server, ranked_feature.get_absolute_url())
    page.get_by_role("link", name="File a Priority Change Request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priority Change Request")
    expect(page.get_by_label("Feature name")).to_have_value("Ledger Sync")
    expect(page.get_by_label("Current priority id")).to_have_value("3")

    justification = page.get_by_role("textbox", name="Justification", exact=True)
    counter = page.get_by_role("textbox", name="Counter-justification")
    justification_count = page.locator("#id_justification_count")
    counter_count = page.locator("#id_counter_justification_count")
    expect(justification_count).to_have_text("0 / 2,000 words")

    page.get_by_label("Proposed priority id").select_option("1")
    justification.fill(words(1999, "alignment"))
    expect(justification_count).to_have_text("1,999 / 2,000 words")
    expect(counter_count).to_contain_text("0 / 2,000 words")
    expect(counter_count).to_contain_text("Shorter than the justification by 1,999 words.")
    counter.fill(words(1999, "however"))
    expect(counter_count).to_have_text("1,999 / 2,000 words At least as long as the justification.")
    page.get_by_role("button", name="File the Priority Change Request").click()

    expect(page.get_by_role("alert")).to_have_text(
        "R17: The justification has 1,999 words; R17 requires at least 2,000."
    )
    assert not PriorityChangeRequest.objects.exists()

    expect(justification_count).to_have_text("1,999 / 2,000 words")  # rendered by the server
    justification.press("Control+End")
    justification.press_sequentially(" synergy")
    expect(justification_count).to_have_text("2,000 / 2,000 words")
    expect(counter_count).to_contain_text("Shorter than the justification by 1 word.")
    counter.fill(words(2001, "however"))
    expect(counter_count).to_have_text("2,001 / 2,000 words At least as long as the justification.")
    page.get_by_role("button", name="File the Priority Change Request").click()

    pcr = PriorityChangeRequest.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"PCR-{pcr.pk}")
    expect(page.get_by_text(f"PCR-{pcr.pk} has been filed.")).to_be_visible()
    assert (pcr.justification_words, pcr.counter_justification_words) == (2000, 2001)
    assert (pcr.current_priority, pcr.proposed_priority) == (3, 1)


TRICKY = [
    "",
    "   ",
    "one",
    " leading and trailing ",
    "tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeeds",
    "no\u00a0break\u2003em\u3000ideographic\u2028line\u2029para\u202fnarrow\u205fmath\ufeffbom",
    "zero\u200bwidth stays one word",
    "punctuation, e.g. don't — re-rank: 1,234!",
    "emoji 🚢 and combining é",
]


def test_the_live_counter_counts_as_the_server_does(page: Page, live_server, ranked_feature):
    sign_in(page, live_server, f"/convoys/1/features/{ranked_feature.number}/pcr/new/")
    expect(page.locator("#id_justification_count")).to_have_text("0 / 2,000 words")
    # The counter's text above is rendered by the server; the script may still be loading.
    page.wait_for_function("() => typeof window.sadmfCountWords === 'function'")
    for text in TRICKY:
        assert page.evaluate("text => window.sadmfCountWords(text)", text) == count_words(text), (
            repr(text)
        )
