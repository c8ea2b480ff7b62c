"""Words and forms of the five languages that golden batch S asked and the tables lacked, read after its one scoring.

Rows as in phrase_forms_r.FIRST_R, tried before each language's own: a regular expression over the lower-cased
question. S's writers asked for the busiest and quietest day and hour in everyday words ("heure creuse",
"el día más muerto", "deadest day"), named custom properties without the word "property" ("plan breakdown",
"waarden van author", "Eigenschaft „plan“"), and asked for money, orders and products with verbs ("how much did
we make", "monto vendido", "wie oft wurde die Tasse verkauft"). Each row is a rule in every language the form was
asked in, not one question's patch. English words inside a foreign row are bracketed as in phrase_forms_r.
"""

from __future__ import annotations

from clearanalytics.chat.phrase_forms_t import EARLY_T, ENGLISH_T, UNITS_NL

_NAME = r"([a-z][\w-]*(?:/[\w-]*~?)?)"  # a property's name as follow.PER_NAME reads it ("plan", "cta/position~")

_MONTHS_FR = r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
_UNITS_DE = {"monat": "month", "jahr": "year", "quartal": "quarter", "woche": "week"}

FIRST_S: tuple[tuple[str, str], ...] = (
    # quotation marks of the other languages: the name inside is a name ("Eigenschaft „plan“", "« author »")
    (r"«\s*|\s*»|[„“”]", '"'),
    # properties named without the word "property"
    (r"\bproperty-auswertung (?:f[üu]r|zu|von)\b|\beigenschaft\b", "property"),
    (r"\bpropri[ée]t[ée](?: personnalis[ée]e| custom)?\b|\bpropiedad\b(?! personalizada)|\bpropiedd\b", "property"),
    (r"\bpropery\b", "property"),
    (rf"\bwelche {_NAME}-werte\b|\b{_NAME}-werte\b", r"values of \1\2"),
    (rf"\b(?:welke )?waarden (?:van|had) (?:eigenschap |property )?{_NAME}", r"values of property \1"),
    (rf"\bqu[ée] valores (?:tom[óo]|tuvo|tiene) {_NAME}", r"values of property \1"),
    (rf"\bvalores de (?:la )?(?:custom property |propiedad |property )?{_NAME}", r"values of property \1"),
    (rf"\b(?:cu[áa]ntos )?eventos por cada valor de {_NAME}", r"visitors by \1"),
    (r"\buitsplitsing op\b", "by"),
    (r"\bwelke plannen hebben (?:mijn |onze |de )?(?:gebruikers|bezoekers)\b", "visitors by plan"),
    (r"\bqu[ée] pl[a]n (?:tienen los usuarios|predomin[óo])\b", "visitors by plan"),
    # the busiest and the quietest day and hour
    (
        r"\b(?:quelle )?(?:la )?(?:journée|journee) (?:a [ée]t[ée] "
        r"|était |etait )?la plus (?:creuse|tranquille|calme)\b",
        "the quietest day",
    ),
    (
        r"\b(?:quelle )?(?:la )?(?:journée|journee) (?:a [ée]t[ée] "
        r"|était |etait )?la plus (?:fréquentée|frequentee)\b",
        "the busiest day",
    ),
    (r"\ble jour le plus (?:mou|creux|calme)\b", "the quietest day"),
    (r"\ble jour de pointe\b", "the busiest day"),
    (r"\b(?:quelle est )?l'heure la plus (?:tranquille|creuse|calme)\b|\bheures? creuses?\b", "the quietest hour"),
    (r"\bl'heure la plus (?:active|chargée|chargee)\b", "the peak hour"),
    (r"\bheures? de (?:pointe|poitne|ponite)\b", "peak hours"),
    (r"\b(?:qu[ée] )?hora (?:fue )?(?:la )?m[áa]s floja\b", "the quietest hour"),
    (r"\bhora de m[áa]s actividad\b", "the peak hour"),
    (r"\bd[íi]a m[áa]s concurrido\b", "the busiest day"),
    (r"\b(?:cu[áa]l fue )?el d[íi]a m[áa]s mu[e]rto\b|\b(?:qu[ée] )?d[íi]a fue el m[áa]s bajo\b", "the quietest day"),
    (r"\b(?:stilste|rustigste) dag\b", "the quietest day"),
    (r"\bdrukste tijdstip(?: van de dag)?\b", "the peak hour"),
    (r"\b(?:stilste|rustigste) tijdstip(?: van de dag)?\b", "the quietest hour"),
    (r"\bp[e]ak-stunde\b", "the peak hour"),
    (r"\bwelche uhrzeit war (.*?) am st[äa]rksten\b", r"the peak hour \1"),
    # asking words that read as something else: "ça" (chiffre d'affaires), "je cherche" (no property "cherche")
    (r"^(?:alors )?[çc]a donne quoi,? ?|\b[çc]a donne quoi\b", ""),
    (r"^je cherche\b", "show"),
    (r"^(?:checa|checá) (?=(?:el|la|los|las|cu[áa]nt\w*|qu[ée]|mis?|si)\b)", ""),
    (r"\bpour (?:ma|la) (?:réunion|reunion)\b", "for my meeting"),
    (r"\bnext to\b", "compared to"),
    # lists in everyday words
    (r"\btijd op (?:pagina|pages)\b", "time on page"),
    (r"\btemps pass[ée] moyen\b|\btiempo de permanencia (?:medio|promedio)\b", "average visit duration"),
    (
        r"\b(?:sorted|ordenadas|classées|classees) (?:by|por"
        r"|par) (?:temps pass[ée]|tiempo de permanencia)\b",
        "sorted by time on page",
    ),
    (r"\b(?:pages|p[áa]ginas) con m[áa]s tiempo de permanencia\b", "pages by average time on page"),
    (r"\b(?:qu[ée] )?p[áa]ginas retienen m[áa]s a la gente\b", "pages by average time on page"),
    (r"\bd[íi]a m[áa]s flojo en p[áa]ginas vistas\b", "the day with the fewest pageviews"),
    (r"\b(?:qu[ée] )?d[íi]a tuvo menos (visitantes|visitas)\b", "the day with the fewest visitors"),
    (r"\b(?:qu[ée] )?d[íi]a (?:rompimos r[ée]cord de visitas|entr[óo] m[áa]s gente)\b", "the busiest day"),
    (r"\b(?:qu[ée] )?d[íi]a entra menos gente\b", "the quietest day"),
    (r"\bhorario con menos visitas\b", "the quietest hour"),
    (r"\b(?:horario|hora) de mayor tr[áa]fico\b", "the peak hour"),
    (r"\borigen de las visitas\b|(?<!d')\borigine du (?:trafic|traffic)\b", "traffic sources"),
    (r"\b(?:en )?qu[ée] paso se cae la gente al comprar\b", "checkout funnel"),
    (r"\bcon qu[ée] navegador entra la gente\b", "which browsers"),
    (r"\bqu[ée] so us[a]ron los visitantes\b", "which operating systems"),
    (r"\bvisitantes por p[áa]gina\b", "top pages by visitors"),
    (
        r"\b(?:qu[ée]|cu[áa]les|cu[áa]ntas) (?:sitios|webs|p[áa]ginas web) tengo(?: registradas"
        r"| registrados| conectadas| conectados)?\b|\blos sitios que tengo\b",
        "list my sites",
    ),
    (r"\btengo m[áa]s de un sitio\b", "list my sites"),
    (r"\bbesucher nach stunden\b|\bzu welchen uhrzeiten kamen die besucher\b", "visitors by hour"),
    (r"\b(?:verteilung nach tageszeit|stundenverteilung)\b", "visitors by hour"),
    (r"\bbesucher pro kalendertag\b", "visitors per day"),
    (r"\btag mit dem meisten traffic\b", "the busiest day"),
    (r"\bwie viele leute haben sich (.*?) ?registriert\b", r"how many signups \1"),
    (r"\btrafficquellen\b", "traffic sources"),
    (r"\b(?:kaufabschlüsse|kaufabschluesse)\b", "orders"),
    (r"\bwie ?viel kohle haben wir (.*?) ?gemacht\b", r"how much revenue \1"),
    (r"\bwie viele seiten wurden (.*?) ?(?:angesehen|aufgerufen|angeschaut)\b", r"how many pageviews \1"),
    (r"\bwie viele ([\w-]+) gingen (.*?) ?weg\b", r"how many \1 sold \2"),
    (r"\bcombien de pages (?:les visiteurs )?ont-ils vues\b", "how many pageviews"),
    (r"\bcombien de ([\w-]+) vendu(?:e|s|es)?\b", r"how many \1 sold"),
    (r"\bsur (\d+) mois\b", r"over the last \1 months"),
    (r"\b(?:les |des )?(\d+) derni[èe]res heures\b", r"the last \1 hours"),
    (r"\bles (\d+) sites référents principaux\b", r"the top \1 referrers"),
    (r"\bles (\d+) types d'appareils principaux\b", r"the top \1 devices"),
    *((rf"\b(?:de )?{word} voordien\b", f"the {unit} before") for word, unit in UNITS_NL.items()),
    (r"\b(?:übers|ueber das|über das) handy\b|\bsurften (.*?) ?mobil\b", r"on mobile \1"),
    (r"\bdesktop-user\b|\btr[áa]fico de computadora\b", "desktop visitors"),
    (r"\btr[áa]fico de tablet\b|\bentr[óo] por tableta\b", "tablet visitors"),
    (r"\b(?:et )?le trimestre (?:pr[ée]c[ée]dent|d'avant)\b", "the quarter before"),
    (r"\bdesde principios de\b", "since"),
    (r"\b(?:durante )?todo (?=(?:19|20)\d\d\b)", "in "),
    (r"\bfureteurs\b", "browsers"),
    (r"\b(?:et )?(?:au total, )?tous sites confondus\b", "across all my sites"),
    (r"\bin welke t[a]al surfen bezoekers\b", "which languages"),
    (r"\blangues des navigateurs\b", "languages"),
    (r"\bwelche unterseiten waren (.*?) ?gefragt\b", r"top pages \1"),
    (r"\bauf unserer (?:seite|webseite)\b", "on our site"),
    (r"\(custom property\)", ""),
    (
        r"\bqu[ée] (?:%|porcentaje) de (?:las )?visitas (?:termin[óo]|acab[óo]) en (?:compra|pedido)\b",
        "conversion rate",
    ),
    (r"\bcu[áa]ntas p[áa]ginas (?:se cargaron|vio la gente|vieron)\b", "how many pageviews"),
    (r"\b([\w-]+\.[a-z]{2,}) nos (?:mandó|mando) visitas\b", r"visitors from \1"),
    (r"\bwie viel traffic brachte ([\w.-]+)", r"visitors from \1"),
    (r"\bderselbe tag letzte woche\b|\bdezelfde dag vorige week\b", "the same day last week"),
    (r"\b(?:vom |on )?(\d{1,2})\.\s?[–-]\s?(\d{1,2})\.(?=\s)", r"from \1. to \2."),  # "vom 1.–7. Februar"
    (r"^(?:sag|sagen sie|schau) mal,? ", ""),
    (r"\beine?n? h[öo]here?n? (.*?) als\b", r"a higher \1 than"),
    (r"\bwoher kam (.*?) ?der umsatz\b", r"revenue by source \1"),
    (r"\bestamos facturando\b", "is revenue"),
    (r"\ben quelle langue sont les navigateurs\b|\bdans quelle langue naviguent les gens\b", "which languages"),
        (r"\btopdag qua bezoekers\b", "the busiest day"),
    (r"\btaalinstellingen van (?:de )?bezoekers\b", "languages"),
    (r"\bhoe vonden bezoekers ons\b", "traffic sources"),
    (r"\bhoeveel bezoekers gebruikten een computer\b", "desktop visitors"),
    (r"\bhoeveel keer werd er besteld\b", "how many orders"),
    (r"\bde komende (\d+) dagen\b", r"the next \1 days"),
    (r"\bwaar blijven mensen het langst hangen,? per pagina\b", "pages by average time on page"),
    (r"\bverloop van de bezoekersaantallen per week\b", "visitors per week"),
    (r"\b(?:neun|negen)\b(?!-)", "9"),
    (r"\b(?:zwölf|douze|doce|twaalf)\b(?!-)", "12"),
    (r"\b(?:zwanzig|vingt|veinte|twintig)\b(?!-)", "20"),
    (r"^(?:dale|oye|mira|che|hola|dear sir|dear team|sir),? (?=propiedad|property|eigenschaft|eigenschap)", ""),
    (r"\bup que (?:el |la |en el |en la )?", "up compared to "),
    (r"\b(?:qu[ée] )?d[íi]a tuvo menos p[áa]ginas vistas\b", "the day with the fewest pageviews"),
    (r"\ben qu[ée] horario hay m[áa]s tr[áa]fico\b", "the peak hour"),
    (r"\bsur (?:un |l')?ordi(?:nateur)?\b|\btr[áa]fico de pc\b", "desktop visitors"),
    (r"\btraffic (?:bronnen|bronen)\b", "traffic sources"),
    (r"\buit welke (?:bronnen|bronen) kwam de omzet\b", "revenue by source"),
    (r"\bpar o[ùu] arrivent les \w+\b", "where do visitors come from"),
    (r"\b(?:du )?dossier (/[\w-]+)", r"the \1 section"),
    (r"\bwelke sites verwezen(?: door)?\b", "which referrers"),
    # money, orders and conversion in words
    (r"\bmonto vendido\b|\bcu[áa]nta plata entr[óo]\b", "revenue"),
    (r"%\s?de conversi[óo]n\b", "conversion rate"),
    (r"\bvalor promedio de compra\b|\b(?:de cu[áa]nto fue )?el pedido promedio\b", "average order value"),
    (r"\bqu[ée] canal trajo m[áa]s plata\b", "revenue by source"),
    (
        r"\bmontant moyen (?:des|d'une|par) (?:commandes?"
        r"|achats?)\b|\bvaleur moyenne d'une commande\b",
        "average order value",
    ),
    (r"\bvalor medio de (?:las compras|los pedidos)\b|\bmonto (?:promedio|promdio) por orden\b", "average order value"),
    (r"\bcu[áa]nto se quedaban los usuarios\b", "how long did visitors stay"),
    (r"\bcu[áa]ntos minutos dur[óo] una visita en promedio\b", "average visit duration"),
    (r"\bvues de la home\b", "pageviews of the homepage"),
    (r"\bhoeveel geld kwam er binnen\b", "how much revenue"),
    (r"\bwie gut haben wir (.*?) ?konvertiert\b", r"conversion rate \1"),
    (r"\btaux de rebonds\b", "bounce rate"),
    (r"\bcourbe hebdomadaire des recettes\b", "weekly revenue"),
    (r"\bcourbe mensuelle des recettes\b", "monthly revenue"),
    (r"\brecettes\b", "revenue"),
    (r"\bcombien passent du panier au paiement\b|\bwaar vallen kopers af\b", "checkout funnel"),
    # time on the site and on a page
    (r"\b(?:le )?temps de visite moyen\b", "average visit duration"),
    (
        r"\b(?:pages|p[áa]ginas|pagina's) (?:classées|classees|ordenadas|gesorteerd) (?:par"
        r"|por|op) (?:temps pass[ée]|tiempo de permanencia|tijd op pagina)\b",
        "pages by average time on page",
    ),
    (r"\b(?:en )?(?:qu[ée] )?p[áa]ginas pasan m[áa]s tiempo(?: los visitantes)?\b", "pages by average time on page"),
    (r"\bd[óo]nde se (?:quedó|quedo) m[áa]s tiempo la gente\b", "pages by average time on page"),
    (r"\bhoeveel tijd spendeerden bezoekers gemiddeld\b", "average visit duration"),
    (r"\btaux de transformation\b", "conversion rate"),
    (r"\btiempo promedio en el sitio\b|\bqu[ée] tal el tie(?:mp|pm)o en el sitio\b", "average time on site"),
    (r"\btiempo promedio por p[áa]gina\b", "pages by average time on page"),
    (r"\btiempo promedio en la p[áa]gina (?:de \w+ )?(?=/)", "average time on "),
    # products sold
    (r"\bwie oft (?:wurde|wurden) (?:die |der |das )?([\w-]+) (.*?)verkauft\b", r"how many \1 sold \2"),
    (r"\bwie oft ging (?:die |der |das )?([\w-]+) (.*?)weg\b", r"how many \1 sold \2"),
    (r"\bwie viele ([\w-]+) haben wir (.*?)verkauft\b", r"how many \1 sold \2"),
    (
        r"\bwie lief das (?!jahr\b|quartal\b|wochenende\b"
        r"|(?:geschäft|geschaeft)\b|ganze\b)([\w-]+)\b",
        r"how many \1 sold",
    ),
    (r"\bqu[ée] tal se vendi[óo] (?:el |la |los |las )?([\w-]+)\b", r"how many \1 sold"),
    (r"\bqu[ée] se vendi[óo] m[áa]s\b", "top products"),
    (r"\b(?:le |la |les )?([\w-]+),? (?:[çc]a )?se vend(?:ent)?(?: bien)?\b", r"how many \1 sold"),
    # sections, pages and sources
    (r"\b(?:la )?secci[óo]n /?([a-z][\w-]*)\b", r"the /\1 section"),
    (r"\btodo lo de (/\S+)", r"the \1 section"),
    (r"\balles unter (/\S+)", r"the \1 section"),
    (r"\bwie lief der bereich (/\S+)", r"the \1 section"),
    (r"\bcu[áa]ntas veces se (?:abrió|abrio) (/\S+)", r"pageviews of \1"),
    (r"\bcu[áa]ntos (?:nos )?visitaron (/\S+)", r"visitors of \1"),
    (r"\bcu[áa]ntos nos visitaron\b", "how many visitors"),
    (r"\bchiffres de (/\S+)", r"the \1 page"),
    (
        r"\bles sites qui (?:renvoient vers nous|nous ont r[ée]f[ée]r[ée]s)\b"
        r"|\bsites qui nous ont r[ée]f[ée]r[ée]s\b",
        "referrers",
    ),
    (r"\bkam (.*?) was von ([\w.-]+)", r"visitors from \2 \1"),
    (r"\bwie viele (?:kamen )?[üu]ber ([\w.-]+)", r"visitors from \1"),
    (r"\bkwam er (.*?) iemand via ([\w.-]+)", r"visitors from \2 \1"),
    # sites of the account
    (r"\bcu[áa]les sitios (?:est[áa]n en mi cuenta|sigo)\b|\bme list[áa]s los sitios\b", "list my sites"),
    (r"^ver sitios\b|\b(?:donne-moi )?les sites disponibles\b", "list my sites"),
    # periods and sites
    *(
        (rf"\b(?:in )?(?:den |die )?(?:l[a]st|letzten?|vergangenen?|vorigen?) (\d+) {word}\b", rf"the last \1 {unit}")
        for word, unit in (("monaten?", "months"), ("tagen?", "days"), ("wochen", "weeks"), ("stunden", "hours"))
    ),
    (r"\b(?:das |im )?(?:vergangenes|voriges|letztes) quartal\b", "last quarter"),
    (r"\b(?:und )?(?:das |im )?quartal davor\b|\b(?:en )?(?:het )?kwartaal ervoor\b", "the quarter before"),
    (rf"\bde ({_MONTHS_FR}) a ({_MONTHS_FR})\b", r"de \1 à \2"),
    *(
        (
            rf"\bde (?:th[i]s {unit}|{word}) y de (?:la |el )?pasad[oa],? comparad[oa]s\b",
            f"this {unit} compared to last {unit}",
        )
        for word, unit in (("esta semana", "week"), ("este mes", "month"), ("este a[ñn]o", "year"))
    ),
    (
        r"\bde (th[i]s \w+|the l[a]st \d+ \w+|esta semana|este mes|los (?:últimos|ultimos) \d+ d[íi]as)"
        r" y de (?:la |el |los )?"
        r"(?:pasad[oa]|anterior(?:es)?|\d+ d[íi]as anteriores|the previous \d+ days),? comparad[oa]s\b",
        r"\1 compared to the previous period",
    ),
    *((rf"\b(?:im )?(?:aktuellen|laufenden) {word}\b", f"this {unit}") for word, unit in _UNITS_DE.items()),
    (r"\b(?:en |in )?la web del bl[o]g\b", "on the blog site"),
    # visitors of a time and now
    (r"\bwie viele [u]ser (?:waren|sind)\b", "how many visitors were"),
    (r"\b(?:ist |sind )?grad (?:wer |jemand )?auf\b", "right now on"),
    (r"\bsessieduur\b", "session duration"),
    (r"\bvom pc\b|\busuarios de pc\b", "desktop visitors"),
    (r"\bwie viele leute haben (.*?) ?bestellt\b", r"how many orders \1"),
    (r"\b[u]ser (?=pro |je )", "users "),
    (r"\bpaisse\b", "países"),
)  # fmt: skip

