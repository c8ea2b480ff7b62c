"""German, French, Spanish and Dutch questions, and small typos, turned into the English the tables read.

The parser has one table of intents (parser.py, periods.py, dates.py), in English. A question
in another language is first rewritten phrase by phrase into that English ("Besucher letzte
Woche" -> "visitors last week"), longest phrases first, so every language reaches the same
intents and the same tools. Answers stay in English (a decision: one set of templates that the
tests render for every branch).

Typos: a word the vocabulary does not know is replaced by its nearest vocabulary word when
rapidfuzz's similarity is high ("vistors" -> "visitors", "yesturday" -> "yesterday"); short
words, numbers, domains and paths are never touched.
"""

from __future__ import annotations

import heapq
import re

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from clearanalytics.chat.accents import BASE, accent_free
from clearanalytics.chat.phrase_forms_r import ENGLISH_R
from clearanalytics.chat.phrase_forms_s import ENGLISH_S
from clearanalytics.chat.phrases import NAMES, PHRASES
from clearanalytics.chat.quick import Quick, Words

_MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
_OF_MONTH = re.compile(rf"(?<![\d.]\s)(?<!\d)\b(?:de|du|van|im)\s+({_MONTH_NAMES})\b")
_COMPILED = tuple((Quick(accent_free(pattern)), english) for pattern, english in PHRASES)
# Each row's needles as a set; and each needle's rows, so a text's needles, found once, name the rows to try (some
# 1,300 rows run over each question, and a question has a few of their needles).
_ROW_NEEDLES = tuple(frozenset(row.needles) for row, _english in _COMPILED)
_ROWS_OF: dict[str, list[int]] = {}
for _index, _needles in enumerate(_ROW_NEEDLES):
    for _needle in _needles:
        _ROWS_OF.setdefault(_needle, []).append(_index)
# The needles in one trie pattern, one-letter ones apart (they would match at most places): a text's needles are
# then found in one pass instead of a search of the text for each of some 2,500 needles.
_ONE_LETTER = tuple(needle for needle in _ROWS_OF if len(needle) == 1)
_LONGER = Words(needle for needle in _ROWS_OF if len(needle) > 1)


def _present(text: str) -> set[str]:
    """The needles the text contains, and the empty one, which every text does."""
    found = {needle for needle in _ONE_LETTER if needle in text}
    found.add("")
    return found | _LONGER.present(text)


def _rows_after(needles: set[str], row: int) -> list[int]:
    return [index for needle in needles for index in _ROWS_OF.get(needle, ()) if index > row]


# The four languages' own words (from the phrase tables and month and weekday names): a typo in a German,
# French, Spanish or Dutch question ("Besuchre", "bezoekkers") is mended towards these before translation.
_ENGLISH_ROWS = {pattern for pattern, _english in (*ENGLISH_R, *ENGLISH_S)}  # rows of English words only
# A word's tail after a group or a bracket is no word of the language: "conv(?:ersion)?" gives no "ersion" (the
# mender made "version" of it: "propiedad version" read as a property "ersion"), "p[áa]ginas" no "ginas".
# Nor after a bracket or a required group: "[úu]nicos" and "(?:ú|u)nicos" give no "nicos" ("únicos" was mended to it).
_TAIL = re.compile(
    r"(?<=[^\W\d_])(?:\(\?:|\(|\[[^\]]*\])([^\W\d_]{4,})|(?:\[[^\]]*\]|(?<=[^\W\d_])\))(?!\?)[^\W\d_]{4,}"
)
FOREIGN = {
    word
    for pattern, _english in PHRASES
    if pattern not in _ENGLISH_ROWS
    for word in re.findall(r"[^\W\d_]{4,}", _TAIL.sub(" ", re.sub(r"\\[a-zA-Z]", " ", pattern)))
} | set(NAMES)
_NAME = re.compile(
    r"(?<![\w-])("
    + "|".join(accent_free(re.escape(name)) for name in sorted(NAMES, key=len, reverse=True))
    + r")(?![\w-])"
)
_PLAIN_NAMES = {"".join(BASE.get(char, char) for char in name): english for name, english in NAMES.items()}


