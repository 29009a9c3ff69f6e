"""Property-based tests (hypothesis) of the ceremonies' validation (issue 10).

R11 (WSVF inputs and score), R13–R14 (story points, the 4-hour task limit and its split),
R17/R34/R42 (the one word count, mirrored by the page's counter), R19 (CIA risk ratings),
R55 (workbook cells never become formulas) and the business-day arithmetic of convoy/clock.py.
"""

import datetime as dt
import io
import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.impact_assessment import _validated_ratings
from convoy.ceremonies.pcr import WHITESPACE, count_words
from convoy.ceremonies.planning import _check_wsvf_inputs, person_days, split_hours
from convoy.ceremonies.priority import (
    ALIGNMENT_BONUS,
    DONUT_BONUS,
    EARNINGS_CALL_VISIBILITY,
    WsvfTerms,
)
from convoy.exports.workbook.cells import cell_value, clean_text, needs_neutralising
from convoy.models import MAX_TASK_HOURS, RISK_CATEGORY_COUNT, RiskCategory
from convoy.models.pipeline import RISK_RATING_MAX, RISK_RATING_MIN

FAST = hsettings(max_examples=150, deadline=None)

# R11 -------------------------------------------------------------------------------------


@FAST
@given(
    cod=st.integers(-(10**6), 10**6),
    ev=st.integers(-(10**6), 10**6),
    aq=st.integers(-(10**6), 10**6),
)
def test_r11_wsvf_inputs_accepted_exactly_in_range(cod, ev, aq):
    """R11: CoD and EV from 1 to 10, acronym quality at least 1; anything else is refused."""
    inputs = {"cost_of_delay": cod, "executive_visibility": ev, "acronym_quality": aq}
    valid = 1 <= cod <= 10 and 1 <= ev <= 10 and aq >= 1
    if valid:
        _check_wsvf_inputs(inputs)
    else:
        with pytest.raises(ProcessViolation) as refusal:
            _check_wsvf_inputs(inputs)
        assert refusal.value.rule == "R11"


@FAST
@given(
    cod=st.integers(1, 10),
    pc=st.integers(0, 1_000),
    alignment=st.booleans(),
    donuts=st.booleans(),
    ev=st.integers(1, 10),
    earnings=st.booleans(),
    aq=st.integers(0, 100),
    has_acronym=st.booleans(),
)
def test_r11_wsvf_score_follows_the_formula(
    cod, pc, alignment, donuts, ev, earnings, aq, has_acronym
):
    """R11: WSVF = (CoD + PC) × EV / AQ, with the bonuses; never a division by zero."""
    terms = WsvfTerms(
        cost_of_delay=cod,
        political_capital_base=pc,
        alignment_bonus=ALIGNMENT_BONUS if alignment else 0,
        donut_bonus=DONUT_BONUS if donuts else 0,
        executive_visibility_entered=ev,
        earnings_call=earnings,
        acronym_quality_entered=aq,
        has_acronym=has_acronym,
    )
    political = pc + (ALIGNMENT_BONUS if alignment else 0) + (DONUT_BONUS if donuts else 0)
    visibility = EARNINGS_CALL_VISIBILITY if earnings else ev
    quality = max(aq, 1) if has_acronym else 1
    expected = (Decimal((cod + political) * visibility) / quality).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    assert terms.score == expected
    assert terms.score > 0
    assert terms.score <= (10 + 1_000 + ALIGNMENT_BONUS + DONUT_BONUS) * 10


# R13, R14 ----------------------------------------------------------------------------------


@FAST
@given(st.integers(0, 10**6))
def test_r13_person_days_are_exactly_073_per_story_point(points):
    """R13: 1 story point = 0.73 person-days, exactly (no float rounding)."""
    assert person_days(points) == Decimal(points) * Decimal("0.73")
    assert person_days(points) * 100 == points * 73


@FAST
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2))
def test_r14_split_offer_is_fewest_tasks_of_at_most_four_hours(hours):
    """R14: the split offer covers the hours with the fewest tasks of at most 4 hours."""
    parts = split_hours(hours)
    assert sum(parts) == hours
    assert all(Decimal("0.01") <= part <= MAX_TASK_HOURS for part in parts)
    fewest = int((hours / Decimal(MAX_TASK_HOURS)).to_integral_value(rounding=ROUND_CEILING))
    assert len(parts) == max(1, fewest)
    assert max(parts) - min(parts) <= Decimal("0.01")  # as even as cents allow


# R19 ---------------------------------------------------------------------------------------

RATING = st.one_of(st.integers(-10, 10), st.booleans(), st.text(max_size=2), st.none())


@FAST
@given(st.lists(RATING, min_size=RISK_CATEGORY_COUNT, max_size=RISK_CATEGORY_COUNT))
def test_r19_risk_ratings_only_whole_numbers_one_to_five(values):
    """R19: each of the 17 categories rated 1 to 5; the score is always within 17..85."""
    ratings = dict(zip(RiskCategory.values, values, strict=True))
    valid = all(
        isinstance(v, int) and not isinstance(v, bool) and RISK_RATING_MIN <= v <= RISK_RATING_MAX
        for v in values
    )
    if valid:
        clean = _validated_ratings(ratings)
        score = sum(clean.values())
        assert RISK_CATEGORY_COUNT * RISK_RATING_MIN <= score <= RISK_CATEGORY_COUNT * 5
    else:
        with pytest.raises(ProcessViolation) as refusal:
            _validated_ratings(ratings)
        assert refusal.value.rule == "R19"


