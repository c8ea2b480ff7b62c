"""Serving the tracker script and its variants, `GET /js/script.js`, `/js/script.<options>.js`, `/js/plausible.js`.

`static/script.js` is the base tracker (its gzipped size is the budget). It defines `window.plausible` beside
`window.clearanalytics`, both the same `track()` (Plausible's payload form for the first, ours for the second),
so a site on Plausible's plain snippet changes only the host. An option is a fragment under `static/tracker/`
spliced into the base's closure just before it defines its queue stub and starts, so a fragment can use and
rewrap the base's functions (`send`, `page`, `track`, `plausible`, `start`) and a site pays only for the options
it names. Variant names follow Plausible's (`script.outbound-links.file-downloads.js`, any order, each option
once). `clearanalytics.<options>.js` is the same without `window.plausible` (the base's last argument, `P`,
turned to 0), for a site that runs Plausible's own script beside ours and must keep its `window.plausible`.
Unknown names are 404.

Each variant is composed once per process and answered from memory: browsers revalidate it with the
strong ETag (a hash of its bytes, so a new release changes it), an unchanged copy costs a 304, and
clients that accept gzip get the precompressed bytes. Any origin may load it, hence the open CORS header.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request

bp = Blueprint("tracker", __name__)

SCRIPT_NAME = "script.js"
FRAGMENTS_DIR = "tracker"
CACHE_CONTROL = "public, max-age=3600"
# The base's line that defines the queue stub and then starts: fragments go right before it.
SPLICE_MARKER = "\nw.clearanalytics=w.clearanalytics||"
# The base's last line passes P=1 (define window.plausible); the clearanalytics. family passes 0.
PLAUSIBLE_ON = "(window,document,location,navigator,history,1);"
PLAUSIBLE_OFF = "(window,document,location,navigator,history,0);"

# Option name (as in the URL) -> fragment files, in the order they are spliced. `links` is shared by the
# two link options.
OPTIONS: dict[str, tuple[str, ...]] = {
    "hash": ("hash.js",),
    "pageview-props": ("pageview-props.js",),
    "revenue": (),  # window.plausible always takes `revenue`; the name is accepted for Plausible's snippets
    "manual": ("manual.js",),  # pageviews are then sent by plausible('pageview') or clearanalytics('pageview')
    "outbound-links": ("links.js", "outbound-links.js"),
    "file-downloads": ("links.js", "file-downloads.js"),
    "tagged-events": ("tagged-events.js",),  # sends through the closure's plausible(), in Plausible's form
    "404": ("404.js",),
    # Plausible names whose behaviour ours already has, or leaves out on purpose: accepted so that a page
    # loading them keeps being counted. compat: we find our tag by document.currentScript in every browser
    # we support; pageleave: engaged time is always sent; local: loopback pages stay uncounted (TRACKER.md).
    "compat": (),
    "pageleave": (),
    "local": (),
}
FRAGMENT_ORDER = (
    "hash.js",
    "pageview-props.js",
    "manual.js",
    "links.js",
    "outbound-links.js",
    "file-downloads.js",
    "tagged-events.js",
    "404.js",
)
_NAME = re.compile(r"^(script|plausible|clearanalytics)((?:\.[a-z0-9-]+)*)\.js$")


@dataclass(frozen=True)
class Variant:
    """What one script name asks for: its options and whether `window.plausible` comes with it."""

    options: frozenset[str]
    plausible: bool

    def fragments(self) -> list[str]:
        wanted: set[str] = set()
        for option in self.options:
            wanted.update(OPTIONS[option])
        return [name for name in FRAGMENT_ORDER if name in wanted]


def parse_variant(filename: str) -> Variant | None:
    """`script.hash.manual.js` -> Variant({'hash', 'manual'}, plausible=True); None for a name we do not serve.

    Options come in any order, each at most once (Plausible builds no name with a repeat). The `clearanalytics.`
    family is the same options without `window.plausible`, for sites that keep Plausible's own script beside."""
    match = _NAME.match(filename)
    if match is None:
        return None
    family, dotted = match.groups()
    options = dotted.split(".")[1:] if dotted else []
    if len(set(options)) != len(options) or any(option not in OPTIONS for option in options):
        return None
    return Variant(frozenset(options), plausible=family != "clearanalytics")


def strip_header(fragment: str) -> str:
    """A fragment without its leading /* comment */: that text is for readers of the source, not for visitors."""
    if fragment.startswith("/*"):
        fragment = fragment[fragment.index("*/") + 2 :]
    return fragment.strip("\n")


