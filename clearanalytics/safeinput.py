"""The one decoder for text a client sends: JSON bodies, query strings and header values.

Two inputs used to reach deep code and end as 500s: JSON nested ~1,000 levels (the C
scanner recurses until RecursionError, and code walking the value would recurse again)
and lone UTF-16 surrogates (a `"\\ud800"` escape, or the raw bytes ED A0 80 that
`json.loads(bytes)` decodes with `surrogatepass`), which DuckDB refuses to store or
compare, long after the request was acknowledged. Every place that parses client JSON
calls `loads`, which refuses both with an `InputError` naming the field, so each route
answers a 400 that says where the problem is.

Both checks cost nothing on ordinary input: the depth scan runs only when the text holds
more brackets than the limit (after parsing, or when the scanner itself gave up), and the
surrogate walk only when a `\\uD8..`-style escape or a non-UTF-8 byte is present.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

MAX_DEPTH = 64  # our deepest documents (ecommerce items, MCP arguments) nest 4 levels
SURROGATE_MESSAGE = "must not contain a lone UTF-16 surrogate"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# A JSON string token (escapes included) or a bracket: enough to follow nesting without parsing.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_COLON = re.compile(r"[ \t\r\n]*:")
_scan_once = json.JSONDecoder().scan_once


class InputError(ValueError):
    """A client mistake in raw input; `field` names where (dotted path, `[i]` for list items)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def loads(raw: bytes | str, field: str = "body", prefix: str = "", max_depth: int = MAX_DEPTH) -> Any:
    """json.loads for client input: refuses bad encoding, deep nesting and lone surrogates.

    `field` names the whole document in errors about it (not JSON, not UTF-8); `prefix` is put
    before the key path of a problem inside it ("p." for Plausible props sent as a string).
    """
    text, raw_surrogates = _text(raw, field)
    try:
        value = _decode(text, field)
    except RecursionError:  # ~1,000 levels: the scanner gave up, after a prefix it could read
        _check_depth(text, field, prefix, max_depth)
        raise InputError(field, f"is nested more than {max_depth} levels deep") from None
    if text.count("[") + text.count("{") > max_depth:  # brackets in strings count too: an upper bound
        _check_depth(text, field, prefix, max_depth)
    if raw_surrogates or ("\\u" in text and _SURROGATE_ESCAPE.search(text)) or has_surrogate(text):
        _check_strings(value, field, prefix)
    return value


def _text(raw: bytes | str, field: str) -> tuple[str, bool]:
    """The document as text, and whether it came with surrogates encoded as raw bytes."""
    if isinstance(raw, str):
        return raw, False
    try:
        return raw.decode(json.detect_encoding(raw)), False
    except UnicodeDecodeError:
        pass
    try:  # as json.loads(bytes) does: the strings holding them are found and named after parsing
        return raw.decode(json.detect_encoding(raw), "surrogatepass"), True
    except UnicodeDecodeError:
        raise InputError(field, "must be UTF-8 encoded JSON") from None


def _decode(text: str, field: str) -> Any:
    """json.loads without its Python-level wrappers (measurable on the import's hot path).

    RecursionError passes through: the caller names the field that is too deep.
    """
    try:
        value, end = _scan_once(text, 0)
    except StopIteration:
        try:
            return json.loads(text)  # leading whitespace, or invalid: json decides
        except ValueError:
            raise InputError(field, "is not valid JSON") from None
    except ValueError:
        raise InputError(field, "is not valid JSON") from None
    if end != len(text) and text[end:].strip(" \t\n\r"):  # JSON's whitespace only, as json.loads
        raise InputError(field, "is not valid JSON")
    return value


def _check_depth(text: str, field: str, prefix: str, max_depth: int) -> None:
    """Follow brackets outside strings; past `max_depth`, name the keys leading there.

    Runs only on text the scanner read up to the deep point, so every string before it is
    closed and one pass stays linear (an unclosed string would make each quote rescan the rest).
    """
    keys: list[str | None] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            keys.append(None)
            if len(keys) > max_depth:
                path = ".".join([k for k in keys if k][:4])  # the keys that say where; not all 64
                raise InputError(prefix + path if path else field, f"is nested more than {max_depth} levels deep")
        elif token in "]}":
            if keys:
                keys.pop()
        elif keys and _COLON.match(text, match.end()):
            try:
                keys[-1] = json.loads(token)
            except ValueError:
                keys[-1] = token.strip('"')


def has_surrogate(value: str) -> bool:
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_strings(value: Any, field: str, prefix: str) -> None:
    """Name the first string (key or value) holding a lone surrogate; iterative, so depth cannot hurt."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                raise InputError(prefix + path if path else field, SURROGATE_MESSAGE)
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                where = f"{path}.{key}" if path else key
                if has_surrogate(key):
                    raise InputError(prefix + (path or field), f"has a key that {SURROGATE_MESSAGE}")
                children.append((child, where))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(child, f"{path}[{i}]") for i, child in enumerate(item)]))


def check_query_string(query_string: str) -> None:
    """Refuse a query parameter whose percent-decoded bytes are not UTF-8.

    Werkzeug quietly turns such bytes into U+FFFD, so a filter would match nothing instead of
    telling the client; `query_string` is WSGI's QUERY_STRING (latin-1 text of the raw bytes).
    """
    if "%" not in query_string and query_string.isascii():
        return
    for pair in query_string.split("&"):
        key, _, value = pair.partition("=")
        name = _unquote(key)
        try:
            name = name.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("query", "has a parameter name that is not valid UTF-8") from None
        try:
            _unquote(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(name, "must be valid UTF-8 (no lone surrogates)") from None


def _unquote(part: str) -> bytes:
    return unquote_to_bytes(part.replace("+", " ").encode("latin-1", "replace"))


def header_text(value: str, field: str) -> str:
    """A header value as the client meant it: WSGI hands over latin-1 text of the raw bytes.

    ASCII (every browser's User-Agent) passes as is; other bytes must be UTF-8, so that raw
    surrogate bytes (ED A0 80) are a 400 naming the header rather than a stored oddity.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:  # already decoded text (a test client): check it as it is
        if has_surrogate(value):
            raise InputError(field, SURROGATE_MESSAGE) from None
        return value
    except UnicodeDecodeError:
        raise InputError(field, "must be valid UTF-8 (no lone surrogates)") from None
