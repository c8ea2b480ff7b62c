"""The tool loop: the model calls the 12 tools, the server runs them, for at most MAX_ROUNDS rounds.

The loop emits the same events as the built-in engine (engine.py), so the panel shows every
tool call with its arguments as it happens. What the provider receives is the system prompt
below (the date, the tenant's own site domains, the site the page shows), the conversation's earlier questions and
answers, and the tool results, which are the tenant's own aggregates: nothing else leaves
the server. When the provider fails (unreachable, timeout, an error status, a malformed
answer) the panel gets a notice and the built-in engine answers instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from clearanalytics.chat import answers
from clearanalytics.chat.engine import BuiltinEngine, ChatContext, Event, Transcript
from clearanalytics.chat.providers import HttpClient, ProviderError, Turn
from clearanalytics.chat.tools import result_for_model
from clearanalytics.stats import periods

MAX_ROUNDS = 5
MAX_HISTORY = 10  # earlier messages sent along, to keep requests small
PERIOD_WORDS = "; ".join(f"{p.code} is {p.words}" for p in periods.PERIODS)


def system_prompt(ctx: ChatContext) -> str:
    sites = ", ".join(ctx.domains) if ctx.domains else "none yet"
    current = ""
    if ctx.site:  # the chat was opened on this site's analytics page: its numbers are the ones on screen
        current = (
            f" The user is looking at the analytics of {ctx.site}: when a question names no site, answer for "
            f"that site (pass domain={ctx.site}) and say so; only when they ask about all their sites, omit "
            "`domain`."
        )
    if ctx.shared and ctx.site:  # a visitor of a shared link: one site, some panels, no account
        current = (
            f" The user is a visitor of a read-only shared view of {ctx.site}: answer only about {ctx.site} "
            f"(always pass domain={ctx.site}) and only with the tools given; when a question is about another "
            "site, all sites or something those tools do not cover, say plainly that this shared view cannot answer it."
        )
    return (
        "You are the analytics assistant inside ClearAnalytics, a privacy-first web analytics dashboard. "
        f"Today is {ctx.today.isoformat()}. The user's sites: {sites}. "
        "Answer questions about their traffic by calling the tools; every number you give must come from a "
        f"tool result, never guess one. Periods: use `period` ({PERIOD_WORDS}, ending today; default "
        f"{periods.DEFAULT_PERIOD}) or, for other ranges, `from` and `to` as YYYY-MM-DD dates. "
        "Use `domain` to restrict to one site. Answer briefly, in the user's language, with the key numbers." + current
    )


def run_llm(provider: HttpClient, question: str, ctx: ChatContext, max_rounds: int = MAX_ROUNDS) -> Iterator[Event]:
    out = Transcript(provider.name)
    tools = ctx.tools.list()
    try:
        messages = provider.start(system_prompt(ctx), ctx.history[-MAX_HISTORY:], question)
        charts: list[dict] = []
        for _round in range(max_rounds):
            turn = None
            for item in provider.stream(messages, tools):
                if isinstance(item, Turn):
                    turn = item
                elif item:
                    yield out.say(item)  # the answer as the model writes it
            if turn is None:
                raise ProviderError(f"the {provider.name} provider's answer ended early")
            if not turn.tool_calls:
                if not turn.text.strip():
                    yield out.say("The assistant gave no answer.")
                for spec in charts[-1:]:  # the last data the model looked at, drawn under its answer
                    yield out.chart(spec)
                yield out.done()
                return
            if turn.text.strip():
                yield out.say("\n\n")
            results = []
            for call in turn.tool_calls:
                yield out.tool_call(call.name, {**call.arguments, "tenant": ctx.tenant})
                result = ctx.tools.call(call.name, call.arguments)
                yield {"type": "tool_result", "name": call.name, "isError": bool(result.get("isError"))}
                results.append(result_for_model(result))
                chart = None if result.get("isError") else answers.chart_for(call.name, result)
                if chart:
                    charts.append(chart)
            provider.add_results(messages, turn, results)
        raise ProviderError(f"the {provider.name} model was still calling tools after {max_rounds} rounds")
    except ProviderError as exc:
        yield from fallback(str(exc), question, ctx)


def fallback(reason: str, question: str, ctx: ChatContext) -> Iterator[Event]:
    """A clear notice, then the built-in engine's answer; the final message carries the notice too."""
    notice = f"The AI provider could not answer ({reason}); the built-in assistant answers instead."
    yield {"type": "notice", "message": notice}
    for event in BuiltinEngine().run(question, ctx):
        if event["type"] == "done":
            event["message"]["notice"] = notice
        yield event
