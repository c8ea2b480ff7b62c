"""The built-in engine: parse the question, call the tools, phrase the answer. No network, no key.

Both engines speak the same event stream, which the chat route sends to the panel as
newline-delimited JSON:
  {"type": "tool_call", "name": ..., "arguments": {...}}       a tool is being called
  {"type": "tool_result", "name": ..., "isError": bool}         it answered
  {"type": "text", "delta": "..."}                              part of the answer
  {"type": "chart", "spec": {...}}                              a chart or table (answers.py)
  {"type": "notice", "message": "..."}                          e.g. the LLM failed, falling back
  {"type": "done", "message": {"text", "charts", "tool_calls", "engine"}}
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from clearanalytics.chat import answers, guards, replies
from clearanalytics.chat.follow import FOLLOW_UP
from clearanalytics.chat.parser import ONLY, Intent, clean_question, parse_question
from clearanalytics.chat.tools import ToolResult, ToolRunner, result_text
from clearanalytics.chat.unclear import Unclear

Event = dict
CAPABILITIES = (
    "numbers: visitors, pageviews, bounce rate, visit duration, revenue, orders, average order value, "
    'conversion rate and goal completions, for a site or one page ("visitors of /pricing")',
    'breakdowns: top pages (or a section: "the blog posts"), where visitors come from, referrers, browsers, '
    "operating systems, mobile vs desktop, languages, campaigns, goals, best-selling products, the checkout "
    "funnel, revenue by source, visitors per day, week or month, the busiest or quietest day and hour, "
    'custom properties, countries, regions and cities ("visitors from France"), and who is on the site right now',
    'periods: today, yesterday, this week, last week, this month, last month, "last 30 days", "in March", '
    '"on the 15th of November", "last Tuesday", "week 7", "Q1", "between 1 and 15 March", "since 2026-02-01", '
    "this year, last year",
    'a site ("on shop.example", or "across all my sites") and a comparison ("compared to the week before")',
    "questions in English, German, French, Spanish or Dutch",
)


@dataclass
class ChatContext:
    """Everything an engine may use for one question: the tenant's tools and its own sites, nothing else."""

    tenant: str
    tools: ToolRunner  # already bound to the tenant (tools.TenantTools)
    today: date
    domains: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # [{"role": "user"|"assistant", "text": ...}]
    site_todays: dict[str, date] = field(default_factory=dict)  # each site's local today, when they differ
    site: str | None = None  # the site whose analytics page the chat was opened on: the default for questions
    shared: bool = False  # a shared link's visitor (chat/share.py): `site` is the only site there is


class Transcript:
    """Collects what an engine emitted so that the final `done` event repeats it in one piece."""

    def __init__(self, engine: str):
        self.engine = engine
        self.text: list[str] = []
        self.charts: list[dict] = []
        self.tool_calls: list[dict] = []
        self.suggestions: list[str] = []

    def tool_call(self, name: str, arguments: dict) -> Event:
        self.tool_calls.append({"name": name, "arguments": arguments})
        return {"type": "tool_call", "name": name, "arguments": arguments}

    def say(self, text: str) -> Event:
        self.text.append(text)
        return {"type": "text", "delta": text}

    def chart(self, spec: dict) -> Event:
        self.charts.append(spec)
        return {"type": "chart", "spec": spec}

    def suggest(self, questions: tuple[str, ...] | list[str]) -> Event:
        """Readings to offer as buttons (the panel asks the one clicked)."""
        self.suggestions = list(questions)
        return {"type": "suggestions", "questions": self.suggestions}

    def done(self) -> Event:
        message = {
            "text": "".join(self.text).strip(),  # deltas joined: what the panel showed
            "charts": self.charts,
            "tool_calls": self.tool_calls,
            "engine": self.engine,
        }
        if self.suggestions:
            message["suggestions"] = self.suggestions
        return {"type": "done", "message": message}


def help_text() -> str:
    lines = "\n".join(f"- {line}" for line in CAPABILITIES)
    return (
        "I could not match that question to your analytics data. I can answer questions about\n"
        f"{lines}\n"
        'For example: "How many visitors did I have last week?", "top 5 pages this month", '
        '"where do my visitors come from?", "revenue last month compared to the month before".'
    )


READINGS_KEPT = 4096
_READINGS: OrderedDict[tuple, Intent | Unclear | None] = OrderedDict()  # the last readings, most recent last
_READINGS_LOCK = threading.Lock()


