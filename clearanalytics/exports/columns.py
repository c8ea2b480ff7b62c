"""The one column definition per exported table.

JSONL keys, the CSV header, the BigQuery schema, the Power BI schema, the Power Query M
types, the OpenAPI row schemas and the export SQL's select list are all derived from
`TABLES`, so that they cannot disagree. Internal ids such as `site_id` are never exported:
each row carries its site's `domain` instead. No salts and no IPs exist to export.
"""

from __future__ import annotations

from dataclasses import dataclass

# A column's kind decides its encoding and its type in every target.
KINDS = ("string", "integer", "decimal", "float", "boolean", "timestamp", "json", "record")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    nullable: bool
    description: str
    repeated: bool = False
    fields: tuple[Column, ...] = ()  # for kind "record": the sub-columns of each element

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if (self.kind == "record") != bool(self.fields):
            raise ValueError(f"{self.name}: a record column, and only one, has fields")


def _c(name: str, kind: str, description: str, nullable: bool = False) -> Column:
    return Column(name, kind, nullable, description)


ID = _c("id", "string", "ULID of the row; sortable by creation time, and the export cursor.")
DOMAIN = _c("domain", "string", "The site's domain, as configured in ClearAnalytics.")
VISITOR = _c("visitor_hash", "string", "Anonymous visitor id: a keyed hash that changes every day.")
CREATED_AT = _c("created_at", "timestamp", "When it happened, in UTC.")

PAGEVIEWS: tuple[Column, ...] = (
    ID,
    DOMAIN,
    VISITOR,
    _c("session_hash", "string", "Anonymous session id: the visitor's events with gaps under 30 minutes."),
    _c("hostname", "string", "Host name of the page's URL."),
    _c("pathname", "string", "Path of the page's URL, without query string."),
    _c("referrer", "string", "Referring host; null for direct traffic.", nullable=True),
    _c("referrer_source", "string", "Referrer classified: a source name such as google, or direct."),
    _c("channel", "string", "Acquisition channel, such as direct, organic search or social."),
    _c("utm_source", "string", "utm_source of the landing URL.", nullable=True),
    _c("utm_medium", "string", "utm_medium of the landing URL.", nullable=True),
    _c("utm_campaign", "string", "utm_campaign of the landing URL.", nullable=True),
    _c("utm_term", "string", "utm_term of the landing URL.", nullable=True),
    _c("utm_content", "string", "utm_content of the landing URL.", nullable=True),
    _c("ref", "string", "The ref (or source) query parameter of the landing URL.", nullable=True),
    _c("browser", "string", "Browser family, such as Chrome."),
    _c("os", "string", "Operating system family, such as macOS."),
    _c("device_type", "string", "desktop, mobile or tablet."),
    _c("language", "string", "The browser's language, such as en.", nullable=True),
    _c("duration", "integer", "Engaged seconds on the page."),
    _c("scroll_depth", "integer", "Deepest scroll position reached, in percent.", nullable=True),
    # where the visitor was (an extension beyond the reference's columns, issue [5/7] item 1)
    _c("country_code", "string", "ISO 3166-1 alpha-2 country code, such as DE; null when unknown.", nullable=True),
    _c("region", "string", "ISO 3166-2 region code, such as DE-BY; null when unknown.", nullable=True),
    _c("city", "string", "The city's English name, such as Munich; null when unknown.", nullable=True),
    CREATED_AT,
)

GOALS: tuple[Column, ...] = (
    ID,
    DOMAIN,
    _c("name", "string", "The goal's name."),
    _c("type", "string", "url or event."),
    _c("config", "json", "Matching rule: {match_type, path} for url goals, {event_name} for event goals."),
    _c("is_active", "boolean", "Whether new completions are recorded."),
    _c("created_at", "timestamp", "When the goal was created, in UTC."),
    _c("updated_at", "timestamp", "When the goal was last changed, in UTC."),
)

GOAL_COMPLETIONS: tuple[Column, ...] = (
    ID,
    DOMAIN,
    _c("goal_id", "string", "The completed goal's id (see the goals export)."),
    VISITOR,
    _c("session_hash", "string", "Session of the completion.", nullable=True),
    _c("pageview_id", "string", "The pageview that completed the goal, if any.", nullable=True),
    CREATED_AT,
)

ITEM_FIELDS: tuple[Column, ...] = (
    _c("item_id", "string", "Product id or SKU.", nullable=True),
    _c("item_name", "string", "Product name.", nullable=True),
    _c("price", "float", "Unit price.", nullable=True),
    _c("quantity", "integer", "Units.", nullable=True),
)

ECOMMERCE_EVENTS: tuple[Column, ...] = (
    ID,
    DOMAIN,
    VISITOR,
    _c("session_hash", "string", "Anonymous session id."),
    _c("pageview_id", "string", "The pageview the event was sent from, if known.", nullable=True),
    _c("event_type", "string", "view_item, add_to_cart, begin_checkout or purchase."),
    _c("transaction_id", "string", "The shop's order id (purchases).", nullable=True),
    _c("value", "decimal", "Monetary value of the event, in `currency`.", nullable=True),
    _c("currency", "string", "ISO 4217 code of value.", nullable=True),
    _c("in_site_currency", "boolean", "False when currency differs from the site's (left out of revenue)."),
    Column("items", "record", False, "The products of the event.", repeated=True, fields=ITEM_FIELDS),
    CREATED_AT,
)

# Custom events (an extension beyond the reference's four tables, issue [5/7] item 7).
EVENTS: tuple[Column, ...] = (
    ID,
    DOMAIN,
    VISITOR,
    _c("session_hash", "string", "Anonymous session id."),
    _c("pageview_id", "string", "The pageview the event was sent from, if known.", nullable=True),
    _c("name", "string", "The event's name, such as Signup."),
    _c("hostname", "string", "Host name of the page the event was sent from."),
    _c("pathname", "string", "Path of the page the event was sent from."),
    _c("props", "json", "The event's custom properties: an object of names to values ({} when none)."),
    CREATED_AT,
)

TABLES: dict[str, tuple[Column, ...]] = {
    "pageviews": PAGEVIEWS,
    "goals": GOALS,
    "goal_completions": GOAL_COMPLETIONS,
    "ecommerce_events": ECOMMERCE_EVENTS,
    "events": EVENTS,
}
# Tables beyond the API reference's: their routes are marked as extensions in OpenAPI.
EXTENSION_TABLES = frozenset({"events"})

# URL path segment of each table's export route (/api/v1/export/<segment>).
ROUTE_SEGMENTS: dict[str, str] = {name: name.replace("_", "-") for name in TABLES}
