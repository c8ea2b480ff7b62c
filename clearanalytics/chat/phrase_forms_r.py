"""Words and forms of the five languages that golden batch R asked and the tables lacked, read after its one scoring.

Rows as in phrase_forms_o.FIRST_O, tried before each language's own: a regular expression over the lower-cased
question. R's writers wrote the regional and spoken forms of Spain and Latin America, France, Québec, Belgium and
Switzerland, the Netherlands and Flanders, Germany, Austria and Switzerland. Each row is a rule in every language
the form was asked in, not one question's patch. English words inside a foreign row are bracketed (``pa[g]es``)
where they would otherwise join the typo mender's vocabulary.
"""

from __future__ import annotations

_SO_FAR = {"month": "mes", "week": "semana", "year": "a[ñn]o", "quarter": "trimestre"}

FIRST_R: tuple[tuple[str, str], ...] = (
    # periods
    *((rf"\blo que (?:llevamos|va) (?:de|del) (?:{word})\b", f"this {unit}") for unit, word in _SO_FAR.items()),
    (r"\bveinticuatro horas\b|\bvingt-quatre heures\b|\bvierundzwanzig stunden\b|\bvierentwintig uur\b", "24 hours"),
    (r"\bhuitante\b", "80"),
    (r"\bzwoelf\b", "12"),
    (r"\bfuenf\b", "5"),
    (r"\bjaenner\b", "januar"),
    (r"\bfuer\b", "für"),
    (r"\bueber\b", "über"),
    (r"\bsem\.? (\d{1,2})\b", r"week \1"),
    (r"\bles (\d+) jours pas[s][ée]s\b", r"the last \1 days"),
    (r"\bles (\d+) semaines pas[s][ée]es\b", r"the last \1 weeks"),
    (r"\bles (\d+) mois pas[s][ée]s\b", r"the last \1 months"),
    (r"\bdu d[ée]but (?:de |d')(\w+) [àa] la fin (?:de |d')(\w+)", r"from \1 to \2"),
    (r"\bvoorbije (week|maand|jaar|kwartaal)\b", r"vorige \1"),
    (r"\bvoorbije\b", "laatste"),
    (r"\bvanaf\b(?! \S+\.)(?!.*\b(?:tot|t/m|tm|until|to)\b)", "since"),
    (r"\b(?:in |tijdens )?de solden\b|\bpendant les soldes\b|\b(?:durante|en) las rebajas\b", "during the sale"),
    (r"\b(?:en )?el d[íi]a de pago\b", "during the event"),
    (r"\been (dag|week|maand) eerder\b", r"the \1 before"),
    (r"\b(?:eine|einen) (woche|tag|monat) fr[üu]her\b", r"the \1 before"),
    (r"\bvorletzten monat\b", "the month before last"),
    (r"\bseit (?:monatsanfang|monatsbeginn|anfang des monats)\b", "this month"),
    (r"\bseit (?:jahresanfang|anfang des jahres)\b", "this year"),
    (r"\bseit (?:quartalsbeginn|quartalsanfang)\b", "this quarter"),
    (r"\bpr[ée]sentement\b", "right now"),
    (r"\b(?:grade|gerade)\b(?= (?:besucher|leute|jemand|user|nutzer|online|auf))", "right now"),
    (r"\b(?:la |el )?quincena que viene\b", "next week"),
    (r"\bel mes antes de ese\b", "the month before that"),
    (r"\bla semana antes de esa\b", "the week before that"),
    (r"\bel d[íi]a antes de ese\b", "the day before that"),
    (r"\bel d[íi]a (?:que|en que) (?:mandamos|enviamos|lanzamos|publicamos|sacamos)\b", "during the event"),
    (r"\bdesde la [úu]ltima actualizaci[óo]n\b", "during the event"),
    (r"\bla pasada semana\b", "last week"),
    (r"\bel pasado mes\b", "last month"),
    (r"\bel pasado a[ñn]o\b", "last year"),
    (r"\bgrad eben\b", "right now"),
    # figures
    (
        r"\bcu[áa]nto dinero\b(?: (?:ent[r][óo]|generamos|hicimos|ganamos|facturamos|ing[r][e]s[óo]|nos ent[r][óo]))?",
        "how much revenue",
    ),
    (r"\bcu[áa]nt[oa]s (?:personas |visitantes )?entraron\b", "how many visitors"),
    (
        r"\bcu[áa]nto (?:tiempo )?(?:dur[óo]|duraron|duraban|duran|dura) (?:en promedio |de media )?(?:una |las )?"
        r"visitas?(?: en promedio| de media)?\b",
        "average visit duration",
    ),
    (
        r"\bcu[áa]nto tiempo se (?:quedaron|quedan|que[d][óo]|queda) (?:los visitantes|la gente|los usuarios)"
        r"(?: en el sitio)?(?:,? en promedio|,? de media)?\b",
        "average visit duration",
    ),
    (r"\btiempo (?:promedio|medio) de (?:la |las )?(?:visitas?|ses[i][óo]n|sesiones)\b", "average visit duration"),
    (r"\bvisitantes [úu]nicos\b", "unique visitors"),
    (r"\bcantidad de\b", "number of"),
    (r"\bgemiddelde duur van een bezoek\b|\bgem\.? sessieduur\b|\bgemiddelde sessieduur\b", "average visit duration"),
    (r"\bhoe doet (.+?) het\b", r"\1"),
    (r"\bhoeveel volk\b", "how many visitors"),
    (r"\bhoeveel mensen surften\b", "how many visitors"),
    (r"\bhoe vaak werd (\S+) bekeken\b", r"pageviews of \1"),
    (r"\bopbrengst\b", "revenue"),
    (r"\bdoelvoltooiingen\b", "goals"),
    (r"\bweigeringspercentage\b", "bounce rate"),
    (r"\bconversies per doel\b", "goals"),
    (r"\bnombre d'affichages de pages\b", "pageviews"),
    (r"\bqu'est-ce qui s'est vendu\b", "which products sold"),
    (r"\bcombien de ([\w-]+) (?:on a|avons-nous) vendus?\b", r"how many \1 sold"),
    (r"\bcombien de fois (?:le |la |les |l')?([\w-]+) a [ée]t[ée] ach[e]t[ée]e?s?\b", r"how many \1 sold"),
    (r"\bcu[áa]nt[oa]s ([\w-]+) (?:vendimos|se vendieron|vendiste|vendieron)\b", r"how many \1 sold"),
    (r"\b(?:remeras?|poleras?|playeras?)\b", "t-shirts"),
    (r"\bwie gro(?:ß|ss) war (?:eine|die) bestellung\b(.*?)\bim durchschnitt\b", r"average order value\1"),
    (r"\bumsatzzahlen\b", "revenue"),
    (r"\bkaufquote\b", "conversion rate"),
    (r"\bwie viel zeit verbrachten (?:die )?(?:besucher|leute|nutzer)\b", "average visit duration"),
    (r"\bwie oft wurde das ziel\b(.*?)\berreicht\b", r"goals\1"),
    (r"\bwie verkaufen sich\b", "products sold"),
    (r"\bproduktstatistik\b", "products"),
    (r"\bbesucherverlauf pro tag\b", "visitors per day"),
    # breakdowns
    (r"\bstaedte(n)?\b", r"städte\1"),
    (r"\bin welcher sprache\b", "in which languages"),
    (r"\blangues? des visiteurs\b", "languages"),
    (r"\ble plus tranquille\b", "the quietest"),
    (r"\bpor hora\b", "per hour"),
    (r"\bqu[ée] d[íi]a tuvo m[áa]s p[áa]ginas vistas\b", "which day had the most pageviews"),
    (r"\bde qu[ée] fuentes vienen los ingresos\b", "revenue by source"),
    (r"\bajoutent au panier\b", "checkout funnel"),
    (r"\bon convertit [àa] combien\b", "what is the conversion rate"),
    (r"\bsites suivis\b", "which sites do i have"),
    (r"\bsites qui nous ont r[ée]f[ée]r[ée]\b", "which referrers sent"),
    (r"\b(?:sur|pour) (?:le shop|notre boutique(?: en ligne)?|la boutique en ligne)\b", "on the shop site"),
    (r"\bsistemas? operativos?\b", "operating systems"),
    (r"\bpor franja horaria\b", "per hour"),
    (r"\bla portada\b", "the homepage"),
    (r"\bc[óo]mo se rep[a]rti[óo] (?:el |la )?", "breakdown by "),
    (r"\bqu[ée] p[áa]ginas retienen m[áa]s tiempo a la gente\b", "pages by average time on page"),
    (
        r"(?:\bd[ée]t[a]il par\b|\br[ée]par[t][i]tion par\b|\bvent[i]lation (?:selon|par)\b)"
        r"(?! (?:jour|semaine|mois|heure|canal|source|pays|ville|r[ée]gion|appareil|navigateur|langue))",
        "breakdown by",
    ),
    (r"\bhebdo\b", "per week"),
    (r"\bop volgorde van\b", "sorted by"),
    (r"\bstilste uur\b", "quietest hour"),
    (r"\b(?:nach|pro) sprache\b|\bsprachverteilung\b", "by language"),
    (r"\bwelche (?:unter)?seiten liefen\b(.*?)\bam besten\b", r"top pages\1"),
    (r"\bwann am tag war\b(.*?)\bam meisten los\b", r"peak hour\1"),
    (r"\bl'heure de (?:r[u]sh|pointe)\b", "peak hour"),
    # where visitors and money came from
    (
        r"\bqu[ée] (?:sitios|webs|p[áa]ginas web) nos (?:mandaron|enviaron|refirieron|trajeron)"
        r"(?: tr[áa]fico| visitas| visitantes| gente)?\b",
        "which referrers",
    ),
    (r"\bentraron (?:por|desde|via) (?=\S+\.\S)", "came from "),
    (r"\bcon qu[ée] navegador(?:es)? (?:entraron|navegaron|nos visitaron)\b", "which browsers"),
    (r"\ben qu[ée] idiomas? navegaron\b", "which languages"),
    (r"\ben qu[ée] (?:tipo de )?dispositivos? navegaron\b", "which devices"),
    (r"(?<!pays d')\borigine du trafic\b", "traffic sources"),
    (r"\bpersonas (?:est[áa]n )?conectadas\b", "visitors right now"),
    (r"\bcom[m]ent les gens arrivent\b", "where do visitors come from"),
    (r"\ble ca venait d'o[ùu]\b", "revenue by source"),
    (r"\bquelles sources ont am[e]n[ée] du (?:chiffre d'affaires|chiffre|ca)\b", "revenue by source"),
    (r"\bwer hat\b(.*?)\bauf uns verlinkt\b", r"which referrers\1"),
    (r"\bwo kommen (?:unsere |die )?besucher\b(.*?)\bher\b", r"where do visitors come from\1"),
    (r"\bvia een (tablet|smartphone|gsm|telefoon)\b", r"on \1"),
    # the checkout funnel, who is there now, the sites
    (r"\b[àa] quelle [ée]t[a]pe on perd (?:les cl[i]ents|les acheteurs|les gens)\b", "checkout funnel"),
    (r"\bqui est en ligne\b", "who is on the site right now"),
    (r"\bqui navigue sur\b", "who is on"),
    (r"\bvisiteurs sim[u]lta[n][ée]s\b", "visitors right now"),
    (r"\bc'est lesquels nos sites(?: suivis)?\b", "which sites do i have"),
    (r"\bblogsite\b", "blog site"),
    (r"\bf[üu]r (?:unseren|unser|den) shop\b", "on the shop site"),
    # politeness, asked of the chat
    (r"\bwie sah (?:die |der |das )?(?!woche|monat|tag|jahr|quartal)(.+?) aus\b", r"\1"),
    (r"\bnenn mir\b|\bkannst du mir sagen,?\b", "show me"),
    (r"\bin vergelijking met\b", "compared to"),
)
