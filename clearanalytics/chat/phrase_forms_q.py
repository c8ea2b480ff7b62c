"""Words and forms of the five languages that golden batch Q asked and the tables lacked, read after its one scoring.

Rows as in phrase_forms_o.FIRST_O, tried before each language's own: a regular expression over the lower-cased
question. Each is a rule in every language the form was asked in, not one question's patch. English words inside a
foreign row are bracketed (``l[o]ngest``) where they would otherwise join the typo mender's vocabulary.
"""

from __future__ import annotations

# Number words of 11 to 19 and the tens, before a unit of time ("in den letzten vierzehn Tagen", "les quatorze
# derniers jours"): the number, which the period rules read. Alone they may be words ("onze" is Dutch for "our").
_NUMBERS = {
    11: "elf|onze|on[c]e", 13: "dreizehn|treize|trece|dertien", 14: "vierzehn|quatorze|catorce|veertien",
    15: "fünfzehn|funfzehn|quinze|quince|vijftien", 16: "sechzehn|seize|dieciséis|dieciseis|zestien",
    17: "siebzehn|dix-sept|diecisiete|zeventien", 18: "achtzehn|dix-huit|dieciocho|achttien",
    19: "neunzehn|dix-neuf|diecinueve|negentien", 21: "einundzwanzig|vingt et un|veintiuno|eenentwintig",
    28: "achtundzwanzig|vingt-huit|veintiocho|achtentwintig", 40: "vierzig|quarante|cuarenta|veertig",
    45: "fünfundvierzig|quarante-cinq|cuarenta y cinco|vijfenveertig", 50: "fünfzig|cinquante|cincuenta|vijftig",
    60: "sechzig|soixante|sesenta|zestig",
    90: "neunzig|quatre-vingt-dix|noventa|negentig",
}  # fmt: skip
_UNIT = r"(?= (?:(?:letzten|derniers|dernières|últimos|últimas|laatste) )?(?:tage|tagen|wochen|monate|monaten|jours|semaines|mois|días|dias|semanas|meses|dagen|weken|maanden)\b)"  # noqa: E501
_NUMBER_ROWS = tuple((rf"(?<!dans )\b(?:{words}){_UNIT}", str(n)) for n, words in _NUMBERS.items())

# German weekdays cut short ("letzten Do", "am Mi.", "seit Mo"): the day, after a word that makes them a date
_GERMAN_SHORT_DAYS = {
    "mo": "montag", "di": "dienstag", "mi": "mittwoch", "do": "donnerstag", "fr": "freitag", "sa": "samstag",
    "so": "sonntag",
}  # fmt: skip
_DAY_SHORT = tuple(
    (rf"\b(letzten|letzter|vergangenen|vorigen|diesen|am|seit|ab|bis|vom) {short}\b\.?", rf"\1 {day}")
    for short, day in _GERMAN_SHORT_DAYS.items()
)

# "im gleichen Monat letztes Jahr", "le même mois l'an dernier", "el mismo mes del año pasado", "dezelfde maand
# vorig jaar": the earlier answer's unit, a year before
_UNITS = {
    "month": "monat|mois|mes|maand", "day": "tag|jour|d[íi]a|dag", "week": "woche|semaine|semana|week",
    "quarter": "quartal|trimestre|kwartaal",
}  # fmt: skip
_SAME_LAST_YEAR = tuple(
    (
        rf"\b(?:(?:im|am|in der|die|den|der) )?(?:gleichen?|selben?) (?:{units})(?: des| im| vom)? (?:letzten jahres"
        rf"|vorjahres|vorjahr|letztes jahr|letzten jahr)\b|\b(?:le |la )?m[êe]me (?:{units}) (?:de )?(?:l'an dernier"
        rf"|l'ann[ée]e der[n]i[èe]re|l'an pas[s][ée])\b|\b(?:el |la )?mis[m][oa] (?:{units}) (?:del|el) a[ñn]o "
        rf"(?:pasado|anterior)\b|\b(?:de)?zelfde (?:{units}) (?:van )?(?:vorig jaar|het vorige jaar)\b",
        f"the same {unit} last year",
    )
    for unit, units in _UNITS.items()
)

# "kommende Woche", "volgende dinsdag": a period still to come, which the period rules say they cannot answer
_COMING = {
    "week": "woche|week", "month": "monat|maand", "year": "jahr|jaar", "monday": "montag|maandag",
    "tuesday": "dienstag|dinsdag", "wednesday": "mittwoch|woensdag", "thursday": "donnerstag|donderdag",
    "friday": "freitag|vrijdag", "saturday": "samstag|zaterdag", "sunday": "sonntag|zondag",
}  # fmt: skip
_NEXT = tuple(
    (
        rf"\b(?:(?:die|den|der|das|de|het|am|im) )?(?:kommenden?|nächsten?|nachsten?|komende|volgende?) (?:{words})\b",
        f"next {unit}",
    )
    for unit, words in _COMING.items()
)