_BY_LIST = re.compile(
    r"\b(?:por|par|nach|pro|je|per) (?=(?:countries|country|devices|device|browsers|browser|operating systems|sources"
    r"|referrers|cities|city|regions|region|languages|language|campaigns|hours|hour)\b)"
)


def to_english(text: str) -> str:
    """The lower-cased question with the four languages' phrases and names in English; English unchanged."""
    present = _present(text)
    waiting = _rows_after(present, -1)  # the rows to try, in their order: a row that changes the text adds the rows
    heapq.heapify(waiting)  # of the needles it brought in after it ("sitio" -> "site" may make an English row apply)
    tried = -1
    while waiting:
        index = heapq.heappop(waiting)
        if index == tried:
            continue
        tried = index
        row, english = _COMPILED[index]
        changed = row.compiled.sub(english, text)
        if changed != text:
            text, before, present = changed, present, _present(changed)
            for later in _rows_after(present - before, index):
                heapq.heappush(waiting, later)
    text = re.sub(r"\bbetween (\S+(?: \S+){0,3}?) (?:und|et|y|en) ", r"between \1 and ", text)
    text = _NAME.sub(lambda m: NAMES.get(m.group(1)) or _PLAIN_NAMES["".join(BASE.get(c, c) for c in m.group(1))], text)
    # "jeudi dernier", "el jueves pasado" -> "thursday last": the English order, "last thursday"
    text = re.sub(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday) last\b(?! week)", r"last \1", text)
    text = re.sub(rf"(\d)\.?\s+(?:de|van|du|des)\s+({_MONTH_NAMES})\b", r"\1 \2", text)  # "18 de enero"
    text = _OF_MONTH.sub(r"in \1", text)
    text = _BY_LIST.sub("by ", text)  # "desglose por countries", "répartition par regions": by that list
    text = re.sub(rf"\b({_MONTH_NAMES})\s+(?:de|del|van|von)\s+(\d{{4}})\b", r"\1 \2", text)  # "diciembre de 2025"
    text = re.sub(  # "del 22 de diciembre de 2025 al 4 de enero", "du 3 mars au 5 avril": from one day to another
        rf"\b(?:del|du|van)\s+(\d{{1,2}} (?:{_MONTH_NAMES})(?: \d{{4}})?)\s+(?:al|au|tot|t/m)\s+"
        rf"(?=\d{{1,2}} (?:{_MONTH_NAMES}))",
        r"from \1 to ",
        text,
    )
    text = re.sub(r"\b(\d{1,2})(?:er|e)\b", r"\1", text)  # "le 1er février"
    text = re.sub(r"\bthe the\b", "the", text)  # "gegenüber dem Vormonat": "compared to the" + "the previous month"
    # "le vendredi 6 février", "Friday the 13th of February": the date says the day; its weekday is no second period
    text = re.sub(
        rf"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+(?=(?:the\s+)?\d{{1,2}}"
        rf"(?:st|nd|rd|th|\.)?\s+(?:of\s+)?(?:{_MONTH_NAMES})\b)",
        "",
        text,
    )
    short = "jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
    text = re.sub(rf"\b(\d{{1,2}})\s*[-–]\s*(\d{{1,2}})\s+({_MONTH_NAMES}|{short})\b", r"between \1 and \2 \3", text)
    text = re.sub(  # "1 t/m 31 october", "goals 1 to 15 january", "1. bis 15. Feber": a range, not its last day
        rf"(?<!between )(?<!\d )\b(?:from |vom |du |del |van )?(\d{{1,2}})\.? (?:to|t/m|tm|tot|bis|until|till|through"
        rf"|au|al) (\d{{1,2}})\.? ({_MONTH_NAMES}|{short})\b",
        r"between \1 and \2 \3",
        text,
    )  # "qué día de enero": in January (a date keeps "1 de enero" as it is)
    # "entre le 10 ..." -> "between on 10" -> "between 10", "y el 2025-12-24" -> "and 2025-12-24"; only before a
    # number, so "and on mobile" keeps its "on"
    text = re.sub(r"\b(between|and|to|since)\s+(?:on|el|le)\s+(?=\d)", r"\1 ", text)
    text = re.sub(r"(?<!come )(?<!came )\bfrom\s+on\s+(?=\d)", "from ", text)  # "where did it come from on 12 Jan"
    return re.sub(r"\s+", " ", text).strip()


