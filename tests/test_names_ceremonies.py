"""EARB naming compliance (R18): the Book of Names, name checks, submissions and rulings."""

import datetime as dt

import pytest
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.names import (
    admit_word,
    check_name,
    count_syllables,
    rule_on_name,
    submit_name,
)
from convoy.models import AuditEvent, BookOfNamesWord, NameSubmission, NameVerdict, Role
from tests.factories import person


@pytest.fixture
def earb(world):
    return person("earb.nakamura", Role.EARB)


def admit(earb, *words):
    for word in words:
        admit_word(actor=earb, word=word)


# Syllables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("sync", 1),
        ("ledger", 1),  # spoken 2: en_US will not break "led-ger" (see count_syllables)
        ("audit", 2),
        ("beautiful", 3),
        ("integration", 4),
        ("transformation", 4),
        ("follow-up", 3),  # each part counted: fol-low + up
    ],
)
def test_syllables_are_the_hyphenation_break_points_plus_one(word, syllables):  # R18
    assert count_syllables(word) == syllables


# The Book of Names --------------------------------------------------------------------------


def test_the_earb_admits_a_word_of_three_syllables(earb):  # R18
    entry = admit_word(actor=earb, word="beautiful")
    assert (entry.word, entry.syllables, entry.added_by) == ("beautiful", 3, earb)


def test_a_word_over_three_syllables_is_refused(earb):  # R18
    with pytest.raises(ProcessViolation) as refused:
        admit_word(actor=earb, word="transformation")
    assert str(refused.value) == (
        "R18: 'transformation' has 4 syllables; the Book of Names admits no word over three."
    )
    assert not BookOfNamesWord.objects.exists()


def test_words_are_kept_in_lower_case(earb):
    assert admit_word(actor=earb, word="  Ledger ").word == "ledger"


@pytest.mark.parametrize("word", ["two words", "f42", "-sync", "sync-", "o''brien", "naïve", ""])
def test_a_word_must_be_letters_joined_at_most_by_a_hyphen_or_apostrophe(earb, word):  # R18
    with pytest.raises(ProcessViolation) as refused:
        admit_word(actor=earb, word=word)
    assert refused.value.rule == "R18"
    assert not BookOfNamesWord.objects.exists()


@pytest.mark.parametrize("word", ["follow-up", "captain's", "o’brien"])
def test_an_internal_hyphen_or_apostrophe_is_admitted(earb, word):
    assert admit_word(actor=earb, word=word).word == word.replace("’", "'")


def test_a_word_is_admitted_once(earb):
    admit_word(actor=earb, word="sync")
    with pytest.raises(ProcessViolation, match="'sync' is already in the Book of Names"):
        admit_word(actor=earb, word="SYNC")


@pytest.mark.parametrize("who", ["captain", "commodore", "admiral", "auditor"])
def test_only_the_earb_admits_words(world, who):  # R4
    with pytest.raises(ProcessViolation) as refused:
        admit_word(actor=getattr(world, who), word="sync")
    assert refused.value.rule == "R4"
    assert "Enterprise Architecture Review Board" in refused.value.message
    assert not BookOfNamesWord.objects.exists()


def test_admitting_a_word_is_audited(earb):  # R57
    entry = admit_word(actor=earb, word="sync")
    event = AuditEvent.objects.get(action="book_of_names.admit")
    assert event.object_id == str(entry.pk)
    assert event.after == {"word": "sync", "syllables": 1}


# Checking a name -----------------------------------------------------------------------------


def test_check_name_marks_exactly_the_words_not_in_the_book(earb):  # R18
    admit(earb, "ledger", "sync")
    assert check_name("Ledger Sync Transformation") == [
        ("Ledger", True),
        ("Sync", True),
        ("Transformation", False),
    ]


def test_punctuation_around_a_word_is_not_part_of_it(earb):
    admit(earb, "ledger", "sync")
    assert check_name("Ledger, Sync & “Ledger”") == [
        ("Ledger,", True),
        ("Sync", True),
        ("&", True),
        ("“Ledger”", True),
    ]


def test_a_numeral_is_a_word_never_in_the_book(earb):  # R18
    admit(earb, "ledger")
    assert check_name("Ledger 2") == [("Ledger", True), ("2", False)]


# Submissions and rulings ------------------------------------------------------------------------


