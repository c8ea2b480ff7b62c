"""The wire format: parse and validate one event body, native or Plausible-style.

Everything a client can get wrong is reported as `PayloadError(field, message)`, which
the route turns into a 400 naming the field. Nothing here touches the database.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from clearanalytics.safeinput import InputError, header_text, loads

MAX_BODY_BYTES = 16 * 1024
MAX_NAME_LENGTH = 120
MAX_PROPS = 30
MAX_PROP_KEY = 300
MAX_PROP_VALUE = 2000
MAX_DURATION_SECONDS = 24 * 3600  # one engagement delta above a day is not a real visit
MAX_VALUE = 10**13
MAX_ITEMS = 200
ECOMMERCE_NAMES = frozenset({"view_item", "add_to_cart", "begin_checkout", "purchase"})
_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PayloadError(ValueError):
    """A client mistake; `field` names the offending key (dotted inside ecommerce)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(slots=True)
class Ecommerce:
    transaction_id: str | None
    value: float | None
    currency: str | None
    items: list[dict[str, Any]]


@dataclass(slots=True)
class Payload:
    name: str
    url: str
    domain: str
    referrer: str = ""
    language: str | None = None
    props: dict[str, str] = field(default_factory=dict)
    hash_routing: bool = False
    ecommerce: Ecommerce | None = None
    pageview_id: str | None = None  # engagement: the pageview it belongs to (native)
    duration: float | None = None  # engagement delta, or a pageview's total in imports
    scroll_depth: int | None = None
    plausible: bool = False


def decode_body(raw: bytes) -> dict[str, Any]:
    """The body as a dict; too deep or a lone surrogate anywhere is a PayloadError naming the key."""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadError("body", f"must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = loads(raw)
    except InputError as exc:
        if exc.field == "body" and exc.message == "is not valid JSON":
            raise PayloadError("body", "must be a JSON object") from None
        raise PayloadError(exc.field, exc.message) from None
    if not isinstance(data, dict):
        raise PayloadError("body", "must be a JSON object")
    return data


def header(value: str | None, field_name: str) -> str | None:
    """A request header as text; raw bytes that are not UTF-8 (ED A0 80: a surrogate) are a PayloadError."""
    if value is None or value.isascii():
        return value
    try:
        return header_text(value, field_name)
    except InputError as exc:
        raise PayloadError(exc.field, exc.message) from None


def _string(data: dict, key: str, field_name: str, required: bool = False, limit: int = 2000) -> str | None:
    value = data.get(key)
    if value.__class__ is str and 0 < len(value) <= limit:  # the common case first: every event runs this ~6 times
        return value
    if value is None or value == "":
        if required:
            raise PayloadError(field_name, "is required")
        return None
    if not isinstance(value, str):
        raise PayloadError(field_name, "must be a string")
    if len(value) > limit:
        raise PayloadError(field_name, f"must be at most {limit} characters")
    return value


def _number(value: Any, field_name: str, low: float, high: float) -> float | None:
    if value.__class__ is int and low <= value <= high:  # the common case first
        return value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError(field_name, "must be a number")
    if value < low or value > high:
        raise PayloadError(field_name, f"must be between {low:g} and {high:g}")
    return value


def _props(value: Any, field_name: str = "props") -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):  # older Plausible trackers send props as a JSON string
        try:
            value = loads(value, field=field_name, prefix=field_name + ".")
        except InputError as exc:
            if exc.field == field_name and exc.message == "is not valid JSON":
                raise PayloadError(field_name, "must be an object of string values") from None
            raise PayloadError(exc.field, exc.message) from None
    if not isinstance(value, dict):
        raise PayloadError(field_name, "must be an object of string values")
    if len(value) > MAX_PROPS:
        raise PayloadError(field_name, f"must have at most {MAX_PROPS} keys")
    props: dict[str, str] = {}
    for key, item in value.items():
        if not key or len(key) > MAX_PROP_KEY:
            raise PayloadError(field_name, f"keys must be 1 to {MAX_PROP_KEY} characters")
        if item is None:
            continue
        if isinstance(item, dict | list):
            raise PayloadError(field_name, f"value of {key!r} must be a string, not nested")
        item = item if isinstance(item, str) else json.dumps(item)
        props[key] = item[:MAX_PROP_VALUE]
    return props


def _ecommerce(value: Any, name: str) -> Ecommerce | None:
    if value is None:
        if name == "purchase":
            raise PayloadError("ecommerce", "is required for a purchase")
        return None
    if not isinstance(value, dict):
        raise PayloadError("ecommerce", "must be an object")
    tx = value.get("transaction_id")
    if tx is not None and not isinstance(tx, str | int) or isinstance(tx, bool):
        raise PayloadError("ecommerce.transaction_id", "must be a string")
    tx = str(tx).strip()[:200] if tx is not None else None
    amount = _number(value.get("value"), "ecommerce.value", 0, MAX_VALUE)
    currency = value.get("currency")
    if currency is not None:
        if not isinstance(currency, str) or not _CURRENCY.match(currency.strip().upper()):
            raise PayloadError("ecommerce.currency", "must be a 3-letter ISO 4217 code")
        currency = currency.strip().upper()
    if amount is not None and currency is None:
        raise PayloadError("ecommerce.currency", "is required with a value")
    if name == "purchase" and amount is None:
        raise PayloadError("ecommerce.value", "is required for a purchase")
    items = value.get("items", [])
    if items is None:
        items = []
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise PayloadError("ecommerce.items", f"must be a list of at most {MAX_ITEMS} objects")
    clean: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = f"ecommerce.items[{i}]"
        if not isinstance(item, dict):
            raise PayloadError(where, "must be an object")
        item_id = item.get("item_id")
        if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, str | int)):
            raise PayloadError(f"{where}.item_id", "must be a string")
        item_name = _string(item, "item_name", f"{where}.item_name", limit=500)
        if item_id is None and item_name is None:
            raise PayloadError(f"{where}.item_id", "an item needs an item_id or an item_name")
        price = _number(item.get("price"), f"{where}.price", 0, MAX_VALUE)
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 1_000_000:
            raise PayloadError(f"{where}.quantity", "must be a whole number from 1 to 1000000")
        clean.append(
            {
                "item_id": str(item_id) if item_id is not None else None,
                "item_name": item_name,
                "price": price,
                "quantity": quantity,
            }
        )
    return Ecommerce(tx or None, amount, currency, clean)


