"""How long the chat's built-in engine takes to read a question, with the quick skip and with every pattern searched.

The baseline is the same parser with `Quick.could_match` answering yes for every text, which is what plain
`re` did before chat/quick.py: each phrase, period and intent row searched over the whole question. The sample
is 2,000 golden questions drawn with a fixed seed; each side is read four times and the best CPU time kept.

    python3 -m bench.chat_read
"""

from __future__ import annotations

import random
import time

from clearanalytics.chat import parser
from clearanalytics.chat.quick import Quick
from tests.chat_support import golden_blocks, read

SAMPLE, ROUNDS = 2000, 4


def per_question_ms(sample: list[tuple[dict, dict]]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        parser.clean_question.cache_clear()  # kept per text: each round reads every question afresh
        started = time.process_time()
        for block, case in sample:
            read(block, case)
        best = min(best, (time.process_time() - started) / len(sample) * 1000)
    return best


def main() -> None:
    sample = random.Random(1).sample(golden_blocks(), SAMPLE)
    for block, case in sample[:50]:  # tables and caches built before timing
        read(block, case)
    quick = per_question_ms(sample)
    could_match = Quick.could_match
    Quick.could_match = lambda self, text: True  # type: ignore[method-assign]
    try:
        plain = per_question_ms(sample)
    finally:
        Quick.could_match = could_match  # type: ignore[method-assign]
    print(f"every pattern searched: {plain:.2f} ms per question")
    print(f"quick skip:             {quick:.2f} ms per question ({plain / quick:.2f}x faster)")


if __name__ == "__main__":
    main()