def test_the_feature_captain_submits_the_name_with_its_offending_words(world, earb):  # R18
    admit(earb, "ledger")
    feature = world.feature(1, name="Ledger Transformation")
    submission = submit_name(actor=world.captain, feature=feature)
    assert submission.name == "Ledger Transformation"
    assert submission.offending_words == ["Transformation"]
    assert submission.verdict == NameVerdict.PENDING
    assert AuditEvent.objects.filter(action="name.submit", object_id=str(submission.pk)).exists()


@pytest.mark.parametrize("who", ["other_captain", "engineer", "commodore"])
def test_only_the_features_captain_submits_its_name(world, who):  # R4
    feature = world.feature(1)
    with pytest.raises(ProcessViolation) as refused:
        submit_name(actor=getattr(world, who), feature=feature)
    assert refused.value.rule == "R4"
    assert not NameSubmission.objects.exists()


def test_a_name_awaiting_the_earb_is_not_submitted_twice(world):  # R18
    feature = world.feature(1)
    submit_name(actor=world.captain, feature=feature)
    with pytest.raises(ProcessViolation, match="has awaited the EARB since"):
        submit_name(actor=world.captain, feature=feature)
    assert NameSubmission.objects.count() == 1


def test_the_earb_admits_a_name_whose_every_word_is_in_the_book(world, earb):  # R18
    admit(earb, "ledger", "sync")
    feature = world.feature(1, name="Ledger Sync")
    submission = submit_name(actor=world.captain, feature=feature)
    ruled = rule_on_name(actor=earb, submission=submission, admit=True)
    assert (ruled.verdict, ruled.ruled_by, ruled.ruled_at) == (
        NameVerdict.ADMITTED,
        earb,
        clock.now(),
    )


def test_a_name_with_a_word_not_in_the_book_cannot_be_admitted(world, earb):  # R18
    admit(earb, "ledger")
    feature = world.feature(1, name="Ledger Transformation")
    submission = submit_name(actor=world.captain, feature=feature)
    with pytest.raises(ProcessViolation) as refused:
        rule_on_name(actor=earb, submission=submission, admit=True)
    assert str(refused.value) == (
        "R18: 'Ledger Transformation' cannot be admitted: 'Transformation' is not in the Book "
        "of Names. Every word of a feature's name must appear in it."
    )
    submission.refresh_from_db()
    assert submission.verdict == NameVerdict.PENDING


@pytest.mark.parametrize("who", ["captain", "commodore", "auditor", "admiral"])
def test_only_the_earb_rules_on_a_name(world, who):  # R4
    submission = submit_name(actor=world.captain, feature=world.feature(1))
    with pytest.raises(ProcessViolation) as refused:
        rule_on_name(actor=getattr(world, who), submission=submission, admit=False)
    assert refused.value.rule == "R4"
    submission.refresh_from_db()
    assert submission.verdict == NameVerdict.PENDING


def test_a_ruling_is_final(world, earb):  # R18
    submission = submit_name(actor=world.captain, feature=world.feature(1))
    rule_on_name(actor=earb, submission=submission, admit=False)
    with pytest.raises(ProcessViolation, match="has already ruled"):
        rule_on_name(actor=earb, submission=submission, admit=False)


def test_a_rejected_name_is_refused_for_12_weeks(world, earb):  # R18
    feature = world.feature(1)
    submission = submit_name(actor=world.captain, feature=feature)
    ruled = rule_on_name(actor=earb, submission=submission, admit=False)  # 4 Jan 2027, 09:00
    clock.travel_to(timezone.localtime(ruled.ruled_at) + dt.timedelta(weeks=11, days=6))
    with pytest.raises(ProcessViolation) as refused:
        submit_name(actor=world.captain, feature=feature)
    assert str(refused.value) == (
        "R18: The EARB rejected the name of F001 on 4 January 2027 at 09:00. A rejected name "
        "may be resubmitted only after 12 weeks: on or after 29 March 2027 at 09:00."
    )
    assert NameSubmission.objects.count() == 1


def test_a_rejected_name_may_be_resubmitted_after_12_weeks(world, earb):  # R18
    feature = world.feature(1)
    submission = submit_name(actor=world.captain, feature=feature)
    ruled = rule_on_name(actor=earb, submission=submission, admit=False)
    clock.travel_to(timezone.localtime(ruled.ruled_at) + dt.timedelta(weeks=12))
    resubmitted = submit_name(actor=world.captain, feature=feature)
    assert resubmitted.verdict == NameVerdict.PENDING
    assert NameSubmission.objects.count() == 2
