"""The chat's quick patterns (clearanalytics/chat/quick.py): a text is skipped only when no match could be in it."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from clearanalytics.chat import dates, engine, lexicon, parser, periods, places, tables
from clearanalytics.chat.quick import Quick, Words
from tests.chat_support import golden_blocks, read


@pytest.mark.parametrize(
    "pattern, needles",
    [
        (r"\bletzte[nr]?\s+woche\b", ("letzte",)),  # the longest run every match has
        (r"\bstoßzeit\b|\bspitzenstunde\b|\bbeste stunde\b", ("stoßzeit", "spitzenstunde", "beste stunde")),
        (r"\b(?:in den )?letzten (\d+) tage(?:n)?\b", ("letzten ",)),  # an optional group needs nothing
        (r"(?:ab)+cd?", ("ab",)),  # a group repeated at least once needs its run; an optional letter ends one
        (r"\bmonatlich\b|\bmensuel(?:le)?s?\b", ("onatlich", "ensuel")),  # re factors the common "m" out
        (r"(?:foo|)bar", ("bar",)),  # a branch with an empty way needs nothing; the run after it does
        (r"(?i)woche", ("",)),  # case-insensitive: every text is searched
        (r"(?i:woche)s", ("s",)),
        (r"\d+\s*[a-z]", ("",)),  # no literal at all
        (r"(?=abc)\w+", ("",)),  # a lookahead's words are not consumed: nothing certain
    ],
)
def test_needles_are_words_every_match_contains(pattern, needles):
    assert Quick(pattern).needles == needles


def _chat_patterns() -> list[Quick]:
    rows = [row for row, _english in lexicon._COMPILED]
    rows += [rule.pattern for rule in (*tables.BREAKDOWNS, *tables.METRICS)]
    rows += [pattern for pattern, _resolver in (*dates.RULES, *periods.RULES)]
    assert len(rows) > 700 and all(isinstance(row, Quick) for row in rows)
    return rows


PATTERNS = _chat_patterns()
ALL_CHECKS = list(HealthCheck)


def _check_texts_it_matches(row: Quick) -> None:
    @settings(max_examples=3, database=None, derandomize=True, deadline=None, suppress_health_check=ALL_CHECKS)
    @given(st.from_regex(row.compiled))
    def check(text: str) -> None:
        if row.compiled.search(text):  # from_regex may write an anchor's neighbour the match then refuses
            assert row.could_match(text), (row.pattern, text, row.needles)

    check()


def test_a_text_a_chat_pattern_matches_is_never_skipped():
    """Texts written by hypothesis to match each of the chat's ~800 patterns, three per pattern."""
    unsatisfied = []
    for row in PATTERNS:
        try:
            _check_texts_it_matches(row)
        except Unsatisfiable:
            unsatisfied.append(row.pattern)
    assert len(unsatisfied) < len(PATTERNS) / 20, unsatisfied


def test_the_golden_questions_read_the_same_without_the_skip(monkeypatch):
    """500 golden questions, drawn at random, read with every pattern searched and with the skip."""
    sample = random.Random(20261206).sample(golden_blocks(), 500)
    quick = [repr(read(block, case)) for block, case in sample]
    _forget_readings()
    monkeypatch.setattr(Quick, "could_match", lambda self, text: True)
    slow = [repr(read(block, case)) for block, case in sample]
    _forget_readings()
    assert quick == slow


def _forget_readings() -> None:
    """Every reading the chat keeps (the engine's, and its parts'), so that each question is read again."""
    engine._READINGS.clear()
    for kept in (parser.clean_question, dates.parse_period, places.find_country):
        kept.cache_clear()


def test_a_quick_pattern_answers_as_its_compiled_pattern():
    row = Quick(r"\blast (\w+)")
    assert row.search("visitors last week").group(1) == "week"
    assert row.search("visitors this week") is None
    assert row.sub(r"previous \1", "last month and last year") == "previous month and previous year"
    assert [m.group(1) for m in row.finditer("last week, last month")] == ["week", "month"]
    assert row.pattern == r"\blast (\w+)" and row.flags == re.compile(r"x").flags  # the rest passes through


@settings(max_examples=300, database=None, derandomize=True, deadline=None)
@given(
    st.lists(st.text(alphabet="abé .'-", min_size=1, max_size=5), min_size=1, max_size=12),
    st.text(alphabet="abé .'-x", max_size=30),
)
def test_words_finds_each_word_a_text_contains_overlapping_and_nested(words, text):
    """Words.present is `{w for w in words if w in text}`: words inside others ("ab" in "aab"), starting at the
    same place ("a", "ab", "abé"), overlapping ("aba" and "bab" in "ababab"), and the pattern's own characters."""
    assert Words(words).present(text) == {word for word in words if word in text}


def test_the_phrase_rows_needles_are_found_as_by_searching_for_each():
    """The lexicon's needles (some 2,500) in 2,000 golden questions, as written and after translation."""
    texts = [case["q"].lower() for _block, case in random.Random(7).sample(golden_blocks(), 1000)]
    texts += [lexicon.to_english(text) for text in texts]
    for text in texts:
        assert lexicon._present(text) == {needle for needle in lexicon._ROWS_OF if needle in text} | {""}, text
