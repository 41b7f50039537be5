"""The layout does not drift: no import cycle between graph/ and viz/ modules, small modules, docstrings.

Every module of graph/ and viz/ is parsed with ``ast``; every import counts, module-level and
function-level alike (a function-level import only delays a cycle, it does not remove it).
``from graph import x`` counts ``graph.x`` when x is a module, relative imports are resolved, and
importing ``graph.store.embedded`` also imports the package ``graph.store`` (its ``__init__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "viz")
MAX_LINES = 600



def module_files() -> dict[str, Path]:
    """Every module of graph/ and viz/ by dotted name (a package by its own name, for ``__init__``)."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def is_package(name: str, modules: dict[str, Path]) -> bool:
    return name in modules and modules[name].name == "__init__.py"


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports, directly or as the parent packages of what it imports."""
    package = name if is_package(name, modules) else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets.add(base)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:  # `from graph import queries`: a module
                    targets.add(f"{base}.{alias.name}")
    out: set[str] = set()
    for target in targets:
        parts = target.split(".")
        # importing a.b.c imports the packages a and a.b first (their __init__ modules)
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            # A package's own modules run after its __init__ has started: the implicit import of
            # an enclosing package is no edge (an explicit `from graph.report import x` still is).
            implicit_ancestor = prefix != target and name.startswith(prefix + ".")
            if prefix in modules and prefix != name and not implicit_ancestor:
                out.add(prefix)
    return out


def dependency_graph() -> nx.DiGraph:
    modules = module_files()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in imported_modules(name, path, modules):
            graph.add_edge(name, target)
    return graph


def test_the_import_scanner_sees_function_level_relative_and_package_imports(tmp_path: Path) -> None:
    modules = {
        "graph": ROOT / "graph" / "__init__.py",
        "graph.store": ROOT / "graph" / "store" / "__init__.py",
        "graph.store.embedded": ROOT / "graph" / "store" / "embedded.py",
        "graph.queries": ROOT / "graph" / "queries.py",
        "graph.x": tmp_path / "x.py",
    }
    (tmp_path / "x.py").write_text(
        '"""x."""\n'
        "def f():\n    from graph import queries\n"
        "def g():\n    from .store import embedded\n",
        encoding="utf-8",
    )
    assert imported_modules("graph.x", modules["graph.x"], modules) == {
        "graph", "graph.queries", "graph.store", "graph.store.embedded"
    }


def test_no_import_cycle_between_modules() -> None:
    graph = dependency_graph()
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            cycles.append(" -> ".join([a for a, _ in cycle] + [cycle[0][0]]))
    assert not cycles, "import cycles (function-level imports included):\n" + "\n".join(sorted(cycles))


def test_modules_are_small_and_say_their_job() -> None:
    long, undocumented = set(), set()
    for path in module_files().values():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_LINES:
            long.add(rel)
        if not ast.get_docstring(ast.parse(text)):
            undocumented.add(rel)
    assert long == set(), f"modules over {MAX_LINES} lines: split them"
    assert undocumented == set(), "modules without a docstring saying their job"


def layer(module: str) -> str:
    """The layer a module belongs to: its sub-package of graph/ (io, sources, ingest, store, ...) or itself."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def test_layers_depend_one_way() -> None:
    """Between layers too (graph.sources, graph.ingest, graph.store, ...): no two depend on each other.

    io <- sources <- ingest -> store -> analysis -> indicators -> report / viz -> cli: a module-level
    cycle check alone would let graph.placement import a source while a source imports graph.placement.
    """
    layers = nx.DiGraph()
    for a, b in dependency_graph().edges():
        if layer(a) != layer(b) and layer(b) != "graph":  # graph/__init__ holds only the version
            layers.add_edge(layer(a), layer(b))
    cycles = sorted(" -> ".join(c + [c[0]]) for c in nx.simple_cycles(layers))
    assert not cycles, f"layers importing each other: {cycles}"
