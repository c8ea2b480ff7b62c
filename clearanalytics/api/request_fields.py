"""The bodies of the API's write routes (provisioning.py): read once at the edge, into plain typed values.

A body is a JSON object or form fields (Plausible's documented calls use `curl -F`). Every value must be
a string; a field the route does not know is refused rather than ignored, so that a typo (`timezon`)
is not silently the default. Plausible's names are read as ours (`site_id` is `site`, `goal_type`
`type` with `page` for `url`, `page_path` `path`, `display_name` `name`); `team_id` is accepted and
ignored (the token's tenant is the team). An error names the field as the client sent it.
"""

from __future__ import annotations

from typing import Any

from flask import request

from clearanalytics.web_errors import ErrorAnswer

SITE_FIELDS = {"domain": "domain", "timezone": "timezone", "currency": "currency", "team_id": None}
GOAL_FIELDS = {
    "site": "site", "domain": "site", "site_id": "site",
    "name": "name", "display_name": "name",
    "type": "type", "goal_type": "type",
    "match_type": "match_type", "path": "path", "page_path": "path", "event_name": "event_name",
}  # fmt: skip
GOAL_TYPES = {"url": "url", "page": "url", "event": "event"}
MAX_FIELD_LENGTH = 2000


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_body() -> dict[str, Any]:
    """The request's fields: the form, or a JSON object (any other body); 422 naming `body` for anything else."""
    if request.mimetype in FORM_TYPES:
        return request.form.to_dict()
    if not request.get_data(cache=True).strip():
        return {}
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ErrorAnswer(422, "The request body must be a JSON object or form fields.", "body")
    return data


def _strings(body: dict[str, Any], known: dict[str, str | None]) -> dict[str, tuple[str, str]]:
    """canonical name -> (the client's name, value): unknown names, non-strings and two names for one refused."""
    found: dict[str, tuple[str, str]] = {}
    for sent, value in body.items():
        if sent not in known:
            raise ErrorAnswer(422, f"The {sent} field is not known here.", sent)
        name = known[sent]
        if name is None or value is None:
            continue
        if not isinstance(value, str):
            raise ErrorAnswer(422, f"The {sent} field must be a string.", sent)
        if len(value) > MAX_FIELD_LENGTH:
            raise ErrorAnswer(422, f"The {sent} field must be at most {MAX_FIELD_LENGTH} characters.", sent)
        if name in found:
            raise ErrorAnswer(422, f"Give one of {found[name][0]} and {sent}, not both.", sent)
        found[name] = (sent, value.strip())
    return found


def _required(found: dict[str, tuple[str, str]], name: str, say: str) -> str:
    if not found.get(name, ("", ""))[1]:
        raise ErrorAnswer(422, f"The {say} field is required.", say)
    return found[name][1]


def site_fields(body: dict[str, Any]) -> dict[str, Any]:
    """{domain, timezone (default UTC), currency (default EUR)}, the defaults of `site add`."""
    found = _strings(body, SITE_FIELDS)
    return {
        "domain": _required(found, "domain", "domain"),
        "timezone": found.get("timezone", ("", ""))[1] or "UTC",
        "currency": found.get("currency", ("", ""))[1] or "EUR",
        "_sent": {name: sent for name, (sent, _) in found.items()},
    }


def goal_fields(body: dict[str, Any]) -> dict[str, Any]:
    """{site, name, type, config}: the arguments of goalmatch.add_goal.

    A URL goal's match type defaults to exact, or to wildcard when the path holds a `*` (Plausible's
    page goals match `/blog/*` as a pattern); a missing name is made as Plausible shows one: the event
    name, or `Visit PATH`.
    """
    found = _strings(body, GOAL_FIELDS)
    sent = {name: client for name, (client, _) in found.items()}
    value = {name: v for name, (_, v) in found.items()}
    site = _required(found, "site", sent.get("site", "site"))
    kind = _required(found, "type", sent.get("type", "type"))
    if kind not in GOAL_TYPES:
        raise ErrorAnswer(422, f"unknown goal type {kind!r}: one of url, event (Plausible's page is url)", sent["type"])
    goal_type = GOAL_TYPES[kind]
    if goal_type == "event":
        config = {"event_name": value.get("event_name", "")}
        stray = [n for n in ("path", "match_type") if n in value]
        default_name = value.get("event_name", "")
    else:
        path = value.get("path", "")
        config = {"match_type": value.get("match_type") or ("wildcard" if "*" in path else "exact"), "path": path}
        stray = ["event_name"] if "event_name" in value else []
        default_name = f"Visit {path}"
    if stray:
        raise ErrorAnswer(422, f"The {sent[stray[0]]} field does not belong to a {kind} goal.", sent[stray[0]])
    return {
        "site": site,
        "type": goal_type,
        "name": value.get("name") or default_name,
        "config": config,
        "_sent": sent,
    }


def refusal(field: str, message: str, wanted: dict[str, Any]) -> ErrorAnswer:
    """A 422 from the shared validation (accounts, goals), naming the field as the client sent it."""
    canonical = "site" if field == "site_id" else field  # goals.create_goal's name for the goal's site
    return ErrorAnswer(422, message, wanted["_sent"].get(canonical, canonical))
