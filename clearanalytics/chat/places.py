"""Countries named in a question, in the chat's five languages, and the names its answers give them.

The locations tool speaks ISO 3166-1 codes ("FR"); people write "France", "Frankreich", "Francia",
"Frankrijk" or "the US". The names come from pycountry (the ISO 3166 list with the iso-codes
project's translations), in English, German, French, Spanish and Dutch, plus the everyday names no
standard lists ("USA", "UK", "Holland"). A name that is also a common English word in questions
("Chad", "Jersey", "Georgia", "Turkey") is left out rather than misread.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache, lru_cache

import pycountry
from rapidfuzz import process
from rapidfuzz.distance import OSA

from clearanalytics.chat import demonyms

LANGUAGES = ("de", "fr", "es", "nl")  # besides English: the chat's other languages (chat/phrases.py)
EVERYDAY = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "the states": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "holland": "NL", "south korea": "KR", "korea": "KR", "north korea": "KP", "russia": "RU",
    "vietnam": "VN", "czech republic": "CZ", "iran": "IR", "syria": "SY", "bolivia": "BO", "venezuela": "VE",
    "tanzania": "TZ", "moldova": "MD", "taiwan": "TW", "laos": "LA", "ee.uu.": "US", "eeuu": "US",
    "vereinigte staaten": "US", "états-unis": "US", "etats-unis": "US", "estados unidos": "US",
    "verenigde staten": "US", "großbritannien": "GB", "grande-bretagne": "GB", "reino unido": "GB",
    "verenigd koninkrijk": "GB", "deutschland": "DE", "españa": "ES", "espana": "ES", "belgië": "BE",
    "vereinigten königreich": "GB",
}  # fmt: skip
# Names that are everyday words in a question about a website, or a US state: never read as a country.
NOT_COUNTRIES = {"chad", "jersey", "georgia", "turkey", "guinea", "china town", "man", "isle of man", "niger"}
NOT_COUNTRIES |= {"checa", "checo"}  # "checa cuántos entraron": the Mexican "check", not Czech


# "US visitors", "AOV for US customers": the capitals tell the country from the pronoun ("show us visitors"), so they
# are read before the question is lower-cased
US_BEFORE_PEOPLE = re.compile(r"\bUS(?= (?:visitors|customers|users|traffic|buyers|visits|shoppers)\b)")
AFTER_A_PREPOSITION = re.compile(r"\b(?:from|in|aus|de|desde|uit|van|en)\s+(?:the\s+)?$|^the\s+$")


@cache
def _names() -> dict[str, str]:
    """Lower-cased name -> alpha-2 code, from every language's names, the part before ", " included."""
    found: dict[str, str] = {}
    translations = [lambda s: s] + [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext for lang in LANGUAGES
    ]
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            for translate in translations if value else ():
                name = translate(value).lower()
                for form in (name, name.split(", ")[0], re.sub(r"\s*\(.*\)", "", name)):
                    found.setdefault(form.strip(), country.alpha_2)
    found.update(EVERYDAY)
    found.update(demonyms.forms())
    for name, code in list(found.items()):  # typed without accents ("Paises Bajos") or umlauts ("Koenigreich")
        for plain in (_unaccented(name), _umlauts_spelt(name)):
            found.setdefault(plain, code)
    return {name: code for name, code in found.items() if name not in NOT_COUNTRIES and len(name) >= 2}


def _unaccented(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def _umlauts_spelt(name: str) -> str:
    return name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")


@cache
def _pattern() -> re.Pattern:
    names = sorted(_names(), key=len, reverse=True)  # longest first: "south korea" before "korea"
    return re.compile(r"(?<![\w./-])(?:the\s+)?(" + "|".join(map(re.escape, names)) + r")(?![\w-]|\.\w)")


@lru_cache(maxsize=8192)  # asked of one text several times a question (the parser, the follow-ups, the narrowing)
def find_country(text: str) -> tuple[str, str] | None:
    """(alpha-2 code, the words as written) of the first country the lower-cased text names, or None.

    "us" alone is read only in capitals' place, after a preposition ("from the US", "in us") or "the" ("how's the US
    looking"): the pronoun "us" ("how do people find us") is never a country.
    """
    for match in _pattern().finditer(text):
        word = match.group(1)
        if word == "us" and match.group(0) == word and not AFTER_A_PREPOSITION.search(text[: match.start(1)]):
            continue
        return _names()[word], match.group(0)
    return _misspelt(text)


FROM_A_PLACE = re.compile(r"\b(?:from|in|aus|uit|desde|van|(?<=visitors )de)\s+(?:the\s+)?([^\W\d_]{5,})\b")


def _misspelt(text: str) -> tuple[str, str] | None:
    """ "visitors from germnay": a one-word country a letter or two off, after "from" or "in" (never a source's or
    a month's name: those are read before this, and the cut-off keeps "from google" from being Georgia)."""
    for match in FROM_A_PLACE.finditer(text):
        near = process.extractOne(match.group(1), _one_words(), scorer=OSA.normalized_similarity, score_cutoff=0.8)
        if near:
            return _names()[near[0]], match.group(1)
    return None


@cache
def _one_words() -> list[str]:
    """The one-word names of five letters or more, the ones a slip is mended towards."""
    return [name for name in _names() if " " not in name and len(name) >= 5]


def single_words() -> list[str]:
    """The names' words, for the typo vocabulary: a country ("Verenigde Staten") is never "mended" into another."""
    return sorted({word for name in _names() for word in name.split() if word.isalpha()})


def country_name(code: str | None) -> str:
    """The English name of an alpha-2 code ("France"), the code itself if unknown, "(unknown)" for None."""
    if not code:
        return "(unknown)"
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name
