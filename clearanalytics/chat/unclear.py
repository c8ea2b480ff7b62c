"""Never substitute silently: the parts of a question the parser could not read, and the readings it offers.

The parser used to answer "visitors on 2026-02-30" or "visitors at Christmas" for the last 7
days without a word. Now any date-like word left over after the period rules ran, a date that
reads two ways, a topic the tools do not have (countries) or a filter they cannot apply
("browsers on mobile") gives an `Unclear`: which part was not understood, in the user's words,
and up to three whole questions it can answer, which the panel shows as buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearanalytics.chat.periods import MONTHS

PARTS = ("period", "metric", "page", "source", "site", "filter", "topic", "subject")  # PART_WORDS below


@dataclass(frozen=True)
class Unclear:
    """What was not understood (`part`, one of PARTS; `fragment`, the words) and readings to offer."""

    part: str
    fragment: str
    suggestions: tuple[str, ...] = ()
    reason: str = ""  # a sentence on why, when it is not simply "I could not read it"

    def message(self) -> str:
        """The answer, from one template per kind of part (tests render each)."""
        if self.part == "filter":
            text = f'I understood "{self.fragment}", but {self.reason}'
        elif self.part == "subject":  # a follow-up right after a question that was not understood
            text = f'I did not understand the question before, so I cannot tell what "{self.fragment}" goes on from.'
        elif self.part in ("metric", "topic"):
            text = f'I cannot answer "{self.fragment}" yet. {self.reason}'
        else:
            text = f'I could not read {PART_WORDS[self.part]} in your question: "{self.fragment}".'
            if self.reason:
                text += f" {self.reason}"
        if self.suggestions:
            text += " Did you mean one of these?" if len(self.suggestions) > 1 else " Did you mean this?"
        else:
            text += " Please ask it in full." if self.part == "subject" else " Try asking it another way."
        return text


PART_WORDS = {
    "period": "the period",
    "metric": "the figure asked for",
    "page": "the page",
    "source": "the source",
    "site": "the site",
    "filter": "the filter",
    "topic": "the topic",
    "subject": "what the question goes on from",
}
_MONTH_WORDS = "|".join(sorted((m for m in MONTHS if m not in ("may", "mar")), key=len, reverse=True))
# Any other event after "during" ("pendant la Coupe du monde", "tijdens de solden"): the words after it are neither
# period words nor a period the rules read (masked with spaces when leftover_period looks for what is left).
_PERIOD_LEAD = (
    r"(?:(?:the|this|last|past|previous|same|first|second|third|fourth|each|every|whole|entire|calendar|current|la|le"
    r"|el|les|las|los|in|de|het|die|der|das|den|l') ?)*"
)
_PERIOD_WORD = (
    r"(?:days?|weeks?|weekend|months?|years?|quarter|night|morning|afternoon|evening|hours?|period|time|\d+|january"
    r"|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|q[1-4]|semaine|mois|ann[ée]e|jour|semana|mes|año|d[ií]a|maand|jaar|dag"
    r"|woche|monat|jahr|tag|kw|cw|wk|that|it|this|those|these|which|what|checkout|cart|panier|paiement|visit"
    r"|session|half)\b(?!-)"
)
_EVENT_AFTER_DURING = (
    r"\b(?:during|tijdens|durante|pendant|während) (?:the |el |la |le |les |de |het |die |der |das |den |our |my "
    rf"|nos |nuestr[ao]s? |onze |unsere[nm]? )?(?!{_PERIOD_LEAD}(?:{_PERIOD_WORD}|\s{{2,}}|\s*$))"
    r"[^\W\d]\w+(?: [^\W\d]\w+){0,2}"
)
# Days known by a name, not a date ("Black Friday" is no Friday of ours): the date rules skip them (a weekday
# inside one is not that weekday) and, left over, they make the period not understood.
NAMED_DAYS = re.compile(
    r"\b(?:black|cyber|good|holy|ash|easter|palm|super bowl|giving)\s+(?:monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|week(?:end)?)\b|\bboxing day\b|\bthanksgiving\b|\bhalloween\b|\bvalentine'?s?(?: day)?\b"
    r"|\bnew year'?s?(?: eve| day)?\b|\b(?:mother|father|labou?r|memorial|independence|prime|singles)'?s? day\b"
    r"|\bkarfreitag\b|\bostern\b|\bweihnachten\b|\bpfingsten\b|\bsilvester\b|\bnoël\b|\bpâques\b"
    r"|\bnavidad\b|\bsemana santa\b|\bnochevieja\b|\bkerst(?:mis)?\b|\bpasen\b|\boudejaars(?:avond|dag)\b"
    r"|\bchristmas (?:eve|day)\b|\bheilig(?:er )?abend\b|\bneujahr(?:stag)?\b|\bostermontag\b|\bpfingstmontag\b"
    r"|\bhimmelfahrt\b|\bfronleichnam\b|\ballerheiligen\b|\bkarneval\b|\bfasching\b|\brosenmontag\b"
    r"|\bnouvel an\b|\bjour de l'an\b|\bréveillon\b|\bsaint[- ]sylvestre\b|\bsaint[- ]valentin\b|\bpentecôte\b"
    r"|\btoussaint\b|\bmardi gras\b|\bnochebuena\b|\baño nuevo\b|\breyes\b|\bsan valent[ií]n\b|\bcarnaval\b"
    r"|\boster\w+\b|\bnieuwjaar(?:sdag)?\b|\bkerstavond\b|\b(?:eerste|tweede) kerstdag\b|\bkoningsdag\b"
    r"|\bbevrijdingsdag\b"
    rf"|\b(?:during|over|in|for) (?:the|our) (?:{_MONTH_WORDS}) sales?\b"  # "during the January sale": not January
    r"|\b(?:during|around|in the run-up to|run-up to|while|tijdens|durante|pendant|während) (?:the |our |my |las |les "
    r"|la |le |de |die |der |mijn |mes |mis |meine )?(?:big |last |laatste |dernière |última |letzte )?(?:sale|event"
    r"|launch|product launch|vacation|campaign|campagne|actieweek|rebajas|uitverkoop|soldes|promo\w*)\b"
    r"|\bwent out\b|\bpasen\b|\bpaasmaandag\b|\bpuente\b|\bsoldes\b|\bmonth[- ]end\b|\bq[5-9]\b|\bold days\b"
    r"|\bworld cup\b|\bolympics\b|\bolympische\b"
    rf"|{_EVENT_AFTER_DURING}"
    r"|\bwhen we (?:were|launched|went|did|had|ran|got)\b|\bcuando lanzamos\b|\bhace bastante\b"
    r"|\bthe (?:day|week|month) (?:after|before) the (?:newsletter|launch|sale|campaign)\b"
    r"|\bna onze laatste (?:nieuwsbrief|newsletter)\b|\b(?:during|in) the (?:\w+ )?sales\b"
    r"|\bd[ií]a de la madre\b|\bd[ií]a del padre\b|\bf[êe]te des (?:m[èe]res|p[èe]res)\b|\bmoederdag\b|\bvaderdag\b"
    r"|\bmuttertag\b|\bvatertag\b|\btuesday gras\b"
    r"|\bferia\b|\bfestival\b|\bfiesta\b|\bkermis\b|\bsinterklaas\b|\bvalentijn(?:sdag)?\b|\bpinksteren\b|\bhemelvaart(?:sdag)?\b|\bramadan\b|\bhanukkah\b"
)
# A period in short or foreign forms no rule read ("last yr", "this qtr", "l30d", "W7", "heuer", "vorige mnd", "le mois
# passé"): left over, it is a period not understood, never the default period. Whole English forms ("this year") are
# not here: they are read inside others ("Q4 last year").
_SHORT_UNITS = r"yrs?|qtrs?|mos?|mths?|wks?"
_FOREIGN_UNITS = r"mnd|maand|jaar|kwartaal|monat|jahr|woche|quartal|mois|année|semaine|trimestre|mes|año|semana"
_SHORT_PERIODS = (
    rf"\b(?:last|this|past|previous|prev|prior|current)\s+(?:{_SHORT_UNITS})\b"
    r"|\b(?:last|this|previous|prior|current) calendar (?:week|month|year|quarter)\b"
    rf"|\b(?:vorige|vorig|afgelopen|deze|dit|letzte[nmrs]?|diese[nmrs]?|vergangene[nmrs]?|dernière|dernier|cette|ce"
    rf"|este|esta|pasad[oa])\s+(?:{_FOREIGN_UNITS}|{_SHORT_UNITS})\b"
    rf"|\b(?:{_FOREIGN_UNITS})\s+(?:passée?s?|dernière?|pasad[oa]|glissante?)\b"
    r"|\b(?:ytd|qtd|mtd|wtd)\b|\b(?:year|quarter|month|week)[- ]to[- ]date\b"
    r"|\bl\d{1,3}d\b|\b\d{1,3} ?(?:h|hrs?)\b|\b\d{1,2}m\b|\b(?:wk|cw|kw)\s?\d{1,2}\b|\b[ws]\d{1,2}\b"
    r"|\bheuer\b|\bfeber\b|\bonwards?\b|\bl'[ée]t[ée]\b|\bcet [ée]t[ée]\b|\b[ée]t[ée] (?:dernier|pass[ée])\b"
    r"|\b[ée]t[ée] last\b|\bfrom [ée]t[ée]\b|\bverano\b|\bsommer\b|\bzomer\b|\bhiver\b|\binvierno\b"
    # days named by an event: shopping days, holidays, a relaunch
    r"|\bprime day\b|\bhot sale\b|\bcyber monday\b|\bmother'?s day\b|\bfather'?s day\b|\bmoederdag\b|\bvaderdag\b"
    r"|\bmuttertag\b|\bvatertag\b|\bf[êe]te des (?:m[èe]res|p[èe]res)\b|\bd[íi]a de la madre\b|\bd[íi]a del padre\b"
    r"|\beid\b|\bramadan\b|\bdiwali\b|\bthanksgiving\b|\brelaunch\b|\bsale week\b|\bweek van (?:de|het) \w+"
    r"|\b(?:after|before|since|during) (?:the |our |my )?(?:tv|radio) (?:ad|spot|commercial)s?\b"
    r"|\bpodcast(?:[- ](?:auftritt|episode|interview|appearance))?\b"
    r"|\bprintemps\b|\bprimavera\b|\bfr[üu]hling\b|\bautomne\b|\boto[ñn]o\b|\bherbst\b|\bherfst\b"
    # (batch P) after a mailing, an article, a relaunch; a named sale, a match, national days, the new year
    r"|\bnach (?:the|dem|der|unserem|unserer) [\w-]*(?:versand|artikel|auftritt|bericht|beitrag|relaunch|launch)\b"
    r"|\brepublic day\b|\bnational day\b|\b(?:after|since) (?:the |our )?\w+ went live\b"
    r"|\b(?:after|since|before) (?:the |our )?(?:redesign|relaunch|migration)\b|\bpartido\b|\bwedstrijd\b"
    r"|\boud en nieuw\b|\bvoorjaar\b|\bnajaar\b"
    # (session 39) spring in Dutch, a fair, a redesign, Ascension Day, the last sale, the site being down, "the same
    # period" with nothing before it
    r"|\blente\b|\bmesse\b|\brefonte\b|\bl'ascension\b|\bascensi[óo]n\b|\b[úu]ltimo sale\b|\bsite was down\b"
    r"|\b(?:dezelfde|diezelfde) periode\b"
)
# Words that name a time: if one is left after the period rules ran, the period was not understood.
PERIODISH = re.compile(
    r"(?<![\w-])(?:"
    rf"{NAMED_DAYS.pattern}|"
    rf"\b(?:{_MONTH_WORDS})\b|\b(?:in|of|during|for)\s+may\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b"
    r"|\bquarters?\b|\bq[1-4]\b|\bweek\s*#?\d+\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}[./]\d{1,2}\b"
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}-\d{1,2}\b"
    r"|\b(?:19|20)\d{2}\b|\bago\b|\bweekends?\b|\btomorrow\b|\bnext (?:week|month|year)\b|\btonight\b"
    r"|\bmornings?\b|\bevenings?\b|\bafternoons?\b|\bnights?\b|\bchristmas\b|\beaster\b|\bholidays?\b"
    r"|\bsummer\b|\bwinter\b|\bspring\b|\bautumn\b|\bfortnight\b|\bdecade\b|\bsince\b|\bbetween\b"
    # part of a period ("the end of January": January alone would be read) and vague times, in the five languages
    r"|\b(?:the\s+)?(?:end|beginning|start|middle|first half|second half)\s+of\b|\bmid-?\w*|\bearly\b|\blate\b"
    r"|\blately\b|\brecent(?:ly)?\b|\bseasons?\b|\bother day\b|\ba while\b|\bthese days\b|\bweekdays?\b"
    r"|\b(?:business|working) days?\b|\bbank holidays?\b|\bhours? ago\b|\bminutes? ago\b|\bovermorrow\b"
    r"|\bende\b|\banfang\b|\bmitte\b|\bmorgen\b|\bübermorgen\b|\bwochenende\b|\bfeiertage?n?\b|\bferien\b"
    r"|\bfin\b|\bdébut\b|\bdemain\b|\bweek-end\b|\bvacances\b|\bfinales\b|\bprincipios\b|\bmediados\b"
    r"|\bmañana\b|\bfin de semana\b|\bvacaciones\b|\beind\b|\bbegin\b|\bmidden\b|\bmorgen\b|\bweekend\b"
    r"|\bvakantie\b|\bfeestdag(?:en)?\b|\bnext\b|\bcoming (?:week|month|year|days|weekend)\b|\bupcoming\b"
    rf"|{_SHORT_PERIODS}"
    r")(?![\w-])"
)
# Topics no tool has: answered as not understood, never as something else (locations have a tool: places.py).
TOPICS = re.compile(
    r"\bscreen (?:size|resolution)s?\b|\bages?\b|\bage (?:group|distribution|range)s?\b|\bhow old\b|\bgender\b"
    r"|\bhousehold income\b|\bincome (?:level|bracket|group)s?\b|\baltersverteilung\b|\balter\b|\bâge\b|\bedad(?:es)?\b"
    r"|\bleeftijd\w*|\bgeschlecht\b|\bsexe\b|\bgénero\b|\bgeslacht\b|\beinkommen\b|\bmale\b|\bfemale\b|\bmen\b"
    r"|\bwomen\b|\bhoe oud\b|\bwie alt\b|\bquel âge\b|\bqué edad\b|\beducation\b|\bmarital\b|\bhotter\b|\bcolder\b"
    r"|\btemperature\b|\b(?:page )?load (?:speed|times?)\b|\bpage ?speed\b|\bcore web vitals\b|\bclick[- ]?through\b"
    r"|\bverdienen (?:meine|unsere|die) (?:besucher|kunden|nutzer)\b|\bvisitors earn\b"
    r"|\bearn\w* (?:meine|my|our|unsere|mijn|onze|mes|nos|mis) (?:visitors|users|customers)\b|\bvpns?\b|\bkinder\b"
    r"|\bbacklinks?\b|\bdelivery (?:status|times?)\b|\bdeliver(?:y|ed|ies)\b"
    r"|\bchildren\b|\bkids\b|\bshipping\b|\bversandkosten\b|\bfrais de port\b|\bgastos de envío\b|\bverzendkosten\b"
    r"|\boutbound (?:links?|clicks?)\b|\bexternal links?\b|\bisps?\b|\binternet (?:service )?providers?\b"
    r"|\bctr\b|\bad spend\b|\bcost per click\b|\bcpc\b|\bimpressions\b(?<!page impressions)"
    # what analytics does not record: other tools' data, people's details, the business's books
    r"|\b(?:session )?recordings?\b|\bheat ?maps?\b|\bcarte de chaleur\b|\bscroll(?:ing)? depth\b|\bscrolltiefe\b"
    r"|\bprofondeur de scroll\b|\bscrolling\b|\bssl\b|\bcertificates?\b|\b(?:support[- ])?tickets?\b"
    r"|\bsubscribers?\b|\babonnés\b|\bfollowers?\b|\bseguidores\b|\bfollower count\b|\bseo\b|\bkeywords?\b"
    r"|\bip(?: address(?:es)?)?s?\b|\bunsubscri\w*|\bsales leads\b|\bbots?\b|\breviews\b"
    r"|\bleads\b(?=.*\b(?:call|called|calls|contact(?:ed)?|sales reps?|crm)\b)"
    r"|\bkeyword rankings?\b|\bsearch terms?\b|\bsuchbegriffe\b|\bmots-clés\b|\bpalabras clave\b|\bzoekwoorden\b"
    r"|\binventory\b|\bstock\b|\blagerbestand\b|\bvoorraad\b|\brefunds?\b|\bretouren\b|\bdevoluciones\b"
    r"|\bopen rate\b|\bnps\b|\bnet promoter\b|\ba/b tests?\b|\bcpu\b|\bserver load\b|\bsalar(?:y|ies)\b"
    r"|\bad ?blockers?\b|\bphone numbers?\b|\be-?mail ?address(?:es)?\b|\be-?mailadres\b|\btheir (?:names|emails?)\b"
    r"|\bnames of (?:the |my |our )?(?:visitors|users|customers|people)\b|\bcrash(?:es| reports?)\b|\bstudents?\b"
    r"|\breligi(?:on|ón)\b|\bgeloof\b|\bprofit\b|\btax(?:es)?\b|\bcompetitors?\b|\bconcurrent(?:ie)?\b"
    r"|\bcompetencia\b|\bcohorts?\b|\bretention\b|\binvoices?\b|\bparcels?\b|\bpersonal details\b"
    r"|\bmarried\b|\bgetrouwd\b|\bleft-handed\b|\blinkshandig\b|\bhond\b|\bdogs?\b|\bperros?\b|\bcontact ?form\b"
    r"|\be-?mails?\b|\bcontactformulier\b|\bpartij\b|\bradio ?(?:ads?|reclame)\b|\bradioreclame\b|\bopleidingsniveau\b"
    # paid ads' own figures, newsletter reads, returns, scrolling, load speed, people's details (batch M)
    r"|\b(?:google |facebook |meta |bing )?ads\b(?! campaigns?\b)|\banuncios\b|\bklickrate\b|\bopen rates\b"
    r"|\bread (?:our|the) newsletter\b|\bnewsletter (?:opens|reads)\b|\breturned\b|\bscrolled\b|\bchargement\b"
    r"|\bshoe sizes?\b|\bcorreos?\b|\bgewinn\b|\bbeneficio\b|\bb[ée]n[ée]fice\b|\bwinst\b"
    r"|\blos que compran\b|\brevenue (?:de la|of the|for the) page\b|\bp[áa]gina con m[áa]s revenue\b"
    # new against returning visitors: no visitor is known again from one day to the next (daily salts, TRACKING.md)
    r"|\b(?:new|returning|repeat|recurring|first[- ]time|nouveaux|nuevos|neuen?|nieuwe|wiederkehrenden?|terugkerende)"
    r" (?:visitors|users|customers|visiteurs|visitantes|besucher|bezoekers)\b"
    r"|\b(?:visitors|visiteurs|visitantes) (?:nouveaux|nuevos|récurrents|recurrentes|returning)\b"
    r"|\b(?:visitors|people|users|customers) (?:came|come|coming) back\b"
    r"|\b(?:visitors|people|users) (?:returned|return)(?: (?:several|many|more than once|again))?\b"
    # (batch P) visitors' income, refunds, newsletter opens, calls, search words, ad spend, accounts, rankings, likes
    r"|\bincome of\b|\baverage income\b|\bverdienen (?:onze|mijn|de) (?:bezoekers|klanten)\b|\brefunded\b"
    r"|\bopened (?:the|our|my) newsletter\b|\bont ouvert (?:la|notre) newsletter\b|\bsearch (?:words|queries)\b"
    r"|\babrieron (?:la|el|nuestra|nuestro) (?:newsletter|bolet[íi]n)\b|\bnewsletters?\b(?=.{0,40}\bge[öo]ffnet\b)"
    r"|\bnieuwsbrie\w* (?:werd(?:en)? )?geopend\b|\bopenden (?:de|onze) (?:nieuwsbrief|newsletter)\b"
    r"|\b(?:phoned|called) (?:us|the shop site|our (?:shop|store|office))\b|\bpublicidad\b|\bpublicit[ée]\b"
    r"|\badvertising (?:spend|costs?|budget)\b|\bpremium (?:account|accounts|users|members)\b|\bcuenta premium\b"
    r"|\b(?:positions?|ranking|posici[óo]n) (?:sur|on|in|en|bei) google\b|\blikes\b|\breviennent\b|\bvuelven\b"
    r"|\b(?:clientes|clients|klanten|kunden|customers) (?:nuevos|nouveaux|nieuwe|neue|new)\b"
    r"|\b(?:nuevos|nouveaux|nieuwe|neue) (?:clientes|clients|klanten|kunden)\b"
    # (batch Q) visitors who came back or came first, logins, sales taxes, reviews, shares, ratings, buyers' rows
    r"|\bkamen\b.{0,30}\bzurück\b|\bvolvieron\b|\bkwamen\b.{0,30}\bterug\b|\bfid[èe]les\b|\breturning visitor"
    r"|\bnew and which are old\b|\bneukunden\b|\bbestandskunden\b|\bzum (?:first|ersten) mal\b|\blogged[- ]in\b"
    r"|\bvat\b|\biva\b|\bbtw (?:moeten|betalen|afdragen|over|op)\b|\bmwst\b|\btva\b|\bmehrwertsteuer\b"
    r"|\bre[sñ]e[ñn]as\b|\bbewertungen\b"
    r"|\bpartag[ée]\w*|\bdeelden\b|\bgeteilt\b|\bcompartieron\b|\bnote google\b|\bgoogle (?:rating|bewertung)\b"
    r"|\bcountries (?:kaufen|buy|bought)\b|\bqui ont achet[ée]\b"
    r"|\bcompran los\b|\b404\b|\berror(?:es|s)?\b|\brepitieron\b|\brepeat (?:customers|buyers|purchases)\b"
    r"|\bvolgers\b|\bused the chat\b|\bdieron like\b|\bbought again\b|\bmore than once\b|\bgst\b|\bhow fast\b"
    r"|\bthink of\b|\bopinions?\b"
    # one person's name or their ranking as a customer: cookieless counting knows no one (session 40)
    r"|\bnom et pr[ée]nom\b|\bnombre y apellido\b|\bvoor- en achternaam\b|\bvor- und nachname\b|\bfull names?\b"
    r"|\b(?:which|welche|quels|qu[ée]|welke) (?:customers|kunden|clients|clientes|klanten)\b"
    r"(?=.{0,40}\b(?:most|meisten|plus|m[áa]s|meeste)\b)"
    # what no tracker sees: mentions, searches made on the site, rankings, uptime, ad costs, comments, taxes, gift
    # cards sold at the till, deliveries, the other sites visitors go to
    r"|\bmentions\b|\bsearch(?:ed)? for\b|\branken\b|\buptime\b"
    r"|\b(?:web)?site (?:was|is|went) down\b|\bwas the (?:web)?site down\b|\bcpa\b|\bcomments\b"
    r"|\bcost per (?:acquisition|lead|conversion)\b"
    r"|\bimpuestos?\b|\bsteuern\b|\bimp[ôo]ts?\b|\bbelastingen?\b|\bcadeaubon\w*|\bgift ?cards?\b|\bkassa\b"
    r"|\blieferung\w*|\balso visit\b|\bwhere on the page\b"
    # visitors who came again, in the five languages (session 39): no visitor is known again, as above
    r"|\bnew (?:vs\.?|versus|or|and|against) returning\b|\bwere returning\b|\brepeat visitor\b|\bwiedergekommen\b"
    r"|\bwiederkehrend\w*|\bzum (?:second|zweiten|2\.?) mal\b|\brepiten\b|\brecurrentes\b|\br[ée]currents?\b"
    r"|\bde retour\b|\bd[ée]j[àa] (?:visit[ée]|visits|venus?)\b|\bvolvi[óo] a\b|\bregres(?:[óo]|aron)\b"
    r"|\bterug\b(?<!tijdje terug)"
    r"|\b(?:for the|voor de|por) (?:second|tweede|segunda) (?:time|keer|vez)\b"
)
# What a visitor did that analytics sees. Another deed after "how many people" is not recorded ("watched our video",
# "phoned the store", "copied text", "printed the page"): answering the visitors instead would change the question.
SEEN_DEEDS = re.compile(
    r"(?:visit|view|click|complet|convert|sign|register|land|look|show|reach|open|brows|add|stopp|dropp|start|finish"
    r"|plac|order|purchas|enter|abandon|bounc|check|arriv|stay|us|access|tri|exit|load|join|book|submitt|download"
    r"|need|want|logg|engag|navigat|scroll|return|subscrib|unsubscrib)ed"
)  # scrolled, returned and (un)subscribed are topics of their own (TOPICS)
DEED = re.compile(
    r"\bhow many (?:people|visitors|users|customers|folks|shoppers|buyers|ppl|persons)"
    r"(?: (?:have|had|did|actually|really|have actually))? (?P<deed>[a-z]+ed|left|wrote|gave|took|sent)\b"
)
DEED_WORDS = re.compile(  # the deed and what it was done to: "watched our youtube video", "printed the page"
    r"[a-z]+(?: (?:our|the|my|a|an|some|their|your) [a-z]+"
    r"(?: (?!(?:last|this|in|on|at|today|yesterday|since|during|thanks|thank|please|pls|for|from)\b)[a-z]+)?)?"
)


def unseen_deed(text: str) -> re.Match | None:
    """ "how many people watched our video": the deed and its object, when analytics does not see that deed."""
    asked = DEED.search(text)
    if asked is None or SEEN_DEEDS.fullmatch(asked.group("deed")):
        return None
    return DEED_WORDS.match(text, asked.start("deed"))


# The weather, asked beside a figure ("did the weather affect traffic"): no tool has it. Alone it is small talk.
WEATHER = re.compile(r"\bweather\b|\bwetter\b|\bmétéo\b|\bclima\b|\bweer\b|\brain(?:y|ed)?\b|\bsnow(?:ed)?\b")


def leftover_period(text: str, spans: list[tuple[int, int] | None]) -> str | None:
    """A date-like word outside the parts the period rules read, or None."""
    masked = text
    for span in spans:
        if span:
            masked = masked[: span[0]] + " " * (span[1] - span[0]) + masked[span[1] :]
    match = PERIODISH.search(masked)
    if not match:
        return None
    end = match.end()
    while True:  # the whole run of date words ("since december", "between christmas day and new year's eve")
        joined = JOIN.match(masked, end)
        more = PERIODISH.match(masked, joined.end()) if joined else None
        if not more:
            return masked[match.start() : end]
        end = more.end()


JOIN = re.compile(r" (?:(?:and|to|until|till|through|-) )?")


def with_period(question: str, fragment: str, replacements: list[str]) -> tuple[str, ...]:
    """The question again with the unread period swapped for each reading it can answer."""
    found = []
    for replacement in replacements:
        year = r"(?:,?\s+(?:of\s+)?(?:19|20)\d{2}\b)?"  # "New Year's Day 2026": the year goes with the day
        before = r"(?:\b(?:at|on|in|during|for|of|over|from)\s+)?(?:the\s+)?"
        spot = re.search(before + re.escape(fragment) + year, question)
        if fragment and spot:
            candidate = question[: spot.start()] + replacement + question[spot.end() :]
        else:
            candidate = f"{question.rstrip(' ?')} {replacement}"
        candidate = re.sub(r"\s+", " ", candidate).strip()
        if candidate not in found:
            found.append(candidate)
    return tuple(found[:3])