def _scroll(value: Any, field_name: str) -> int | None:
    if value.__class__ is int and 0 <= value <= 100:
        return value
    number = _number(value, field_name, 0, 100)
    return None if number is None else int(round(number))


def is_plausible(data: dict[str, Any]) -> bool:
    """The Plausible form is recognised by its short keys: `n` without `name`."""
    return "n" in data and "name" not in data


def is_plausible_revenue(data: dict[str, Any]) -> bool:
    """Plausible's Events API with its long names (`name`, `url`, `domain`, `props`) and `revenue`, a key the
    native form does not have: read as Plausible's form, or the revenue would be silently lost.
    Without `revenue` the long form is the native form already (the same keys, the same meaning)."""
    return "name" in data and "revenue" in data


def parse_payload(data: dict[str, Any], historical: bool = False) -> Payload:
    """Either format into one Payload; the Plausible form is recognised by its short keys.

    `historical` (imports) also reads a pageview's total `duration` and `scroll_depth`.
    """
    if is_plausible(data) or is_plausible_revenue(data):
        return _parse_plausible(data)
    name = _string(data, "name", "name", required=True, limit=MAX_NAME_LENGTH)
    props = data.get("props")
    payload = Payload(  # positional: this runs for every event, and keywords cost more
        name,
        _string(data, "url", "url", required=True),
        _string(data, "domain", "domain", required=True, limit=253),
        _string(data, "referrer", "referrer") or "",
        _string(data, "language", "language", limit=35),
        {} if props is None else _props(props),
        bool(data.get("hash")),
    )
    if name == "engagement":
        pageview_id = _string(data, "pageview_id", "pageview_id", required=True, limit=26)
        if not _ID.match(pageview_id):
            raise PayloadError("pageview_id", "must be the id a pageview answer returned")
        payload.pageview_id = pageview_id
        payload.duration = _number(data.get("duration", 0), "duration", 0, MAX_DURATION_SECONDS)
        payload.scroll_depth = _scroll(data.get("scroll_depth"), "scroll_depth")
    elif name in ECOMMERCE_NAMES:
        payload.ecommerce = _ecommerce(data.get("ecommerce"), name)
    elif name == "pageview" and historical:
        payload.duration = _number(data.get("duration"), "duration", 0, MAX_DURATION_SECONDS)
        payload.scroll_depth = _scroll(data.get("scroll_depth"), "scroll_depth")
    return payload


def _key(data: dict[str, Any], short: str, *long: str) -> str:
    """Which of Plausible's names for one field (short, then long) the body uses, so an error names that key;
    for a field the body lacks, the name its own form would use (the long one when it sent `name`)."""
    if short in data:
        return short
    found = next((name for name in long if name in data), None)
    return found or (long[0] if "name" in data else short)


def _parse_plausible(data: dict[str, Any]) -> Payload:
    name = _string(data, k := _key(data, "n", "name"), k, required=True, limit=MAX_NAME_LENGTH)
    domain = _string(data, k := _key(data, "d", "domain"), k, required=True, limit=1000)
    props_key = _key(data, "p", "m", "props", "meta")  # none of them: no props, so no error names it
    payload = Payload(
        name=name,
        url=_string(data, k := _key(data, "u", "url"), k, required=True),
        domain=domain.split(",")[0].strip(),
        referrer=_string(data, k := _key(data, "r", "referrer"), k) or "",
        props=_props(data.get(props_key), props_key),
        hash_routing=bool(data.get(_key(data, "h", "hashMode"))),
        plausible=True,
    )
    if name == "engagement":
        millis = _number(data.get("e", 0), "e", 0, MAX_DURATION_SECONDS * 1000)
        payload.duration = (millis or 0) / 1000
        payload.scroll_depth = _scroll(data.get("sd"), "sd")
    rk = _key(data, "$", "revenue")
    revenue = data.get(rk)
    if revenue is not None:
        if not isinstance(revenue, dict):
            raise PayloadError(rk, "must be an object with amount and currency")
        amount = revenue.get("amount")
        if isinstance(amount, str):
            try:
                amount = float(amount)
            except ValueError:
                raise PayloadError(f"{rk}.amount", "must be a number") from None
        payload.ecommerce = Ecommerce(
            None,
            _number(amount, f"{rk}.amount", 0, MAX_VALUE),
            _check_currency(revenue.get("currency"), f"{rk}.currency"),
            [],
        )
        if payload.ecommerce.value is None:
            raise PayloadError(f"{rk}.amount", "is required")
    elif name in ECOMMERCE_NAMES:
        payload.ecommerce = _ecommerce(data.get("ecommerce"), name)
    return payload


def _check_currency(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value.strip().upper()):
        raise PayloadError(field_name, "must be a 3-letter ISO 4217 code")
    return value.strip().upper()
