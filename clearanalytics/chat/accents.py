"""Accents left out when typing ("ultimos dias", "duree", "facturacion"): phrase rows that match either way.

The four languages' phrase rows are written with their accents. A question typed without them would miss the
row and fall to "not understood" (or worse, to the default period), so each accented letter of a row also
matches its plain letter, except where the accent tells two words apart.
"""

from __future__ import annotations

import re

# The little words whose accent tells two words apart ("où" and "ou", "là" and "la", "qué" and "que")
_ACCENT_KEPT = {"où", "là", "à", "qué", "él", "tú", "sí", "sé", "dé", "ça"}
BASE = {accented: plain for plain, letters in (
    ("a", "áàâäã"), ("e", "éèêë"), ("i", "íìîï"), ("o", "óòôöõ"), ("u", "úùûü"), ("n", "ñ"), ("c", "ç"),
) for accented in letters}  # fmt: skip


def accent_free(pattern: str) -> str:
    """The pattern with each accented letter outside the kept little words also matching its plain letter."""
    out, in_class, at = [], False, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            out.append(pattern[at : at + 2])
            at += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char in BASE:
            word = re.match(r"[^\W\d_]*", pattern[at:]).group(0)
            start = at - len(re.search(r"[^\W\d_]*$", pattern[:at]).group(0))
            start += start > 0 and pattern[start - 1] == "\\"  # "\\bmás": the "b" is the escape's
            whole = pattern[start:at] + word
            if in_class:
                char += BASE[char]
            elif whole not in _ACCENT_KEPT and not whole.endswith("ión"):  # "conversión" plain is English
                char = f"[{char}{BASE[char]}]"
        out.append(char)
        at += 1
    return "".join(out)