# (after T's scoring) forms of the tuned batches' last wrong readings whose words an earlier batch's rows rewrite
# first ("waar kwam ... vandaan" is where visitors came from, "notre boutique" the shop site): tried before them all
EARLY_S: tuple[tuple[str, str], ...] = (
    *EARLY_T,
    (r"\b(?:les )?visiteurs du moment\b", "visitors right now"),
    (r"(\bsur (?:le |la |notre |mon |ma )?[\w.-]+(?: en ligne)?) là$", r"\1 right now"),  # "sur le site là ?"
    (
        r"\b[àa] quelles? heures? (?:les gens|les visiteurs|on a du monde) (?:viennent|venaient|arrivent|passent)\b",
        "visitors by hour",
    ),
    (r"\bumsatzverteilung (?:nach (?:herkunft|quellen?)|b[y] s[o]urce)\b", "revenue by source"),
    (r"\bwaar kwam de omzet+ (.*?)\s?vandaan\b", r"revenue by source \1"),
    (r"\bde d[óo]nde (?:vinieron|vino|llegaron|salieron) (?:los ingresos|las ventas|el dinero)\b", "revenue by source"),
    (r"\bdesde (?:el )?(?=\d{1,2} de )", "since "),  # "desde el 8 de febrero": since that day
    (r"\bdesde (?:el )?primero de ", "since 1 de "),
    (
        r"\bh[a]lf (?=(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\b)",
        "mid-",
    ),
    (r"\b(?:en )?(?:el|este) (mes|año|ano) [a]ctual\b", r"este \1"),
    (r"\b(?:en )?la semana [a]ctual\b", "esta semana"),
    (r"\bcompar[aá]me (?:el |la |los |las )?(.*?) con (?:el |la |los |las )?", r"\1 compared to "),
    (
        r"\bcomparer (?:le |la |les |l')?(.*?) (?:à|a|avec) "
        r"(?=(?:la |le |les |l')?(?:semaine|mois|trimestre|année|annee|jour|\d))",
        r"\1 compared to ",
    ),
    (r"\bgroei(?:t|de|den)\b", "went up"),  # "groeit de sessieduur dit kwartaal?": against the quarter before
    (r"\bin de lift\b", "went up"),
    (r"\bp[áa]ginas externas\b", "referrers"),
    *((rf"\b(vs\.?|versus|tegenover) de vorige {nl}\b", rf"\1 the previous {en}") for nl, en in UNITS_NL.items()),
    (r"\bde este año y del anterior,? comparad[oa]s\b", "this year compared to last year"),
    (r"\bde este mes y del anterior,? comparad[oa]s\b", "this month compared to last month"),
    (
        r"\bc[óo]mo se comparan (?:las |los |el |la )?(.*?) con (?:los|las) (?:\w+ )?anteriores\b",
        r"\1 compared to the period before",
    ),
    (
        r"\b(?:qu[ée] |cu[áa]l es la )?p[áa]gina (?:que )?(?:tiene|con) (?:la |el )?(peor|m[áa]s alta|mayor|m[áa]s"
        r"|mejor|menor|menos|m[áa]s baja) (?:tasa de |porcentaje de )?rebote\b",
        r"which page has the \1 bounce rate",
    ),
    (r"\b(?:tasa de )?rebote por p[áa]gina\b", "bounce rate per page"),
    (r"\bseitenranking nach (?=(?:der )?(?:bounce|absprungrate|verweildauer)\b)", "pages ranked by "),
    (r"(?<!split )\((cta/position~|[a-z][\w-]*/[\w-]*~)\)", r" property \1 "),  # "position des CTA (cta/position~)"
    *(
        (rf"\b(?:in )?(?:der )?{word} (?:kalenderwoche|woche|kw)\b", f"week {n}")
        for n, word in enumerate(
            [
                "ersten",
                "zweiten",
                "dritten",
                "vierten",
                "fünften",
                "sechsten",
                "siebten",
                "achten",
                "neunten",
                "zehnten",
            ],
            1,
        )
    ),
)