# Words the tables know (filled by parser.py from its own patterns) and everyday words never "corrected".
VOCABULARY: set[str] = set()
KEEP = set(
    [
        # words of topics no tool has (unclear.TOPICS), never mended away: "religion" is no slip of "region"
        *("vacation", "religion", "religión", "geloof", "email", "emails", "tickets", "refunds", "heatmaps"),
        "chance",  # "when you get a chance" is no "change" (a comparison)
        *("marche", "marché"),  # "ça marche ?" (does it work) is no "mars"
        # English words the foreign mender took for slips ("January" was "januar", "duration" "duración", "trend"
        # "prend") and words of the four languages it mended into others ("platz" was "plata", "lazen" "laden")
        *_MONTH_NAMES.split("|"),
        *("duration", "trend", "choose", "converts", "referrers", "platz", "lazen", "belges", "apportés"),
        *("geben", "cares", "davon"),  # "was geben Kunden aus" is no "gegen", "cares" no "carts", "davon" no "favor"
        *("bastante", "cuando", "lanzamos", "madre", "padre"),  # Spanish words no typo of a table's
        *("phoned", "printed", "copied", "watched", "liked", "commented"),  # deeds no tool sees (unclear.DEED)
        *("what", "which", "where", "when"),
        "how",
        "many",
        "much",
        "does",
        "have",
        "there",
        "their",
        "about",
        "from",
        "with",
        "this",
        "that",
        "these",
        "those",
        "your",
        "mine",
        "show",
        "list",
        "give",
        "tell",
        "were",
        "was",
        "been",
        "being",
        "into",
        "over",
        "under",
        "than",
        "then",
        "them",
        "they",
        "will",
        "would",
        "could",
        "should",
        "only",
        "also",
        "just",
        "more",
        "most",
        "less",
        "least",
        "best",
        "worst",
        "each",
        "every",
        "some",
        "any",
        "all",
        "and",
        "the",
        "for",
        "are",
        "you",
        "our",
        "ours",
        "visited",
        "visit",
        "site",
        "sites",
        "page",
        "pages",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "days",
        "hours",
        "hour",
        "day",
        "time",
        "between",
        "since",
        "until",
        "compared",
        "versus",
        "before",
        "after",
        "first",
        "last",
        "previous",
        "past",
        "current",
        "today",
        "yesterday",
        "quarter",
        "number",
        "right",
        "now",
        "live",
        "online",
        "people",
        "users",
        "traffic",
        "data",
        "numbers",
        "stats",
        "statistics",
        "analytics",
        "please",
        "thanks",
        "hello",
        "weather",
        "joke",
    ]
)


CANONICAL = (
    "visitors pageviews bounce duration revenue orders transactions browsers devices languages campaigns referrers"
    " sources channels products funnel conversion goals pages hourly daily weekly monthly yesterday today week month"
    " year quarter between since compared average mobile desktop tablet operating systems checkout referrals"
    " signups completions newsletter popular visited traffic busiest quietest worst properties property"
    " country countries city cities region regions location locations campaign"
)


def learn(patterns: list[re.Pattern], words: list[str]) -> None:
    """The vocabulary typos are mended towards: the parser tables' own words, the period words and CANONICAL."""
    VOCABULARY.update(CANONICAL.split(), words)
    for pattern in patterns:
        VOCABULARY.update(re.findall(r"[a-z]{4,}", re.sub(r"\\[a-zA-Z]", " ", pattern.pattern)))