# the one figure word a "more ... than" may hold ("mehr Besucher als"), not a verb or a period of its own
_ONE_WORD = r"((?:(?!este|esta|hoy|diese|heute|deze|vandaag|verkocht|verkauft|vendido|vendimos)\w+ )?)"

FIRST_Q: tuple[tuple[str, str], ...] = (
    *_SAME_LAST_YEAR,
    *_NUMBER_ROWS,
    *_DAY_SHORT,
    # periods
    (r"\b2day\b", "today"),
    (r"\b(?:en )?(?:los |las )?(?:[úu]lti[m][oa]s|pas[a]d[oa]s) (\d+) d[íi]as\b", r"the last \1 days"),
    (r"\b(?:en )?(?:los |las )?(?:[úu]lti[m][oa]s|pas[a]d[oa]s) (\d+) semanas\b", r"the last \1 weeks"),
    (r"\b(?:en )?(?:los |las )?(?:[úu]lti[m][oa]s|pas[a]d[oa]s) (\d+) meses\b", r"the last \1 months"),
    (r"\bla semaine pas[s][ée]e?\b", "last week"),
    (r"\ble mois pas[s][ée]\b", "last month"),
    (r"\bl'ann[ée]e pas[s][ée]e?\b|\bl'an pas[s][ée]\b", "last year"),
    *_NEXT,
    (r"\bthis coming (week|month|\w+day)\b", r"next \1"),
    (r"\bdans (?:quinze|huit|\d+) jours\b", "in the next 15 days"),  # a time still to come
    (
        r"\b(?:tijdens|w[äa]hrend|pendant|durante) (?:de |het |der |die |des |la |le |el )?"
        r"(?:dag|tag|jour|d[íi]a|week|woche|semaine|semana) (?:van|der|des|de|del) (?:de |het |la |el )?[a-z]\w+",
        "during the event",
    ),  # fmt: skip
    (r"\btop pages viewed on\b|\bp[áa]ginas vis[t]as por los usuarios de\b", "top pages on"),
    (r"\b(?:el |la )?(semana|mes|lunes|martes|miércoles|jueves|viernes|sábado|domingo) que viene\b", r"next \1"),
    (r"\bim monat davor\b|\bden monat davor\b", "the month before"),
    # "plus de CA que l'an dernier", "mehr als letzte Woche", "más que la semana pasada": more or fewer than a period
    (
        r"\b(?:on fait |on a fait |on a eu |avons-nous eu )?(plus|moins) (?:de ([\w' ]{1,30}?) )?que "
        r"(?=la |le |l'|les |hier|avant|last |the |yesterday)",
        r"\1 \2 than ",
    ),  # fmt: skip
    (r"\bthe fewest (\w+) que (?=la |le |l'|les |hier|avant|last |the |yesterday)", r"fewer \1 than "),
    (r"\bplus (?=\S* ?t[h]an\b)", "more "),
    (r"\bmoins (?=\S* ?t[h]an\b)", "fewer "),
    (
        rf"\b(m[áa]s|menos|mejor o peor|mejor|peor) (?:de )?{_ONE_WORD}que "
        r"(?=la |el |los |las |ayer|antes|last |the |yesterday)",
        r"\1 \2than ",
    ),
    (
        rf"\b(mehr|weniger|besser|schlechter) {_ONE_WORD}als "
        r"(?=letzte|vorige|vergangene|im |am |gestern|vorgestern|de[nmr] |die |last |the |yesterday)",
        r"\1 \2than ",
    ),  # fmt: skip
    (
        rf"\b(meer|minder|beter|slechter) {_ONE_WORD}dan "
        r"(?=vorige|afgelopen|gisteren|eergisteren|de |het |last |the |yesterday)",
        r"\1 \2than ",
    ),
    (r"\b(?:m[áa]s|mehr|meer)(?= (?:\S+ )?t[h]an\b)", "more"),
    (r"\b(?:menos|weniger|minder)(?= (?:\S+ )?t[h]an\b)", "fewer"),
    (
        r"\b(?:mejor o peor|besser oder schlechter|beter of slechter|mieux ou moins bien)(?= (?:\S+ )?t[h]an\b)",
        "better or worse",
    ),
    (r"\b(?:mejor|besser|beter)(?= (?:\S+ )?t[h]an\b)", "better"),
    (r"\b(?:peor|schlechter|slechter)(?= (?:\S+ )?t[h]an\b)", "worse"),
    (r"\bhow many ([\w-]+) (?:did|have|has|do) (?:we|i|you|the shop) sell\b", r"how many \1 sold"),
    (r"\b(?:kun|kan|wil|zou) je\b|\bkunt u\b", "can you"),  # Dutch "je" is no German "je" (per)
    (r"\bwie oft wurde\b(.*?)\bbestellt\b", r"how many orders\1"),
    (r"\bwie viel haben wir\b(.*?)\beingenommen\b", r"how much revenue\1"),
    (r"\bwie viel prozent (?:sind|haben)\b(.*?)\b(?:sofort )?(?:wieder )?abgesprungen\b", r"bounce rate\1"),
    (
        r"\bfrom where (?:do |did )?(?:people|visitors|users|ppl) (?:arrive|arrived|come|came)\b",
        "where did visitors come from",
    ),
    (r"\b[üu]ber (?:handys?|smartphones?|mob[i]lge[r][äa]te)\b", "on mobile"),
    (r"\bletzten? (\d+) wochen\b", r"last \1 weeks"),
    (
        r"\bqu[ée] p[áa]gina tiene (?:el |la )?(?:rebote|tasa de rebote|bounce rate) m[áa]s alt[oa]\b",
        "which page has the highest bounce rate",
    ),  # fmt: skip
    (r"\btasa de rebote por p[áa]gina\b|\btaux de rebond par page\b", "bounce rate per page"),
    (r"\bwelke (?:blog)?pagina heeft het hoogste bouncepercentage\b", "which page has the highest bounce rate"),
    (r"\bseitenranking nach absprungrate\b", "pages by bounce rate"),
    (
        r"\bd'o[ùu] (?:provient|vient|viennent|arrive) (?:notre |le |nos )?(?:trafic|visiteurs|visites)\b",
        "where do visitors come from",
    ),
    (
        r"\bde d[óo]nde (?:sal[i][óo]|sale|vino|viene|llega|lle[g][óo]) (?:el |nuestro )?tr[áa]fico\b",
        "where do visitors come from",
    ),
    (r"\bvaleur moy[e]n+e des commandes\b", "average order value"),
    (r"\bde semaine en semaine\b", "week by week"),
    (r"\bde mois en mois\b", "month by month"),
    (r"\bcu[áa]ntas p[áa]ginas se (?:visitaron|vieron)(?: en total)?\b", "how many pageviews"),
    (r"\bvistas de la p[áa]gina (?=/)", "pageviews of "),
    (r"\bqu[ée] d[íi]a se vieron menos p[áa]ginas\b", "which day had the fewest pageviews"),
    (r"\bqu[ée] d[íi]a se vieron m[áa]s p[áa]ginas\b", "which day had the most pageviews"),
    (r"\bqu[ée] d[íi]a hubo m[áa]s (?:tr[áa]fico|visitas|visitantes|gente)\b", "which was the busiest day"),
    (r"\bqu[ée] d[íi]a hubo menos (?:tr[áa]fico|visitas|visitantes|gente)\b", "which was the quietest day"),
    (r"\b(?:las )?p[áa]ginas vistas (?:cada|por) mes\b", "pageviews per month"),
    (r"\b(?:las )?p[áa]ginas vistas (?:cada|por) semana\b", "pageviews per week"),
    (r"\bqu[ée] pl[a]nes tienen (?:los usuarios|los clientes|la gente)\b", "plan property"),
    (r"\b(?:nuestra|la|mi) tienda(?: online| en l[íi]nea)?\b", "the shop site"),
    (r"\ben qu[ée] paso se (?:perdieron|pierden|van) (?:los compradores|los clientes|la gente)\b", "checkout funnel"),
    (
        r"\ben qu[ée] paso del (?:carrito|checkout|pago) se (?:va|van|pierde|pierden|perdieron|fue|fueron)\b",
        "checkout funnel",
    ),
    (r"\brespecto (?:a|de|al)\b", "compared to"),
    (r"\b(?:los |las )?(\d+) d[íi]as anteriores\b", r"the previous \1 days"),
    (r"\b(?:en )?el sitio del blog\b", "on the blog site"),
    (r"\b(?:en )?el sitio de la tienda\b", "on the shop site"),
    # figures
    (r"\bwie viel hat (?:eine|jede) bestellung\b(.*?)\bim schnitt gebracht\b", r"average order value\1"),
    (r"\baverage value (?:of|per) (?:one |an |ea[c]h |the )?orders?\b", "average order value"),
    (r"\bviews of (?:the )?pages\b", "pageviews"),
    (r"\bc[o]nvo rate\b", "conversion rate"),
    (r"\brev[e]nu[e]s\b", "revenue"),
    (r"\bporcentaje de con[v]ers[i][óo]n\b", "conversion rate"),
    (r"\bdu[r]ee moy[e]ne\b", "durée moyenne"),
    (
        r"(?<![\w.])ca(?= (?:par|sur|ce|cette|en|du|hier|aujourd'hui|vs|depuis|au|des|total|moyen|les|le|la|t[h]an)\b)",
        "revenue",
    ),
    (r"\b(?:on fait|on a fait|faisons-nous) plus de ca\b", "more revenue"),
    (r"\bca par (source|canal|provenance)\b", "revenue by source"),
    (r"\bnombre de visiteurs ins[t]ant[a]n[ée]\b|\bvisiteurs ins[t]ant[a]n[ée]s?\b", "visitors right now"),
    # breakdowns
    (r"\b(?:nach|pro|je) kalenderwochen?\b", "per week"),
    (r"\bherkunftsl[äa]nder\b", "countries"),
    (r"\bwhere (?:r|are) (?:my |our |the )?(?:visitors|users|people|ppl) (?:lo[c]ated|ba[s]ed)\b", "which countries"),
    (
        r"\bwho (?:ref[e]r(?:red|s)|is ref[e]rri[n]g)(?: us)?(?: (?:traffic|visitors|people|them|those))?\b",
        "which referrers",
    ),
    (r"\bref[e]rr[e]s\b", "referrers"),
    (r"\bwhich pages (?:were|are|got) (?:viewed|vis[i]ted|seen|read) (?:the )?most\b", "most viewed pages"),
    (r"\bfrom what source (?:come|came|comes) the (?:sales|revenue|orders)\b", "revenue by source"),
    (
        r"\bqu[ée] (?:fuentes?|canal(?:es)?)(?: de tr[áa]fico)? (?:nos )?(?:trajeron|trajo|g[e]ner[óo]|generaron) "
        r"(?:m[áa]s )?ingresos\b",
        "revenue by source",
    ),
    (r"\bquelle source a g[ée]n[ée]r[ée] le plus de (?:ventes|chiffre d'affaires|revenus)\b", "revenue by source"),
    (
        r"\b(?:vis[i]teurs|vis[i]tes) par heure\b|\br[ée]par[t][i]tion horaire(?: du trafic| des visites)?\b",
        "visitors per hour",
    ),
    (r"\bde chaque jou[r]n[ée]e\b|\bpar jou[r]n[ée]e\b", "per day"),
    (r"\b(?:est-il|est|était|a été) le moins fr[ée]que[n]t[ée]e?\b", "is the quietest"),
    (r"\bslechtste campagne op\b", "worst campaign on"),
    (r"\bslechtste campagne\b", "worst campaign"),
    (r"\bthe (\d{1,2}) (?=(?:best|top|most|biggest|largest)\b)", r"the top \1 "),  # "October the 3 best": no date
    (r"\bthe day with (?:the )?more (?:pageviews|page views)\b", "the busiest day for pageviews"),
    (r"\bthe day with (?:the )?more (traffic|visitors|pageviews|page views|vis[i]ts)\b", r"the busiest day"),
    (r"\bthe day with (?:the )?less (traffic|visitors|pageviews|page views|vis[i]ts)\b", r"the day with the fewest \1"),
    (r"\bel d[íi]a con m[áa]s (?:pageviews|p[áa]ginas vis[t]as)\b", "the busiest day for pageviews"),
    (r"\bel d[íi]a con m[áa]s (?:vis[i]tas|tr[áa]fico|vis[i]tan[t]es)\b", "the busiest day"),
    (
        r"\b(?:en )?qu[ée] p[áa]ginas? se queda m[áa]s (?:la gente|el usuario|los usuarios|los vis[i]tan[t]es)\b",
        "pages by average time on page",
    ),  # fmt: skip
    (
        r"\bqu[ée] sistemas? operativos? (?:usa|usan|use) (?:la gente|el usuario|los usuarios|los vis[i]tan[t]es)"
        r"(?: que entra)?\b",
        "which operating systems",
    ),  # fmt: skip
    (r"\bwelke sites stuurden\b(.*?)\bverkeer door\b", r"which referrers\1"),
    # the checkout funnel
    (r"\bcu[áa]nta gente pas[óo] del carrito al pago\b", "checkout funnel"),
    (r"\bhoeveel mensen gingen van winkelmandje naar aankoop\b", "checkout funnel"),
    # sites, pages and sections
    (r"\bc[ôo]t[ée] boutique\b", "on the shop"),
    (r"^(?:on|in) the (shop|store|blog) (?=conversion|revenue|sales|orders)", r"on the \1 site "),
    (r"\b([a-z0-9-]+) dot (com|net|org|de|fr|nl|es|io|co|shop|store)\b", r"\1.\2"),
    (r"\bsl[a]sh (?=[a-z])", "/"),
    (r"\b(?:la )?sec[t]ion /", "pages under /"),
)
