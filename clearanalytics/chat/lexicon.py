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

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

# (pattern, English); regular expressions over the lower-cased question, tried in order.
PHRASES: tuple[tuple[str, str], ...] = (
    # --- across the four: a device, a split by source ---
    (
        r"\b(?:auf|sur|en|op)\s+(?:dem\s+|le\s+|el\s+|het\s+)?(?:mobilgeräten|mobilgerät|handy|smartphone|mobile|móvil(?:es)?|movil|mobiel)\b",
        "on mobile",
    ),
    (r"\b(?:auf|sur|en|op)\s+(?:dem\s+|le\s+|el\s+|de\s+)?(?:desktop|ordinateur|escritorio|computer)\b", "on desktop"),
    (r"\b(?:nach|par|por|per) (?:quellen?|sources?|fuentes?|bronn?e?n?)\b", "by source"),
    # --- German ---
    (r"\bim vergleich zu(?:r|m)?\b|\bverglichen mit\b|\bgegenüber\b", "compared to"),
    (r"\bdie woche davor\b|\bvorwoche\b", "the week before"),
    (r"\bder monat davor\b|\bden monat davor\b|\bvormonat\b", "the month before"),
    (r"\bletzte(?:n|r|s)? woche\b|\bvergangene(?:n)? woche\b", "last week"),
    (r"\bdiese(?:n|r)? woche\b", "this week"),
    (r"\bletzte(?:n|r|s)? monat\b|\bvergangene(?:n)? monat\b", "last month"),
    (r"\bdiese(?:n|r|s)? monat\b", "this month"),
    (r"\bletzte(?:n|r|s)? jahr\b|\bvergangene(?:n|s)? jahr\b|\bvorjahr\b", "last year"),
    (r"\bdiese(?:n|s)? jahr\b", "this year"),
    (r"\bletzte(?:n|s)? quartal\b", "last quarter"),
    (r"\bdiese(?:n|s)? quartal\b", "this quarter"),
    (r"\b(?:in den )?letzten (\d+) tage(?:n)?\b", r"last \1 days"),
    (r"\b(?:in den )?letzten (\d+) wochen\b", r"last \1 weeks"),
    (r"\b(?:in den )?letzten (\d+) monate(?:n)?\b", r"last \1 months"),
    (r"\bkalenderwoche\b|\bkw\b", "week"),
    (r"\bquartal\b", "quarter"),
    (r"\bheute\b", "today"),
    (r"\bgestern\b", "yesterday"),
    (r"\bgerade jetzt\b|\bim moment\b|\bmomentan\b|\bjetzt\b|\bgerade\b", "right now"),
    (r"\bzwischen\b", "between"),
    (r"\bseit\b", "since"),
    (r"\bam (\d)", r"on \1"),
    (r"\bam\b", "on"),
    (r"\bbis\b", "to"),
    (r"\bnur auf\b|\bnur\b", "only on"),
    (r"\bseitenaufrufe\b|\bseitenansichten\b|\baufrufe\b", "pageviews"),
    (r"\bbesucher(?:innen|n)?\b|\bbesuche\b|\bnutzer\b", "visitors"),
    (r"\babsprungrate\b|\bbounce-rate\b", "bounce rate"),
    (r"\b(?:durchschnittliche )?(?:verweildauer|besuchsdauer|sitzungsdauer)\b", "visit duration"),
    (r"\bdurchschnittliche(?:r|n)? bestellwert\b|\bwarenkorbwert\b", "average order value"),
    (r"\bkonversionsrate\b|\bconversion-rate\b", "conversion rate"),
    (r"\bumsatz\b|\bumsätze\b|\beinnahmen\b|\berlös\b", "revenue"),
    (r"\bbestellungen\b|\bbestellung\b|\bkäufe\b", "orders"),
    (r"\bziele\b|\bziel\b|\banmeldungen\b", "goals"),
    (r"\b(?:meistbesuchte(?:n)?|beliebteste(?:n)?|top)[ -]seiten\b", "top pages"),
    (r"\bseiten\b|\bseite\b", "pages"),
    (r"\b(?:nach|pro) (?:land|ländern)\b|\baus welchen ländern\b", "by country"),
    (r"\bwoher kommen\b|\bquellen\b|\bverweise\b|\bverweisquellen\b", "sources"),
    (r"\bbetriebssysteme?\b", "operating systems"),
    (r"\bgeräte(?:typen)?\b|\bgerät\b", "devices"),
    (r"\bmobil\b|\bhandy\b", "mobile"),
    (r"\bsprachen\b", "languages"),
    (r"\bkampagnen?\b|\bcampagnes?\b", "campaigns"),
    (r"\bprodukte\b|\bprodukt\b|\bartikel\b", "products"),
    (r"\bpro tag\b|\btäglich\b|\bje tag\b", "per day"),
    (r"\bpro woche\b|\bwöchentlich\b", "per week"),
    (r"\bpro monat\b|\bmonatlich\b", "per month"),
    (r"\bstoßzeit\b|\bspitzenstunde\b|\bbeste stunde\b", "peak hour"),
    (r"\bbeste(?:r|n)? tag\b|\bstärkste(?:r|n)? tag\b", "best day"),
    (r"\bschlechteste(?:r|n)? tag\b|\bschwächste(?:r|n)? tag\b", "worst day"),
    (r"\bwie viele\b|\bwieviele\b|\bwie viel\b", "how many"),
    (r"\bmeine(?:n|r)? seiten\b|\bmeine websites\b", "my sites"),
    # --- French ---
    (r"\bpar rapport (?:à|a|aux?)\b|\bcompar(?:é|e)e?s? (?:à|a|avec)\b", "compared to"),
    (r"\bla semaine d'avant\b|\bla semaine précédente\b", "the week before"),
    (r"\ble mois d'avant\b|\ble mois précédent\b", "the month before"),
    (r"\bla semaine dernière\b|\bsemaine dernière\b", "last week"),
    (r"\bcette semaine\b", "this week"),
    (r"\ble mois dernier\b|\bmois dernier\b", "last month"),
    (r"\bce mois(?:-ci)?\b", "this month"),
    (r"\bl'année dernière\b|\bl'an dernier\b", "last year"),
    (r"\bcette année\b", "this year"),
    (r"\ble trimestre dernier\b|\btrimestre dernier\b", "last quarter"),
    (r"\bce trimestre\b", "this quarter"),
    (r"\btrimestre\b", "quarter"),
    (r"\b(?:les|des) (\d+) derniers jours\b", r"last \1 days"),
    (r"\b(?:les|des) (\d+) dernières semaines\b", r"last \1 weeks"),
    (r"\b(?:les|des) (\d+) derniers mois\b", r"last \1 months"),
    (r"\baujourd'hui\b", "today"),
    (r"\bhier\b", "yesterday"),
    (r"\ben ce moment\b|\bmaintenant\b|\bactuellement\b", "right now"),
    (r"\bentre\b", "between"),
    (r"\bdepuis\b", "since"),
    (r"\bsemaine\b", "week"),
    (r"\ble (\d)", r"on \1"),
    (r"\bau\b", "to"),
    (r"\bseulement sur\b|\buniquement sur\b", "only on"),
    (r"\bpages vues\b|\bpages consultées\b", "pageviews"),
    (r"\bvisiteurs\b|\bvisiteur\b|\bvisites\b", "visitors"),
    (r"\btaux de rebond\b", "bounce rate"),
    (r"\bdurée (?:moyenne )?(?:de|des) visites?\b", "visit duration"),
    (r"\bpanier moyen\b|\bvaleur moyenne (?:de|des) commandes?\b", "average order value"),
    (r"\btaux de conversion\b", "conversion rate"),
    (r"\bchiffre d'affaires\b|\brevenus?\b|\bventes\b", "revenue"),
    (r"\bcommandes\b|\bcommande\b|\bachats\b", "orders"),
    (r"\bobjectifs\b|\bobjectif\b|\binscriptions\b", "goals"),
    (r"\bpages les plus (?:visitées|vues|populaires)\b|\bmeilleures pages\b", "top pages"),
    (r"\bd'où viennent\b|\bprovenance\b|\bréférents\b|\bsources de trafic\b", "sources"),
    (r"\bsystèmes d'exploitation\b", "operating systems"),
    (r"\bnavigateurs\b|\bnavigateur\b", "browsers"),
    (r"\bappareils\b|\bappareil\b", "devices"),
    (r"\blangues\b", "languages"),
    (r"\bproduits\b|\bproduit\b", "products"),
    (r"\bpar jour\b|\bjournali(?:er|ère)s?\b", "per day"),
    (r"\bpar semaine\b|\bhebdomadaires?\b", "per week"),
    (r"\bpar mois\b|\bmensuel(?:le)?s?\b", "per month"),
    (r"\bheure de pointe\b|\bheure la plus chargée\b", "peak hour"),
    (r"\bmeilleur jour\b", "best day"),
    (r"\bpire jour\b", "worst day"),
    (r"\bcombien\b", "how many"),
    (r"\bmes sites\b", "my sites"),
    # --- Spanish ---
    (r"\ben comparación con\b|\bcomparad[oa] con\b|\bfrente a\b", "compared to"),
    (r"\bla semana anterior\b", "the week before"),
    (r"\bel mes anterior\b", "the month before"),
    (r"\bla semana pasada\b", "last week"),
    (r"\besta semana\b", "this week"),
    (r"\bel mes pasado\b|\bmes pasado\b", "last month"),
    (r"\beste mes\b", "this month"),
    (r"\bel año pasado\b|\baño pasado\b", "last year"),
    (r"\beste año\b", "this year"),
    (r"\bel trimestre pasado\b", "last quarter"),
    (r"\beste trimestre\b", "this quarter"),
    (r"\blos últimos (\d+) días\b|\blos ultimos (\d+) dias\b", r"last \1\2 days"),
    (r"\blas últimas (\d+) semanas\b", r"last \1 weeks"),
    (r"\blos últimos (\d+) meses\b", r"last \1 months"),
    (r"\bhoy\b", "today"),
    (r"\bayer\b", "yesterday"),
    (r"\bahora mismo\b|\bahora\b|\ben este momento\b", "right now"),
    (r"\bdesde\b", "since"),
    (r"\bsemana\b", "week"),
    (r"\bel (\d+) de\b", r"on \1"),
    (r"\bsolo en\b|\bsólo en\b", "only on"),
    (r"\bpáginas vistas\b|\bpaginas vistas\b|\bvistas de página\b", "pageviews"),
    (r"\bvisitantes\b|\bvisitas\b|\busuarios\b", "visitors"),
    (r"\btasa de rebote\b|\bporcentaje de rebote\b", "bounce rate"),
    (r"\bduración (?:media )?de (?:la )?visitas?\b", "visit duration"),
    (r"\bvalor medio del pedido\b|\bticket medio\b", "average order value"),
    (r"\btasa de conversión\b", "conversion rate"),
    (r"\bingresos\b|\bventas\b|\bfacturación\b", "revenue"),
    (r"\bpedidos\b|\bcompras\b", "orders"),
    (r"\bobjetivos\b|\bmetas\b|\bregistros\b", "goals"),
    (r"\bpáginas más (?:visitadas|vistas|populares)\b|\bpaginas mas visitadas\b", "top pages"),
    (r"\bpáginas\b|\bpaginas\b", "pages"),
    (r"\bde dónde vienen\b|\bde donde vienen\b|\bfuentes\b|\breferentes\b", "sources"),
    (r"\bsistemas operativos\b", "operating systems"),
    (r"\bnavegadores\b", "browsers"),
    (r"\bdispositivos\b", "devices"),
    (r"\bmóvil(?:es)?\b", "mobile"),
    (r"\bidiomas\b", "languages"),
    (r"\bcampañas\b", "campaigns"),
    (r"\bproductos\b", "products"),
    (r"\bpor día\b|\bpor dia\b|\bdiari[oa]s?\b", "per day"),
    (r"\bpor semana\b|\bsemanal(?:es)?\b", "per week"),
    (r"\bpor mes\b|\bmensual(?:es)?\b", "per month"),
    (r"\bhora punta\b|\bhora pico\b", "peak hour"),
    (r"\bmejor día\b", "best day"),
    (r"\bpeor día\b", "worst day"),
    (r"\bcuántos\b|\bcuántas\b|\bcuantos\b|\bcuanto\b|\bcuánto\b", "how many"),
    (r"\bmis sitios\b", "my sites"),
    # --- Dutch ---
    (r"\bvergeleken met\b|\bten opzichte van\b|\bt\.o\.v\.\b", "compared to"),
    (r"\bde week ervoor\b", "the week before"),
    (r"\bde maand ervoor\b", "the month before"),
    (r"\bvorige week\b|\bafgelopen week\b", "last week"),
    (r"\bdeze week\b", "this week"),
    (r"\bvorige maand\b", "last month"),
    (r"\bdeze maand\b", "this month"),
    (r"\bvorig jaar\b", "last year"),
    (r"\bdit jaar\b", "this year"),
    (r"\bvorig kwartaal\b", "last quarter"),
    (r"\bdit kwartaal\b", "this quarter"),
    (r"\bkwartaal\b", "quarter"),
    (r"\b(?:de )?(?:laatste|afgelopen) (\d+) dagen\b", r"last \1 days"),
    (r"\b(?:de )?(?:laatste|afgelopen) (\d+) weken\b", r"last \1 weeks"),
    (r"\b(?:de )?(?:laatste|afgelopen) (\d+) maanden\b", r"last \1 months"),
    (r"\bvandaag\b", "today"),
    (r"\bgisteren\b", "yesterday"),
    (r"\bnu\b|\bop dit moment\b|\bmomenteel\b", "right now"),
    (r"\btussen\b", "between"),
    (r"\bsinds\b", "since"),
    (r"\bop (\d)", r"on \1"),
    (r"\btot\b", "to"),
    (r"\balleen op\b", "only on"),
    (r"\bpaginaweergaven\b|\bweergaven\b", "pageviews"),
    (r"\bbezoekers\b|\bbezoeker\b|\bbezoeken\b", "visitors"),
    (r"\bbouncepercentage\b|\bbounce rate\b", "bounce rate"),
    (r"\b(?:gemiddelde )?bezoekduur\b", "visit duration"),
    (r"\bgemiddelde bestelwaarde\b", "average order value"),
    (r"\bconversieratio\b|\bconversiepercentage\b", "conversion rate"),
    (r"\bomzet\b|\binkomsten\b", "revenue"),
    (r"\bbestellingen\b|\baankopen\b", "orders"),
    (r"\bdoelen\b|\bdoel\b", "goals"),
    (r"\b(?:populairste|meest bezochte) pagina's\b", "top pages"),
    (r"\bpagina's\b|\bpagina\b", "pages"),
    (r"\bwaar komen\b.*\bvandaan\b|\bbronnen\b|\bverwijzers\b", "sources"),
    (r"\bbesturingssystemen\b", "operating systems"),
    (r"\bapparaten\b|\btoestellen\b", "devices"),
    (r"\bmobiel\b", "mobile"),
    (r"\btalen\b", "languages"),
    (r"\bproducten\b", "products"),
    (r"\bper dag\b|\bdagelijks\b", "per day"),
    (r"\bper week\b|\bwekelijks\b", "per week"),
    (r"\bper maand\b|\bmaandelijks\b", "per month"),
    (r"\bpiekuur\b|\bdrukste uur\b", "peak hour"),
    (r"\bbeste dag\b|\bdrukste dag\b", "best day"),
    (r"\bslechtste dag\b|\brustigste dag\b", "worst day"),
    (r"\bhoeveel\b", "how many"),
    (r"\bmijn sites\b|\bmijn websites\b", "my sites"),
)
# Month and weekday names of the four languages, to the English the date rules read.
NAMES = {
    "januar": "january", "jänner": "january", "janvier": "january", "enero": "january", "januari": "january",
    "februar": "february", "février": "february", "fevrier": "february", "febrero": "february",
    "februari": "february", "märz": "march", "maerz": "march", "mars": "march", "marzo": "march",
    "maart": "march", "avril": "april", "abril": "april", "mai": "may", "mayo": "may", "mei": "may",
    "juni": "june", "juin": "june", "junio": "june", "juli": "july", "juillet": "july", "julio": "july",
    "août": "august", "aout": "august", "agosto": "august", "augustus": "august", "oktober": "october",
    "octobre": "october", "octubre": "october", "septembre": "september", "septiembre": "september",
    "dezember": "december", "décembre": "december", "diciembre": "december", "novembre": "november",
    "noviembre": "november", "montag": "monday", "lundi": "monday", "lunes": "monday", "maandag": "monday",
    "dienstag": "tuesday", "mardi": "tuesday", "martes": "tuesday", "dinsdag": "tuesday",
    "mittwoch": "wednesday", "mercredi": "wednesday", "miércoles": "wednesday", "woensdag": "wednesday",
    "donnerstag": "thursday", "jeudi": "thursday", "jueves": "thursday", "donderdag": "thursday",
    "freitag": "friday", "vendredi": "friday", "viernes": "friday", "vrijdag": "friday",
    "samstag": "saturday", "samedi": "saturday", "sábado": "saturday", "sabado": "saturday",
    "zaterdag": "saturday", "sonntag": "sunday", "dimanche": "sunday", "domingo": "sunday", "zondag": "sunday",
    "letzten": "last", "letzter": "last", "letzte": "last", "dernier": "last", "pasado": "last", "vorige": "last",
    "im": "in", "en": "in", "dem": "the",
    "ersten": "first", "erste": "first", "zweiten": "second", "dritten": "third", "vierten": "fourth",
    "premier": "first", "deuxième": "second", "troisième": "third", "quatrième": "fourth",
    "primer": "first", "primero": "first", "segundo": "second", "tercer": "third", "tercero": "third",
    "cuarto": "fourth", "eerste": "first", "tweede": "second", "derde": "third", "vierde": "fourth",
}  # fmt: skip
_COMPILED = tuple((re.compile(pattern), english) for pattern, english in PHRASES)
_NAME = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)) + r")(?![\w-])")