def _sorted(words: set[str]) -> list[str]:
    """The words in one order: among equally near words the first wins, whatever the process's hash seed."""
    known = _SORTED.get(id(words))
    if known is None or known[0] != len(words):  # the vocabulary only grows (learn)
        known = _SORTED[id(words)] = (len(words), sorted(words))
    return known[1]


_SORTED: dict[int, tuple[int, list[str]]] = {}


def _nearest(token: str, words: set[str], cutoff: float) -> str:
    """The nearest word: fewest slips; among equally near ones, one as long as the slip (a swap keeps the length)."""
    found = process.extract(token, _sorted(words), scorer=OSA.normalized_similarity, score_cutoff=cutoff, limit=8)
    if not found:
        return token
    # fewest slips first (the similarity favours longer words), then the slip's own length, then alphabetical
    # among equally near words a date word first ("gesten" is yesterday's "gestern", not "besten"; "novmbre" November)
    return min(
        (OSA.distance(token, word), word not in DATE_WORDS, abs(len(word) - len(token)), word)
        for word, _score, _index in found
    )[3]


DATE_WORDS = {word for word, english in NAMES.items() if english in _MONTH_NAMES or english.endswith("day")} | {
    *_MONTH_NAMES.split("|"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "gestern",
    "vorgestern",
    "heute",
    "ayer",
    "anteayer",
    "gisteren",
    "eergisteren",
    "vandaag",
    "hier",
}
# Period words a letter too many or too few is mended towards before anything else ("hiers", "ayerr"): a period word
# the tables do not read leaves the question answered for another period. (A letter changed is left to the rest:
# "entro" is no "enero".)
PERIOD_SLIPS = DATE_WORDS | {"pasado", "pasada", "letzte", "letzten", "vorige", "vorigen"}
PERIOD_SLIPS |= {"trimestre", "semaine", "semana"}  # "au deuxième trimestr 2025" ("dernier" would take "derniere")


# Four-letter slips of the few short words questions hinge on ("mnth", "yaer", "ordr", "hire" for "hier"):
# mended only towards these, and only when the first letter agrees.
SHORT_WORDS = ("month", "year", "order", "hour", "days", "pages", "today", "peak", "week")


def _short_fix(token: str) -> str:
    if token in VOCABULARY or token in KEEP or token in FOREIGN or token in ("oder", "yeah", "ohne", "toda", "weer"):
        return token  # German "oder" is no "order", Spanish "toda" no "today", Dutch "weer" no "week"
    near = [word for word in SHORT_WORDS if word[0] == token[0] and OSA.distance(token, word) == 1]
    return near[0] if len(near) == 1 else token


def _token_fix(token: str) -> str:
    if len(token) == 4 and token.isalpha():
        return _short_fix(token)
    if len(token) < 5 or not token.isalpha() or token in VOCABULARY or token in KEEP:
        return token
    plural_of_known = token.endswith("s") and token[:-1] in VOCABULARY and not token[:-1].endswith("s")
    if token + "s" in VOCABULARY or token + "es" in VOCABULARY or plural_of_known:
        return token  # a singular or plural of a known word ("campaign"), not a typo
    cutoff = 0.749 if len(token) >= 8 else 0.799  # two slips in a long word, one in a short one (float-safe)
    # OSA: a swapped pair of letters ("reveune") is one slip, as people make them
    return _nearest(token, VOCABULARY, cutoff)


# Short words of the four languages too ("hoy", "ayer" is four): enough to know a question is not English.
FOREIGN_SHORT = {
    "hoy",
    "aus",
    "uit",
    "van",
    "des",
    "les",
    "los",
    "las",
    "del",
    "une",
    "een",
    "het",
    "wie",
    "qué",
    "im",
    "vom",
    "zum",
    "beim",
    "tag",
    "kw",
    "aux",
    "du",
}


ENDINGS = {"n", "en", "e", "s", "es", "r", "er", "ern", "em", "o", "a", "os", "as", "ado", "ada", "ados", "adas"}


# The four languages' question words: the question is theirs, though everyday words are kept as they are (unread.py)
ASKING = frozenset(
    {"combien", "quel", "quelle", "quels", "quelles", "cuántos", "cuántas", "cuantos", "cuantas", "wieviele"}
)
_PROPERTY_BEFORE = re.compile(r"\b(?:propiedad|propri[ée]t[ée]|eigenschaft|eigenschap|property)\s+[\"'«„]?\s*$")


def fix_foreign_typos(text: str) -> str:
    """In a question that has a word of the four languages' tables, each unknown word mended towards them.

    Only then: an English question is never "mended" into French ("visitors" is close to "visiteurs").
    """
    tokens = re.findall(r"[^\W\d_]+", text)
    if not any(
        token in ASKING
        or ((token in FOREIGN or token in FOREIGN_SHORT) and token not in VOCABULARY and token not in KEEP)
        for token in tokens
    ):
        return text

    def mend(token: str) -> str:
        if len(token) < 5 or not token.isalpha() or token in FOREIGN or token in VOCABULARY or token in KEEP:
            return token
        slip = [word for word in PERIOD_SLIPS if abs(len(word) - len(token)) == 1 and OSA.distance(token, word) == 1]
        if len(slip) == 1:
            return slip[0]
        if token[-1] == token[-2] and (token[:-1] in FOREIGN or token[:-1] in FOREIGN_SHORT):
            return token[:-1]  # a key held too long ("hierr"): not the word with an ending
        if any(token[:cut] in FOREIGN and token[cut:] in ENDINGS for cut in range(len(token) - 3, len(token))):
            return token  # an ending the tables write as a pattern ("tage(?:n)?", "compar(?:ado|ada)")
        if any(token + ending in FOREIGN for ending in ("s", "es", "n", "en", "e")):
            return token  # the base of a word the tables write with its ending optional ("villes?")
        cutoff = 0.749 if len(token) >= 8 else 0.799
        foreign = _nearest(token, FOREIGN, cutoff)  # unless nearer an English word: "contries" is no "contra"
        english = _nearest(token, VOCABULARY, cutoff) if foreign != token else token
        return token if english != token and OSA.distance(token, english) < OSA.distance(token, foreign) else foreign

    rows = sorted(set(_rows_after(_present(text), -1)))
    read = [match.span() for index in rows for match in _COMPILED[index][0].compiled.finditer(text)]

    def mend_unread(match: re.Match) -> str:  # a word inside a phrase the tables read as it is is no slip
        inside = any(start <= match.start() and match.end() <= end for start, end in read)
        named = _PROPERTY_BEFORE.search(text, 0, match.start())  # "propiedad categoria": a name, as fix_typos keeps it
        return match.group(0) if inside or named else mend(match.group(0))

    return re.sub(r"\S+", mend_unread, text)


def swapped_known(word: str) -> str | None:
    """The known word that `word` is with two neighbouring letters swapped ("pyas": "pays", "régoin": "région"), or
    with a letter doubled ("villle": "ville"), if any; a known word's plural counts ("régions" makes "région")."""
    swaps = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
    doubled = [word[:i] + word[i + 1 :] for i in range(1, len(word)) if word[i] == word[i - 1]] if len(word) > 4 else []
    for candidate in (*swaps, *doubled):
        if candidate != word and any(form in VOCABULARY or form in FOREIGN for form in (candidate, candidate + "s")):
            return candidate
    return None


def fix_typos(text: str) -> str:
    """Each unknown word of five letters or more replaced by its nearest vocabulary word, if one is close."""
    # (a property's name is its own word, never mended: "property theme", "the theme property" are no slip of "them")
    return re.sub(r"(?<!\S)(?<!property )(?<!prop )(?!\S+ prop(?:erty)?\b)\S+", lambda m: _token_fix(m.group(0)), text)


def nearest(word: str, choices: list[str], limit: int = 3, cutoff: float = 0.5) -> list[str]:
    """The choices nearest to `word` (e.g. a site's page paths for a misspelled one), best first."""
    found = process.extract(word, choices, scorer=Levenshtein.normalized_similarity, limit=limit, score_cutoff=cutoff)
    return [choice for choice, _score, _index in found]
