"""The OpenAPI operations of the sites and goals API (api/provisioning.py), each marked as an extension.

Beyond the reference, so each summary ends "An extension beyond the reference." (as the extension reports
do) and carries `x-extension: true` for tools. Field names and limits come from the code that reads the
bodies (request_fields.py) and checks the values (accounts, goals).
"""

from __future__ import annotations

from clearanalytics import goals
from clearanalytics.api import openapi_paths as p
from clearanalytics.api import request_fields

EXTENSION = " An extension beyond the reference."
STRING = {"type": "string", "maxLength": request_fields.MAX_FIELD_LENGTH}
SITE = p.obj({"id": "string", "domain": "string", "timezone": "string", "currency": "string"})
GOAL_CREATED = p.obj({**p.GOAL["properties"], "domain": "string", "backfilled": "int"})
SITE_DELETED = p.obj({
    "deleted": {"type": "boolean", "const": True},
    "domain": "string",
    "rows": {"type": "object", "description": "Rows deleted per table.", "additionalProperties": p.INT},
})  # fmt: skip
GOAL_DELETED = p.obj({"deleted": {"type": "boolean", "const": True}, "id": "string"})

SITE_BODY = {
    "type": "object",
    "properties": {
        "domain": STRING | {"description": "The site's host name; a scheme, a path and www. are dropped."},
        "timezone": STRING | {"description": "IANA name; default UTC. Reports count days in it."},
        "currency": STRING | {"description": "ISO 4217 code of the site's revenue; default EUR."},
        "team_id": STRING | {"description": "Plausible's; accepted and ignored (the token's tenant is the team)."},
    },
    "required": ["domain"],
    "additionalProperties": False,
}
GOAL_BODY = {
    "type": "object",
    "properties": {
        "domain": STRING | {"description": "One of your sites, by domain or id (or `site_id`, Plausible's name)."},
        "site_id": STRING | {"description": "Plausible's name for `domain`."},
        "type": {"type": "string", "enum": ["url", "event", "page"], "description": "page (Plausible's) is url."},
        "goal_type": {"type": "string", "enum": ["url", "event", "page"], "description": "Plausible's `type`."},
        "name": STRING | {"description": "Default: the event name, or `Visit PATH`."},
        "display_name": STRING | {"description": "Plausible's `name`."},
        "path": STRING | {"description": "URL goals: the path pattern."},
        "page_path": STRING | {"description": "Plausible's `path`."},
        "match_type": {"type": "string", "enum": list(goals.MATCH_TYPES),
                       "description": "URL goals; default exact, or wildcard when the path holds a *."},
        "event_name": STRING | {"description": "Event goals: the custom event's name."},
    },
    "additionalProperties": False,
}  # fmt: skip


def _body(schema: dict) -> dict:
    """JSON or form fields, as Plausible's `curl -F` examples send them."""
    media = ("application/json", "application/x-www-form-urlencoded")
    return {"required": True, "content": {m: {"schema": schema} for m in media}}


def _operation(op_id: str, summary: str, ability: str, status: str, schema: dict, errors: tuple[str, ...], **extra):
    """One operation: `status` with `schema`, the errors named plus 401, 403, 429 and 500."""
    rate = {"X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
            "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"}}  # fmt: skip
    responses = {status: {"description": "OK", "headers": rate, "content": {"application/json": {"schema": schema}}}}
    names = {"401": "Unauthenticated", "403": "Forbidden", "404": "NotFound", "422": "ValidationError",
             "429": "TooManyRequests", "500": "ServerError"}  # fmt: skip
    responses |= {code: {"$ref": f"#/components/responses/{names[code]}"} for code in ("401", "403", *errors)}
    responses |= {code: {"$ref": f"#/components/responses/{names[code]}"} for code in ("429", "500")}
    return {
        "tags": ["goals" if "Goals" in op_id else "sites"],
        "summary": summary + EXTENSION,
        "description": ability,
        "operationId": op_id,
        "x-extension": True,
        "responses": responses,
        **extra,
    }


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": p.TEXT, "description": description}


def write_paths() -> dict[str, dict]:
    """path -> {method: operation}; merged by openapi._paths into the read operations of the same paths."""
    owner = " Removing a site needs the owner role, adding one the admin role (the token's user's, now)."
    admin = " The token's user needs the admin role."
    return {
        "/sites": {
            "get": _operation("getSites", "Your tenant's sites.", "Needs the `stats:read` or `sites:write` ability.",
                              "200", p.data_of({"type": "array", "items": SITE}), ()),
            "post": _operation("postSites", "Add a site to your tenant (Plausible: POST /api/v1/sites).",
                               "Needs the `sites:write` ability." + owner, "201", SITE, ("422",),
                               requestBody=_body(SITE_BODY)),
        },
        "/sites/{site}": {
            "delete": _operation("deleteSitesSite", "Remove a site with its goals and every event "
                                 "(Plausible: DELETE /api/v1/sites/:site_id).", "Needs the `sites:write` ability." +
                                 owner, "200", SITE_DELETED, ("404",),
                                 parameters=[_path_param("site", "One of your sites, by id or domain.")]),
        },
        "/goals": {
            "post": _operation("postGoals", "Add a goal and count the site's past traffic towards it "
                               "(Plausible: PUT /api/v1/sites/goals).", "Needs the `goals:write` ability." + admin,
                               "201", GOAL_CREATED, ("422",), requestBody=_body(GOAL_BODY)),
        },
        "/goals/{goal}": {
            "delete": _operation("deleteGoalsGoal", "Remove a goal and its completions "
                                 "(Plausible: DELETE /api/v1/sites/goals/:goal_id).",
                                 "Needs the `goals:write` ability." + admin, "200", GOAL_DELETED, ("404",),
                                 parameters=[_path_param("goal", "The goal's id.")]),
        },
    }  # fmt: skip
