"""The package arrows hold: no domain imports a domain above it, and nothing forms a cycle.

Every ``import`` counts, at the top of a module or inside a function (an import moved into
a function to dodge a cycle is still the cycle).  The layers are drawn in the README
(Layout); a new module of ``archive/`` must be placed in one of them here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# archive/: lower layers never import higher ones.  Modules of one layer may import each other only
# in the core and the composition root; the domains of one layer (web, demo, oversight) may not.
LAYERS: list[set[str]] = [
    {"extensions", "timeutil", "i18n", "geo", "formutil", "pagination", "spreadsheets", "objects", "routing",
     "config", "idnumbers", "roles", "signals", "access", "boundary", "messages", "coltypes",
     "jsonerrors"},   # core: no domain
    {"audit"},                                                # the recorder: every domain writes events
    {"request_audit"},                                        # every request's id and fallback event
    {"security"},                                             # every request's access check, headers, errors
    {"catalogue"},                                            # files, materials, people
    {"accounts"},                                             # users (a retiree's account names a file)
    {"pages"},                                                # page images, the viewer, fixity
    {"scanning"},                                             # scan jobs, QC findings, spot checks
    {"fulltext"},                                             # the search index feeder and page
    {"transfers"},                                            # batches, 名册, receiving, 转递, shelves
    {"lending"},                                              # requests, copies, certificates, approvals
    {"reports"},                                              # progress dashboard and §六 planning (reads the others)
    {"api"},                                                  # the JSON API: calls every domain's operations
    {"oversight", "web", "demo"},                             # the auditor's section, home page, demo data
    {"safekeeping"},                                          # backup, restore, export of a file
    {"__init__", "cli", "models", "database", "scheduler"},   # the composition root
]
SHARED_LAYERS = {0, len(LAYERS) - 1}

# The top-level packages: archive uses the three libraries; ingest uses storage; search and storage stand alone.
PACKAGE_ARROWS = {"archive": {"ingest", "search", "storage"}, "ingest": {"storage"}, "search": set(),
                  "storage": set()}


def _node(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


def _archive_edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    base = ROOT / "archive"
    for path in base.rglob("*.py"):
        src = _node(path.relative_to(base).parts)
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] != "archive" or len(parts) < 2:
                continue
            dst = parts[1]
            if dst != src:
                edges[(src, dst)].append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return edges


def _layer_of() -> dict[str, int]:
    return {name: i for i, layer in enumerate(LAYERS) for name in layer}


def test_every_archive_module_has_a_layer():
    base = ROOT / "archive"
    nodes = {_node(p.relative_to(base).parts) for p in base.rglob("*.py")}
    assert nodes - set(_layer_of()) == set(), "place the new module in a layer of LAYERS"


def _against_arrows(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    layer = _layer_of()
    wrong = []
    for (src, dst), where in sorted(edges.items()):
        a, b = layer.get(src), layer.get(dst)
        if src == dst or a is None or b is None:
            continue  # reported by the test above
        if b > a or (b == a and a not in SHARED_LAYERS):
            wrong.extend(where)
    return wrong


def test_no_domain_imports_a_domain_above_it_or_beside_it():
    wrong = _against_arrows(_archive_edges())
    assert wrong == [], "imports against the arrows:\n" + "\n".join(wrong)


def test_no_import_cycle_between_archive_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in _archive_edges():
        graph[src].add(dst)
    seen: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node):], node]
        if node in seen:
            return None
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            cycle = visit(nxt)
            if cycle:
                return cycle
        stack.pop()
        return None

    for start in sorted(graph):
        cycle = visit(start)
        assert cycle is None, " → ".join(cycle or [])


def test_top_level_packages_follow_their_arrows():
    wrong = []
    for package, allowed in PACKAGE_ARROWS.items():
        for path in (ROOT / package).rglob("*.py"):
            for module, line in _imports(path):
                top = module.split(".")[0]
                if top in PACKAGE_ARROWS and top != package and top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == [], "\n".join(wrong)


def test_the_checker_sees_a_violation():
    """The graph test must be able to fail: the imports this issue removed would be reported."""
    removed = {("catalogue", "fulltext"): ["catalogue/cli.py imports archive.fulltext"],
               ("audit", "accounts"): ["audit/rules.py imports archive.accounts.models"],
               ("web", "oversight"): ["a sibling"], ("fulltext", "fulltext"): ["itself"]}
    assert _against_arrows(removed) == ["audit/rules.py imports archive.accounts.models",
                                        "catalogue/cli.py imports archive.fulltext", "a sibling"]