def compose(base: str, fragments: list[str], plausible: bool = True) -> str:
    """The base script with the fragments' code spliced into its closure (see SPLICE_MARKER), and without
    `window.plausible` unless `plausible`."""
    if not plausible:
        if base.count(PLAUSIBLE_ON) != 1:
            raise ValueError(f"static/{SCRIPT_NAME} lost its last line's {PLAUSIBLE_ON!r}")
        base = base.replace(PLAUSIBLE_ON, PLAUSIBLE_OFF)
    if not fragments:
        return base
    head, marker, tail = base.rpartition(SPLICE_MARKER)
    if not marker:
        raise ValueError(f"static/{SCRIPT_NAME} lost its splice point {SPLICE_MARKER.strip()!r}")
    return head + "\n" + "\n".join(strip_header(fragment) for fragment in fragments) + marker + tail


def build(static_dir: Path, variant: Variant) -> str:
    """The variant's source, read from `static_dir` (the app's static folder)."""
    base = (static_dir / SCRIPT_NAME).read_text(encoding="utf-8")
    fragments = [(static_dir / FRAGMENTS_DIR / name).read_text(encoding="utf-8") for name in variant.fragments()]
    return compose(base, fragments, variant.plausible)


@dataclass(frozen=True)
class Asset:
    """One representation of the script: its bytes and the strong ETag naming them."""

    body: bytes
    etag: str


@dataclass(frozen=True)
class TrackerScript:
    plain: Asset
    gzipped: Asset

    @classmethod
    def from_bytes(cls, body: bytes) -> TrackerScript:
        digest = hashlib.sha256(body).hexdigest()[:32]
        # mtime=0 keeps the gzip bytes (and so their ETag) identical across restarts.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(plain=Asset(body, digest), gzipped=Asset(packed, digest + "-gz"))

    @classmethod
    def load(cls, path: Path) -> TrackerScript:
        return cls.from_bytes(path.read_bytes())


def tracker_script(variant: Variant | None = None) -> TrackerScript:
    """The app's script (or one variant), composed on first use and kept for the life of the process.

    Kept by what it is made of (the fragments, with or without `window.plausible`), not by name: names that
    differ only in order or in options with no code share one copy, so at most 2 * 2^7 copies (seven options
    with code) of a few KB each exist, whatever names are asked for."""
    variant = variant or Variant(frozenset(), plausible=True)
    key = (variant.plausible, *variant.fragments())
    scripts = current_app.extensions.setdefault("clearanalytics.tracker_variants", {})
    script = scripts.get(key)
    if script is None:
        source = build(Path(current_app.static_folder), variant)
        script = scripts[key] = TrackerScript.from_bytes(source.encode("utf-8"))
    return script


def _answer(script: TrackerScript) -> Response:
    wants_gzip = request.accept_encodings["gzip"] > 0
    asset = script.gzipped if wants_gzip else script.plain
    response = Response(asset.body, mimetype="application/javascript")
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(asset.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Answers 304 (no body) when If-None-Match names this ETag.
    return response.make_conditional(request)


@bp.get("/js/script.js")
def script_js() -> Response:
    return _answer(tracker_script())


@bp.get("/js/<filename>")
def script_variant(filename: str) -> Response:
    variant = parse_variant(filename)
    if variant is None:
        abort(404)
    return _answer(tracker_script(variant))


def gzipped_size(source: str) -> int:
    """The size budget's measure: `gzip -9` of the bytes served."""
    return len(gzip.compress(source.encode("utf-8"), compresslevel=9, mtime=0))


def size_table(static_dir: Path) -> list[tuple[str, int, int]]:
    """(script name, gzipped bytes, extra over the base) for the base, clearanalytics.js, each option alone
    (without and with `window.plausible`) and all options together.

    `python -m clearanalytics.tracker` prints it; docs/TRACKING.md quotes it."""
    base = gzipped_size(build(static_dir, Variant(frozenset(), plausible=True)))
    names = [SCRIPT_NAME, "clearanalytics.js"]
    names += [f"clearanalytics.{option}.js" for option in OPTIONS]
    names += [f"script.{option}.js" for option in OPTIONS]
    names += ["clearanalytics." + ".".join(OPTIONS) + ".js", "script." + ".".join(OPTIONS) + ".js"]
    rows = []
    for name in names:
        size = gzipped_size(build(static_dir, parse_variant(name)))
        rows.append((name, size, size - base))
    return rows


if __name__ == "__main__":
    print("| Script | gzip -9 bytes | over script.js |\n|---|---|---|")
    for name, size, extra in size_table(Path(__file__).resolve().parent.parent / "static"):
        print(f"| `{name}` | {size} | {extra:+d} |")