class BuiltinEngine:
    name = "builtin"

    def run(self, question: str, ctx: ChatContext) -> Iterator[Event]:
        out = Transcript(self.name)
        intent = self.read_conversation([*user_questions(ctx.history), question], ctx)
        if intent is None:
            yield out.say(help_text())
            yield out.done()
            return
        if isinstance(intent, Unclear):
            yield out.say(intent.message())
            if intent.suggestions:
                yield out.suggest(intent.suggestions)
            yield out.done()
            return

        def call(name: str, arguments: dict) -> Iterator[Event | ToolResult]:
            yield out.tool_call(name, arguments)
            result = ctx.tools.call(name, arguments)
            yield {"type": "tool_result", "name": name, "isError": bool(result.get("isError"))}
            yield result

        result = yield from _last(call(intent.tool, intent.arguments))
        if result.get("isError"):
            yield out.say(tool_failed(intent.tool, result))
            yield out.done()
            return
        text, charts, *more = yield from self._phrase(intent, result, call, self.today_of(intent, ctx))
        if intent.tool not in ("realtime", "list-sites"):  # every answer names the dates it used
            text += replies.period_note(intent.period, self.today_of(intent, ctx), intent.compare)
        yield out.say(text)
        for spec in charts:
            yield out.chart(spec)
        if more and more[0]:
            yield out.suggest(more[0])
        yield out.done()

    def read_conversation(self, questions: list[str], ctx: ChatContext) -> Intent | Unclear | None:
        """The reading of a conversation's last question, after the questions before it.

        The subject is the last question understood, for follow-ups such as "and last month?". A follow-up right after
        a question that was not understood cannot know what it follows: going on from the answer before that one would
        answer another question without a word, so it is said not to be understood (an offer clicked is read as
        offered)."""
        previous: Intent | None = None
        unread: Unclear | None = None
        read: Intent | Unclear | None = None
        for question in questions:
            read = self.parse(question, ctx, previous)
            if self._goes_on_from_lost(question, read, unread, ctx):
                read = Unclear("subject", question.strip())
            if isinstance(read, Intent):
                previous, unread = read, None
            else:
                unread = read if isinstance(read, Unclear) else Unclear("topic", question)
        return read

    def _goes_on_from_lost(
        self, question: str, read: Intent | Unclear | None, unread: Unclear | None, ctx: ChatContext
    ) -> bool:
        """Whether a question read as following on comes right after one that was not understood: then it follows
        that one, not the subject before it. A question reads as following on when its reading needs the subject."""
        if not isinstance(read, Intent) or unread is None or question in unread.suggestions:
            return False
        cleaned = clean_question(question)  # "¿y cómo fueron los objetivos?", "only for mobile users": they go on
        if FOLLOW_UP.search(cleaned) or ONLY.match(cleaned):  # from the question just before
            return True
        return repr(self.parse(question, ctx, None)) != repr(read)

    def parse(self, question: str, ctx: ChatContext, previous: Intent | None = None) -> Intent | Unclear | None:
        """The reading of a question; when it is not understood, only the offers the chat itself understands.

        Kept per question, context and earlier subject (a reading is a pure function of them): a conversation reads
        its history again at every turn, and an offer is read once to be kept and again when clicked."""
        key = (question, ctx.tenant, ctx.today, tuple(ctx.domains), tuple(sorted(ctx.site_todays.items())), ctx.site)
        key += (repr(previous),)
        with _READINGS_LOCK:
            if key in _READINGS:
                _READINGS.move_to_end(key)
                return _READINGS[key]
        read = self._parse(question, ctx, previous)
        with _READINGS_LOCK:
            _READINGS[key] = read
            if len(_READINGS) > READINGS_KEPT:
                _READINGS.popitem(last=False)
        return read

    def _parse(self, question: str, ctx: ChatContext, previous: Intent | None) -> Intent | Unclear | None:
        read = self._read(question, ctx, previous)
        if isinstance(read, Unclear) and read.suggestions:  # an offer is a button: it must be a question we answer
            kept = tuple(s for s in read.suggestions if isinstance(self._read(s, ctx, previous), Intent))
            read = replace(read, suggestions=kept)
        return read

    def _read(self, question: str, ctx: ChatContext, previous: Intent | None) -> Intent | Unclear | None:
        if not question:
            return None
        known = dict(tenant=ctx.tenant, domains=ctx.domains, previous=previous, default_domain=ctx.site)
        intent = parse_question(question, today=ctx.today, **known)
        own_today = ctx.site_todays.get(intent.domain) if isinstance(intent, Intent) and intent.domain else None
        if own_today and own_today != ctx.today:  # "yesterday on shop.example" is that site's yesterday
            intent = parse_question(question, today=own_today, **known)
        if isinstance(intent, Intent):  # a device, source or period the question names must be in the reading
            intent = guards.left_out(clean_question(question), intent, own_today or ctx.today) or intent
        return intent

    @staticmethod
    def today_of(intent: Intent, ctx: ChatContext) -> date:
        return ctx.site_todays.get(intent.domain, ctx.today) if intent.domain else ctx.today

    def _phrase(self, intent: Intent, result: ToolResult, call, today: date) -> Iterator[Event | tuple]:
        label = intent.period.label
        domain = answers.ALL_SITES if intent.all_sites else intent.domain  # the answer says which site(s)
        if intent.tool == "realtime":
            text, _chart = replies.realtime_answer(result, domain)
            return text, []
        if intent.series:
            return (yield from self._series(intent, result, call, today, label, domain))
        if intent.pick:
            text, chart, nearest = replies.pick_answer(intent.facet, intent.metric, intent.pick, result, label, domain)
            asks = tuple(f"{intent.metric or 'visitors'} of {n} {intent.period.label}" for n in nearest)
            return text, [chart] if chart else [], asks
        if intent.section:
            text, chart, asks = replies.section_answer(intent.section, intent.shown, result, label, domain)
            return text, [chart] if chart else [], asks
        if intent.tool in ("analytics-overview", "ecommerce-overview"):
            metric = intent.metric or "visitors"
            previous = None
            if intent.compare:
                args = {k: v for k, v in intent.arguments.items() if k not in ("period", "from", "to")}
                previous = yield from _last(call(intent.tool, {**args, **intent.compare.arguments()}))
                if previous.get("isError"):
                    previous = None
            text, chart = answers.overview_answer(
                intent.tool,
                metric,
                result,
                label,
                domain,
                previous,
                intent.compare.label if intent.compare else None,
                intent.compare_is_preceding,
            )
            if intent.partial:
                start, end = intent.period.bounds(today)
                days = (end - start).days + 1
                so_far = intent.period.label.capitalize()
                text += f" {so_far} is not over yet, so it is compared day for day: {days} days each."
            charts = [chart] if chart else []
            if not charts and metric in ("visitors", "pageviews") and intent.period.period != "24h":
                daily = yield from _last(call("daily-breakdown", intent.arguments))
                if not daily.get("isError"):
                    chart = answers.daily_chart(daily, metric)
                    charts = [chart] if chart else []
            return text, charts
        if intent.tool == "goals":
            text, chart = answers.goals_answer(result, label, domain)
            return text, [chart] if chart else []
        facet = intent.facet or "pages"
        text, chart = answers.list_answer(facet, intent.metric, result, label, domain, intent.shown, intent.rank)
        return text, [chart] if chart else []

    def _series(self, intent: Intent, result: ToolResult, call, today: date, label: str, domain) -> Iterator:
        """A weekly or monthly series: one overview per calendar week or month (unique visitors do not add up)."""
        tool = intent.tool if intent.tool == "ecommerce-overview" else "analytics-overview"
        metric = intent.metric or ("revenue" if tool == "ecommerce-overview" else "visitors")
        rows = []
        args = {k: v for k, v in intent.arguments.items() if k not in ("period", "from", "to")}
        for name, first, last in replies.buckets(intent.period, today, intent.series):
            bucket = yield from _last(call(tool, {**args, "from": first.isoformat(), "to": last.isoformat()}))
            if bucket.get("isError"):
                return tool_failed(tool, bucket), []
            figures, currency = answers.totals(tool, bucket)
            rows.append((name, first, last, figures))
        text, chart = replies.series_answer(metric, rows, label, domain, currency)
        if rows and rows[0][1] > intent.period.bounds(today)[0]:  # the last 26 buckets of a longer period
            text += f" (The last {len(rows)} {intent.series}s of the period are shown; ask for less for the rest.)"
        return text, [chart]


def tool_failed(tool: str, result: ToolResult) -> str:
    """A tool's refusal in its own words ("The domain ... is not one of your sites"); an internal failure
    in plain words, never its class name ("QueryError") or the database's message."""
    text = result_text(result) or ""
    if not text or re.search(r"\b[A-Z]\w*(?:Error|Exception)\b|Traceback", text):
        return f"The {tool} tool could not answer that just now. Please try again in a moment."
    return f"I asked the {tool} tool, and it said: {text}"


def user_questions(history: list[dict]) -> list[str]:
    """Every question of the conversation the server keeps (routes.Conversations: its last 20 messages): a subject
    named six questions back ("... for shop.example last Monday?", then five follow-ups) is still the subject."""
    return [m.get("text", "") for m in history if m.get("role") == "user"]


def _last(events: Iterator) -> Iterator[Event]:
    """Pass a sub-generator's events through and return its final non-event value (the tool result)."""
    value = None
    for item in events:
        if isinstance(item, dict) and item.get("type") in ("tool_call", "tool_result"):
            yield item
        else:
            value = item
    return value
