"""Patterns that skip a text lacking a word every match must contain.

The chat runs some 750 phrase rows and a few hundred period and intent rules over each
question, in order; nearly all of them find nothing, and a failed regex search still walks the
whole text. A match of `\\bletzte[nr]? woche\\b` must contain "letzte", so a text without it is
skipped with one `in`: the reading is the same, at a third of the cost.

The words are found in the pattern's parse tree (the standard library's `re._parser`, which
`re` itself uses). A pattern the walk cannot vouch for (case-insensitive, or no literal every
match needs) keeps the empty word, which every text contains: it is always searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

try:
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # another Python's internals: every pattern is searched, as plain re does
    sre = sre_parse = None  # type: ignore[assignment]

Needles = tuple[str, ...]


class Quick:
    """A compiled pattern with the words one of which any match contains (`needles`)."""

    __slots__ = ("compiled", "needles")

    def __init__(self, pattern: str | re.Pattern[str]):
        self.compiled = re.compile(pattern)
        self.needles = needles(self.compiled)

    def could_match(self, text: str) -> bool:
        for needle in self.needles:  # noqa: SIM110 (a loop, not any(): run a million times a minute by the tests)
            if needle in text:
                return True
        return False

    def search(self, text: str, *bounds: int) -> re.Match[str] | None:
        return self.compiled.search(text, *bounds) if self.could_match(text) else None

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self.compiled.sub(repl, text, count) if self.could_match(text) else text

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text) if self.could_match(text) else iter(())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)  # the pattern's other methods and attributes (.pattern, .flags)


def needles(pattern: re.Pattern[str]) -> Needles:
    """Words one of which every match of `pattern` contains; ("",) when none can be named."""
    if sre_parse is None or pattern.flags & re.IGNORECASE:
        return ("",)
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 (a pattern re compiled; its internals refusing it only costs the skip)
        return ("",)
    return _in_sequence(list(tree)) or ("",)


def _in_sequence(items: list[tuple[Any, Any]]) -> Needles | None:
    """The best requirement of a sequence: each literal run is needed, and so is what a group needs."""
    found: list[Needles] = []
    run: list[str] = []
    for op, value in items:
        if op is sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(("".join(run),))
            run = []
        inner = _in_item(op, value)
        if inner:
            found.append(inner)
    if run:
        found.append(("".join(run),))
    return max(found, key=lambda words: (min(map(len, words)), -len(words)), default=None)


def _in_item(op: Any, value: Any) -> Needles | None:
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, inner = value
        return None if add_flags & re.IGNORECASE else _in_sequence(list(inner))
    if op is sre.BRANCH:
        options = [_in_sequence(list(alternative)) for alternative in value[1]]
        if all(options):
            return tuple(dict.fromkeys(word for option in options for word in option))  # type: ignore[union-attr]
        return None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        least, _most, inner = value
        return _in_sequence(list(inner)) if least >= 1 else None
    return None  # anchors, classes, lookarounds, any character: nothing certain


class Words:
    """Which of many words a text contains, in one pass of the regex engine over it.

    The words form a trie, compiled to one pattern that finds the longest word starting at each
    place (a lookahead, so the places overlap); the shorter words starting there are prefixes of it,
    looked up in a set. A pass per text instead of a Python loop over its letters: the phrase rows'
    needles (lexicon.py) are found again after every row that changes a question."""

    def __init__(self, words: Iterable[str]):
        self.words = frozenset(word for word in words if word)
        self.lengths = sorted({len(word) for word in self.words})
        self.pattern = re.compile(f"(?=({_trie_pattern(self.words)}))", re.DOTALL)

    def present(self, text: str) -> set[str]:
        found = set()
        for match in self.pattern.finditer(text):
            longest, at = match.group(1), match.start()
            found.add(longest)
            for length in self.lengths:
                if length >= len(longest):
                    break
                if text[at : at + length] in self.words:
                    found.add(text[at : at + length])
        return found


def _trie_pattern(words: Iterable[str]) -> str:
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: dict) -> str:
    """A trie node's pattern: its longest continuation first, and nothing when a word ends here."""
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body
