"""The Book of Names, name submissions and rulings, and the feature page's name check (R18, R4)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.names import admit_word, rule_on_name, submit_name
from convoy.models import BookOfNamesWord, NameSubmission, NameVerdict, Role
from tests.factories import person

BOOK_URL = reverse("convoy:book_of_names")
SUBMISSIONS_URL = reverse("convoy:name_submissions")
SUBMIT_URL = reverse("convoy:name_submit", args=[1, 1])
FEATURE_URL = reverse("convoy:feature_detail", args=[1, 1])


def rule_url(submission):
    return reverse("convoy:name_rule", args=[1, 1, submission.pk])


@pytest.fixture
def named(world):
    world.earb = person("earb.nakamura", Role.EARB)
    for word in ("ledger", "sync"):
        admit_word(actor=world.earb, word=word)
    world.f1 = world.feature(1, name="Ledger Sync Transformation")
    return world


def marked(page: str) -> list[str]:
    return re.findall(r'<mark class="offending"[^>]*>(.*?)</mark>', page)


# Access -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, named):
    submission = submit_name(actor=named.captain, feature=named.f1)
    responses = [client.get(BOOK_URL), client.get(SUBMISSIONS_URL)]
    responses += [
        client.post(BOOK_URL, {"word": "beacon"}),
        client.post(SUBMIT_URL),
        client.post(rule_url(submission), {"verdict": "reject"}),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not BookOfNamesWord.objects.filter(word="beacon").exists()


def test_submitting_answers_post_only(client, named):
    client.force_login(named.captain)
    assert client.get(SUBMIT_URL).status_code == 405


def test_the_docket_answers_get_only(client, named):
    client.force_login(named.earb)
    assert client.post(SUBMISSIONS_URL).status_code == 405


def test_the_book_answers_get_and_post_only(client, named):
    client.force_login(named.earb)
    assert client.delete(BOOK_URL).status_code == 405


def test_ruling_answers_post_only(client, named):
    submission = submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    assert client.get(rule_url(submission)).status_code == 405


@pytest.mark.parametrize("who", ["engineer", "auditor", "captain"])
def test_every_member_reads_the_book_but_only_the_earb_sees_the_form(client, named, who):
    client.force_login(getattr(named, who))
    page = client.get(BOOK_URL).content.decode()
    assert "<td>ledger</td>" in page
    assert "Admit to the Book of Names" not in page


@pytest.mark.parametrize("who", ["engineer", "auditor", "captain", "commodore"])
def test_only_the_earb_admits_a_word(client, named, who):  # R4
    client.force_login(getattr(named, who))
    response = client.post(BOOK_URL, {"word": "beacon"})
    assert response.status_code == 403
    assert "requires the role of Enterprise Architecture Review Board" in response.content.decode()
    assert not BookOfNamesWord.objects.filter(word="beacon").exists()


# The Book of Names --------------------------------------------------------------------------------


def test_the_earb_admits_a_word(client, named):  # R18
    client.force_login(named.earb)
    response = client.post(BOOK_URL, {"word": "Beacon"}, follow=True)
    assert "&#x27;beacon&#x27; (2 syllables) has been admitted" in response.content.decode()
    assert BookOfNamesWord.objects.get(word="beacon").added_by == named.earb


def test_a_word_over_three_syllables_is_refused_beside_the_field(client, named):  # R18
    client.force_login(named.earb)
    response = client.post(BOOK_URL, {"word": "transformation"})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "R18: &#x27;transformation&#x27; has 4 syllables; the Book of Names admits no word "
        "over three." in page
    )
    assert 'id="id_word_error"' in page


def test_markup_typed_as_a_word_is_shown_escaped(client, named):  # R18
    client.force_login(named.earb)
    page = client.post(BOOK_URL, {"word": "<b>x</b>"}).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page


def test_the_book_is_searched(client, named):
    client.force_login(named.engineer)
    page = client.get(BOOK_URL, {"q": "SYN"}).content.decode()
    assert "<td>sync</td>" in page and "<td>ledger</td>" not in page


def test_a_search_that_finds_nothing_says_so(client, named):
    client.force_login(named.engineer)
    page = client.get(BOOK_URL, {"q": "<zz>"}).content.decode()
    assert "No word of the Book of Names contains “&lt;zz&gt;”." in page


def test_an_empty_book_says_so(client, world):
    client.force_login(world.engineer)
    assert "The Book of Names is empty." in client.get(BOOK_URL).content.decode()


def test_the_book_is_paginated(client, named):
    now = clock.now()
    BookOfNamesWord.objects.bulk_create(
        BookOfNamesWord(
            word=f"w{chr(97 + n // 26)}{chr(97 + n % 26)}",
            syllables=1,
            added_by=named.earb,
            added_at=now,
        )
        for n in range(60)
    )
    client.force_login(named.engineer)
    page = client.get(BOOK_URL, {"page": 2}).content.decode()
    assert "Page 2 of 2" in page


# Submissions and rulings --------------------------------------------------------------------------


def test_the_feature_captain_submits_the_name(client, named):  # R18
    client.force_login(named.captain)
    response = client.post(SUBMIT_URL)
    assert response.status_code == 302
    assert response["Location"] == FEATURE_URL + "#name-check"
    submission = NameSubmission.objects.get()
    assert submission.offending_words == ["Transformation"]


@pytest.mark.parametrize("who", ["other_captain", "engineer", "commodore", "earb"])
def test_nobody_else_submits_the_name(client, named, who):  # R4
    client.force_login(getattr(named, who))
    assert client.post(SUBMIT_URL).status_code == 403
    assert not NameSubmission.objects.exists()


def test_a_refused_submission_is_reported_on_the_feature_page(client, named):  # R18
    submission = submit_name(actor=named.captain, feature=named.f1)
    rule_on_name(actor=named.earb, submission=submission, admit=False)
    clock.travel_to(timezone.localtime(clock.now()) + dt.timedelta(weeks=11, days=6))
    client.force_login(named.captain)
    page = client.post(SUBMIT_URL, follow=True).content.decode()
    assert "may be resubmitted only after 12 weeks: on or after 29 March 2027 at 09:00" in page
    assert NameSubmission.objects.count() == 1


def test_the_earb_rejects_a_name(client, named):  # R18
    submission = submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    response = client.post(rule_url(submission), {"verdict": "reject"})
    assert response["Location"] == SUBMISSIONS_URL
    submission.refresh_from_db()
    assert submission.verdict == NameVerdict.REJECTED


def test_the_earb_may_not_admit_a_name_with_a_word_not_in_the_book(client, named):  # R18
    submission = submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    page = client.post(rule_url(submission), {"verdict": "admit"}, follow=True).content.decode()
    assert "&#x27;Transformation&#x27; is not in the Book of Names" in page
    submission.refresh_from_db()
    assert submission.verdict == NameVerdict.PENDING


@pytest.mark.parametrize("who", ["captain", "commodore", "auditor"])
def test_only_the_earb_rules(client, named, who):  # R4
    submission = submit_name(actor=named.captain, feature=named.f1)
    client.force_login(getattr(named, who))
    assert client.post(rule_url(submission), {"verdict": "reject"}).status_code == 403
    submission.refresh_from_db()
    assert submission.verdict == NameVerdict.PENDING


def test_a_ruling_returns_only_to_a_page_of_this_site(client, named):
    submission = submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    response = client.post(
        rule_url(submission), {"verdict": "reject", "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == SUBMISSIONS_URL


def test_the_docket_lists_pending_names_with_their_offending_words(client, named):  # R18
    submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    page = client.get(SUBMISSIONS_URL).content.decode()
    assert "1 name awaits a ruling" in page
    assert marked(page) == ["Transformation"]
    assert "Reject<span" in page
    assert "Admit<span" not in page  # R18: not admissible while a word is missing


def test_the_docket_offers_admission_of_a_name_whose_words_are_all_in_the_book(client, named):
    submit_name(
        actor=named.other_captain,
        feature=named.feature(2, name="Sync Ledger", captain=named.other_captain),
    )
    client.force_login(named.earb)
    assert "Admit<span" in client.get(SUBMISSIONS_URL).content.decode()


# The feature page ---------------------------------------------------------------------------------


def test_the_feature_page_marks_exactly_the_words_not_in_the_book(client, named):  # R18
    client.force_login(named.engineer)
    page = client.get(FEATURE_URL).content.decode()
    assert marked(page) == ["Transformation"]
    assert "1 word of this name is not in the" in page


def test_a_name_is_shown_escaped_and_marked_word_by_word(client, named):  # R18
    named.feature(2, name='Ledger <script>alert("x")</script>')
    client.force_login(named.engineer)
    page = client.get(reverse("convoy:feature_detail", args=[1, 2])).content.decode()
    assert marked(page) == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"]
    assert "<script>alert" not in page


def test_the_captain_sees_the_submit_button_and_others_do_not(client, named):
    client.force_login(named.captain)
    assert "Submit the name to the EARB" in client.get(FEATURE_URL).content.decode()
    client.force_login(named.other_captain)
    assert "Submit the name to the EARB" not in client.get(FEATURE_URL).content.decode()


def test_the_earb_sees_only_reject_for_a_name_with_a_missing_word(client, named):  # R18
    submit_name(actor=named.captain, feature=named.f1)
    client.force_login(named.earb)
    page = client.get(FEATURE_URL).content.decode()
    assert "Reject the name" in page
    assert "Admit the name" not in page
    assert "cannot be admitted while a word is missing" in page
