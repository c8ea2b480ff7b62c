"""Words no table read, in a question answered for the default period: perhaps a period in words we lack.

A question with no period is answered for the last 7 days, and the answer says so in dates. But
"visitors at Sinterklaas" or "Besucher am Brückentag" names a time the tables do not know: answered
for the last 7 days, that would be a silent substitution. So when the period was not named and a
word of the question is in no table of the parser (its vocabulary, the four languages' phrase
words, everyday words of the five languages), the period is said to be not understood, with the
readings it can answer.
"""

from __future__ import annotations

import re

from clearanalytics.chat import lexicon

# Everyday words of four letters or more that carry no period, metric or breakdown (five languages, after
# lexicon.to_english has rewritten the tables' phrases).
_EVERYDAY_LINES = (
    "visits visiting visitor unique uniques total overall count counts amount numbers much many show shows",
    "tell give list want need know like please could would should what which where when whose whom have",
    "having does doing done made make makes come comes came coming look looking looked find found people",
    "folks there here been being were that this these those them they their your yours ours mine with",
    "from into onto about over under than then just only also even still some most more less any every",
    "each other another such very really quite pretty roughly approximately about site sites website",
    "websites page pages blog shop store domain domains online hits time times number figure figures stats",
    "statistics analytics data report overview summary breakdown split grouped group rank ranked ranking",
    "compare compared comparison against versus same were gave gets getting able okay good great bad",
    "doing going well best worst main mostly please thanks thank hello help",
    "gab gibt hatte hatten habe haben wurde wurden waren sind eine einen einem einer meine meinen meiner",
    "unsere unserer unseren welche welcher welches wieviele viele insgesamt alle allen zeig zeige zeigen",
    "bitte nach über unter wird mehr meisten gesamt besucht kamen kommen kommt",
    "combien quel quelle quels quelles avons avez avait ont eu sont était étaient notre nos mes mon",
    "cette ces avec dans pour sur tous toutes total montre montrez donne donnez merci plus moins",
    "cuántas cuántos cuál cuáles tuve tuvimos tuvo hubo hay son fue fueron nuestro nuestra nuestros mis",
    "todos todas para sobre entre muestra muestrame dame gracias más menos desde hasta",
    "hoeveel welke hadden heb hebben hebt waren zijn onze mijn alle voor over naar laat toon geef",
    "bedankt meer minder totaal bezocht kwamen komen komt",
    "during within across through throughout around again almost nearly exactly since until till while",
    "whole entire full altogether together both either neither none nothing something anything everything",
    "stay stays stayed spend spent use uses used using perform performed performing common popular usual",
    "typical frequent visit view viewed seen open opened read reading click clicked land landed arrive arrived",
    "nutzen nutzt benutzen verwenden verwendet genutzt bleiben bleibt verbringen utilisent utilisé utilisés",
    "utilisent restent passent usan usado usada utilizan utilizado quedan pasan gebruiken gebruikt blijven",
    "brengen bekeken gezien geven geeft gegeven sabes sabe saber sabés",
    # (batch R) asking, thanking and greeting in the four languages' spoken forms: no period, figure or list
    "porfa plis xfa che oiga disculpa buen buenas tardes pregunta necesito quisiera podrías podrias podés podes",
    "puedes puede decir decime dime dígame digame regálame regalame regaleme mándame mandame pásame pasame",
    "enséñame ensename muéstrame muestrame checa chequeá chequea revisa revisar fíjate fijate consulto algo duda",
    "dato jefe armando reporte sacarme ayudas gustaría gustaria deme cuales cuál cual como cómo estuvo venimos",
    "pourriez-vous pourriez pouvez peux alors rebonjour vérifier verifier d'avance c'était pareil",
    "vraagje snel kort thx dank alsjeblieft alstublieft eigenlijk amai klant kannst sagen zeig",
    "urgently urgent asap kindly regards regáleme type types kind kinds",
    "break down instead buyers shoppers customers acheteurs clients compradores clientes käufer kunden kopers klanten",
    "processus proceso prozess proces process translation translations",
    "referred attributed brought sent linked realtime share improve improved gedraaid draaien gemaakt",
    "normally usually normalmente généralement normalerweise normaal meestal normalement",
    "entró entraron entrado around rond autour alrededor",
    "venaient venait viennent venus venue vienen vinieron kwamen kamen table tables pasen wetter",
    "naviguent navegan pendant durante tijdens während puente kinder soldes prend prends prendre apart",
    "pull",  # (batch S) "pull referrers" asks for them
    "gehaald behaald tuvieron",  # "hoeveel pageviews hebben we gehaald": had, not a comparison's "went up"
)
EVERYDAY = frozenset(word for line in _EVERYDAY_LINES for word in line.split())
# Period words the typo mender must leave as they are ("Mitte Jänner" is no "bitte", "Moederdag" no "donderdag"): the
# period rules then say they could not read them.
lexicon.KEEP.update(
    [
        "mitte",
        "moederdag",
        "vaderdag",
        "muttertag",
        "vatertag",
        "relaunch",
        "ramadan",
        "diwali",
        "prime",
        "status",
        "stehen",
        "summer",
        "winter",
        "spring",
        "autumn",
        # (session 39) seasons, fairs and "before that" in the four languages: "primavera" was mended to "primera",
        # "lente" to "leute", "Messe" to "meses", "davor" to "favor"; the period rules then say they could not read them
        *("primavera", "lente", "messe", "davor", "refonte", "ascension", "ascensión"),
    ]
)
lexicon.KEEP.update(EVERYDAY)  # everyday words are words: never "mended" into a table's ("spend" is no "speed")
# Topics no tool has are words too: "women" is no slip of the Dutch "komen" (unclear.TOPICS then says so)
lexicon.KEEP.update(["women", "woman", "men", "leads", "bots", "reviews", "unsubscribed", "seguidores"])
# Sources' own names are names: "linkedin" is no slip of "linked"
lexicon.KEEP.update(["linkedin", "facebook", "instagram", "youtube", "twitter", "reddit", "pinterest", "tiktok"])
WORD = re.compile(r"[^\W\d_]{4,}")


def unread_word(text: str, read: tuple[str, ...] = ()) -> str | None:
    """The first word of four letters or more that no table knows, or None; `read` holds the question's own
    names the parser took (a domain, a page, a section, a picked row), which are not words of a table."""
    taken = " ".join(read).lower()
    for word in WORD.findall(text):
        if _known(word) or word in taken or known_form(word):
            continue
        return word
    return None


def known_word(word: str) -> bool:
    """Whether a table, the everyday words or a period word knows the word, in any of its forms."""
    return _known(word) or known_form(word) or word in PERIOD_WORDS


PERIOD_WORDS = {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "quarter"}


def known_form(word: str) -> bool:
    """A plural, a verb form or an inflected word of the vocabulary ("visited", "browsers", "bezoekers")."""
    if any(_known(word + ending) for ending in ("s", "es")):
        return True  # the singular of a known plural ("browser", "campaign")
    return any(_known(word[:cut]) for cut in range(max(4, len(word) - 3), len(word)))


def known_exactly(word: str) -> bool:
    """Whether a table or the everyday words know the word as it is (no forms: "poster" is not "post" + "er")."""
    return _known(word)


def _known(word: str) -> bool:
    return word in lexicon.VOCABULARY or word in lexicon.KEEP or word in lexicon.FOREIGN or word in EVERYDAY
