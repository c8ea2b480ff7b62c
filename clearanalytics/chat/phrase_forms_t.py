"""Forms of the tuned batches' last wrong readings, read in the sixteenth session (after batch T's one scoring).

Rows as in phrase_forms_s.EARLY_S, and tried first with them: a regular expression over the lower-cased question.
Each row is a rule in every language the form was asked in; English words inside a foreign row are bracketed
(lexicon.FOREIGN takes a foreign row's words as the four languages' vocabulary).
"""

from __future__ import annotations

UNITS_NL = {"dag": "day", "week": "week", "maand": "month", "kwartaal": "quarter", "jaar": "year"}
_DOMAIN = r"(?=[a-z0-9][\w-]*(?:\.[\w-]+)*\.[a-z]{2,}\b)"  # a domain follows

EARLY_T: tuple[tuple[str, str], ...] = (
    (r"^en (hoeveel|hoe|wat|welke)\b", r"and \1"),  # the Dutch "and" before a question word, not "in"
    # "Umsatz von shop-example.com", "woher kamen die Besucher von app.example": the German "of" before a site, not
    # "from" a referrer ("Besucher von t.co" alone are visitors from t.co)
    (rf"\b(umsatz|seitenaufrufe|bestellungen|verk[äa]ufe) von {_DOMAIN}", r"\1 of "),
    (rf"(\bwoher\b.*\bbesucher) von {_DOMAIN}", r"\1 of "),
    # "cette sem.", "la sem. dernière": the French week, shortened (read as no period: the last 7 days)
    (r"\bsem\.(?!\w)", "semaine"),
    # "en de vorige maand?" after June is May: the unit before the answer's (follow.previous_unit_moved)
    *((rf"^en (?:de|het) vorige {dutch}\b", f"and the previous {english}") for dutch, english in UNITS_NL.items()),
    # the quietest day and hour in Spanish verbs ("qué día estuvo más tranquilo", "que dia entró menos gente")
    (r"\bqu[ée] d[íi]a (?:estuvo|fue|era|tuvo) (?:el )?m[áa]s (?:tranquilo|flojo)\b", "quietest day"),
    (r"\bqu[ée] hora (?:estuvo|fue|era|tuvo) (?:la )?m[áa]s (?:tranquila|floja)\b", "quietest hour"),
    (r"\bqu[ée] d[íi]a (?:entr[óo]|vino|hubo|lleg[óo]) menos (?:gente|visitantes|visitas)\b", "quietest day"),
    (r"\bhora (?:a|por) hora\b", "per hour"),  # "visitas hora a hora"
    (r"\bcon qu[ée] navegador(?:es)?\b", "which browsers"),  # "con qué navegador entran mis visitantes"
    (r"\bwo (kamen|kommen|kam)\b(.*)\bher\b", r"woher \1\2"),
    (
        r"\bvon wo (kam|kamen|kommt|kommen)\b",
        r"woher \1",
    ),  # "Von wo kam der Traffic": where from  # "wo kamen die Leute her": where from
    (r"\b(?:zwakste|slechtste) campagne\b", "worst campaign"),  # "Week 6: zwakste campagne"
    (r"\b(?:articles|produits) (?:qui )?(?:ont|a) le mieux march[ée]\b", "products sold best"),  # not the pages
    # the number of pageviews in words ("cuántas veces se vieron páginas del sitio"), not the list of pages
    (r"\bcu[áa]ntas veces se vieron (?:las )?p[áa]ginas(?: del sitio| de la web)?\b", "how many pageviews"),
    (r"\bhoeveel weergaven van pagina'?s\b", "how many pageviews"),
    (
        r"\bcombien de pages (?:les (?:visiteurs|gens) )?(?:ont|a) (?:été )?(?:consult[ée]e?s?|vues?)\b",
        "how many pageviews",
    ),
    (r"\bvisiteures?\b", "visiteurs"),  # a French slip the mender keeps (a word and an ending)
    # right now, in spoken German and French ("Gibt's grad Besucher?", "y'a combien de visiteurs là")
    (r"\bgibt'?s (?:grad|gerade|jetzt) (?:besucher|leute)\b", "visitors right now"),
    (r"^(?:y'?a|y a|il y a) combien de (?:visiteurs|monde|gens)\b(.*) l[àa]$", r"how many visitors\1 right now"),
    # "de qué fuentes vinieron los ingresos": the revenue's sources, not the visitors'
    (
        r"\bde qu[ée] fuentes? (?:vin(?:o|ieron)|lleg(?:ó|o|aron)) (?:los |el |las )?(?:ingresos?|ventas|pedidos)\b",
        "revenue by source",
    ),
    # the number of orders in Dutch words ("hoeveel keer werd er in week 6 iets besteld"), not the products list
    (r"\bhoeveel keer werd er\b(.*?) (?:iets )?besteld\b", r"how many orders\1"),
    # "hoeveel keer werd /blog/hello bekeken": that page's pageviews; "werden er pagina's bekeken": all pageviews
    (r"\bhoeveel keer werden er pagina'?s bekeken\b", "how many pageviews"),
    (r"\bhoeveel keer werd (?:ze|het|hij|die) bekeken\b", "how many pageviews did it get"),
    (r"\bhoeveel keer werd (?!er\b|ze\b|het\b|hij\b|die\b)(.+?) bekeken\b", r"how many pageviews of \1"),
    (r"\bumsatzes\b", "umsatz"),  # "Trend des Umsatzes": the genitive of Umsatz
    (r"\bdepuis le mois d(?:e |')", "depuis "),  # "depuis le mois de septembre": since September
    (r"\b(kwam|kwamen|komen|komt)\b(.*?) langs\b", r"\1\2"),  # "kwamen er ... langs": came by, no languages
    # "welke pagina's bekeken bezoekers": the visitors are who looked, the list is the pages (in pageviews' order)
    (r"\b(?:welke|wat voor) pagina'?s bekeken (?:de )?bezoekers\b", "which pages did people look at"),
    (r"\b[\w-]*bereich (/[\w-]+)\b", r"\1 section"),  # "seiten im doku-bereich /docs": the section, not its page
    # "cuántos desde el celu y cuántos desde la compu": the devices side by side, not the computer's row alone
    (
        r"\bcu[áa]ntos (?:entraron )?desde el celu(?:lar)? y cu[áa]ntos desde la compu(?:tadora)?\b",
        "visitors by device",
    ),
    (r"\b(?:via|op|met) (?:een|de|hun) (?:telefoon|gsm|smartphone)\b", "on mobile"),  # "via een telefoon"
    # "Auf welchen Seiten verweilen Besucher am längsten": the pages by time spent, not by visitors
    (
        r"\bauf welchen seiten (?:verweilen|bleiben) (?:die )?(?:besucher|leute|nutzer)\b(.*?)\bam l[äa]ngsten\b",
        r"which pages do visitors stay the longest\1",
    ),
    # "gaat de bounce rate dit jaar omhoog": up against the same days before, with the period after "up" as in English
    (r"\bg(?:aat|aan|ing) (?:de |het )?(.+?) (dit jaar|deze maand|deze week|dit kwartaal) omhoog\b", r"is \1 up \2"),
    (r"\bgemiddelde? bestel(?:bedrag|waarde)\b", "average order value"),  # "is het gemiddelde bestelbedrag gestegen"
    (r"\btraffic-?quel(?:ln|lne)\b", "traffic sources"),  # "Traffic-Quelln", "Traffic-Quellne": slips the mender leaves
    (r"\bfue(?:nts|nets) de tr[áa]fico\b", "traffic sources"),  # "fuents de tráfico", "fuenets de trafico"
    (r"\b(?:landingpage|landing-page|einstiegsseite|p[áa]gina de entrada|page d'entr[ée]e)s?\b", "entry page"),
    # a Swiss canton is a region ("Besucher nach Kanton", "visiteurs par canton"): not a custom property's name
    (r"\b(?:nach|pro|je|per|par|por) (?:kanton|canton|cant[óo]n)(?:en|e|s)?\b", "by region"),
)

# English forms; kept apart so that their words do not join the foreign typo mender's vocabulary (lexicon.py)
ENGLISH_T: tuple[tuple[str, str], ...] = (
    # "author wise visitors": by author (a list's own "X wise" is read by its rows: "date wise", "device wise")
    (
        r"\b(?!(?:date|day|week|month|year|hour|page|device|country|city|region|browser|source|campaign|language"
        r"|product|os|system|channel|referrer)s?\b)([a-z]+)[- ]wise (visitors|pageviews|traffic)\b",
        r"\2 by \1",
    ),
    (r"\b(pages) (did|do) (?:the |our |my )?visitors (view|look at|see|visit)\b", r"\1 \2 people \3"),  # as above
    (r"^who'?s browsing (?:on )?(all (?:of )?my sites) (?:at the moment|right now)$", r"right now across \1"),
)
