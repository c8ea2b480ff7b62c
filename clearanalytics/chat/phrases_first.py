"""The phrase rows tried before each language's own (phrases.py): words the four languages share, and the
forms whose order matters ("avant-hier" before "hier", "par semaine" before "semaine", "vor 3 Tagen" before
"Tagen"), plus a few English rewrites ("the pricing page" is /pricing, "the week before last").
"""

from __future__ import annotations

from clearanalytics.chat.phrase_forms import FORMS
from clearanalytics.chat.phrase_forms_n import FIRST_N
from clearanalytics.chat.phrase_forms_o import FIRST_O
from clearanalytics.chat.phrase_forms_p import FIRST_P
from clearanalytics.chat.phrase_forms_q import FIRST_Q
from clearanalytics.chat.phrase_forms_r import ENGLISH_R, FIRST_R
from clearanalytics.chat.phrase_forms_s import EARLY_S, ENGLISH_S, FIRST_S

# (pattern, English); regular expressions over the lower-cased question, tried in order, before phrases.PHRASES'.
FIRST: tuple[tuple[str, str], ...] = (
    # thanks before a follow-up ("Thanks, and now by author"): its "now" is the sentence's, not realtime
    (
        r"^(?:(?:thanks(?: a lot)?|thank you|lovely|perfect|brilliant|awesome|excellent|great|merci|danke|gracias"
        r"|bedankt)(?: that'?s (?:helpful|great|useful|perfect))?[. -]+)+"
        r"(?=(?:and|now|could|can|would|please|only|also|same|show|split|what|how|which|where)\b)",
        "",
    ),
    *EARLY_S,
    *FIRST_N,
    *FIRST_O,
    *FIRST_P,
    *FIRST_Q,
    *FIRST_R,
    *ENGLISH_R,
    *FIRST_S,
    *ENGLISH_S,
    (r"\b(?:zwei|deux|dos|twee)\b(?!-)", "2"),
    (r"\b(?:drei|trois|tres|drie)\b(?!-)", "3"),
    (r"\b(?:vier|quatre|cuatro)\b(?!-)", "4"),
    (r"\b(?:fünf|cinq|cinco|vijf)\b(?!-)", "5"),
    (r"\b(?:sechs|seis|zes)\b(?!-)", "6"),
    # "sept 2025", "sept 3", "3 sept" are the month (in French too, beside a day); French "sept" alone a number
    (r"\bsept\.?(?= (?:19|20)\d\d\b| \d{1,2}(?:st|nd|rd|th)?\b|$)|(?<=\d )sept\b\.?", "september"),
    (r"\b(?:sieben|sept|siete|zeven)\b(?!-)", "7"),
    (r"\b(?:acht|huit|ocho)\b(?!-)", "8"),
    (r"\b(?:zehn|dix|diez|tien)\b(?!-)", "10"),
    (r"\bwks?\b", "week"),
    (r"\bpvs?\b", "pageviews"),
    (r"^comparer (?:les )?(.*?) avec (?:ceux |celles |celui |celle )?(?:de |du |d')?", r"\1 compared to "),
    (r"^vergelijk (?:de |het )?(.*?) met ", r"\1 compared to "),
    (r"^vergleiche? (?:die |den |das )?(.*?) mit (?:denen |dem |der )?(?:vom |von |im |aus )?", r"\1 compared to "),
    (r"^compara (?:los |las |el |la )?(.*?) con (?:los |las |el |la )?(?:de |del )?", r"\1 compared to "),
    (r"\boses\b", "operating systems"),
    (
        r"\baktuelle(?:n)? besucher\b|\bvisiteurs actuels\b|\bvisitantes actuales\b|\bhuidige bezoekers\b",
        "current visitors",
    ),
    (r"\b(?:in )?der woche davor\b|\bde week daarvoor\b", "the week before"),
    (r"\bdepuis le début de (?:cette|la) semaine\b", "this week"),
    (r"\bdepuis (?=[a-z0-9-]+\.[a-z])", "from "),
    (r"\btráfico\b|\btrafic\b|\bverkehr\b", "traffic"),
    (r"\bel día más flojo\b|\bel día más tranquilo\b", "quietest day"),
    (r"\baankooptrechter\b|\bkauftrichter\b", "checkout funnel"),
    (r"\bblog-?beiträge?\b|\bblogbeitrag\b|\bblogartikeln?\b", "blog posts"),
    (r"\b(?:mis |mes |meine |mijn )?(?:dominios|domaines|domeinen)\b", "my domains"),
    (r"\bwebs\b", "sites"),
    (r"\bdadas de alta\b|\bin meinem konto(?: angelegt)?\b|\bmet dit account\b|\bsur mon compte\b", "in my account"),
    (r"\brn\b", "right now"),
    (r"\byday\b|\byest\b", "yesterday"),
    (r"\bpages? (?:got|were|was|get|have been) viewed\b|\bpages viewed\b(?! by)", "pageviews"),
    (r"\bwie lange (?:blieben|bleiben|verweilen|verweilten)\b", "how long"),
    (r"\bcuánto tiempo (?:pasa|pasan|pasó|pasaron|se queda|se quedan|permanece|permanecen)\b", "how long"),
    (r"\bcombien de temps (?:passent|passe|restent|reste|ont passé|sont restés)\b", "how long"),
    (r"\bhoe lang (?:blijven|bleven|blijft|bleef|zitten|zaten)\b", "how long"),
    (r"\ben tiempo real\b|\ben temps réel\b|\bin echtzeit\b|\bin realtime\b|\bop dit moment\b", "right now"),
    (r"\bplus de (\w+)(.*?) que\b", r"more \1\2 than"),
    (r"\bmás (\w+)(.*?) que\b", r"more \1\2 than"),
    (r"\b(?:über|unter) (?:dem|den|der) (?=(?:letzten|vorigen|vorherigen|vergangenen)\b)", "compared to "),
    (r"\bmonth[- ]to[- ]date\b|\bmtd\b", "this month"),
    (r"\bcw ?(\d{1,2})\b", r"week \1"),  # "cw 5": calendar week 5
    *FORMS,  # phrase_forms.py: words and forms the blind batches H and I found
    (r"\bbesuchern\b", "visitors"),
    (r"\bden meisten\b", "the most"),
    (r"\b(?:in der )?(\d{1,2})\. kalenderwoche\b", r"week \1"),
    (r"\ben s(\d{1,2})\b", r"in week \1"),  # "pages vues en S3"
    (r"\b(?:semana|semaine|woche|week) (?:número|numero|numéro|nummer|n°|no\.?|nr\.?)\s?(\d{1,2})\b", r"week \1"),
    (r"\bweeknummer (\d{1,2})\b", r"week \1"),
    (r"\b(?:au |el |en el |le )?t([1-4])\b", r"q\1"),  # trimestre: "T4 2025"
    (r"\bdu (\d{1,2})(?:er)? au (\d{1,2})\b", r"from \1 to \2"),
    (r"\bvan (\d{1,2}) (?:t/m|tot en met|tot) (\d{1,2})\b", r"from \1 to \2"),
    (r"\bavg\.? order value\b", "average order value"),
    (r"\btop-(\d{1,2})-", r"top \1 "),
    (r"\bam schwächsten\b", "weakest"),
    (r"\b(?:c'était|c'est|était) (?:le|la) plus calme\b", "was quietest"),
    (r"\bje woche\b", "per week"),
    (r"\bje monat\b", "per month"),
    (r"\bje tag\b", "per day"),
    (r"\bnach monaten\b", "by month"),
    (r"\bnach wochen\b", "by week"),
    (r"\bnach tagen\b", "by day"),
    (
        r"\b(?:unterhalb von|unterhalb|unter|dentro de|en la sección|sous|dans la rubrique|la rubrique|onder)"
        r"\s+(?=/)",
        "under ",
    ),
    (r"\bcombien de ca\b", "how much revenue"),
    (r"^ca\b|\b(?:le|du|de) ca\b", "revenue"),
    (r"\b(?:ont|avaient) rapporté\b", "brought"),
    (r"\bd'où vient (?:notre |le |mon )?(chiffre d'affaires|ca)\b", r"where does \1 come from"),
    (r"\bjour record\b|\bdía récord\b|\brekorddag\b|\brekordtag\b", "record day"),
    (r"\b(?:jour|día|dag|tag) (?:avec|con|met|mit) (?:de |dem |den )?", "day with "),
    (r"\bl'ensemble de (?:mes|nos) sites\b|\btous mes sites\b", "all my sites"),
    (r"\bmeilleures ventes\b", "best-selling products"),
    (r"\b(?:por artículo|par article|per artikel|pro artikel)\b", "by product"),
    (r"\bconvertis?\b", "converted"),
    (r"\bau jour le jour\b", "day by day"),
    (
        r"\b(?:respecto|con respecto|en comparación con|comparado con) (?:al|a la|con el|con la|el|la) "
        r"(?:anterior|previo|previa)\b",
        "compared to the one before",
    ),
    (r"\bde dónde (?:vinieron|vino|llegaron)\b", "sources"),
    (r"\benviaron\b|\benvió\b|\bmandaron\b", "sent"),
    (r"\b(?:uitgesplitst |opgesplitst )?(?:naar|per) (?:verkeers)?bron(?:nen)?\b", "by source"),
    (r"\b(?:uitgesplitst |opgesplitst )?(?:naar|per) eigenschap\b", "by property"),
    (r"\bcompáralo con\b|\bvergelijk (?:dat|het) met\b|\bcompare avec\b", "compare that with"),
    (r"\bfrom the (?:start|beginning) of (\w+) (?:to|until|till|through) the end of (\w+)\b", r"from \1 to \2"),
    (r"\b(?:the |this |past |last |previous )?fortnight\b", "last 14 days"),
    (r"\b(?:verdiend|verdienden|verdient|gagné|gagnés|ganado|ganamos|verdient|verdienten)\b", "earned"),
    (r"\bconv\.? rate\b|\bconv\.? rates\b", "conversion rate"),
    (r"\bcombien de fois\b", "how many pageviews"),
    (r"\b(?:le )?temps passé (?:sur|dans)\b", "time spent on"),
    (r"\bcuántas vistas\b", "how many views"),
    (r"\b(?:im |in the )?laufenden monat\b", "this month"),
    (r"\b(?:in der |in the )?laufenden woche\b", "this week"),
    (r"\b(?:im |in the )?laufenden jahr\b", "this year"),
    (r"\bcustom props?\b", "custom property"),
    (r"\bpor navegador(?:es)?\b", "by browser"),
    (r"\b(uit|in|naar) de vs\b", r"\1 de verenigde staten"),  # the Dutch "VS" is the United States, not "versus"
    (r"\b(?:auf allen seiten|sur toutes les pages|en todas las páginas|op alle pagina'?s)\b", "in total"),
    (
        r"^(?:can you |could you |please )?(?:limit|restrict|narrow|filter) (?:that|it|this|them|those)(?: down)? to\b",
        "only",
    ),
    (r"^(?:quédate|quedémonos|déjame) (?:solo|sólo|solamente) (?:con )?(?:los |las )?(?:de )?", "only "),
    (r"\b(?:hoger|lager|meer|minder) (.*?)\bdan\b", r"more \1 than"),
    (r"\bmehr (\w+)(.*?) als\b", r"more \1\2 than"),
    (r"\bcontre\b|\btegenover\b", "versus"),
    (r"\bchaque semaine\b|\bcada semana\b|\bjede woche\b|\belke week\b", "each week"),
    (r"\bchaque mois\b|\bcada mes\b|\bjeden monat\b|\belke maand\b", "each month"),
    (r"\b(\d{1,3}) (?:premiers|premières|primeros|primeras|ersten|eerste)\b", r"top \1"),
    (r"\bles (\d{1,3}) premiers\b", r"top \1"),
    # --- across the four: a device, a split by source ---
    (
        r"\b(?:auf|sur|en|op)\s+(?:dem\s+|le\s+|el\s+|het\s+)?(?:mobilgeräten|mobilgerät|handy|smartphone|mobile|móvil(?:es)?|movil|mobiel)\b",
        "on mobile",
    ),
    (r"\b(?:auf|sur|en|op)\s+(?:dem\s+|le\s+|el\s+|de\s+)?(?:desktop|ordinateur|escritorio|computer)\b", "on desktop"),
    (
        r"\b(?:vom|desde el|desde un|desde|depuis un|depuis l'|vanaf een|vanaf de|vanaf)\s*"
        r"(?:desktop|ordinateur|escritorio|computer)\b",
        "from desktop",
    ),
    (r"\b(?:vom|desde una|desde|depuis une|vanaf een|vanaf)\s+(?:tablet|tableta|tablette)\b", "from tablet"),
    (r"\b(?:welche|welcher|jede|jeder) quellen?\b", "which source"),
    (r"\bbrachten?\b", "brought"),
    (r"\b\w+'s (?=[a-z0-9-]+\.[a-z]{2,}\b)", ""),  # "from twitter's t.co": the domain is the source
    (r"\b(?:nach|par|por|per) (?:quellen?|sources?|fuentes?|bronn?e?n?)\b", "by source"),
    (r"\b(?:the\s+)?(?:home ?page|front ?page|start ?page)\b", "page /"),
    (
        r"\b(?:les |los |las |die |de )?(\d{1,3}) (?:meilleur(?:e)?s|mejores|besten|beste|populairste"
        r"|plus visitées)\b",
        r"top \1",
    ),
    (r"^(?:now |ok |okay |and )?(?:the )?same (?:thing |again )?(?:but )?(?:for|on|with)\s+", "and "),
    (r"\b(?:am|den|der) tag davor\b|\bla veille\b|\bel día anterior\b|\bde dag ervoor\b", "the day before"),
    (r"^(?:und|et|y)\b", "and"),
    (r"\b(?:tag|jour|día|dia|dag) (?:für|après|a|voor|na) (?:tag|jour|día|dia|dag)\b", "day by day"),
    (
        r"\b(?:woche|semaine|semana|week) (?:für|après|par|a|por|na|voor) (?:woche|semaine|semana|week)\b",
        "week by week",
    ),
    (r"\b(?:monat|mois|mes|maand) (?:für|après|par|a|por|na|voor) (?:monat|mois|mes|maand)\b", "month by month"),
    (r"\b(?:aufgeteilt|aufgeschlüsselt|gegliedert) nach wochen\b|\buitgesplitst per week\b", "by week"),
    (r"\b(?:aufgeteilt|aufgeschlüsselt|gegliedert) nach monaten\b|\buitgesplitst per maand\b", "by month"),
    (r"\b(?:de |van |für |pour )?(?:cada día|elke dag|jeden tag|chaque jour)\b", "each day"),
    (r"\bechtzeit-?|\btemps réel\b|\btiempo real\b", "realtime "),
    (
        r"\b(?:se sont |s'est |se son )?inscrits?\b|\b(?:se )?(?:ha|han|habían) registrado\b"
        r"|\bse registr(?:ó|aron)\b(?! más| menos| \d)",
        "signed up",
    ),
    (
        r"\b(?:hat |haben )?sich ((?:\w+ ){0,3})(?:angemeldet|registriert)\b"
        r"|\b(?:hebben |heeft )?zich ((?:\w+ ){0,3})(?:aangemeld|ingeschreven|geregistreerd)\b",
        r"signed up \1\2",
    ),
    (
        r"\b(?:zu welcher|um welche|à quelle|a qué|op welk|op welke) (?:uhrzeit|stunde|heure|hora|uur|tijd)\b",
        "at what hour",
    ),
    (r"\bhora (?:de|con) más (?:tráfico|traffic|visitas|visitantes)\b", "busiest hour"),
    (r"\bhora (?:de|con) menos (?:tráfico|traffic|visitas|visitantes)\b", "quietest hour"),
    (r"\b(?:die |le |los |las |de )?(?:wenigsten|moins de|menos|minste)\b", "the fewest"),
    (r"\bstilst\b|\bstilste\b|\brustigst\b", "quietest"),
    (r"\b(?:am meisten los|le plus de|meeste)\b|\bmás (?=visitantes|visitas|tráfico|páginas)", "the most "),
    (
        r"\b(?:einer?|un|une|una|een) (?=(?:tag|jour|día|dia|dag|woche|semaine|semana|week|monat|mois|mes"
        r"|maand)\w*\b)",
        "1 ",
    ),
    (
        r"\b(?:zwei|deux|dos|twee) (?=(?:tag|jour|día|dia|dag|woche|semaine|semana|week|monat|mois|mes"
        r"|maand)\w*\b)",
        "2 ",
    ),
    (
        r"\b(?:drei|trois|tres|drie) (?=(?:tag|jour|día|dia|dag|woche|semaine|semana|week|monat|mois|mes"
        r"|maand)\w*\b)",
        "3 ",
    ),
    (
        r"\bvor (\d+) tag(?:en|e)?\b|\bil y a (\d+) jours?\b|\bhace (\d+) d[ií]as?\b"
        r"|\b(\d+) dag(?:en)? geleden\b",
        r"\1\2\3\4 days ago",
    ),
    (
        r"\bvor (\d+) wochen?\b|\bil y a (\d+) semaines?\b|\bhace (\d+) semanas?\b|\b(\d+) weken? geleden\b",
        r"\1\2\3\4 weeks ago",
    ),
    (
        r"\bvor (\d+) monat(?:en|e)?\b|\bil y a (\d+) mois\b|\bhace (\d+) mes(?:es)?\b"
        r"|\b(\d+) maand(?:en)? geleden\b",
        r"\1\2\3\4 months ago",
    ),
    (r"\bces (\d+) derniers jours\b", r"last \1 days"),
    (r"\bdel (\d{1,2}) al (\d{1,2})\b", r"from \1 to \2"),
    (r"\bdu (\d{1,2}) au (\d{1,2})\b", r"from \1 to \2"),
    (r"\bvan (\d{1,2}) tot(?: en met)? (\d{1,2})\b", r"from \1 to \2"),
    (r"\btot en met\b", "to"),
    (
        r"\b(?:venus?|venues?|arrivés?|llegaron|vinieron|kamen|kwamen|gekommen|gekomen)\s+(?:de|von|van|aus"
        r"|uit|desde)\b",
        "came from",
    ),
    (r"\b(?:bringen|rapportent|apportent|generan|aportan|leveren(?: op)?|opleveren|brengen)\b", "bring"),
    (
        r"\b(?:die |les |los |las |de )?(\d{1,3}) (?:wichtigsten|größten|principaux|principales|belangrijkste"
        r"|grootste)\b",
        r"top \1",
    ),
    (r"\b(?:los |las )?(\d{1,3}) (\w+) principales\b", r"top \1 \2"),
    (
        r"\bthe (?!home|landing|entry|exit|error|first|last|top|main|product|same|whole|front|start|most"
        r"|best|total|overall|combined|number|daily|weekly|monthly)([a-z][\w-]+) page\b(?! ?v\w{3,5}\b| hits\b)",
        r"page /\1",
    ),
    (r"\b(?:kanäle|canaux|canales|kanalen)(?: principales)?\b", "channels"),
    (
        r"\b(?:alle meine|tous mes|toutes mes|todos mis|todas mis|al mijn|alle mijn) (?:sites|websites|sitios"
        r"|webs)\b",
        "all my sites",
    ),
    (r"\b(?:toutes les|todas las|alle) (?:pages|páginas|seiten|pagina's)\b", "all pages"),
    (r"\b(?:unter|sous|bajo|onder)\b", "under"),
    (
        r"\b(?:utilisé|usado|utilizado|gebruikt|benutzt|genutzt)\s+(?:un |una |een |einen |ein )?(?:ordinateur"
        r"|ordenador|computer|desktop|pc)\b",
        "used a desktop",
    ),
    (
        r"\b(?:en|sur|op|am|auf|per|mit|avec|con|met)\s+(?:el |le |un |una |een |dem |einem )?(?:ordinateur"
        r"|ordenador|computer|pc|desktop)\b",
        "on desktop",
    ),
    (r"\btablet-?gebruikers\b", "tablet users"),
    (r"\b(?:les |las |los |de |die )?(?:tablettes?|tabletas?)\b", "tablets"),
    (r"\bmuéstrame\b|\bmontre-moi\b|\bzeig mir\b|\btoon me\b", "show me"),
    (
        r"\btemps moyen(?: passé)?\b|\btiempo medio\b|\bgemiddelde tijd\b|\bdurchschnittliche zeit\b"
        r"|\bverweildauer\b",
        "average time",
    ),
    (
        r"\babbrechen\b|\bbrechen\b(.*)\bab\b|\babandonnent\b|\babandonan\b|\bhaken\b(.*)\baf\b|\bafhaken\b",
        r"abandon\1\2",
    ),
    (r"\b(?:frauen|männer|femmes|hommes|mujeres|hombres|vrouwen|mannen)\b", "gender"),
    (r"\bcomparad[oa]s? con\b", "compared to"),
    (r"\bniederlanden\b", "netherlands"),
    (
        r"\b(?:les|los|las|die|de) (\d{1,3}) (?=.*\b(?:les plus|más|am häufigsten|meeste?|meiste|häufigsten))",
        r"top \1 ",
    ),
    (r"\b(\d{1,3}) (?:häufigsten|meistbesuchten|beliebtesten|meistgenutzten|populairste)\b", r"top \1"),
    (r"\bsemana santa\b", "holy week"),
    (
        r"\ben lo que va de(?:l)? año\b|\bdepuis le début de l'année\b|\bseit jahresbeginn\b"
        r"|\bdit jaar tot nu toe\b",
        "this year",
    ),
    (r"\ben lo que va de(?:l)? mes\b|\bdepuis le début du mois\b|\bseit monatsbeginn\b", "this month"),
    (r"\b(?:in den )?vergangenen (\d+) tage(?:n)?\b", r"last \1 days"),
    (r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", r"\3-\2-\1"),
    (r"\bauf (?:der|die) (?:web)?seite\b|\bsur le site\b|\ben el sitio\b|\bop de site\b", "on the site"),
    (r"\bnombre de ventes\b|\bnúmero de ventas\b|\baantal verkopen\b|\banzahl (?:der )?verkäufe\b", "orders"),
    (
        r"\bnous a rapporté\b|\bnos (?:ha )?(?:generado|traído|dado)\b|\bheeft (?:ons )?opgeleverd\b"
        r"|\bhat uns\b.*\b(?:gebracht|eingebracht)\b",
        "made us",
    ),
    (r"\bleverde\b(.*?)\bop\b", r"brought\1"),
    (r"\bopgeleverd\b", "brought"),
    (r"\bnieuwsbrief\b|\bnewsletter\b", "newsletter"),
    (r"\buit welke\b|\baus welchen\b|\bde quelles\b|\bde qué\b", "from which"),
    (
        r"\bverwijzende (?:sites|websites)\b|\bverweisende (?:seiten|websites)\b|\bsites référents\b"
        r"|\bsitios de referencia\b",
        "referring sites",
    ),
    (
        r"\b(?:en|est-il|est-elle) (?:en )?hausse\b|\ben baisse\b|\bsubieron\b|\bbajaron\b|\baumentaron\b"
        r"|\bgestegen\b|\bgedaald\b|\bgestiegen\b|\bgesunken\b",
        "went up",
    ),
    (r"\bmes a mes\b|\bmois par mois\b|\bmonat für monat\b|\bmaand na maand\b", "month by month"),
    (r"\bmobiele\b|\bmobiles\b", "mobile"),
    (r"\bgebruikers\b|\busuarios\b|\butilisateurs\b|\bnutzer\b", "users"),
    (
        r"\bdoku(?:mentation)?-?seiten\b|\bdocs-pagina's\b|\bdocs-seiten\b"
        r"|\bpages de (?:la )?doc(?:umentation)?\b",
        "docs pages",
    ),
    (r"\bsince the (?:start|beginning) of (?:the |this )?(week|month|quarter|year)\b", r"this \1"),
    (r"\bseit (?:wochenbeginn|anfang der woche)\b", "this week"),
    (r"\bsinds (?:het )?begin (?:van )?(?:dit|het) jaar\b", "this year"),
    (r"\bsinds (?:het )?begin (?:van )?(?:deze|de) maand\b", "this month"),
    (r"\b(?:the )?first calendar week\b", "week 1"),
    (r"\b(?:the )?(?:final|last) quarter of (\d{4})\b", r"q4 \1"),
    (r"\b(?:the )?most recent (\d+) (days|weeks|months)\b", r"last \1 \2"),
    (r"\bq([1-4]) ?/ ?(\d{4})\b", r"q\1 \2"),
    (r"\butm_campaign=([\w-]+)", r"campaign \1"),
    (r"\b(?:at )?this very moment\b|\bà l'instant\b|\ben ce moment même\b", "right now"),
    (r"\ben direct sur\b|\ben vivo en\b|\blive op\b", "right now on"),
    (r"\btakings\b", "revenue"),
    (r"\bcoming from\b", "come from"),
    (r"\bprops?\b", "property"),
    (r"\bpersonalizada\b|\bpersonnalisée\b|\bbenutzerdefinierte\b|\baangepaste\b", "custom"),
    (r"\bsite list\b|\blist every (?:web)?site\b", "list my sites"),
    (r"\bbesucherzahl(?:en)?\b|\bbesucheranzahl\b|\bbezoekersaantal(?:len)?\b|\bfréquentation\b", "visitors"),
    (r"\bwie viele kamen\b|\bcuántos vinieron\b|\bcombien sont venus\b|\bhoeveel kwamen\b", "how many visitors came"),
    (r"\bvergangenen\b|\bvorigen\b", "last"),
    (r"\bgestrige[nrs]?\b", "yesterday"),
    (
        r"\bbildschirm\w*\b|\bschermformaat\b|\btaille d'écran\b|\btamaño de pantalla\b|\bécran\b|\bpantalla\b",
        "screen size",
    ),
    (r"\bniveau de revenus\b|\bnivel de ingresos\b|\binkomensniveau\b|\beinkommensniveau\b", "income level"),
    (r"\bwie oft\b(.*?)\baufgerufen\b|\bhoe vaak\b(.*?)\bbekeken\b", r"pageviews\1\2"),
    (r"\bcuántas veces se vio\b|\bcombien de vues\b|\bhow often (?:was|were|is|are)\b", "pageviews"),
    (r"(?<![/\w])(?:the )?docs (?=do\b|did\b|does\b|doing\b)", "docs pages "),
    (r"\bentradas del blog\b", "blog posts"),
    (r"\bdesde el móvil\b|\bvom handy\b|\bdepuis (?:le |un )?mobile\b|\bvanaf mobiel\b", "on mobile"),
    (
        r"\bcuánto vendimos\b|\bcombien avons-nous vendu\b|\bwie viel haben wir verkauft\b"
        r"|\bhoeveel hebben we verkocht\b",
        "how much did we sell",
    ),
    (r"\bvanaf\b", "from"),
    (r"\bdrukte\b|\bandrang\b|\baffluence\b|\bafluencia\b", "how busy"),
    (r"\bverkeer\b", "traffic"),
    (r"\bdaarvoor\b", "before"),
    (r"\bgewachsen\b|\bgegroeid\b|\bcrecido\b|\baugmenté\b", "grown"),
    (r"\bdesktop-?bezoekers\b|\bdesktop-?besucher\b", "desktop visitors"),
    (r"\bmás flojo\b", "quietest"),
    (r"\bcompar[ée]e?s? (?:à|avec)\b", "compared to"),
    (r"^en de (week|maand|dag) daarvoor\b", r"and the \1 before"),
    (
        r"\bpropiedad personalizada\b|\bpropriété personnalisée\b|\bbenutzerdefinierte eigenschaft\b"
        r"|\baangepaste eigenschap\b",
        "custom property",
    ),
    (r"\bdepuis (?:la |le |l')(?=[a-zé])(?!début|premier|1er|\d)", "from "),
    (r"\bdurante\b", "during"),
    (r"\bdurée (?:moyenne )?(?:de |des |d')?(?:la )?visites?\b", "visit duration"),
    (r"\b(?:the |our |la |die |de )?(?:documentation|dokumentation|documentatie|documentación)\b", "docs pages"),
    (r"\brégionale?s?\b|\bregional(?:es)?\b|\bregionale\b", "regions"),
    (r"\b(?:los |las )?de escritorio\b", "desktop"),
    (r"\bverweise\b|\bverweisquellen\b", "referrers"),
    (r"\bvorgestern\b|\bavant-hier\b|\banteayer\b|\beergisteren\b", "the day before yesterday"),
    (
        r"\b(?:auf|sur|en|op)\s+(?:dem\s+|le\s+|la\s+|el\s+|de\s+|het\s+|une?\s+)?(?:tablets?|tablettes?"
        r"|tabletas?)\b",
        "on tablet",
    ),
    (r"\btablet-?(?:besucher|bezoekers|nutzer)\b", "tablet visitors"),
    (r"\bmobiele?-?bezoekers\b|\b(?:handy|mobil)-?(?:besucher|nutzer)\b", "mobile visitors"),
    (r"\bmobilgeräte?n?\b", "mobile"),
    (r"\b(?:nur|seulement|uniquement|solo|sólo|alleen|enkel)\b", "only"),
    (
        r"\b(?:venant|provenant|en provenance) d(?:e |')|\büber\b(?=\s+[\w-]+\.[a-z])|\büber (?=google|bing"
        r"|twitter|facebook|linkedin|reddit|newsletter)",
        "from ",
    ),
    (
        r"\bdesde\s+(?!(?:el\s+|la\s+)?(?:\d|lunes|martes|miércoles|jueves|viernes|sábado|domingo|enero"
        r"|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|ayer|hoy"
        r"|principios|finales))",
        "from ",
    ),
    (r"\bréférents\b|\breferentes\b|\bverwijzers\b", "referrers"),
    (r"\bkampagne\b|\bcampagne\b|\bcampaña\b", "campaign"),
    (
        r"\bentonnoir(?: de (?:commande|conversion|paiement|achat))?\b|\bembudo(?: de (?:compra|conversión"
        r"|pago))?\b|\b(?:afreken)?trechter\b|\b(?:kauf|checkout-?)?trichter\b",
        "checkout funnel",
    ),
    (r"\bleute\b|\bpersonen\b|\bmenschen\b|\bgens\b|\bpersonnes\b|\bpersonas\b|\bgente\b|\bmensen\b", "people"),
    (r"\btägliche[nrs]?\b|\bdagelijkse\b|\bquotidien(?:ne)?s?\b", "daily"),
    (r"\bwöchentliche[nrs]?\b|\bwekelijkse\b", "weekly"),
    (r"\bmonatliche[nrs]?\b|\bmaandelijkse\b", "monthly"),
    (r"\ban welchem tag\b|\bwelche(?:r|n)? tag\b|\bquel jour\b|\bqué día\b|\bwelke dag\b", "which day"),
    (r"\bruhigste(?:r|n)? stunde\b|\bheure la plus calme\b|\bhora más tranquila\b|\brustigste uur\b", "quietest hour"),
    (r"\bruhigste(?:r|n)? tag\b|\bjour le plus calme\b|\bdía más tranquilo\b", "quietest day"),
    (r"\bjour le plus chargé\b|\bdía (?:con )?más (?:visitas|tráfico)\b", "busiest day"),
    (
        r"\bzielabschlüsse\b|\bzielerreichungen\b|\bdoelconversies\b|\bconversions? d'objectifs?\b"
        r"|\bconversiones de objetivos?\b",
        "goal completions",
    ),
    (r"\bwelche\b|\bquels\b|\bquelles\b|\bqué\b|\bwelke\b", "which"),
    (r"\bsitios(?: web)?\b|\bwebseiten\b", "sites"),
    (r"\beigenschaft\b|\bpropriété\b|\bpropiedad\b|\beigenschap\b", "property"),
    (r"\b(?:premier|1er|1e|primer|eerste|ersten|erste)s? (?:trimestre|kwartaal|quartal)\b", "q1"),
    (r"\b(?:deuxième|second|2e|segundo|tweede|zweiten|zweite)s? (?:trimestre|kwartaal|quartal)\b", "q2"),
    (r"\b(?:troisième|3e|tercer|derde|dritten|dritte)s? (?:trimestre|kwartaal|quartal)\b", "q3"),
    (r"\b(?:quatrième|4e|cuarto|vierde|vierten|vierte)s? (?:trimestre|kwartaal|quartal)\b", "q4"),
    (r"\bfrente al?\b", "compared to"),
    (r"\b(q[1-4]) (?:de|del|van|von|des) (\d{4})\b", r"\1 \2"),
    (r"\bentre el (\d+)(?![\d]| de)", r"between \1"),
    (r"\bvom (\d)", r"from \1"),
    (r"\bbis zum\b|\bbis\b", "to"),
    (
        r"\b(?:les |des )?articles? (?:du|de la|de) (blog|docs?|news)\b|\b(?:los )?artículos del (blog"
        r"|docs?)\b",
        r"\1\2 posts",
    ),
    (r"\bblog-?artikel(?:n|en)?\b|\bblogposts\b|\bblogberichten\b", "blog posts"),
    (r"\b(?:page d'accueil|página (?:de )?inicio|página principal|startseite|homepagina|startpagina)\b", "page /"),
    # Spanish quarters before the French bare "trimestre" below
    (r"\bel trimestre pasado\b", "last quarter"),
    (r"\beste trimestre\b", "this quarter"),
)
