"""EARB naming compliance (R18): the Book of Names, name checking, name submissions.

Every word of a feature's name must appear in the Book of Names, a word list kept by the
Enterprise Architecture Review Board. No word of more than three syllables is ever admitted.
A name the EARB rejects may be resubmitted only after 12 weeks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import pyphen
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.remediation import NAME_ITEM, remedy_key
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import (
    BookOfNamesWord,
    Feature,
    NameSubmission,
    NameVerdict,
    Role,
)

MAX_SYLLABLES = 3  # R18
RESUBMISSION_LOCK = dt.timedelta(weeks=12)  # R18
MAX_WORD_LENGTH = BookOfNamesWord._meta.get_field("word").max_length

# Letters a to z; a hyphen or an apostrophe may join letters, never lead, trail or double.
WORD_PATTERN = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
# What a name's token may carry around its word without the punctuation being part of it.
_EDGE_PUNCTUATION = ".,;:!?()[]{}\"'“”‘’«»"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def count_syllables(word: str) -> int:
    """Syllables as the en_US hyphenation dictionary counts them: break points + 1.

    Each part of a hyphenated word is counted on its own and the parts summed ("follow-up" is
    "follow" + "up"); an apostrophe is dropped before counting ("captain's" counts as
    "captains").

    A hyphenation dictionary is not a syllable counter. It lists where a word may be broken
    at the end of a line, and en_US forbids a break leaving fewer than 2 letters before it or
    3 after it, so it misses syllable boundaries near the ends of words and in words it does
    not know. The count is therefore a lower bound: "ledger" counts 1 (spoken 2), "area" 1
    (spoken 3), "delivery", "variety" and "society" 3 (spoken 4). A word spoken in four
    syllables whose boundaries the dictionary does not list is admitted; the EARB applies the
    count the framework's tooling gives, not the ear.
    """
    total = 0
    for part in word.replace("'", "").split("-"):
        if part:
            total += len(_dictionary().positions(part)) + 1
    return total


def normalise_word(word: str) -> str:
    """The form in which a word is kept in the Book and looked up: lower case, straight
    apostrophes, surrounding punctuation removed."""
    return word.translate(_APOSTROPHES).strip(_EDGE_PUNCTUATION).lower()


def admit_word(*, actor: AbstractBaseUser, word: str) -> BookOfNamesWord:
    """The EARB admits a word to the Book of Names (R18)."""
    require_role(actor, None, Role.EARB, action="Admitting a word to the Book of Names")
    cleaned = word.strip().translate(_APOSTROPHES).lower()
    shown = cleaned[:MAX_WORD_LENGTH] + ("…" if len(cleaned) > MAX_WORD_LENGTH else "")
    if not cleaned:
        raise ProcessViolation("R18", "Name the word to be admitted to the Book of Names.")
    if len(cleaned) > MAX_WORD_LENGTH:
        raise ProcessViolation(
            "R18",
            f"'{shown}' is longer than {MAX_WORD_LENGTH} letters; the Book of Names admits no "
            "word of that length.",
        )
    if not WORD_PATTERN.fullmatch(cleaned):
        raise ProcessViolation(
            "R18",
            f"'{shown}' is not a word the Book of Names admits: one word of the letters a to z, "
            "which a hyphen or an apostrophe may join, with no spaces, digits or other signs.",
        )
    syllables = count_syllables(cleaned)
    if syllables > MAX_SYLLABLES:
        raise ProcessViolation(
            "R18",
            f"'{cleaned}' has {syllables} syllables; the Book of Names admits no word over three.",
        )
    if BookOfNamesWord.objects.filter(word=cleaned).exists():
        raise ProcessViolation("R18", f"'{cleaned}' is already in the Book of Names.")
    try:
        with transaction.atomic():
            entry = BookOfNamesWord.objects.create(
                word=cleaned, syllables=syllables, added_by=actor, added_at=clock.now()
            )
            record_event(
                actor=actor,
                action="book_of_names.admit",
                obj=entry,
                after=snapshot(entry, ["word", "syllables"]),
            )
    except IntegrityError:
        raise ProcessViolation("R18", f"'{cleaned}' is already in the Book of Names.") from None
    return entry


class NameWord(NamedTuple):
    """One word of a name as written, and whether the Book of Names holds it."""

    word: str
    admitted: bool


def _lookup_form(token: str) -> str | None:
    """The Book form of a token, or None for a token that is punctuation only ("&", "—")."""
    form = normalise_word(token)
    if not any(ch.isalnum() for ch in form):
        return None
    return form


def name_lookup_forms(names: Iterable[str]) -> set[str]:
    """Every Book form the words of `names` need (for one query over many names)."""
    forms = set()
    for name in names:
        for token in name.split():
            form = _lookup_form(token)
            if form is not None:
                forms.add(form)
    return forms


def words_in_book(forms: Iterable[str]) -> set[str]:
    forms = set(forms)
    if not forms:
        return set()
    return set(BookOfNamesWord.objects.filter(word__in=forms).values_list("word", flat=True))


def check_name(name: str, book: set[str] | None = None) -> list[NameWord]:
    """Each word of `name` as written, with whether the Book of Names holds it (R18).

    Words are separated by white space; punctuation around a word is not part of it. A token
    of punctuation alone is not a word and is never offending. A numeral is a word like any
    other and, since the Book admits letters only, is never in it. `book` is the set of Book
    forms already fetched (see `name_lookup_forms`); without it, one query is made.
    """
    tokens = name.split()
    if book is None:
        book = words_in_book(name_lookup_forms([name]))
    result = []
    for token in tokens:
        form = _lookup_form(token)
        result.append(NameWord(token, form is None or form in book))
    return result


def offending_words(name: str, book: set[str] | None = None) -> list[str]:
    return [w.word for w in check_name(name, book) if not w.admitted]


def latest_submission(feature: Feature) -> NameSubmission | None:
    return feature.name_submissions.order_by("-submitted_at", "-id").first()


def resubmission_opens_at(submission: NameSubmission) -> dt.datetime | None:
    """R18: when the name of a rejected submission may be submitted again."""
    if submission.verdict != NameVerdict.REJECTED or submission.ruled_at is None:
        return None
    # Twelve weeks on the calendar: the same local time, whatever daylight saving does between.
    return timezone.localtime(submission.ruled_at) + RESUBMISSION_LOCK


def formal_moment(moment: dt.datetime) -> str:
    """'4 January 2027 at 09:00', in the app's time zone, as refusals and the Manifest write."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def submission_refusal(feature: Feature, latest: NameSubmission | None) -> ProcessViolation | None:
    """Why the feature's name may not be submitted now (besides the role), if it may not."""
    if latest is None:
        return None
    if latest.verdict == NameVerdict.PENDING:
        return ProcessViolation(
            "R18",
            f"The name of {feature.code}, '{latest.name}', has awaited the EARB since "
            f"{formal_moment(latest.submitted_at)}. It is not submitted twice.",
        )
    if latest.verdict == NameVerdict.ADMITTED and latest.name == feature.name:
        return ProcessViolation(
            "R18",
            f"The EARB admitted the name '{latest.name}' on {formal_moment(latest.ruled_at)}. "
            "It need not be submitted again.",
        )
    opens_at = resubmission_opens_at(latest)
    if opens_at is not None and clock.now() < opens_at:
        return ProcessViolation(
            "R18",
            f"The EARB rejected the name of {feature.code} on {formal_moment(latest.ruled_at)}. "
            f"A rejected name may be resubmitted only after 12 weeks: on or after "
            f"{formal_moment(opens_at)}.",
        )
    return None


