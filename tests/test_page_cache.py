"""Cached page parts (convoy/caching.py): a part is reused only while the audit chain's head
and the clock's minute stand still, so a ceremony's result shows on the next page (R57), and
nothing that depends on the reader is shared between readers (R4)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy import caching, clock
from convoy.ceremonies.crew import assign_role
from convoy.ceremonies.manifest import file_document
from convoy.ceremonies.planning import report_status
from convoy.models import DocumentKind, Role, Signal
from tests.factories import person

MANIFEST_URL = reverse("convoy:manifest", args=[1])
FEATURES_URL = reverse("convoy:feature_list", args=[1])
FEATURE_URL = reverse("convoy:feature_detail", args=[1, 1])


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _count(page: str) -> int:
    return int(re.search(r'data-testid="deficiency-count">(\d+)<', page).group(1))


def test_a_filed_document_shows_on_the_next_manifest_page(client, world):  # R36, R57
    feature = world.feature(1, name="Ledger Sync")
    client.force_login(world.auditor)
    before = client.get(MANIFEST_URL).content.decode()
    client.get(MANIFEST_URL)  # now cached
    file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=feature,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        body="Specified.",
        sign=True,
    )
    after = client.get(MANIFEST_URL).content.decode()
    assert _count(after) < _count(before)  # no longer missing
    assert "v1" in after


def test_a_cached_manifest_costs_fewer_queries_than_the_first_reading(client, world):
    for n in range(1, 4):
        world.feature(n, name=f"Ledger {n}")
    client.force_login(world.auditor)
    clock.travel_to(clock.now())  # the same minute for both readings
    with CaptureQueriesContext(connection) as first:
        client.get(MANIFEST_URL)
    with CaptureQueriesContext(connection) as second:
        client.get(MANIFEST_URL)
    assert len(second) < len(first)


def test_the_next_minute_of_the_clock_renders_the_part_again(client, world):
    world.feature(1, name="Ledger Sync")
    client.force_login(world.auditor)
    clock.travel_to(clock.now())
    client.get(MANIFEST_URL)
    version = caching.data_version()
    clock.travel_to(clock.now() + timedelta(minutes=1))
    assert caching.data_version() != version


def test_a_status_report_shows_on_the_feature_page_and_list(client, world):  # R14, R57
    feature = world.feature(1, name="Ledger Sync")
    client.force_login(world.commodore)
    assert "Not reported" in client.get(FEATURES_URL).content.decode()
    assert "No status reported" in client.get(FEATURE_URL).content.decode()
    report_status(actor=world.captain, feature=feature, signal=Signal.RED, summary="Sinking.")
    assert "Not reported" not in client.get(FEATURES_URL).content.decode()
    assert "Sinking." in client.get(FEATURE_URL).content.decode()


def test_the_feature_page_shares_its_records_but_not_its_forms(client, world):  # R4, R14
    world.feature(1, name="Ledger Sync")
    client.force_login(world.commodore)
    commodore_page = client.get(FEATURE_URL).content.decode()
    client.force_login(world.captain)
    captain_page = client.get(FEATURE_URL).content.decode()
    assert "Report the status" not in commodore_page
    assert "Report the status" in captain_page
    # The form carries the captain's own CSRF token, not one cached from another reader.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', captain_page).group(1)
    response = client.post(
        reverse("convoy:feature_status", args=[1, 1]),
        {"signal": Signal.GREEN, "summary": "On course.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_navigation_follows_a_new_role_at_once(client, world):  # R4
    reader = person("reader.okafor")
    client.force_login(reader)
    assert "Audit trail" not in client.get(reverse("convoy:dashboard")).content.decode()
    assign_role(actor=world.admiral, user=reader, role=Role.AUDITOR)
    assert "Audit trail" in client.get(reverse("convoy:dashboard")).content.decode()


# Whole pages kept per reader (reader_cached) ------------------------------------------------

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_kept_page_costs_three_queries_and_the_same_page(client, world):  # R57
    world.feature(1, name="Ledger Sync")
    client.force_login(world.commodore)
    first = client.get(FEATURE_URL)
    with CaptureQueriesContext(connection) as kept:
        second = client.get(FEATURE_URL)
    assert len(kept) <= 3  # the session, the reader, the audit chain's head
    assert _TOKEN.sub("", second.content.decode()) == _TOKEN.sub("", first.content.decode())


def test_a_kept_page_carries_a_fresh_token_for_the_browser_reading_it(world):  # R4
    world.feature(1, name="Ledger Sync")
    browsers = [Client(enforce_csrf_checks=True) for _ in range(3)]
    tokens = []
    for browser in browsers:  # the same reader in three browsers: one render, two kept pages
        browser.force_login(world.captain)
        tokens.append(_TOKEN.search(browser.get(FEATURE_URL).content.decode()).group(1))
    assert len(set(tokens)) == 3
    for browser, token in zip(reversed(browsers), reversed(tokens), strict=True):
        response = browser.post(
            reverse("convoy:feature_status", args=[1, 1]),
            {"signal": Signal.GREEN, "summary": "On course.", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302


def test_a_kept_page_is_not_served_to_another_reader(client, world):  # R4
    world.feature(1, name="Ledger Sync")
    client.force_login(world.captain)
    client.get(FEATURE_URL)
    assert "Report the status" in client.get(FEATURE_URL).content.decode()  # kept
    client.force_login(world.other_captain)
    assert "Report the status" not in client.get(FEATURE_URL).content.decode()


def test_a_waiting_message_is_shown_once_and_never_kept(client, world):  # R8
    world.feature(1, name="Ledger Sync")
    client.force_login(world.qa)
    client.get(FEATURE_URL)  # kept before the refusal
    head = caching.data_version()
    client.post(reverse("convoy:feature_certify_testing", args=[1, 1]))
    assert caching.data_version() == head  # a refusal changes no record
    refused = client.get(FEATURE_URL).content.decode()
    assert "R8:" in refused
    assert "R8:" not in client.get(FEATURE_URL).content.decode()


def test_reads_are_remembered_within_a_get_request_only():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert caching.memoized(("k",), compute) == 1
    assert caching.memoized(("k",), compute) == 2  # outside a GET request: read afresh
    token = caching._read_memo.set({})
    try:
        assert caching.memoized(("k",), compute) == 3
        assert caching.memoized(("k",), compute) == 3
    finally:
        caching._read_memo.reset(token)


# The Manifest a page at a time (R36) -------------------------------------------------------


@pytest.fixture
def thirty_features(world):
    for n in range(1, 31):
        world.feature(n, name=f"Ledger {n}")
    return world


def test_the_manifest_shows_25_sections_a_page_and_counts_them_all(client, thirty_features):
    client.force_login(thirty_features.auditor)
    first = client.get(MANIFEST_URL).content.decode()
    second = client.get(MANIFEST_URL + "?page=2").content.decode()
    assert 'id="section-F025"' in first and 'id="section-F026"' not in first
    assert 'id="section-F026"' in second and 'id="section-F030"' in second
    assert "Features 1–25 of 30" in first
    assert _count(first) == _count(second)
    assert 'href="?page=2#inventory"' in first
    assert "Page 2 of 2" in second


def test_the_manifest_lists_25_deficiencies_a_role_and_links_the_rest(client, thirty_features):
    client.force_login(thirty_features.auditor)
    page = client.get(MANIFEST_URL).content.decode()
    captain = page[page.index('id="role-feature_captain"') :]
    captain = captain[: captain.index("</table>")]
    assert captain.count("<tr><td>") == 25
    assert "Every deficiency of the Feature Captain" in page
    whole = client.get(MANIFEST_URL + "?role=FEATURE_CAPTAIN").content.decode()
    assert 'id="role-cset"' not in whole
    rows = whole[whole.index('id="role-feature_captain"') :]
    total = int(re.search(r"— (\d+) deficienc", rows).group(1))
    assert total > 25
    assert rows[: rows.index("</table>")].count("<tr><td>") == min(total, 100)


@pytest.mark.parametrize("query", ["?page=abc", "?page=999999", "?role=<b>", "?dpage=-1"])
def test_the_manifest_answers_any_page_or_role_in_the_query_string(client, thirty_features, query):
    client.force_login(thirty_features.auditor)
    response = client.get(MANIFEST_URL + query)
    assert response.status_code == 200
    assert "<b>" not in response.content.decode()


def test_the_cached_dashboard_tables_name_the_convoy(client, world):  # §3
    world.feature(1, name="Ledger Sync")
    client.force_login(world.commodore)
    for _ in range(2):  # rendered, then from the cache
        page = client.get(reverse("convoy:dashboard")).content.decode()
        assert "<caption>Features of CONVOY-1</caption>" in page
        assert "Ledger Sync" in page
