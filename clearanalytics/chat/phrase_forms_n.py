"""Words and forms of the five languages that blind golden batch N asked and the tables lacked.

Rows as in phrase_forms.FORMS, which takes these after batch M's: a regular expression over the lower-cased question
and its English. Each is a rule in every language the form was asked in, not one question's patch.
"""

from __future__ import annotations

FORMS_N: tuple[tuple[str, str], ...] = (
    # periods as people shorten them: "last yr", "this qtr", "last mo", "l30d", "24h", "12m", "W7", "wk6"
    (r"\b(last|this|past|prev|previous|prior) yrs?\b", r"\1 year"),
    (r"\b(last|this|past|prev|previous|prior) qtrs?\b", r"\1 quarter"),
    (r"\b(last|this|past|prev|previous|prior) (?:mo|mth)\b", r"\1 month"),
    (r"\b(last|this|past|prev|previous|prior) wk\b", r"\1 week"),
    (r"\bl(\d{1,3})d\b", r"last \1 days"),
    (r"(?<![\w/.-])(?:l|last |past )?24 ?(?:h|hrs?)\b", "last 24 hours"),
    (r"(?<![\w/.-])12m\b", "last 12 months"),
    (r"(?<![\w/.-])(?:w|wk|cw) ?(\d{1,2})\b(?! of)", r"week \1"),
    (r"\b(last|this|previous|prior) calendar (week|month|year|quarter)\b", r"\1 \2"),
    (r"\b(year|quarter|month|week)[- ]to[- ]date\b", r"this \1"),
    (r"(?<![\w/.-])sun\.?(?![\w/-])(?!,? \d)(?! (?:on|in|at|down)\b)", "sunday"),
    # the best or worst day or hour said with its figure: "hour with the most visitors", "day w/ most uniques"
    (
        r"\b(hour|day|date)s? (?:with|w/|that had|which had|having|we had) (?:the )?"
        r"(?:most|max(?:imum)?|highest|biggest|largest|greatest)\b",
        r"busiest \1 for",
    ),
    (
        r"\b(hour|day|date)s? (?:with|w/|that had|which had|having|we had) (?:the )?"
        r"(?:fewest|least|lowest|min(?:imum)?)\b",
        r"quietest \1 for",
    ),
    (r"\bwhich (date|day|hour) (?:we had|did we have|had) (?:the )?(?:most|max(?:imum)?|highest)\b", r"busiest \1 for"),
    (r"\b(?:biggest|strongest|record|top) (?:traffic )?(day|hour)\b", r"busiest \1"),
    (r"\b(?:d[ií]a|journ[ée]e|jour) r[ée]cord\b|\bjourn[ée]e la plus forte\b|\bstraffste dag\b", "busiest day"),
    (r"\bbusiest date\b", "busiest day"),
    (r"\ble jour o[ùu] (?:il y a eu|on a eu|nous avons eu) le plus de\b", "the busiest day for"),
    # a report's rhythm, with a word between ("for the monthly client deck", "for our weekly stand-up"): no series
    (
        r"\b(?:weekly|monthly|quarterly) (?:client |team |board |management |sales )?(report|update|deck|meeting"
        r"|stand-?up|sync|call|recap|review|slides?)\b",
        r"the \1",
    ),
    (r"\b(?:no |without (?:a |the )?)charts?(?: (?:needed|please|required|necessary))?\b", " "),
    (r"\b(last|this|previous) (week|month|quarter|year)'s\b", r"\1 \2"),
    (r"\bstate[- ]?wise\b|\bper state\b|\bby state\b", "by region"),
    (r"\bday[- ]?wise\b", "per day"),
    (r"\bbrowser lang(?:uage)?s\b|\bin welke t[a]al staat de browser(?: van)?\b", "languages of"),
    (r"\b(?:e-?commerce |shop |purchase )?cr\b(?!-)", "conversion rate"),
    (r"\bconversion rate (?:of|for) (?:our |my |the |all )?goals\b|\btaux de conversion des objectifs\b", "goals"),
    (r"\bwhich websites refer\b|\bwhich sites refer\b", "which referrers send"),
    # the same days a year before: "ytd vs last year ytd", "ytd aov vs ly"
    (r"\b(?:last year|ly) (?:ytd|to date)\b|\b(?:ytd|year to date) last year\b", "last year"),
    (r"\bvs\.? ly\b", "vs last year"),
    (
        r"\bzum vergleich\b|\bbitte vergleichen\b|\bpara comparar\b|\bter vergelijking\b|\bpour comparer\b",
        "for comparison",
    ),
    # one figure per week or month: "uniques/week", "month wise", "mo by mo", "week to week"
    (r"(?<=[a-z])/(week|month)\b", r" per \1"),
    (r"\bmonth[- ]?wise\b|\bmo by mo\b|\bmonth by month\b", "per month"),
    (r"\bweek[- ]?wise\b|\b(?<!from )week to week\b|\bevery week\b", "per week"),
    (r"\bhttps? ?//", ""),
    (r"\bde (\d{1,3}) (?=\w+ met de (?:the most|meeste)\b)", r"top \1 "),
    (r"\bchanged per (week|month)\b", r"per \1"),
    (r"\blangs\b(?! (?:op|bij|de|het|gekomen|komen)\b)", "languages"),  # Dutch "kwam langs op de site" is no list
    (r"\b(?:from |for )?([a-z]+ \d{1,2}(?:st|nd|rd|th)?) to date\b", r"since \1"),
    (r"\b(?:web)?sites sending us\b", "referrers sending us"),
    (r"\bstaedte\b", "cities"),
    (r"\bper pagina\b", "per page"),
    (r"\bdesde el m[óo]vil\b|\bdesde (?:el )?celular\b", "on mobile"),
    (r"\bdid (?:the )?orders ship\b", "shipping"),
    # one figure per day: "for every single day", "date wise", "views/day"
    (r"\b(?:for |on )?every single day\b|\bdate[- ]?wise\b", "per day"),
    (r"\b(views|visitors|pageviews|uniques)/day\b", r"\1 per day"),
    # revenue by source, said from either end
    (
        r"\bsource[- ]?wise revenue\b|\bsource revenue\b|\brevenue attribution\b|\bsources ranked by revenue\b"
        r"|\b(?:which|what) (?:traffic )?(?:sources?|channels?) (?:gave|brought|generated|drove|sent) (?:us )?"
        r"(?:the most )?(?:revenue|sales|money)\b|\bfrom which (?:traffic )?sources did (?:the|our) sales come\b"
        r"|\bwhere (?:our|the) sales came from\b",
        "revenue by source",
    ),
    (r"\b(?:what|how much) did (?:the |our )?([\w.-]+) bring in\b", r"revenue from \1"),
    (r"\bhow much money came in from orders\b|\btotal amount we earned from sales\b", "revenue"),
    (r"\bhow much we sold\b(.*?),? in (?:money|revenue)\b", r"revenue \1"),
    (r"\baverage check\b", "average order value"),
    (
        r"\bhow many (?:%|percent) of visitors (?:buy|bought|purchase[ds]?)\b"
        r"|\bout of all visitors how many (?:%|percent) made a purchase\b",
        "conversion rate",
    ),
    (r"\bthis very minute\b|\brt visitors\b", "right now"),
    (r"\butm_campaign=([\w-]+)", r"the \1 campaign"),
    (
        r"\b(jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]*-(jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
        r" (\d{4})\b",
        r"from \1 to \2 \3",
    ),
    # German, French, Spanish and Dutch periods the tables lacked
    (r"\bheuer\b|\bheuriges jahr\b", "this year"),
    (r"\bfeb(?:er)\b", "february"),  # written so that "feber" is no word of the tables: "febero" is febrero
    (r"\b(?:le )?mois pass[ée]\b|\b(?:le )?mois dernier\b", "last month"),
    (r"\bl'an pass[ée]\b|\bl'an dernier\b|\bl'ann[ée]e pass[ée]e\b", "last year"),
    (r"\b(?:de )?(?:la|le) derni[èe]re? ann[ée]e glissante\b|\bsur un an glissant\b", "last 12 months"),
    (r"\b(?:vorige|afgelopen) (?:mnd|maand)\b", "last month"),
    (r"\bdeze mnd\b", "this month"),
    (r"\b(?:van )?de week tot nu toe\b", "this week"),
)

