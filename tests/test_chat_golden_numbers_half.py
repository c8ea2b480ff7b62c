"""The other half of the golden numbers check (tests/test_chat_golden_numbers.py): every other group of the
questions the chat reads right, in a file of its own so that the suite's two workers share the check."""

from __future__ import annotations

import pytest

from tests.test_chat_golden_numbers import NUMBERED_GROUPS, check_numbers, dataset, failures, group_id

__all__ = ["dataset"]  # the fixture, shared with the first half

THERE = NUMBERED_GROUPS[1::2]


@pytest.mark.parametrize("group", THERE, ids=[group_id(g) for g in THERE])
def test_the_answer_quotes_the_independently_computed_numbers(dataset, group):
    failed = failures(check_numbers, dataset, group)
    assert not failed, failed
