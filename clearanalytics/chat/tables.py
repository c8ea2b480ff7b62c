"""The parser's two tables: what to break the data down by (BREAKDOWNS) and the number asked for (METRICS).

Each row is (name, tool, pattern); parser.py tries them in order, first match wins, so the most specific
row comes first ("revenue by source" before "revenue", "checkout" before "pages"). To teach the chat a new
phrasing, add a pattern here (or a phrase in phrases.py for the other languages) and a golden question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearanalytics.chat.quick import Quick


@dataclass(frozen=True)
class Rule:
    name: str
    tool: str
    pattern: re.Pattern


def _rules(*rows: tuple[str, str, str]) -> tuple[Rule, ...]:
    return tuple(Rule(name, tool, Quick(pattern)) for name, tool, pattern in rows)  # type: ignore[arg-type]


# Breakdowns, most specific first: "revenue by source" before "revenue", "checkout" before "pages".
BREAKDOWNS = _rules(
    (
        "sites",
        "list-sites",
        r"^(?!.*\b(?:link(?:ed|s|ing)?|sent|send|sends|referr\w*|brought|right now)\b)"  # "which sites sent": referrers
        r"(?:.*\b(?:which|what|list|show)\b.*\b(?:sites|websites|domains)\b|.*\bmy (?:web)?sites\b"
        r"|.*\bhow many (?:web)?sites\b|.*\b(?:every|all) (?:web)?sites?\b.*\baccount\b|.*\btracked (?:domains|sites)\b"
        r"|.*\bhow many domains\b|.*\bdomains i can\b|.*\bmore than one site\b|.*\bmeiner websites\b"
        r"|.*\bsites (?:on|in) (?:this|my) account\b|.*\bwebsites i own\b|.*\bother sites besides\b"
        r"|.*\bsites do i have\b|.*\bcombien de sites\b|.*\bmis webs\b|.*\bmy domains\b|.*\bin my account\b"
        r"|(?:list |show )?(?:my |all )?(?:web)?sites(?: pls| please)?$|.*\bsites? list\b"
        r"|^(?:list |show )?(?:me )?all (?:web)?(?:sites|domains)(?: please| pls| graag| por favor)?$"
        r"|.*\b(?:domains|sites) i (?:track|manage|have|own)\b|.*\btracking (?:any )?other (?:domains|sites)\b"
        r"|^dashboard (?:web)?sites$|.*\bwebsites\b.*\blist them\b|.*\boverview of (?:the |my )?sites\b"
        r"|.*\bsites (?:on|in) my account\b)",
    ),
    (
        "funnel",
        "ecommerce-products",
        r"\bfunnel\b|\bcheckout\b(?! conversion)|\bdrop.?offs?\b|\babandon|\bcarts?\b|\bdrop(?:ped)? out\b",
    ),
    (
        "revenue_by_source",
        "ecommerce-products",
        r"\b(?:earn\w*|revenue|money)\b.*\beach source\b|"
        r"\b(?:revenue|sales|money|orders)\b.*\b(?:by|per|from|each)\b.*\b(?:sources?|channels?|referrers?)\b"
        r"|\b(?:revenue|sales|money|orders)\b.*\bcomes? from\b"
        r"|\bwhere does (?:our |my |the )?(?:revenue|money|sales) come from\b"
        r"|\bfrom which (?:sources?|channels?|referrers?)\b.*\b(?:revenue|money|sales|earn\w*)\b"
        r"|\b(?:sources?|channels?|referrers?)\b.*\b(?:brought|bringing|made|generated|drove|earned)\b"
        r".*\b(?:revenue|sales|money|orders)\b"
        r"|\b(?:sources?|channels?|referrers?)\b.*\b(?:drive|drives|bring|brings|generate|generates|make|makes)\b"
        r".*\b(?:revenue|sales|money|orders)\b",
    ),
    (
        "products",
        "ecommerce-products",
        r"\bproducts?\b|\bbest.?sell|\bbiggest sellers\b|\bwhat did (?:we|i) sell\b|\bitems?\b|\bwhat sells\b|\bsold\b"
        r"|\bwhat did (?:customers|people|visitors"
        r"|they) buy\b",
    ),
    (
        "hours",
        "hourly-breakdown",
        r"\bpeak (?:hour|time)s?\b|\b(?:busiest|best|worst|quietest|slowest|deadest) (?:hour|time)s?\b"
        r"|\btime of (?:the )?day\b|\bwhat time\b|\bwhich hours?\b"
        r"|\bhour of (?:the )?day\b|\bhourly\b|\b(?:by|per|each) hour\b|\bwhen do\b|\bwhat hour\b"
        r"|\bleast (?:busy|active|visited) (?:hour|time)s?\b"
        r"|\b(?:lowest|highest|least|most|busiest|quietest|slowest|best|worst)[- ]"
        r"(?:traffic|visited|visitor)[- ]hours?\b"
        r"|\bmost active (?:hour|time)s?\b|\b(?:traffic|visitors|visits) peak(?:ed|s)?\b|\bduring the day\b"
        r"|\bwhen is (?:traffic|it) (?:highest|lowest|busiest|quietest)\b",
    ),
    (
        "days",
        "daily-breakdown",
        r"\b(?:worst|quietest|slowest|weakest|strongest|biggest|best|busiest) days?\b|\bper day\b|\bdaily\b"
        r"|\b(?:lowest|highest|least|most|busiest|quietest|slowest|best|worst)[- ]"
        r"(?:traffic|visited|visitor)[- ]days?\b"
        r"|\beach day\b|\bevery day\b|\bper-day\b|\bby day\b|\bday[- ]by[- ]day\b|\btrend|\bover time\b"
        r"|\bleast busy days?\b"
        r"|\bwhich day\b|\bwhat day\b|\brecord day\b|\bbest day\b|\bgraph\b|\bchart\b|\btimeline\b"
        r"|\btop days?\b|\bmost active days?\b"
        r"|\bleast (?:visited|active) days?\b|\bday with (?:\w+ )?(?:the )+(?:lowest|highest|most|fewest|least)\b",
    ),
    ("campaigns", "campaigns", r"\bcampaigns?\b|\butm\b|\bnewsletters?\b"),
    ("cities", "locations", r"\bcit(?:y|ies)\b|\btowns?\b"),
    ("regions", "locations", r"\bregions?\b|\bprovinces?\b|\b(?:by|per|which|what) states?\b"),
    (
        "countries",
        "locations",
        r"\bcountr(?:y|ies)\b|\blocations?\b|\bgeograph|\bmap\b|\bnationalit|\bwhere in the world\b"
        r"|\bwhere (?:are|is|were) (?:my |our |the )?(?:visitors|users|people) (?:located|based|from)\b"
        r"|\bwhere do (?:my |our |the )?(?:visitors|users|people) live\b",
    ),
    ("devices", "device-and-browser", r"\bmobile\b|\bdesktops?\b|\btablets?\b|\bdevices?\b|\bphones?\b"),
    ("browsers", "device-and-browser", r"\bbrowsers?\b|\bchrome\b|\bfirefox\b|\bsafari\b|\bedge\b"),
    (
        "operating_systems",
        "device-and-browser",
        r"\boperating systems?\b|\bos\b|\bwindows\b|\bmacos\b|\blinux\b|\bandroid\b|\bios\b",
    ),
    ("languages", "languages", r"\blanguages?\b|(?<!as we )\bspeak\b|\blocales?\b"),
    ("properties", "custom-properties", r"\bpropert(?:y|ies)\b|\b(?:which|what) [\w-]+ values\b"),
    (
        "referrers",
        "traffic-sources",
        r"\breferr(?:er|ers|ing (?:(?:web)?sites?|domains?))\b|\bwho links\b|\bbacklinks?\b"
        r"|\b(?:(?:web)?sites?|domains?)\b.*\b(?:sent|send|sends|referred|brought)\b"
        r"|\b(?:sites?|who|which sites) (?:linked|link|links|linking) to (?:us|me|my site)\b|\blinking to (?:us|me)\b",
    ),
    (
        "sources",
        "traffic-sources",
        r"\bwhere\b.*\bcome from\b|\bwhere\b.*\b(?:get|got|gets|getting)\b.*\btraffic from\b"
        r"|\breferr|\bsources?\b|\bchannels?\b|\bsearch engines?\b|\bgoogle\b|\bsocial\b"
        r"|\bwho links\b|\bhow do (?:people|visitors|users) find\b|\bfind (?:me|us)\b|\bbacklinks?\b",
    ),
    ("goals", "goals", r"\bgoals?\b|\bcta\b(?!/)|\bconversions\b|\bsign.?ups?\b|\bsign(?:ed|ing) up\b|\bconverted\b"),
    (
        "pages",
        "top-pages",
        r"\bpages?\b(?! ?(?:views?|impressions)\b)|\burls?\b|\bposts?\b|\barticles?\b|\bpaths?\b|\bcontent\b"
        r"|\bmost (?:visited|viewed|popular)\b(?! \d)",
    ),
)

METRICS = _rules(
    ("bounce_rate", "analytics-overview", r"\bbounce"),
    (
        "avg_duration",
        "analytics-overview",
        r"\b(?:visit|session|average|avg)\s+(?:duration|length|time)\b|\btime on (?:the )?site\b|\bhow long\b"
        r"|\bduration\b|\bengag|\btime spent\b|\btime\b.*\bspen[dt]\b|\bspen[dt]\b.*\btime\b",
    ),
    (
        "avg_order_value",
        "ecommerce-overview",
        r"\baverage order value\b|\bavg\.? order value\b|\baov\b|\bbasket size\b|\baverage order\b"
        r"|\bspen[dt] per order\b|\baverage basket\b|\bbasket (?:value|worth)\b|\btypical order\b|\border worth\b"
        r"|\bper order\b",
    ),
    (
        "conversion_rate",
        "ecommerce-overview",
        r"\bconversion rate\b"
        r"|(?<!goals )(?<!goal )\bconvert(?:s|ing)?\b(?! (?:on|in|into) (?:our |the |my |a )?goals?\b)"
        r"|\bpercentage of visitors (?:buy|who buy)"
        r"|\b(?:what|which) (?:%|percent|percentage|share|part) of (?:visitors|people|users) (?:bought|buy"
        r"|purchased|ordered)",
    ),
    (
        "revenue",
        "ecommerce-overview",
        r"\brevenue\b|\bsales\b|\bturnover\b|\bearn|\bmoney\b|\bincome\b|\bsold for\b|\bhow much did (?:we|i) sell\b"
        r"|\bma[dk]e (?:us|me)\b|\bhow much did (?:we|i) make\b"
        r"|\bhow much (?:did|does|has) [\w.-]+ (?:bring|brought|make|made) in\b",
    ),
    ("transactions", "ecommerce-overview", r"\borders?\b|\btransactions?\b|\bpurchases?\b|\bbought\b"),
    ("goal_completions", "goals", r"\bgoal completions?\b|\bcompletions?\b|\bconversions\b"),
    ("pageviews", "analytics-overview", r"\bpage ?views?\b|\bviews\b|\bhits\b|\bpage impressions\b|\bviewed\b"),
    (
        "visitors",
        "analytics-overview",
        r"\bvisitors?\b|\bvisits\b|\busers\b|\bpeople\b|\btraffic\b|\buniques?\b|\banyone\b|\banybody\b"
        r"|\bfolks\b|\bppl\b|\bhow busy\b",
    ),
)
