"""The chat's golden set (tests/chat_golden.json): every question's reading, and its numbers on the stats dataset.

Three verdicts per question (tests/chat_support.judge): right; an honest miss (the chat said it
did not understand); wrong (it answered something else: a silent substitution). The tuned
questions must all be right. The held-out ones are scored, not tuned: their accuracy is what
docs/CHAT.md reports (`python3 -m tests.chat_support` prints it).

The numbers of each answer read right: tests/test_chat_golden_numbers.py.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.chat_support import (
    HONEST,
    RIGHT,
    WRONG,
    golden_blocks,
    in_groups,
    judge,
    offers,
    offers_not_understood,
    score,
)

BLOCKS = golden_blocks()
TUNED = [(b, c) for b, c in BLOCKS if not c.get("held_out")]


def test_the_golden_set_is_big_varied_and_keeps_a_held_out_quarter():
    cases = [c for _b, c in BLOCKS]
    assert len(cases) >= 250
    held = [c for c in cases if c.get("held_out")]
    assert len(held) >= len(cases) / 4
    languages = Counter(c.get("lang", "en") for c in cases)
    assert all(languages[lang] >= 20 for lang in ("de", "fr", "es", "nl")), languages
    held_languages = Counter(c.get("lang", "en") for c in held)
    assert all(held_languages[lang] >= 5 for lang in ("de", "fr", "es", "nl")), held_languages
    assert sum(1 for c in cases if "unclear" in c) >= 20  # the questions it must not answer as something else


# The tuned questions that may stay honest misses (docs/CHAT.md), but never turn wrong: the honest misses of the
# earlier held-out batches that the fixes after their scoring did not reach.
_LISTED = json.loads((Path(__file__).parent / "chat_honest_misses.json").read_text())
TUNED_HONEST_MISSES = set(_LISTED["questions"])
# Batches M's to S's questions still read wrong (docs/CHAT.md): the list can only shrink, and no other tuned
# question may read wrong.
STILL_WRONG = set(_LISTED["still_wrong"])


# The tuned questions in groups of 100, each group one test that names every question it finds not read right: one
# test per question cost the suite more in pytest's own bookkeeping (14,000 tests) than in reading them.
GROUPS = in_groups(TUNED, 100)


@pytest.mark.parametrize("group", GROUPS, ids=[f"{g[0][1]['q'][:40]} (+{len(g) - 1})" for g in GROUPS])
def test_tuned_questions(group):
    failed = []
    for block, case in group:
        verdict, why = judge(block, case)
        allowed = (RIGHT, HONEST) if case["q"] in TUNED_HONEST_MISSES else (RIGHT,)
        allowed += (HONEST, WRONG) if case["q"] in STILL_WRONG else ()
        if verdict not in allowed:
            failed.append(f"{case['q']!r}: {verdict} ({why})")
    assert not failed, "\n".join(failed)


# Held-out batch T's first and only scoring (docs/CHAT.md), at c09a66f: 39703 of 42851 right (92.7%), 2202 honest
# misses, 946 wrong readings, no crash. It was written blind by eight fresh writers while S's failures were fixed,
# merged after those fixes and scored once, counts only. The target is 90% right and no wrong reading: T meets the
# first and not the second, and the bounds hold the figures it was scored at, so they can only improve. (S, the batch
# before, read 27440 of 30924 right at its one scoring, 88.7%; it is tuned now, "was_held_out": "S".)
HELD_OUT_ACCURACY_AT_FIRST_RUN = 39703 / 42851
HELD_OUT_WRONG_AT_FIRST_RUN = 946


def test_held_out_accuracy_and_silent_substitutions():
    splits = score()
    tuned_wrong = {question for question, verdict, _why in splits["tuned"]["misses"] if verdict == WRONG}
    assert tuned_wrong <= STILL_WRONG, sorted(tuned_wrong - STILL_WRONG)
    assert splits["held out"]["accuracy"] >= HELD_OUT_ACCURACY_AT_FIRST_RUN, splits["held out"]["misses"]
    assert splits["held out"][WRONG] <= HELD_OUT_WRONG_AT_FIRST_RUN, splits["held out"]["misses"]


def test_the_list_of_questions_still_wrong_only_shrinks():
    """Every listed question is in the golden set and still not right: one read right is taken off the list. A question
    asked after different earlier ones ("et sur blog.example ?") is right when every one of its cases is."""
    verdicts: dict[str, set[str]] = {}
    for block, case in BLOCKS:
        if case["q"] in STILL_WRONG:
            verdicts.setdefault(case["q"], set()).add(judge(block, case)[0])
    assert set(verdicts) == STILL_WRONG
    assert [q for q, found in verdicts.items() if found == {RIGHT}] == []
    assert (
        len(STILL_WRONG) <= 158
    )  # A-S (713 when T was scored; 448 after the fifteenth session, 281 after the sixteenth)


def test_every_offered_reading_is_itself_understood():
    """A button the chat offers must be a question it answers, not another "I could not read"; clicked, it is asked
    in the same conversation, so it is read after the same history and the question that offered it."""
    not_understood = [(case["q"], *offer) for block, case in BLOCKS for offer in offers_not_understood(block, case)]
    assert not_understood == []
    assert sum(len(offers(block, case)) for block, case in BLOCKS) >= 20


def test_scores_add_up():
    splits = score()
    assert splits["all"]["total"] == len(BLOCKS)
    assert splits["all"][RIGHT] + splits["all"][HONEST] + splits["all"][WRONG] == len(BLOCKS)