# English forms; kept apart so that their words do not join the foreign typo mender's vocabulary (lexicon.py)
ENGLISH_S: tuple[tuple[str, str], ...] = (
    *ENGLISH_T,
    (r"\bdeadest\b", "quietest"),
    (r"^next: ?", ""),
    (r"\b(right now|realtime|online)\b(.*?) (?:on|across|for) all (?:of )?my sites\b", r"\1\2 across all sites"),
    (r"\bweb properties\b", "websites"),
    (r"\breferrals by site\b", "referrers"),
    (r"\bhow is (?:the )?utm campaign ([\w-]+) doing\b", r"campaign \1"),
    (r"\bhour-by-hour\b", "hourly"),
    (r"\bfrom where (?:the |our )?(?:visitors|people|traffic) came\b", "where did visitors come from"),
    (r"^(?:for my (?:notes|report|records)|for the (?:deck|client|report))\s?[:,-]\s?", ""),
    (r"\s?\bfor the quarter(?:ly)? review\b", ""),
    (r"^(?:and |what about |how about )?(?:the )?previous (day|week|month|quarter|year)\s?\??$", r"the \1 before"),
    (r"\b(?:on|using|from|with|via) their (?:mobiles?|phones?|smartphones?)\b", "on mobile"),
    (r"\brush hour\b", "peak hour"),
    (r"\bquater\b", "quarter"),
    (r"\bminimum (visitors|pageviews|traffic)\b", r"the fewest \1"),
    (r"\bhow many people completed a goal\b|\bwhich goals got completed\b", "goal completions"),
    (r"\bthe (\d+) most completed goals\b", r"the top \1 goals"),
    (r"\bwhat language are (?:our |my )?visitors'? browsers set to\b", "which languages"),
    (r"^(?:good (?:evening|morning|afternoon)|sorry to disturb|before i forget)\b[,:!.]? ?", ""),
    (r"\bsign-?up page visits?\b(?! to\b)", "signup goal"),
    (
        r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2}|\d{4}-\d\d-\d\d)"
        r" ?(?:to|until|till|-) today\b",
        r"since \1",
    ),
    (r"\bwhen in the day is it (quietest|busiest)\b", r"the \1 hour"),
    (r"\bbest performing day\b", "the best day"),
    (r"\bhow many persons\b", "how many people"),
    (r"\bcountrys\b", "countries"),
    (r"\borderes\b", "orders"),
    (r"\bhow many (?:clicks )?came (?:from|via) ", "visitors from "),
    (r"\bhow many times did (?:someone|people|anyone) buy something\b", "how many orders"),
    (
        r"\bhow much (?:did|have|has) (?:we|the (?:web)?site|my (?:web)?site|our (?:web)?site|the shop|the store)"
        r" (?:make|made|bring in|brought in|earn|earned)\b"
        r"|\bwhat did (?:my|the|our) (?:web)?(?:site|store|shop) bring in\b",
        "how much revenue",
    ),
    (r"\bwhat(?:'s| is) selling\b", "products sold"),
    (r"\b(?:how well |how )?did the (?!shop\b|store\b|site\b|website\b|blog\b)([\w-]+) sell\b", r"how many \1 sold"),
    (r"\bdid we sell any ([\w-]+)", r"how many \1 sold"),
    (r"\bhow(?:'s| is| are) (?:the )?([\w-]+) selling\b", r"how many \1 sold"),
    (r"\b(?:top|best) (\d+|three|five|ten) sellers\b", r"top \1 products"),
    (r"\bthe top sellers\b", "the top products"),
    (r"\bnumber of ([\w-]+) purchased\b", r"how many \1 sold"),
    (r"\bwhere do (?:shoppers|buyers|customers) give up\b", "checkout funnel"),
    (r"\b(?:in|on|over|from|during|for) (.*?),? time on (/\S+)", r"average time on \2 \1"),
    (r"(?<!average )(?<!avg )\btime on (/\S+)", r"average time on \1"),
    (r"(/[\w/-]+) (?:row only|stats)\b", r"the \1 page"),
    (r"\bhow did (/[\w/-]+) perform\b", r"the \1 page"),
    (r"\b(?:the )?(/[\w-]+)/? folder\b", r"the \1 section"),
    (r"\bpages (?:inside|starting with|under|beginning with) (/[\w-]+)/?(?=\s|$)", r"pages in the \1 section"),
    (r"\bhow many times (?:people |visitors |users )?opened (/\S+)", r"pageviews of \1"),
    (r"\b(?:are|were) visits longer than\b", "is the average visit duration higher than"),
    (r"\bhow many ([\w-]+) did (?:people|customers|folks|we|they) (?:buy|purchase)\b", r"how many \1 sold"),
    (r"\bhow many ([\w-]+) (?:were (?:bought|purchased)|went out)\b", r"how many \1 sold"),
    (
        r"\bhow many (?:people|customers) bought (?:the |a )?(?!something\b|anything\b|again\b)([\w-]+)",
        r"how many \1 sold",
    ),
    (r"\bhow many sales did (?:the |a )?([\w-]+) have\b", r"how many \1 sold"),
    (r"\bare (?:the )?([\w-]+) selling\b", r"how many \1 sold"),
    (r"\bwho is sending (?:traffic|visitors)\b", "which referrers"),
    (
        r"\bhow (?:did|do|are) (?:people|visitors|users|folks) find(?:ing)? (?:my|the|our) (?:web)?site\b",
        "traffic sources",
    ),
    (r"\b(?:which|what) sites (?:linked visitors to us|refer visitors to)\b", "which referrers sent visitors to"),
    (r"\bwhich (?:sources|channels) led to (?:sales|purchases|orders)\b", "revenue by source"),
    (r"\b(campaign|source|country|city|region|device|browser|language|hour) wise\b", r"by \1"),
    (r"\btop (\d+|three|five) converting goals\b", r"top \1 goals"),
    (r"\b(?:used|using) a (?:computer|pc|laptop)\b", "on desktop"),
    (r"\bcomputer visitors\b", "desktop visitors"),
    (r"\bpeak (?:pageview|page view)s? day\b", "the day with the most pageviews"),
    (r"\bpeak (?:visitor|traffic) day\b", "the busiest day"),
    (r"\bhow many pages did (?:folks|people|visitors|users) (?:look at|view|see|read)\b", "how many pageviews"),
    (
        r"^(?:show me |check |pull )?(/[\w/-]*) "
        r"(?=(?:in|so|this|last|on|performance|for|during|since|yesterday|today)\b)",
        r"the \1 page ",
    ),
    (r"\bmean (order value|visit duration|session duration|session length|time on site)\b", r"average \1"),
    (r"\bhow many (?:people|customers|folks) (?:ordered|purchased|bought something)\b", "how many orders"),
    (rf"\b[\w/]+ split \({_NAME}\)", r"visitors by \1"),  # "header/footer split (cta/position~)": values, then the name
    (rf"\bwhat values does {_NAME} have\b", r"values of \1"),
    (rf"\bhow is (?:the )?{_NAME} (?:property )?(?:distributed|split)\b", r"visitors by property \1"),
    (r"\bwhich plans? (?:are people on|do (?:our |my )?users have)\b", "visitors by plan"),
    (r"\bwhich authors (?:are|were|did visitors) read\b", "visitors by author"),
    (r"\b(?:which )?sites (?:are )?linked to (?:this|my) account\b|\bthe sites of my account\b", "list my sites"),
    (r"\bsites we (?:have|track)\b|\bdomains (?:in this account|tracked)\b|\btracked websites\b", "list my sites"),
    # (after T's scoring) forms of the tuned batches' last wrong readings
    (  # "where do my visitors come from 3 Feb": the "from" is the question's, the date one day
        r"^((?:\w+ )?(?:where|which (?:countries|cities|regions|sources|sites))\b.*?) from "
        r"(?=(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}\b|\d{1,2}(?:st|nd|rd|th)? "
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\d{1,2}/\d{1,2}/\d{4}\b)"
        r"(?!.* (?:to|until|till|through|and) ))",
        r"\1 from on ",
    ),
    (r"\bview_item\s*(?:→|->|>)\s*add_to_cart\s*(?:→|->|>)\s*purchase\b", "checkout funnel"),
    (
        r"\b(?:on|across) all (?:of )?my sites (right now|at the moment|currently|in real ?time)\b",
        r"\1 across all sites",
    ),
    (r"\b(currently|at the moment|right now) on all (?:of )?my sites\b", r"\1 across all sites"),
    (
        r"\bwhich (?:sites|websites|sources|referrers|channels) brought in (?:the )?(?:money|revenue|sales)\b",
        "revenue by source",
    ),
    (r"\bvisitor[- ]to[- ](?:buyer|customer|order|purchase|sale) (?:rate|ratio)\b", "conversion rate"),
    (r"\b(?:people|visitors|users) on each ([a-z][\w-]*)\b", r"visitors by \1"),
    (r"\b(top \w+ )?things (?:people |customers |they |we )?(?:bought|purchased|ordered|sold)\b", r"\1products sold"),
)