@FAST
@given(st.sets(st.sampled_from(RiskCategory.values)), st.text(min_size=1, max_size=12))
def test_r19_missing_or_unknown_categories_are_refused(present, stray):
    """R19: every category is rated, and only the 17 categories exist."""
    assume(stray not in RiskCategory.values)
    ratings = dict.fromkeys(present, 3)
    if len(present) == RISK_CATEGORY_COUNT:
        ratings[stray] = 3
    with pytest.raises(ProcessViolation, match="risk categor"):
        _validated_ratings(ratings)


# R17, R34, R42: the one word count --------------------------------------------------------

WORDS = st.lists(
    st.text(
        alphabet=st.characters(
            blacklist_characters=WHITESPACE + "\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            "\u2007\u2008\u2009\u200a",
            blacklist_categories=("Cs",),
        ),
        min_size=1,
        max_size=12,
    ),
    max_size=40,
)


def _space_chars() -> set[str]:
    chars = set(WHITESPACE.replace("\u2000-\u200a", ""))
    return chars | {chr(c) for c in range(0x2000, 0x200B)}


@FAST
@given(WORDS, st.data())
def test_word_count_is_stable_under_whitespace_variations(words, data):
    """R17: any run of whitespace between, before or after words counts the same."""
    spaces = st.text(alphabet=sorted(_space_chars()), min_size=1, max_size=5)
    gaps = [data.draw(spaces) for _ in range(len(words) + 1)]
    text = gaps[0] + "".join(word + gap for word, gap in zip(words, gaps[1:], strict=True))
    assert count_words(text) == len(words)
    assert count_words(" ".join(words)) == len(words)


def test_word_count_uses_the_same_whitespace_as_the_page_counter():
    """R17: static/convoy/wordcount.js counts with exactly the server's whitespace class."""
    script = (Path(settings.BASE_DIR) / "static/convoy/wordcount.js").read_text()
    js_class = re.search(r"var WORD = /\[\^(.*?)\]\+/g;", script).group(1)
    decoded = js_class.encode().decode("unicode_escape")
    assert decoded == WHITESPACE


# R55: workbook cells -----------------------------------------------------------------------


def _read_back(values: list[str]) -> list[tuple[object, str]]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("T")
    for value in values:
        sheet.append([cell_value(sheet, value)])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    loaded = load_workbook(buffer)["T"]
    return [(row[0].value, row[0].data_type) for row in loaded.iter_rows()]


FORMULA_LIKE = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda p, s: p + s, st.sampled_from(["=", "+", "-", "@", "\t", "\r", "#N/A"]), st.text()
    ),
)


@hsettings(max_examples=120, deadline=None)
@given(st.lists(FORMULA_LIKE.filter(lambda s: clean_text(s) != ""), min_size=1, max_size=8))
def test_r55_any_text_reads_back_as_the_same_text_never_a_formula(values):
    """R55: every string is written as text: read back, it equals its cleaned self."""
    for (read, data_type), value in zip(_read_back(values), values, strict=True):
        assert data_type == "s", f"{value!r} read back as {data_type}"
        assert read == clean_text(value)


@FAST
@given(st.text(max_size=40))
def test_r55_risky_text_always_gets_a_quote_prefix(value):
    """R55: text a spreadsheet could read as a formula is written quote-prefixed as text."""
    sheet = Workbook(write_only=True).create_sheet("T")
    written = cell_value(sheet, value)
    if needs_neutralising(clean_text(value)):
        assert not isinstance(written, str)
        assert written.data_type == "s"
        assert written.quotePrefix
    elif isinstance(written, str):
        assert not needs_neutralising(written)


# Business days -----------------------------------------------------------------------------

DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31))


@FAST
@given(DAYS, st.integers(0, 300))
def test_add_business_days_lands_on_a_business_day(day, count):
    """R25/R34: a deadline of n business days never falls on a weekend or a holiday."""
    due = clock.add_business_days(day, count)
    if count:
        assert clock.is_business_day(due)
        assert due.weekday() < 5
        assert due > day
    else:
        assert due == day


@FAST
@given(DAYS, st.integers(0, 300))
def test_business_days_between_inverts_add_business_days(day, count):
    """The count of business days up to the deadline is the count added."""
    assert clock.business_days_between(day, clock.add_business_days(day, count)) == count


@FAST
@given(DAYS, DAYS)
def test_business_days_between_is_additive_and_monotone(start, end):
    """business_days_between counts each business day after `start` up to `end` once."""
    start, end = min(start, end), max(start, end)
    counted = clock.business_days_between(start, end)
    assert counted >= 0
    assert counted <= (end - start).days
    if counted:
        assert clock.add_business_days(start, counted) <= end
        assert clock.add_business_days(start, counted + 1) > end


@FAST
@given(DAYS)
def test_previous_business_day_is_the_last_one_before(day):
    """The previous business day is a business day, and nothing between it and `day` is."""
    before = clock.previous_business_day(day)
    assert before < day
    assert clock.is_business_day(before)
    assert clock.business_days_between(before, day) == int(clock.is_business_day(day))


# R14 through the ceremony ------------------------------------------------------------------


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hours=st.decimals(min_value=Decimal("-5"), max_value=Decimal("12"), places=2))
def test_r14_add_task_keeps_only_tasks_of_at_most_four_hours(world, hours):
    """R14: add_task records a task of more than 0 and at most 4 hours, refuses the rest."""
    from convoy.ceremonies.planning import add_task

    feature = world.convoy.features.first() or world.feature(1)
    before = feature.tasks.count()
    if Decimal("0") < hours <= MAX_TASK_HOURS:
        task = add_task(actor=world.captain, feature=feature, title="Work", hours=hours)
        assert task.hours == hours
        assert feature.tasks.count() == before + 1
    else:
        with pytest.raises(ProcessViolation) as refusal:
            add_task(actor=world.captain, feature=feature, title="Work", hours=hours)
        assert refusal.value.rule == "R14"
        assert feature.tasks.count() == before
