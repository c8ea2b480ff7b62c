"""Words and forms of the five languages that blind golden batch O asked and the tables lacked.

Rows as in phrase_forms.FORMS, which takes these after batch N's: a regular expression over the lower-cased question
and its English. Each is a rule in every language the form was asked in, not one question's patch.
"""

from __future__ import annotations

# What a shop is called beside its figures, never the site: "the shop conversion rate", "our shop manager".
_NOT_THE_SITE = (
    r"(?![.-]\w|['’]s)(?! (?:site|manager|owner|owners|team|staff|conversion|cr|page|pages|category|section)\b)"
)

# A week number in words ("week seven"): its number, which the week rules read.
_NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_WEEK_IN_WORDS = tuple((rf"\b(week|wk) {word}\b(?! opzichte)", rf"\1 {n}") for n, word in enumerate(_NUMBERS, 1))

FORMS_O: tuple[tuple[str, str], ...] = (
    # the shop as a person names it, in the five languages: the site whose first label is "shop" (the site rule)
    (rf"\b(?:our|the|my) (?:online |web ?)?(?:store|shop)\b{_NOT_THE_SITE}", "the shop site"),
    (r"\b(?:de|en|desde) (?:la|nuestra|mi) tienda(?: online| en l[íi]nea)?\b|\bla tienda\b", "on the shop site"),
    (r"\b(?:de|sur|dans) (?:la|notre|ma) boutique(?: en ligne)?\b|\bla boutique\b(?! \w+\.)", "on the shop site"),
    (
        r"(?<!\bdag )\b(?:van|in|op|bij) (?:de|onze|mijn) (?:web)?winkel\b|\b(?:van|in|op) (?:de"
        r"|onze) webshop\b",
        "on the shop site",
    ),
    (
        r"\b(?:in|von|bei) (?:unserem|unserm|meinem|dem) (?:online-?)?(?:shop|laden)\b"
        r"|\bunser(?:es)? shops?\b",
        "on the shop site",
    ),
    # who is there now, said in more ways
    (r"\bin di[e]s[e]m (?:moment|augenblick)\b", "right now"),
    (r"\bcurrent number of (people|visitors|us[e]rs)\b", r"\1 right now"),
    (r"\b(?:visiteurs|utilisateurs|internautes|personnes|gens) (?:actifs|en ligne)\b", "visitors right now"),
    (r"\by a(?:-t-il)? (?:des gens|du monde|quelqu'un)\b(.*?) l[àa]$", r"visitors\1 right now"),
    (r"\b(?:nu )?(?:mensen |bezoekers )?aan het (?:br[o]w[s]en|s[u]r[f]en)\b", "visitors right now"),
    # where the visitors came from, said without "did", in the past, or as people translate it
    (r"\bwhere\b(.{1,40}?)\bcame from\b", r"where did\1 come from"),
    (r"\bfrom where (?:do |did |does )?(?:come|came|comes)\b", "where did people come from"),
    (r"\bwhere comes? (?!from)(.{1,40}?) from\b", r"where did \1 come from"),
    (r"\bl12m\b", "last 12 months"),
    (r"\bhow much (?:did )?(we|the shop site|they) (?:sold|sell)\b", r"how much revenue did \1 make"),
    (r"\buv\b", "unique visitors"),
    (r"\b(visitors|pageviews|pv|orders|revenue|sales) mon\b(?!\s*\d)", r"\1 monday"),
    # figures and lists said in more ways
    (r"(?<!average )(?<!avg )(?<!avg\. )\btime on page\b", "average time on page"),
    (r"\bkeep (?:people|visitors|users) (?:the )?longest\b", "by average time on page"),
    (r"\bppl\b", "people"),
    (r"\bwhat (?:are|do|did|were) (?:people|customers) (?:buying|buy|bought)\b", "which products are people buying"),
    (r"\bpeak (?:traffic |v[i]sitor )?(hour|day)\b", r"busiest \1"),
    (r"\bmost (?:quiet|calm)\b", "quietest"),
    (
        r"\b(?:which|what) (day|hour) (?:did we have|we had|had) (?:less|fewer) (?:visitors|traffic|vis[i]ts)\b",
        r"quietest \1",
    ),
    (r"\b(?:did |do )?we (?:sell|sold) more\b", "is revenue up"),
    (
        r"\b(last (week|month|quarter|year)) (vs\.?|versus|compared (?:to|with)|against) "
        r"(?:the )?previous (?:one|\2)\b",
        r"\1 \3 the \2 before last",
    ),
    (r"\bper iso week\b", "per week"),
    *_WEEK_IN_WORDS,
    # comparisons in Dutch as people shorten them
    (r"\bt\.o\.v\.?(?= )", "compared to"),
    (r"\bvergelijk(?: dat| dit| het)? met\b", "compare with"),
    (r"\bhoe verhoudt (?:zich )?(?:dat|dit|het) (?:zich )?tot\b", "how does that compare with"),
    (r"\bhoe verhoudt (?:zich )?(.{1,60}?) zich tot\b", r"\1 compared to"),
)

