"""The shape of the package, read from its source with `ast`: no import cycles, no face reaching
into another face, no oversized module.

The packages the issue names (app, api, mcp, chat, dashboard, stats, accounts) are the nodes.
Every other module of clearanalytics (db, request_scope, web_auth, web_errors, ratelimit, goals,
ingest, ...) is shared ground: an import through it counts as an import of whatever it imports,
so a cycle cannot hide behind a helper. Imports inside functions count too (a lazy import is
still a dependency); only `if TYPE_CHECKING:` blocks are left out.
"""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "clearanalytics"
NODES = ("app", "api", "mcp", "chat", "dashboard", "stats", "accounts")
FACES = ("api", "mcp", "chat", "dashboard")
# A face may use another only for a stated reason.
ALLOWED_FACE_EDGES = {
    ("chat", "mcp"): "the chat calls the MCP tool registry in-process: the same 12 tools and checks as MCP",
}
# Known debts, left out of the graph: (file, the member it imports). Each must still exist, so the
# entry goes with the import it excuses.
PENDING_IMPORTS = {
    ("clearanalytics/mcp/reports.py", "api"): "its schemas from api/openapi_paths until the report registry owns them",
}
MAX_LINES = 450
REPORT_LINES = 400

Edge = tuple[str, str]
Where = str  # "clearanalytics/x.py:12"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top(dotted: str) -> str | None:
    """The top-level member of clearanalytics that a dotted module name falls in."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "clearanalytics" and len(parts) > 1 else None


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from clearanalytics import accounts` imports the module clearanalytics.accounts.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)] if base == "clearanalytics" else [base]


def import_edges(pending_seen: set[tuple[str, str]] | None = None) -> dict[str, dict[str, Where]]:
    """top-level member -> {imported top-level member: where (first seen)}, PENDING_IMPORTS left out."""
    edges: dict[str, dict[str, Where]] = defaultdict(dict)
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        module = _module_name(path)
        source = _top(module + ".__init__" if path.name == "__init__.py" else module)
        if source is None:  # clearanalytics/__init__.py itself
            source = "__init__"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in skipped:
                continue
            for name in _imported(node, module, path.name == "__init__.py"):
                target = _top(name)
                relative = str(path.relative_to(PACKAGE_DIR.parent))
                if (relative, target) in PENDING_IMPORTS:
                    if pending_seen is not None:
                        pending_seen.add((relative, target))
                elif target and target != source:
                    edges[source].setdefault(target, f"{relative}:{node.lineno}")
    return edges


def node_edges() -> dict[Edge, list[Where]]:
    """(a, b) for nodes a != b when a imports b directly or through shared modules only; with the path."""
    edges = import_edges(None)
    found: dict[Edge, list[Where]] = {}
    for start in NODES:
        seen = {start}
        stack: list[tuple[str, list[Where]]] = [(start, [])]
        while stack:
            current, trail = stack.pop()
            for target, where in sorted(edges.get(current, {}).items()):
                if target in seen:
                    continue
                seen.add(target)
                path = [*trail, where]
                if target in NODES:
                    found.setdefault((start, target), path)
                else:
                    stack.append((target, path))
    return found


def find_cycle(edges: set[Edge]) -> list[str] | None:
    graph: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        graph[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], node, nxt] if nxt in stack else [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, [*stack, node])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_the_packages_import_each_other_without_a_cycle():
    edges = node_edges()
    cycle = find_cycle(set(edges))
    if cycle:
        steps = [f"{a} -> {b} ({' then '.join(edges[(a, b)])})" for a, b in zip(cycle, cycle[1:], strict=False)]
        raise AssertionError("import cycle between packages:\n  " + "\n  ".join(steps))


def test_no_face_imports_another_face():
    edges = node_edges()
    crossing = {edge: where for edge, where in edges.items() if edge[0] in FACES and edge[1] in FACES}
    unexplained = {e: w for e, w in crossing.items() if e not in ALLOWED_FACE_EDGES}
    assert not unexplained, "a face imports another face: " + "; ".join(
        f"{a} -> {b} via {' then '.join(w)}" for (a, b), w in sorted(unexplained.items())
    )


def test_nothing_but_the_app_imports_the_api():
    """The API is a face like the others: MCP, the chat and the dashboard share web_auth and ratelimit, not api/."""
    importers = {a: w for (a, b), w in node_edges().items() if b == "api" and a != "app"}
    assert not importers, importers


def test_every_pending_import_still_exists():
    seen: set[tuple[str, str]] = set()
    import_edges(seen)
    settled = sorted(set(PENDING_IMPORTS) - seen)
    assert not settled, f"these imports are gone: remove them from PENDING_IMPORTS: {settled}"


def test_the_checker_sees_a_cycle_through_a_shared_module(tmp_path, monkeypatch):
    """The graph is read from the source: a made-up package pair importing each other is caught."""
    root = tmp_path / "clearanalytics"
    for name, body in {
        "__init__.py": "",
        "accounts.py": "def f():\n    from clearanalytics import helper\n",
        "helper.py": "from clearanalytics.stats.engine import x\n",
        "stats/__init__.py": "",
        "stats/engine.py": "from clearanalytics.accounts import Site\n",
        "api/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from clearanalytics import mcp\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)
    monkeypatch.setitem(globals(), "PACKAGE_DIR", root)
    edges = node_edges()
    assert set(edges) == {("accounts", "stats"), ("stats", "accounts")}
    assert edges[("accounts", "stats")] == ["clearanalytics/accounts.py:2", "clearanalytics/helper.py:1"]
    assert find_cycle(set(edges)) in (["accounts", "stats", "accounts"], ["stats", "accounts", "stats"])


def test_no_module_is_over_450_lines():
    sizes = {
        str(path.relative_to(PACKAGE_DIR.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
    }
    large = {name: n for name, n in sizes.items() if n > REPORT_LINES}
    if large:
        warnings.warn(
            f"modules over {REPORT_LINES} lines: " + ", ".join(f"{k} ({v})" for k, v in sorted(large.items())),
            stacklevel=1,
        )
    too_large = {name: n for name, n in large.items() if n > MAX_LINES}
    assert not too_large, f"modules over {MAX_LINES} lines: {too_large}"