def to_english(text: str) -> str:
    """The lower-cased question with the four languages' phrases and names in English; English unchanged."""
    for pattern, english in _COMPILED:
        text = pattern.sub(english, text)
    text = re.sub(r"\bbetween (\S+(?: \S+){0,3}?) (?:und|et|y|en) ", r"between \1 and ", text)
    text = _NAME.sub(lambda m: NAMES[m.group(1)], text)
    text = re.sub(r"\b(between|and|to|from|since)\s+on\s+", r"\1 ", text)  # "entre le 10 ..." -> "between 10 ..."
    return re.sub(r"\s+", " ", text).strip()


# Words the tables know (filled by parser.py from its own patterns) and everyday words never "corrected".
VOCABULARY: set[str] = set()
KEEP = set(
    [
        "what",
        "which",
        "where",
        "when",
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
)


def learn(patterns: list[re.Pattern], words: list[str]) -> None:
    """The vocabulary typos are mended towards: the parser tables' own words, the period words and CANONICAL."""
    VOCABULARY.update(CANONICAL.split(), words)
    for pattern in patterns:
        VOCABULARY.update(re.findall(r"[a-z]{4,}", re.sub(r"\\[a-zA-Z]", " ", pattern.pattern)))


def _token_fix(token: str) -> str:
    if len(token) < 5 or not token.isalpha() or token in VOCABULARY or token in KEEP:
        return token
    plural_of_known = token.endswith("s") and token[:-1] in VOCABULARY and not token[:-1].endswith("s")
    if token + "s" in VOCABULARY or token + "es" in VOCABULARY or plural_of_known:
        return token  # a singular or plural of a known word ("campaign"), not a typo
    cutoff = 0.749 if len(token) >= 8 else 0.799  # two slips in a long word, one in a short one (float-safe)
    # OSA: a swapped pair of letters ("reveune") is one slip, as people make them
    found = process.extractOne(token, VOCABULARY, scorer=OSA.normalized_similarity, score_cutoff=cutoff)
    return found[0] if found else token


def fix_typos(text: str) -> str:
    """Each unknown word of five letters or more replaced by its nearest vocabulary word, if one is close."""
    return re.sub(r"\S+", lambda m: _token_fix(m.group(0)), text)


def nearest(word: str, choices: list[str], limit: int = 3, cutoff: float = 0.5) -> list[str]:
    """The choices nearest to `word` (e.g. a site's page paths for a misspelled one), best first."""
    found = process.extract(word, choices, scorer=Levenshtein.normalized_similarity, limit=limit, score_cutoff=cutoff)
    return [choice for choice, _score, _index in found]