# Before each language's own rows (phrases_first.FIRST, after batch N's): the forms whose words those rows would
# translate one by one.

# A day of a month said in words ("the twenty fourth of january", "february second"): the month's day as a number.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_DAYS_IN_WORDS = [
    *((word, n) for n, word in enumerate(_ORDINALS, 1)),
    *((f"twenty[- ]?{word}", 20 + n) for n, word in enumerate(_ORDINALS[:9], 1)),
    ("thirtieth", 30),
    ("thirty[- ]?first", 31),
]
_DAY_OF_MONTH: tuple[tuple[str, str], ...] = tuple(
    (rf"\b(?:(?:the )?{word}(?: day)? of ({_MONTH})|({_MONTH}) (?:the )?{word})\b", rf"\1\2 {n}")
    for word, n in sorted(_DAYS_IN_WORDS, key=lambda row: -len(row[0]))
)

# A German day of the month in words ("am sechsten Februar"): its number, as "am 6. Februar" is read.
_GERMAN_ONES = ["ersten", "zweiten", "dritten", "vierten", "fünften", "sechsten", "siebten", "achten", "neunten"]
_GERMAN_DAYS = [*_GERMAN_ONES, "zehnten", "elften", "zwölften", "dreizehnten", "vierzehnten", "fünfzehnten"]
_GERMAN_DAYS += ["sechzehnten", "siebzehnten", "achtzehnten", "neunzehnten", "zwanzigsten"]
_GERMAN_UNITS = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_GERMAN_WORDS = {word: n for n, word in enumerate(_GERMAN_DAYS, 1)} | {"dreißigsten": 30, "einunddreißigsten": 31}
_GERMAN_WORDS |= {f"{unit}undzwanzigsten": 20 + n for n, unit in enumerate(_GERMAN_UNITS, 1)}
_GERMAN_DAY_OF_MONTH = tuple(  # (no month names here: a pattern's words join the typo mender's, "ueber" is no "feber")
    (rf"\bam {word} (?=[^\W\d_]+\b)", f"am {n}. ")
    for word, n in sorted(_GERMAN_WORDS.items(), key=lambda row: -len(row[0]))
)

