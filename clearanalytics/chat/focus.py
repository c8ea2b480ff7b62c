"""What narrows a question: one row (a page, a source, a campaign, a device), a section of pages, a
ranking direction (best or worst), a series interval (weekly, monthly), "right now", a property.

The tools take no filters, so a narrowed question is answered from the tool's full list (up to
its 100 rows): "bounce ... of /pricing" reads the row of /pricing; "the blog posts" keeps the
rows under /blog. A narrowing no list can answer ("browsers on mobile") is not understood,
never dropped: the parser turns it into an unclear.Unclear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from clearanalytics.chat import unread
from clearanalytics.chat.lexicon import nearest
from clearanalytics.chat.not_names import FUNCTION_WORDS, NOT_A_CAMPAIGN, NOT_A_PROPERTY, NOT_A_SECTION, NOT_A_SOURCE
from clearanalytics.chat.periods import MONTHS

FULL_LIST = 100  # the tools' maximum limit: a row or a section is looked for among these

REALTIME = re.compile(
    r"\bright now\b|\bat the moment\b|\bcurrently\b|\bonline now\b|\bjust now\b|\blive\b|\bcurrent visitors\b"
    r"|\bon (?:the |my )?site now\b|\bnow\b|\bthis minute\b|\blast (?:30|thirty) minutes\b|\b(?:at )?this moment\b"
    r"|\bthis (?:very )?second\b|\bas we speak\b|\bcurrent visitor(?: count)?s?\b|\b(?:en|in) (?:vivo|directo)\b"
    r"|\busers online\b|\bonline users\b|\bcurrent users\b"
    r"|\breal[- ]?time\b|\b(?:current(?:ly)? )?active (?:users|visitors)\b|\bcurrent (?:number of )?visitors\b"
    r"|\bin the (?:last|past) (?:\d+|few|couple of) min(?:ute)?s\b"
)
WORST = re.compile(
    r"\bquietest\b|\bworst\b|\bslowest\b|\bleast (?:busy|visited|traffic|visitors|pageviews"
    r"|visits)\b|\blowest\b"
    r"|\bweakest\b|\bfewest\b|\bcalmest\b|\bdead(?:est)?\b|\bmost sl[o]w\b|\bnobody\b|\bno one\b"
    r"|\bla plus creuse\b|\ble plus d[ée]sert\b"
    r"|\bplus calme\b"
)
# A report, meeting or review that comes every week or month: "prepping the monthly shop report" asks for no series.
_NO_SERIES = r"(?!(?: \w+)? (?:report|meeting|review|budget|newsletter|update|call|check-?in)s?\b)"
SERIES = (
    (
        "week",
        re.compile(
            rf"\bweekly\b{_NO_SERIES}|\b(?:per|by|each|every) (?:calendar )?week\b|\bweek[- ](?:by|over|on)[- ]week\b"
            r"|\b(?:split(?:ting)?|broken|divided|dividing|grouped|grouping)(?: (?:it|that|this|them))?"
            r" (?:up )?(?:by|into|in) weeks\b"
        ),
    ),
    (
        "month",
        re.compile(
            rf"\bmonthly\b{_NO_SERIES}|\b(?:per|by|each|every) (?:calendar )?month\b"
            r"|\bmonth[- ](?:by|over|on)[- ]month\b"
            r"|\b(?:split(?:ting)?|broken|divided|dividing|grouped|grouping)(?: (?:it|that|this|them))?"
            r" (?:up )?(?:by|into|in) months\b"
        ),
    ),
)
PATH = re.compile(r"(?<![\w.:/])(/[\w\-./%]*)")
# "cities / past 6 weeks", "Golas / 2024": a slash between a word and a period separates them, as a comma does; after
# a word that leads to a page ("visitors of / last week", "visitas a /") or before any other word ("did / get", "/ in
# KW 52", "/ la semaine 01") it is the home page.
_SLASH = re.compile(
    r"([\w']+) / (?=(?:past|last|this|previous|yesterday|today|q[1-4]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|\d|avg\b|average\b|\#|number\b|total\b|unique\b|visitors\b|pageviews\b|bounce\b|orders\b|revenue\b))"
)
_BEFORE_HOME = frozenset({
    "of", "on", "to", "for", "at", "in", "from", "page", "path", "url", "the", "home", "de", "van", "von", "sur", "auf",
    "op", "en", "a", "la", "le", "des", "du", "del", "zu", "für", "pour", "para", "por", "voor", "naar",
})  # fmt: skip


def slash_separators(text: str) -> str:
    return _SLASH.sub(lambda m: m.group(0) if m.group(1) in _BEFORE_HOME else m.group(1) + " ", text)


SECTION = (  # a path named first: "how did pages under /docs do" names docs, not "did"
    re.compile(r"(?<![\w.])(?P<name>/[\w-]+)/(?:\*|\.\.\.|…)"),  # "/docs/*", "/docs/..."
    re.compile(
        r"\b(?:pages?|posts|articles|everything)\s+(?:under|below|beneath)\s+(?:the\s+)?(?P<name>/[\w-]+|[a-z][\w-]+)(?:\s+section)?\b"
    ),
    re.compile(r"\bpages?\s+in\s+(?:the\s+)?(?P<name>/[\w-]+|[a-z][\w-]+\s+section)\b"),
    re.compile(r"\b(?:under|below|beneath)\s+(?P<name>/[\w-]+)(?![\w/])"),  # "what did people read under /docs"
    re.compile(r"\b(?P<name>[a-z][a-z0-9-]{2,})\s+(?:posts|articles|section|pages)\b"),
    re.compile(r"\b(?:posts|articles|entries)\s+(?:on|in|of|from)\s+(?:the|my|our)\s+(?P<name>[a-z][\w-]+)\b"),
)
DEVICE = re.compile(
    r"\b(?:on|from|via|using|used|use|with|per)\s+(?:a\s+|an\s+|the\s+)?(?P<a>mobile|desktops?|tablets?|phones?"
    r"|smartphones?)\b"
    r"|\b(?:only|just) (?:on )?(?:the |les |de |die )?(?P<b>mobile|desktops?|tablets?)\b"
    r"|\b(?P<e>mobile|desktops?|tablets?)(?: users| visitors)? only\b"
    r"|\b(?P<c>mobile|desktop|tablet|phone|smartphone)[\s-]+(?:users|visitors|traffic|share|crowd|people|folks|audience)\b"
    r"|\b(?:users|visitors|people) (?:on |de |van |von |of |with |mit )?(?:the |their |a |an )?(?P<f>mobile"
    r"|desktops?|tablets?|phones?)\b"
    r"|\b(?P<g>ipads?|iphones?)\b"
    r"|\b(?:nutz\w*|benutz\w*|verwend\w*|gebruik\w*|utilis\w*|us(?:an|aron|aba|aban)|utiliz\w*)\b(?:\s+[\w-]+){0,3}?"
    r"\s+(?:ein|eine|een|un|une|una|an?)\s+(?P<h>mobile|desktops?|tablets?|phones?|smartphones?)\b"
)
SOURCE = re.compile(
    r"\b(?:from|via|through)\s+(?P<s>[a-z0-9][\w.-]*[a-z0-9])\b"
    r"|\b(?:did|does|do)\s+(?P<t>[a-z0-9][\w.-]*[a-z0-9])\s+(?:send|bring|drive|refer|generate|make)\b"
    r"|\b(?P<u>google|bing|duckduckgo|yahoo|ecosia|baidu|yandex|facebook|twitter|linkedin|reddit|instagram|youtube"
    r"|pinterest|t\.co)\b(?!\s+(?:ads|analytics|search console))"
)
# A number or a date ("from 2026-01-05 until ...", "from 15.11.", "from the 5th"): the period's, never a source.
DATE_LIKE = re.compile(r"[\d./-]+|\d{1,2}(?:st|nd|rd|th)")
CAMPAIGN = re.compile(
    r"\b(?:the\s+)?(?P<c>[\w-]+?)[\s-]+campaign\b|\bcampaign\s+(?:utm\s+)?[\"']?(?P<d>[\w-]+)"
    r"|\b(?P<c2>[a-z]+-[\w-]*\d[\w-]*|\w*\d[\w-]*-[\w-]+)\s+utm\b"  # "feb-2026 utm results"
)
PROPERTY = (  # "the plan property" first: "property breakdown" names no property
    re.compile(r"[\"']?(?P<p>[\w/~-]+)[\"']?\s+custom\s+(?:property|prop)\b"),
    re.compile(r"\b(?:per|by)\s+(?P<p>[\w-]+)\s+\(custom\b"),
    re.compile(r"\b(?:which|what) (?P<p>[\w-]+) values\b"),
    _NAME_BEFORE := re.compile(r"[\"']?(?P<p>[\w/~-]+)[\"']?\s+property\b"),
    _NAME_AFTER := re.compile(r"\bpropert(?:y|ies)\s+[\"']?(?P<p>[\w/~-]+)"),
)
# "free, pro y team? ...", "header vs footer": a name among listed values
LISTED = re.compile(r"\b(?:y|and|und|et|en|o|or|ou|oder|vs\.?|versus)\s+$")


CANONICAL_DEVICE = {"phone": "mobile", "smartphone": "mobile", "iphone": "mobile", "ipad": "tablet"}
DEVICE_WORD = re.compile(r"\b(mobile|desktop|tablet|phone|smartphone|iphone|ipad)s?\b")


def devices_named(text: str) -> set[str]:
    """The device types a text names, each once ("iPad or tablet" is one: tablet)."""
    return {CANONICAL_DEVICE.get(word, word) for word in DEVICE_WORD.findall(text)}


def device(text: str) -> str | None:
    """The one device a question narrows to; none when it names two ("mobile and desktop": the device list)."""
    match = DEVICE.search(text)
    if not match or len(devices_named(text)) > 1:
        return None
    word = next(match.group(g) for g in "abcefgh" if match.group(g)).rstrip("s")
    return CANONICAL_DEVICE.get(word, word)


MONTH_WORDS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}


# Sources known by name, whose domain with "visitors" after it is the source's row ("t.co visitors").
WELL_KNOWN = re.compile(
    r"^(?:www\.)?(?:t\.co|(?:google|bing|duckduckgo|yahoo|ecosia|facebook|twitter|linkedin|reddit|instagram|youtube"
    r"|pinterest|news\.ycombinator|lnkd|x)\.[a-z.]+)$"
)


def referred(text: str, domain: str) -> bool:
    """Whether another domain is named as a source ("from t.co", "referred by x.example", "did t.co send")."""
    name = re.escape(domain)
    words = r"from|via|through|referred by|brought by|attributed to|sent by|came from|link|par|de|desde|van|von|uit|aus"
    words += r"|referidas por|referidos por"
    before = rf"\b(?:{words})\s+{name}"
    verbs = r"send|sent|bring|refer|drive|make|earn|earned|generate|geschickt|gestuurd|doorgestuurd|enviado"
    sent = rf"\b(?:did|does|do|has|hat|heeft|a)\s+{name}\b.{{0,40}}\b(?:{verbs})\b"
    spanish = rf"\b(?:mandó|envió|enviado|mandaron|trajo|stuurde|stuurden)\s+(?:\w+\s+){{0,2}}{name}"
    spanish += rf"|{name}\s+(?:nous\s+)?a(?:-t-il)?\s+envoyé"  # "blog.friend.example nous a-t-il envoyé du monde"
    # "t.co traffic", "t.co visitors"; an unknown domain's visitors are that site's ("acme.com visitors")
    subject = rf"(?<![\w.]){name}\s+(?:traffic(?![- ]sources)|referrals)\b"  # "x.ng traffic sources" are x.ng's
    subject += rf"|(?<![\w.]){name}\s+(?:visitors|visits)\b" if WELL_KNOWN.search(domain) else ""
    subject += rf"|(?<![\w.]){name}\s+(?:visitors|visits)\s+(?:referid[oa]s|referred|r[ée]f[ée]r[ée]e?s)\b"
    subject += rf"|(?<![\w.]){name}\s+(?:brings?|brought|nous envoie|nous a apport[ée])\b|\bpor\s+{name}\b"
    subject += rf"|\b(?:hat|heeft)\s+{name}\b.{{0,40}}\b(?:gebracht|gestuurd|geschickt)\b"
    return re.search(f"{before}|{sent}|{spanish}|{subject}", text) is not None and not of_a_site(text, domain)


def switched_to(text: str, domain: str) -> bool:
    """Whether a follow-up names a domain as the site to ask about ("on x.com", "and for mystore.com?", "now
    acme-shop.com"); after a list of sources, a well-known referrer is that row ("what about x.com?" is either)."""
    switch = r"\b(?:on|at|same(?: \w+)? for|switch to)|\b(?:for|now)(?=\s+[\w.-]+\W*$)"
    named = re.search(rf"(?:(?:{switch})\s+|^\W*){re.escape(domain)}", text) is not None  # "now x.com": "now" went
    return named and (re.search(r"\b(?:on|at)\s", text) is not None or not WELL_KNOWN.search(domain))


def of_a_site(text: str, domain: str) -> bool:
    """Whether a domain is named as the site whose figures are asked ("visitantes de miweb.com", "CA de monsite.fr",
    "the traffic sources of x.com"), not as where visitors came from."""
    name = re.escape(domain)
    owner = rf"(?<!verwezen )\b(?:visitors|revenue|referrers|pageviews|orders) (?:de|van|del|des|du|of) {name}"
    owner += rf"|\b(?:traffic[- ]sources|sources)\b.*\b(?:from|of|de|van|von|du|des|del|for|in|on) {name}"
    owner += rf"|\b(?:in|on|for) {name}\b.*\b(?:traffic[- ]sources|sources)\b"  # "en shop.ejemplo, de dónde vinieron"
    # "visiteurs sur les 6 derniers mois de monsite.fr": the foreign "of" at the end, where nobody is said to come
    came = r"came|come|coming|venant|venus?|vient|viennent|vinieron|vienen|vino|lleg[óo]|llegaron|komen|kwam|kwamen"
    came += r"|kommen|kamen|kam|traffic|trafic|tr[áa]fico|verkeer"
    owner += rf"|^(?!.*\b(?:{came})\b).*\b(?:de|van|von)\s+{name}\s*$" if not WELL_KNOWN.search(domain) else ""
    return re.search(owner, text) is not None


def source(text: str, sites: tuple[str, ...]) -> str | None:
    """The referrer named: "from google", "did t.co send", or a well-known source by its name ("google visits").

    A name with a dot wins over a bare one ("twitter link t.co": t.co is the referrer row)."""
    names = [match.group("s") or match.group("t") or match.group("u") for match in SOURCE.finditer(text)]
    for name in sorted(names, key=lambda name: "." not in name):  # stable: the text's order within each kind
        name = re.sub(r"-(?:traffic|visits|visitors|verkehr|trafic|tr[áa]fico|verkeer)$", "", name)  # "t.co-Traffic"
        if is_a_word(name, NOT_A_SOURCE) or name in MONTH_WORDS or DATE_LIKE.fullmatch(name):
            continue
        if re.fullmatch(r"q[1-4]", name) or name in unread.EVERYDAY:  # "come from q4 2024", "come from please"
            continue
        if any(d == name or d.split(".")[0] == name for d in sites):
            continue
        return name
    return None


def campaign(text: str) -> str | None:
    """The campaign named: "the brand campaign", "campaign brand" ("die Kampagne brand": its article is none)."""
    for match in CAMPAIGN.finditer(text):
        for name in (match.group("c"), match.group("d"), match.group("c2")):
            if name and not name.isdigit() and not is_a_word(name, NOT_A_CAMPAIGN, known=True):
                return name
        before = (
            re.search(r"(?<![\w-])([\w-]*(?:\d[\w-]*-|-[\w-]*\d)[\w-]*)\s+$", text[: match.start("c")])
            if match.group("c")
            else None
        )
        if before:  # "the feb-2026 newsletter campaign": a name, with its date, before the kind of campaign
            return before.group(1)
        after = re.match(r"\s*[\"']?([\w-]+)", text[match.end() :]) if match.group("c") else None
        if after and not is_a_word(after.group(1), NOT_A_CAMPAIGN | DOING, known=True) and not after.group(1).isdigit():
            return after.group(1)  # "die campaign brand": the article came first, the name follows
    return None


def is_a_word(name: str, not_names: set[str], known: bool = False) -> bool:
    """Whether `name` is a word of the sentence rather than a row's name; with `known`, any word a table knows ("I was
    wondering: campaign breakdown" names no campaign "wondering")."""
    if name in not_names or name in FUNCTION_WORDS or (known and unread.known_word(name)):
        return True
    # a slip of such a word ("campaign breakdwon", "brekdown"): one letter off a long one
    return known and len(name) >= 6 and any(len(word) >= 6 and OSA.distance(name, word) == 1 for word in not_names)


# What a campaign does in a question ("how did the newsletter campaign do"): no name after "campaign".
DOING = {"do", "did", "does", "doing", "go", "went", "perform", "performed", "bring", "brought", "work", "worked"}


NUMBERISH = re.compile(r"^(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)$")


def section(text: str) -> str | None:
    """'blog' for "the blog posts" or "pages under /blog"; None when the words are the tables' own."""
    for pattern in SECTION:
        for match in pattern.finditer(text):
            name = match.group("name").lstrip("/").removesuffix(" section")
            words = (name, name.split("-")[0])
            named = name and not any(is_a_word(word, NOT_A_SECTION) for word in words) and not NUMBERISH.match(name)
            if named and not _a_word_of_the_sentence(name):
                return name
    return None


_SITE_WORDS = frozenset(("blog", "help", "shop", "store", "news", "docs"))  # everyday words that name sections too
_PERIOD_NAMES = frozenset(MONTHS) | {"days", "weeks", "months", "years", "monday", "tuesday", "wednesday", "thursday"}
_PERIOD_NAMES |= {"friday", "saturday", "sunday"}


def _a_word_of_the_sentence(name: str) -> bool:
    """ "Snel even: pagina's per bezoekers", "Op maandag: pagina's": a word before "pages" that is the sentence's (an
    aside, a period), not a section's name (not_names.NOT_A_SECTION lists the other words)."""
    return name in _PERIOD_NAMES or (name in unread.EVERYDAY and name not in _SITE_WORDS)


def prop(text: str) -> str | None:
    """The property named: "property author", "the author property"; "last quarter, property category" names
    category (a word the tables know before "property" is the sentence's, when a name follows it)."""
    found = [(p, m.group("p")) for p in PROPERTY for m in p.finditer(text) if not LISTED.search(text[: m.start()])]
    found = [  # "por plan (property) ayer": a period after "property" is the sentence's
        (pattern, name)
        for pattern, name in found
        if name not in NOT_A_PROPERTY
        and not (pattern is _NAME_AFTER and name in _PERIOD_WORDS)
        and not _A_DATE.fullmatch(name)
    ]
    first, name = found[0] if found else (None, None)
    after = next((after for pattern, after in found if pattern is _NAME_AFTER), None)
    if first in (_NAME_BEFORE, PROPERTY[0]) and (unread.known_word(name) or re.fullmatch(r"q[1-4]|\d+", name)):
        return after if after and after not in _NOT_BESIDE_PROPERTY else name  # "the theme property break down"
    if after and _a_name(after) and (first is PROPERTY[0] or (first is _NAME_BEFORE and not _a_name(name))):
        return after  # "I added custom property author", "in week 6, property plan"
    return name


_PERIOD_WORDS = frozenset(("yesterday", "today", "tomorrow", "now", "ytd", "mtd"))  # never a property's name
_A_DATE = re.compile(r"[\d/.-]+")  # "op 25/9: eigenschap author": a date before "property" is no name

# Verbs that ask for something: no product's name ("pull sales"), no property's ("pull property author")
_ASKING_LINE = "pull show get give list check see report track view find tell fetch grab total gross net"
_ASKING = frozenset(_ASKING_LINE.split(" "))


# Words beside "property" that are the sentence's, never a property's name ("plan property so far")
_NOT_BESIDE_PROPERTY = frozenset(
    NOT_A_PROPERTY
    | DOING
    | {"so", "far", "as", "is", "was", "were", "are", "and", "or", "we", "you", "i", "it", "-"}
    | _ASKING
    | {"there", "from", "past", "last", "this", "in", "on", "for", "over", "since", "during", "until", "break", "split"}
    | {"look", "looks", "like", "choose", "chose"}  # "what does the theme property look like"
)


def _a_name(word: str) -> bool:
    """Whether a word beside "property" can be a property's name: not a word of the sentence, a period or a number
    ("plan property so far", "plan property ytd", "plan prop q4")."""
    return not (is_a_word(word, _NOT_BESIDE_PROPERTY, known=True) or re.fullmatch(r"q[1-4]|[yqmw]td|\d+", word))


def series(text: str) -> str | None:
    for interval, pattern in SERIES:
        if pattern.search(text):
            return interval
    return None


@dataclass(frozen=True)
class Found:
    """The rows a narrowing kept, or the nearest labels when nothing matched."""

    rows: list[dict]
    nearest: list[str]


def find_row(rows: list[dict], fields: tuple[str, ...], needle: str) -> Found:
    """Rows whose label equals the needle (case-insensitive), else contains it; else the nearest labels."""
    needle = needle.lower().strip()
    labels = [(row, [str(row.get(f) or "").lower() for f in fields]) for row in rows]
    exact = [row for row, names in labels if needle in names or needle.strip("/") in [n.strip("/") for n in names]]
    if exact:
        return Found(exact[:1], [])
    contains = [row for row, names in labels if needle.strip("/") and any(needle in n and n for n in names)]
    if contains:
        return Found(contains[:1], [])
    choices = sorted({n for _row, names in labels for n in names if n})
    return Found([], nearest(needle, choices))


def in_section(rows: list[dict], name: str) -> Found:
    """Pages whose first path segment is the section; else the nearest first segments of the site's pages."""

    def first(row: dict) -> str:
        parts = str(row.get("pathname") or "").strip("/").split("/")
        return parts[0].lower() if parts else ""

    kept = [row for row in rows if first(row) == name or first(row) == name.rstrip("s") or first(row) + "s" == name]
    if kept:
        return Found(kept, [])
    return Found([], nearest(name, sorted({first(r) for r in rows if first(r)})))


DOMAIN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\b")
SITE_PREFIX = re.compile(
    r"\b(?:on|for|at|of|from)\s+(?:the\s+)?(?P<name>[a-z0-9][a-z0-9-]*)"
    r"(?!\s+(?:posts?|articles?|entries|section|conversion|revenue|sales|orders)\b)"
    r"(?:\s+site)?\b"
    r"|\b(?P<name2>[a-z0-9][a-z0-9-]*)(?:\s+|-)site\b"
)


def find_domain(text: str, domains: list[str] | tuple[str, ...]) -> str | None:
    """A site named in the question: a full domain, or a known site by its first label ("on shop")."""
    known = [d.lower() for d in domains]
    for match in DOMAIN.finditer(text):
        candidate = match.group(0).removeprefix("www.")
        if re.fullmatch(r"[\d.]+", candidate):
            continue
        if candidate in known or not known:
            return candidate
        # a prefix of a known domain ("shop.example" for "shop.example.com")
        for domain in known:
            if domain.startswith(candidate + "."):
                return domain
        return candidate
    for match in SITE_PREFIX.finditer(text):
        if re.search(r"\b(?:posts|articles|entries)\s+$", text[: match.start()]):
            continue  # "articles on the blog": the blog's section of pages, not the blog site
        name = (match.group("name") or match.group("name2")).removesuffix("-site")  # "de shop-site"
        hits = [d for d in known if d.split(".")[0] == name]
        if len(hits) == 1:
            return hits[0]
    return None


def slip_of_site(domain: str | None, domains: list[str] | tuple[str, ...]) -> list[str]:
    """Your sites that a domain not yours is a slip of: "shpo.example", or one with a suffix ("shop.example.de")."""
    if not domain or domain in domains:
        return []
    return [d for d in domains if domain.startswith(d + ".")] or nearest(domain, list(domains), cutoff=0.8)


SOLD = re.compile(
    r"\b(?:revenue|sales|orders) (?:of|de|des|for|von|van|del) (?:the |les |las |los |die |de |la |le |het )?"
    r"(?P<name>[^\W\d_][\w-]{2,})\b(?![\w-]* (?:campaign|utm|property|page|site|week|month|quarter|year)\b)"
)


# "mug sales", "poster sales this week": a thing's sales said with its name first
SOLD_AFTER = re.compile(
    r"(?<![\w-])(?P<name>[^\W\d_][\w-]{2,}) sales\b"
    r"(?! revenue)"
)


def product_sold(text: str) -> bool:
    """Whether the revenue or orders asked are of a thing no table names ("ventas de camisetas", "sales of mugs",
    "poster sales"): a product, whose row is in the products list (the shop's whole revenue would leave it out).
    A thing's name is checked as it is, not in its forms: "poster" is no form of "post"."""
    return any(
        not _a_table_word(named.group("name")) for named in (SOLD.search(text), SOLD_AFTER.search(text)) if named
    )


# Words that end a sentence or an aside before "sales" ("3 days ago sales", "help me out? Sales on ..."): no thing
_BEFORE_SALES = frozenset(("ago", "out", "sir", "madam", "mind", "team", "now", "then", "also", "just", "ok", "okay"))


def _a_table_word(name: str) -> bool:
    """Whether a word before "sales" is the sentence's, not a product's name ("did sales grow", "pull sales last
    month", "week-by-week sales")."""
    if name in DOING or name in _ASKING or name in _BEFORE_SALES or "-by-" in name:
        return True
    return is_a_word(name, NOT_A_SOURCE) or any(unread.known_exactly(word) for word in (name, name.removesuffix("s")))