def _require_feature_captain(actor: AbstractBaseUser, feature: Feature, action: str) -> None:
    require_role(actor, feature.convoy, Role.FEATURE_CAPTAIN, action=action)
    if feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R4",
            f"{action} for {feature.code} requires its Feature Captain, "
            f"{display_name(feature.captain)}. {display_name(actor)} is not.",
        )


def may_submit_name(actor: AbstractBaseUser | None, feature: Feature) -> bool:
    return (
        actor is not None
        and actor.is_authenticated
        and feature.captain_id == actor.pk
        and Role.FEATURE_CAPTAIN in roles_of(actor, feature.convoy)
    )


SUBMISSION_FIELDS = ["feature_id", "name", "offending_words", "verdict"]


def submit_name(*, actor: AbstractBaseUser, feature: Feature) -> NameSubmission:
    """The Feature Captain puts the feature's name to the EARB (R18).

    A name with words not in the Book may be submitted; the words are recorded as they stood
    at submission, and the EARB cannot admit the name while any of them is missing.
    """
    refuse_if_closed(feature.convoy, remedying=remedy_key(feature, NAME_ITEM))  # R41
    _require_feature_captain(actor, feature, "Submitting a feature name to the EARB")
    with transaction.atomic():
        feature = Feature.objects.select_for_update().select_related("convoy").get(pk=feature.pk)
        refusal = submission_refusal(feature, latest_submission(feature))
        if refusal is not None:
            raise refusal
        submission = NameSubmission.objects.create(
            feature=feature,
            name=feature.name,
            submitted_by=actor,
            submitted_at=clock.now(),
            offending_words=offending_words(feature.name),
        )
        record_event(
            actor=actor,
            action="name.submit",
            obj=submission,
            after=snapshot(submission, SUBMISSION_FIELDS),
        )
    return submission


def rule_on_name(
    *, actor: AbstractBaseUser, submission: NameSubmission, admit: bool
) -> NameSubmission:
    """The EARB admits or rejects a submitted name (R18). A name with a word not in the Book
    of Names cannot be admitted; a rejection locks resubmission for 12 weeks."""
    feature = submission.feature
    refuse_if_closed(feature.convoy, remedying=remedy_key(feature, NAME_ITEM))  # R41
    require_role(actor, feature.convoy, Role.EARB, action="Ruling on a feature name")
    with transaction.atomic():
        submission = (
            NameSubmission.objects.select_for_update()
            .select_related("feature__convoy")
            .get(pk=submission.pk)
        )
        if submission.verdict != NameVerdict.PENDING:
            raise ProcessViolation(
                "R18",
                f"The EARB has already ruled on '{submission.name}': "
                f"{submission.get_verdict_display()} on {formal_moment(submission.ruled_at)}.",
            )
        if admit:
            missing = offending_words(submission.name)
            if missing:
                listed = ", ".join(f"'{w}'" for w in missing)
                raise ProcessViolation(
                    "R18",
                    f"'{submission.name}' cannot be admitted: {listed} "
                    f"{'is' if len(missing) == 1 else 'are'} not in the Book of Names. Every "
                    "word of a feature's name must appear in it.",
                )
        before = snapshot(submission, ["verdict", "ruled_by_id", "ruled_at"])
        submission.verdict = NameVerdict.ADMITTED if admit else NameVerdict.REJECTED
        submission.ruled_by = actor
        submission.ruled_at = clock.now()
        submission.save(update_fields=["verdict", "ruled_by", "ruled_at"])
        record_event(
            actor=actor,
            action="name.rule",
            obj=submission,
            before=before,
            after=snapshot(submission, ["verdict", "ruled_by_id", "ruled_at"]),
        )
    return submission