# Rows tried first of all (phrases_first.FIRST), before the words they hold are read one by one.
FIRST_N: tuple[tuple[str, str], ...] = (
    (r"\bles (\d{1,2}) sites qui nous (?:envoient|ramènent|amènent)\b", r"top \1 referrers"),
    (r"\bsites qui nous (?:envoient|ramènent|amènent)\b", "referrers"),
    (r"\bde d[óo]nde (?:vinieron|vienen|llegaron|salieron) las ventas\b", "revenue by source"),
    (r"\bavant hier\b", "avant-hier"),
    (r"\ben lo que va (?:de|del) (?:año|ano)\b", "this year"),
    (
        r"\b(?:en )?qu[ée] (?:horario|hora) (?:tuvimos|hubo|entra|entr[óo]|vino|lleg[a]) (?:m[áa]s|la mayor)\b",
        "busiest hour for",
    ),
    (
        r"\b(?:en )?qu[ée] (?:horario|hora) (?:tuvimos|hubo|entra|entr[óo]|vino|lleg[a]) (?:menos|la menor)\b",
        "quietest hour for",
    ),
    (r"\ben lo que va (?:de|del) mes\b", "this month"),
    (r"\bseit jahresbeginn\b|\bseit (?:dem )?anfang des jahres\b", "this year"),
    (r"\bquatre-vingt-dix\b", "90"),
    (r"\bquatre-vingts?\b", "80"),
    # pages viewed, said with a verb: "hoe vaak werden onze pagina's bekeken", "wie oft wurden Seiten aufgerufen"
    (
        r"\bhoe vaak (?:werden|zijn) (?:onze |de )?pagina'?s\b(.*?)\bbekeken\b"
        r"|\bhoeveel pagina'?s zijn er\b(.*?)\bbekeken\b|\bwie oft wurden\b(.*?)\bseiten aufgerufen\b",
        r"pageviews \1\2\3",
    ),
    (r"\bvistas de p[áa]gina\b", "pageviews"),
    (
        r"\bwie gro(?:ß|ss) war der warenkorb\b(.*?)\bim durchschnitt\b|\bwie gro(?:ß|ss) war der warenkorb\b",
        r"average order value \1",
    ),
    (r"\bwie gut haben die besucher\b(.*?)\bkonvertiert\b", r"conversion rate \1"),
    (r"\bhoeveel procent van de bezoekers kocht\b(.*?)\biets\b", r"conversion rate \1"),
    (r"\bvalor promedio por (?:orden|pedido|compra)\b", "valor medio del pedido"),
    (r"\btasa de conversion\b", "tasa de conversión"),
    (r"\bse (?:dio|dieron|han dado|ha dado) de alta\b|\bdarse de alta\b", "se registraron"),
    (r"\bwelche websites verlinken\b(.*?)\bauf uns\b|\bquels sites renvoient vers nous\b", r"which referrers \1"),
    (r"\bwelke websites verwezen\b(.*?)\bnaar ons\b|\bqui nous envoie du trafic\b", r"which referrers \1"),
    (r"\bdesde qu[ée] dispositivos? nos visit[a]n\b", "which devices"),
    (r"\ben qu[ée] idiomas? navegan\b", "which languages"),
    (r"\bla semaine d'encore avant\b", "la semaine précédente"),
    (
        r"\b(?:le|la|les) (.+?) (?:a|ont)-t-(?:il|elle|ils|elles) (?:baiss[ée]|augment[ée]|diminu[ée]|progress[ée])\b",
        r"is \1 up",
    ),
    (r"\b(?:g[a]at|g[a]an|ging) (?:de |het )?(.+?) omhoog\b", r"is \1 up"),
    (r"\b(?:is|zijn) (?:de |het )?(.+?) aan het groeien\b", r"is \1 up"),
    (
        r"\bthe shop's\b|\bdid the shop (?:take|get|make|do)\b|\bder shop\b(?![.-])",
        "on the shop site",
    ),
    (r"\bmonatsverlauf\b|\bmaandoverzicht\b", "per month"),
    (r"\bvon woche zu woche\b", "per week"),
    (r"\bwelche (\d+|\w+) websites haben uns\b(.*?)\bgeschickt\b", r"top \1 referrers \2"),
    (r"\bde d[óo]nde llegan (?:las visitas|los visitantes)\b", "where do visitors come from"),
    (r"\b(?:van )?al mijn domeinen(?: bij elkaar)?\b|\b(?:de )?todos mis dominios\b", "across all my sites"),
    (r"\bper t[a]al\b|\bpar langue\b|\bpor idioma\b", "by language"),
    (r"\bper apparaat\b|\bpar appareil\b|\bpor dispositivo\b", "by device"),
    (r"\bcada p[áa]gina\b", "per page"),
    (r"\bgrabaciones\b", "recordings"),
    (r"\ban j[e]dem (?:einzelnen )?tag\b|\btages[üu]bersicht\b|\bjornada a jornada\b|\bpar journ[ée]e\b", "per day"),
    (r"\bfacturaci[óo]n desglosada por origen\b", "revenue by source"),
    (r"\bcombien (?:la |le )?([\w.-]+) a rapport[ée]\b", r"revenue from \1"),
    (r"\b(?:le )?montant moyen d'une commande\b|\bdurchschnittliche[rn]? warenkorb\b", "average order value"),
    (r"\b(?:le )?montant total des commandes(?: encaiss[ée]es)?\b", "revenue"),
    (r"\bwie viel prozent der besucher haben\b(.*?)\b(?:etwas )?(?:bestellt|gekauft)\b", r"conversion rate \1"),
    (r"\b[àa] l'heure actuelle\b", "right now"),
    (r"\bvd (week|maand|jaar) tot nu toe\b", r"deze \1"),
    (r"\bnatel\b|\bcellulaire\b|\bgsm(?:-gebruikers)?\b", "mobile"),
    (r"\bpreisseite\b", "/pricing"),
    (r"^a ver,? ", ""),
    (r"\bpar valeur de (\w+)\b", r"par \1"),
    (
        r"\b(?:all |toutes les |las |les )?(?:pages|p[áa]ginas|pagina'?s) (?:de |in de |in )?/(blog|docs)"
        r"(?:/|-sectie)?(?= |$)|\ball /(blog|docs)/? pages\b",
        r"pages under /\1\2",
    ),
    (r"\bpages de docs?\b", "pages under /docs"),
    (r"\bquel article rapporte le plus\b", "best-selling products"),
    (r"\bajoutent au panier puis passent commande\b", "checkout funnel"),
    # "vom 2. Februar", "vom 28.1.": a day; "vom 2. bis 9. Februar" stays a range
    (r"\bvom(?= \d{1,2}\.)(?!.*\b(?:bis|-)\b)", "am"),
)
