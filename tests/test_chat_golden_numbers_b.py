"""The other half of the golden numbers check (tests/test_chat_golden_numbers.py), in a file of its own so that
another xdist worker runs it (--dist loadfile keeps a file on one worker)."""

from __future__ import annotations

import pytest
from app_helpers import app_on
from stats_dataset import NOW

from tests.test_chat_golden_numbers import NUMBERED, check_numbers

OTHER_HALF = NUMBERED[1::2]


@pytest.fixture(scope="module")
def dataset(stats_import_data_dir):
    data_dir, data = stats_import_data_dir
    with app_on(data_dir, now=NOW) as app:
        yield data, app


@pytest.mark.parametrize("case", OTHER_HALF, ids=[f"{c.get('lang', 'en')}: {c['q']}" for c in OTHER_HALF])
def test_the_answer_quotes_the_independently_computed_numbers(dataset, case):
    check_numbers(dataset, case)
