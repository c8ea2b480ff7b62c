"""A country's people as questions name them ("Swiss visitors", "visiteurs suisses", "Britse gebruikers").

pycountry names countries, not their people, so the adjectives are listed here, per country, in the
chat's five languages, each with the endings its language puts on it (German -e/-en/-er, French
-e/-s/-es/-ne/-nes, Spanish -o/-a/-os/-as, Dutch -e): every form a question may use is a plain
name for places.find_country. Adjectives that are everyday words in a question about a website
("polish", "indian" as in the ocean, "turkey") are left out, as places.NOT_COUNTRIES does for names.
"""

from __future__ import annotations

# code: (English, German stem, French masculine, Spanish stem- or word, Dutch inflected), "|" between variants.
PEOPLE = {
    "US": ("american|americans", "amerikanisch", "américain|americain", "american-|estadounidense", "amerikaanse"),
    "GB": ("british|brits", "britisch|englisch", "britannique|anglais", "británic-|britanic-|inglés", "britse"),
    "DE": ("german|germans", "deutsch", "allemand", "alemán", "duitse"),
    "FR": ("french", "französisch|franzoesisch", "français|francais", "francés", "franse"),
    "ES": ("spanish|spaniards", "spanisch", "espagnol", "español|espanol", "spaanse"),
    "NL": ("dutch", "niederländisch|holländisch", "néerlandais|hollandais", "holandés|neerlandés", "nederlandse"),
    "BE": ("belgian|belgians", "belgisch", "belge", "belga", "belgische"),
    "CH": ("swiss", "schweizer|schweizerisch", "suisse", "suiz-", "zwitserse"),
    "AT": ("austrian|austrians", "österreichisch|oesterreichisch", "autrichien", "austriac-", "oostenrijkse"),
    "IT": ("italian|italians", "italienisch", "italien", "italian-", "italiaanse"),
    "CA": ("canadian|canadians", "kanadisch", "canadien", "canadiense", "canadese"),
    "BR": ("brazilian|brazilians", "brasilianisch", "brésilien|bresilien", "brasileñ-|brasilen-", "braziliaanse"),
    "CN": ("chinese", "chinesisch", "chinois", "chin-", "chinese"),
    "AU": ("australian|australians", "australisch", "australien", "australian-", "australische"),
    "SE": ("swedish|swedes", "schwedisch", "suédois|suedois", "suec-", "zweedse"),
    "MX": ("mexican|mexicans", "mexikanisch", "mexicain", "mexican-", "mexicaanse"),
    "JP": ("japanese", "japanisch", "japonais", "japonés", "japanse"),
    "PT": ("portuguese", "portugiesisch", "portugais", "portugués", "portugese"),
    "IE": ("irish", "irisch", "irlandais", "irlandés", "ierse"),
    "DK": ("danish|danes", "dänisch|daenisch", "danois", "danés", "deense"),
    "NO": ("norwegian|norwegians", "norwegisch", "norvégien|norvegien", "norueg-", "noorse"),
    "FI": ("finnish|finns", "finnisch", "finlandais", "finlandés", "finse"),
    "AR": ("argentinian|argentinians|argentine", "argentinisch", "argentin", "argentin-", "argentijnse"),
    "CL": ("chilean|chileans", "chilenisch", "chilien", "chilen-", "chileense"),
    "CO": ("colombian|colombians", "kolumbianisch", "colombien", "colombian-", "colombiaanse"),
    "PE": ("peruvian|peruvians", "peruanisch", "péruvien|peruvien", "peruan-", "peruaanse"),
    "UY": ("uruguayan|uruguayans", "uruguayisch", "uruguayen", "uruguay-", "uruguayaanse"),
    "NG": ("nigerian|nigerians", "nigerianisch", "nigérian|nigerian", "nigerian-", "nigeriaanse"),
    "EC": ("ecuadorian|ecuadorians", "ecuadorianisch", "équatorien|equatorien", "ecuatorian-", "ecuadoraanse"),
    "VE": ("venezuelan|venezuelans", "venezolanisch", "vénézuélien|venezuelien", "venezolan-", "venezolaanse"),
    "KR": ("south korean|south koreans|korean|koreans", "südkoreanisch|koreanisch", "coréen|coreen", "corean-",
           "koreaanse"),
    "RU": ("russian|russians", "russisch", "russe", "rus-", "russische"),
    "GR": ("greek|greeks", "griechisch", "grec", "grieg-", "griekse"),
    "CZ": ("czech|czechs", "tschechisch", "tchèque|tcheque", "chec-", "tsjechische"),
    "MA": ("moroccan|moroccans", "marokkanisch", "marocain", "marroquí|marroqui", "marokkaanse"),
    "TN": ("tunisian|tunisians", "tunesisch", "tunisien", "tunecin-", "tunesische"),
    "DZ": ("algerian|algerians", "algerisch", "algérien|algerien", "argelin-", "algerijnse"),
    "PL": ("poles", "polnisch", "polonais", "polac-", "poolse"),
    "TR": ("turkish", "türkisch|tuerkisch", "turc", "turc-", "turkse"),
    "IN": ("", "indisch", "indien", "hindú", "indiase"),  # "indian" is the ocean's too
}  # fmt: skip

_GERMAN = ("e", "en", "er", "es")  # never the bare stem: "Deutsch", "Englisch" are languages too
_FRENCH = ("", "e", "s", "es")
_ACCENTED = {"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u"}


def _french(word: str) -> list[str]:
    if word.endswith("e"):
        return [word, word + "s"]  # belge(s), suisse(s)
    endings = (*_FRENCH, "ne", "nes") if word.endswith(("ien", "éen", "een")) else _FRENCH  # canadien(ne)s
    return [word + ending for ending in endings]


def _german(stem: str) -> list[str]:
    return [stem] if stem.endswith("er") else [stem + ending for ending in _GERMAN]  # "Schweizer" takes none


def _spanish(word: str) -> list[str]:
    """A stem written "american-" takes o/a/os/as; a word its plural and feminine ("inglés": ingleses, inglesa)."""
    if word.endswith("-"):
        return [word[:-1] + ending for ending in ("o", "a", "os", "as")]
    if word.endswith(("e", "a")):
        return [word, word + "s"]  # canadiense(s), belga(s)
    plain = word[:-2] + _ACCENTED.get(word[-2], word[-2]) + word[-1]  # the accent goes when an ending follows
    return [word, plain + "es", plain + "a", plain + "as"]


def forms() -> dict[str, str]:
    """Every written form of every adjective, lower-cased, to its country's alpha-2 code."""
    found: dict[str, str] = {}
    for code, (english, german, french, spanish, dutch) in PEOPLE.items():
        words = english.split("|")
        words += [form for stem in german.split("|") for form in _german(stem)]
        words += [form for word in french.split("|") for form in _french(word)]
        words += [form for word in spanish.split("|") for form in _spanish(word)]
        words += [form for word in dutch.split("|") for form in (word, word.removesuffix("e"))]
        for word in words:
            found.setdefault(word, code)
    return found