FIRST_O: tuple[tuple[str, str], ...] = (
    # (and forms that listed wrong readings of M, N and O showed, each a rule in every language)
    # Dutch "en" starting a follow-up is "and", never the Spanish or French "in": "en van de homepage?"
    (r"^en (?=(?:van|voor|op|wat|hoe|nu|dan|de|het|alleen|per|ook)\b|/)", "and "),
    # the same day a week before, in the four languages
    (r"\b(?:la m[êe]me journ[ée]e|le m[êe]me jour)\b", "the same day"),
    (r"\bel mismo d[íi]a(?: de)?\b", "the same day"),
    (r"\b(?:am )?(?:selben|gleichen) tag(?: der)?\b", "the same day"),
    (r"\bdezelfde dag(?: van)?\b", "the same day"),
    (r"\bcompar(?:ar|[áa]rame|er|ez)\b", "compare"),  # the verb itself, never mended into "compared"
    # "with the one before", of a period named ("con las de la anterior", "avec la précédente")
    (r"\bcon (?:las|los) de (?:la|el) anterior\b", "with the one before"),
    (r"(?<!compar[ée] )\bavec (?:celle|celui) (?:d'avant|pr[ée]c[ée]dente?)\b", "with the one before"),
    (r"(?<!verglichen )\bmit (?:der|dem) davor\b", "with the one before"),
    (r"(?<!vergeleken )\bmet (?:die|het) (?:daarvoor|ervoor)\b", "with the one before"),
    (r"\bsyst[èe]mes? d'exploitation\b", "operating systems"),
    (r"^que ceux (?:sur|qui utilisent|avec)\b", "only those on"),  # "que ceux sur Safari"
    (  # "le mug, il s'est vendu combien de fois": the sales of the mug
        r"\b(?:le|la|les) ([\w-]+),? (?:il|elle|ils|elles) (?:s'est|se sont) vendue?s? combien de fois\b",
        r"sales of \1",
    ),
    (r"\bel d[ií]a (?:que|en que|con) m[áa]s p[áa]ginas(?: se vieron| vistas)?\b", "the day with the most pageviews"),
    # the figure the last answer gave, named again as the thing asked about ("the orders that made up that revenue")
    (r"\b(?:made|make|makes) up (?:that|this|the|those) (?:revenue|sales|money)\b", "made up"),
    (r"\b(?:did|do) (?:those|they|these|that|it) (?:bring in|br[i]ng|generate|make)\b", "did those make"),
    (r"\b(?:sont|étaient) revenu(?:e|s|es)?\b", "came back"),  # people came back, not "revenus" (revenue)
    (r"\bcu[áa]nto (?:se )?(?:vendi[óo]|vendieron|ha vendido|han vendido)\b", "how much revenue did"),
    # how many pages they viewed is the pageviews, not the list of pages
    (
        r"\b(?:how many|cu[áa]ntas|combien de) p[áa]g(?:es|inas) (?:did |have |were )?(?:they |people |visitors |we )?"
        r"(?:view(?:ed)?|see|seen|saw|visit(?:ed)?|look at|read|vieron|visitaron|vues|consult[ée]es)\b",
        "how many pageviews",
    ),
    *_DAY_OF_MONTH,
    *_GERMAN_DAY_OF_MONTH,
    # where people stay longest is the pages by visit duration
    (
        r"\b(?:rest(?:ent|e)(?:-ils| les gens)?|se quedan|bleiben|blijven)"
        r" (?:le plus l[o]ngt[e]mps|m[áa]s ti[e]mpo|am l[äa]ngsten|het l[a]ngst)\b",
        "spend the most time",
    ),
    (r"\b(?:st[a]y|st[a]ys|st[a]yed|rem[a]in|rem[a]ins) (?:the )?l[o]ngest\b", "spend the most time"),
    (r"\bel primero de\b", "el 1 de"),
    # Spanish periods: "antes de ayer" (and the Mexican "antier") is the day before yesterday; "en lo que va de"
    (r"\bantes de ayer\b|\bant[i]er\b", "anteayer"),
    (r"\ben lo que va (?:de la|del|de) semana\b", "this week"),
    (r"\ben lo que va (?:del|de) mes\b", "this month"),
    (r"\ben lo que va (?:del|de) trimestre\b", "this quarter"),
    # a list of days, and its busiest and quietest day, in Spanish
    (r"\bcada d[ií]a\b", "per day"),
    (r"\b(?:el )?d[ií]a (?:con|que tuvo|de) m[áa]s (?:gente|visitas|visitantes|tr[áa]f[i]co)\b", "the busiest day"),
    (r"\b(?:el )?d[ií]a (?:con|que tuvo|de) menos (?:gente|visitas|visitantes|tr[áa]f[i]co)\b", "the quietest day"),
    (r"\bel d[ií]a m[áa]s (?:bajo|flojo|tranquilo)(?: en (?:visitas|visitantes))?\b", "the quietest day"),
    (r"\bel d[ií]a m[áa]s (?:alto|fuerte)(?: en (?:visitas|visitantes))?\b", "the busiest day"),
    (r"\bqu[ée] d[ií]a tuvo m[áa]s (?:visitas|visitantes|gente)\b", "the busiest day"),
    # the sites that send visitors, as the four languages name them
    (
        r"\bverwijzende (?:domeinen|sites|websites)\b|\bwelke (?:sites|websites"
        r"|domeinen) verwijzen (?:naar ons)?",
        "referrers",
    ),
    (r"\b(?:welche )?domains? (?:die )?(?:verweisen|verlinken) auf uns\b", "referrers"),
    (r"\bdominios de referencia\b", "referrers"),
    (r"\breferer\b", "referrers"),
    # revenue by source, asked from either end
    (r"\bumsatz (?:pro|nach|je) (?:quelle|kanal)\b", "revenue by source"),
    (
        r"\b(?:ingresos|facturaci[óo]n|ventas) (?:seg[úu]n|por) (?:la )?(?:fuente"
        r"|origen)(?: del tr[áa]f[i]co)?\b",
        "revenue by source",
    ),
    (
        r"\bqu[ée] fuente(?: de tr[áa]f[i]co)? gen[e]r[óo] m[áa]s (?:ingresos|ventas"
        r"|facturaci[óo]n)\b",
        "revenue by source",
    ),
    (
        r"\bquelle source (?:rapporte|a rapport[ée]|g[ée]n[èe]re|a g[ée]n[ée]r[ée]) le plus (?:de )?"
        r"(?:ca|chiffre d'affaires|revenus?)\b",
        "revenue by source",
    ),
    (
        r"\bwelke bronn?(?:en)? (?:leverde|leverden|brachten"
        r"|bracht)\b(.{0,40}?) (?:de )?meeste omzet(?: op)?",
        r"revenue by source \1",
    ),
    (r"\buit welke bron kwam de omzet\b", "revenue by source"),
    (r"\bgemiddelde verblijfsduur\b", "average visit duration"),
    # where the visitors, or the money, came from: "d'où venait le trafic", "de dónde llegó la gente"
    (
        r"\bd'o[ùu] (?:vient|venait|viennent) (?:le ca|(?:le|notre) chiffre d'affaires|l'argent|les ventes"
        r"|le revenu)\b",
        "revenue by source",
    ),
    (
        r"\bde d[óo]nde (?:viene|vino|sale|sal[i][óo]) (?:el dinero|la plata|la facturaci[óo]n"
        r"|los ingresos)\b",
        "revenue by source",
    ),
    (
        r"\bd'o[ùu] (?:ven[a]i(?:t|ent)|viennent|vient|arr[i]v(?:ent|a[i]ent|ait|e))(?:-(?:ils|elles|on))?"
        r"(?: (?:le trafic|les visiteurs|les gens|les internautes|le monde))?\b",
        "traffic sources",
    ),
    (
        r"\bde d[óo]nde (?:lleg[óo]|llegaron|vino|vinieron|llega|llegan|entr[óo]|entraron|vienen|viene)"
        r"(?: (?:la gente|las visitas|los visitantes|el tr[áa]f[i]co|los usuarios))?\b",
        "traffic sources",
    ),
    (
        r"\bwaar (?:kwamen|komen|kwam|komt) (?:de |onze )?(?:bezoekers|mensen|het verkeer|de traffic)?"
        r"\b(.{0,60}?) ?vandaan\b(?! ?\(?(?:landen|land)\b)",
        r"traffic sources \1",
    ),
    # German, Dutch, Spanish and French forms the tables lacked
    (r"\bl(?:ae|ä)n[d]er der (?:besucher|nutzer)\b", "visitors by country"),
    (r"\bwochen(?:ü|ue)bersicht\b", "per week"),
    (r"\bmonats(?:ü|ue)bersicht\b", "per month"),
    (r"\bvorigen? woche\b", "last week"),
    (r"\bl[e]zte\b", "letzte"),
    (
        r"\bwelche seiten (?:tracke|verfolge|beobachte|habe) ich\b"
        r"|\b(?:was f(?:ü|ue)r )?seiten habe ich (?:hier )?(?:eingerichtet|angelegt|hinz[u]gef(?:ü|ue)gt)\b",
        "which sites do i have",
    ),
    (r"\bwie viel prozent der (?:besucher|nutzer) kaufen(?: etwas)?\b", "conversion rate"),
    (r"\bhat sich\b(.{1,50}?)\bverbessert\b", r"has\1 improved"),
    (r"\bhoe laat komen (?:de )?meeste (?:bezoekers|mensen)\b", "busiest hour"),
    (r"\bcu[áa]ntas veces se vieron las p[áa]ginas\b", "pageviews"),
    (r"\bcu[áa]n[t]os minutos se quedan(?: los (?:usuarios|visitantes))?\b", "average visit duration"),
    (r"\bvalor promedio de la orden\b|\bvalor medio del pedido\b", "average order value"),
    (r"\bp[áa]gina de inicio\b", "homepage"),
    (r"\b(?:los |les )?posts d(?:el|u) blog\b", "blog posts"),
    (r"\bp[áa]ginas de la secci[óo]n /?([\w-]+)", r"pages in the \1 section"),
    (r"\bcu[áa]nto vendimos gracias a\b", "revenue from"),
    (r"\blas (\d+|\w+) p[áa]ginas con m[áa]s visitas\b", r"top \1 pages"),
    (r"\btipos? de dispositivos?\b", "devices"),
    (r"\bqu[ée] sistemas? operativos? usan\b", "which operating systems"),
    (r"\b[óo]rd[e]nes\b", "orders"),
    (
        r"\b(?:crecieron|cre[c]i[óo]|subieron|sub[i][óo]) (?:las |los |el |la )?"
        r"(vis[i]tas|visitantes|ventas|pedidos|ingresos)\b"
        r"(?! (?:en|de|del) \w+ (?:respecto|frente|comparad))",
        r"is \1 up",
    ),
    (r"\bvendimos m[áa]s\b", "is revenue up"),
    (r"\bdiferencia de (\w+) entre (\w+) y (\w+)\b", r"\1 \2 vs \3"),
    (r"\ba p[a]rtir del?\b", "since"),
    (r"\bcombien (?:a|ont) rapport[ée] (?:la |le |les )?([\w-]+)", r"revenue from \1"),
    # Dutch periods no rule reads: said to be unread, never the last 7 days
    (r"\been tijdje geleden\b", "a while ago"),
    (r"\bde komende (?:dagen|weken|maanden)\b", "the coming days"),
    (r"\bgoede vrijdag\b", "good friday"),
    (r"\btijdens het wk\b", "during the world cup"),
)
