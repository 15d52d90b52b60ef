"""The package's layers, read from its own imports: data flows one way and nothing loops.

Every import counts, including those inside functions and under TYPE_CHECKING, since a loop that
only closes at run time is still a loop a reader has to hold in their head.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import milex

PACKAGE = Path(milex.__file__).resolve().parent

#: a package may import only packages of a lower rank: data < analysis < projection < industry,
#: finance < present < the public face (milex itself) < cli, web, which call it
RANKS = {
    "errors": 0,
    "version": 0,
    "chart_registry": 0,
    "result": 0,
    "data": 1,
    "analysis": 2,
    "projection": 3,
    "industry": 4,
    "finance": 4,
    "present": 5,
    "__init__": 6,  # the public face: milex.load(), tracker(), project(), fiscal() ...
    "cli": 7,
    "web": 7,
    "__main__": 8,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The milex modules that the module ``name`` imports anywhere in its text."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import: from its package, up level - 1 steps
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # a submodule where the name is one, else the module that defines the name
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != name:  # "milex" itself is the public face, the top
                found.add(target)
    return found


EDGES = {name: imported(name, path) for name, path in MODULES.items()}


def reach(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Every node each node reaches by one or more arrows."""
    out: dict[str, set[str]] = {}
    for start in edges:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        out[start] = seen
    return out


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (strongly connected, more than one node)."""
    reached = reach(edges)
    groups = {
        tuple(sorted({n for n in reached[a] if a in reached.get(n, ())} | {a}))
        for a in edges
        if a in reached[a]
    }
    return sorted(list(g) for g in groups)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_belongs_to_a_known_layer():
    assert {layer(m) for m in MODULES} <= set(RANKS) | {"static"}


def test_no_module_imports_one_that_imports_it_back():
    assert circles(EDGES) == []


def test_no_layer_imports_a_higher_one():
    upward = sorted(
        f"{a} -> {b}" for a, bs in EDGES.items() for b in bs if RANKS[layer(a)] < RANKS[layer(b)]
    )
    assert upward == []


def test_the_middle_layers_form_no_loop_between_them():
    packages: dict[str, set[str]] = defaultdict(set)
    for a, bs in EDGES.items():
        packages[layer(a)] |= {layer(b) for b in bs if layer(b) != layer(a)}
    assert circles(packages) == []


def test_the_public_face_is_small_and_sorted():
    assert milex.__all__ == sorted(milex.__all__)
    assert len(milex.__all__) <= 12
    for name in milex.__all__:
        assert getattr(milex, name) is not None


def test_a_loop_of_three_is_found_and_a_chain_is_not():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("mutation", ["up", "circle"])
def test_the_checks_see_an_import_added_inside_a_function(mutation, tmp_path):
    """The graph is read from the text, so an import buried in a function is an edge too."""
    source = (
        "def f():\n    from milex.web import app\n"
        if mutation == "up"
        else "def f():\n    from milex.data import store\n"
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    targets = imported("milex.data.registry", path)
    assert targets == ({"milex.web.app"} if mutation == "up" else {"milex.data.store"})


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def sizes(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """A module's lines, and each function longer than MAX_FUNCTION_LINES with its length."""
    text = path.read_text("utf-8")
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    return len(text.splitlines()), long


def test_no_module_is_over_500_lines_and_no_function_over_80():
    over = []
    for name, path in MODULES.items():
        lines, long = sizes(path)
        if lines > MAX_MODULE_LINES:
            over.append(f"{name}: {lines} lines")
        over += [f"{name}.{function}: {n} lines" for function, n in long]
    assert over == []


def test_the_size_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    path = tmp_path / "m.py"
    path.write_text(f"def f():\n{body}\n")
    assert sizes(path) == (MAX_FUNCTION_LINES + 1, [("f", MAX_FUNCTION_LINES + 1)])


#: The library's public modules below the presentation layer: what a user may import and rely on.
#: Everything else there is internal and named ``_module``, so a reader sees the API at a glance;
#: the applications (present, cli, web) are not imported by users and keep plain names.
PUBLIC_LIBRARY = frozenset({
    "milex", "milex.errors", "milex.version", "milex.chart_registry", "milex.result",
    "milex.data", "milex.data.atomic", "milex.data.bundle", "milex.data.checks", "milex.data.diff",
    "milex.data.overlay", "milex.data.plan_ledger", "milex.data.receipts", "milex.data.registry",
    "milex.data.schema", "milex.data.snapshot", "milex.data.store", "milex.data.update",
    "milex.data.sources", "milex.data.sources.geo", "milex.data.sources.imf",
    "milex.data.sources.imf_sdmx", "milex.data.sources.kiel", "milex.data.sources.nato",
    "milex.data.sources.nato.editions", "milex.data.sources.sipri", "milex.data.sources.weo",
    "milex.data.sources.worldbank",
    "milex.analysis", "milex.analysis.balance", "milex.analysis.bloc", "milex.analysis.burden",
    "milex.analysis.commitments", "milex.analysis.coverage", "milex.analysis.hague",
    "milex.analysis.overlay", "milex.analysis.plans", "milex.analysis.profile",
    "milex.analysis.reconcile", "milex.analysis.review", "milex.analysis.tracking",
    "milex.projection", "milex.projection.engine", "milex.projection.result",
    "milex.projection.scenario",
    "milex.industry", "milex.industry.capacity", "milex.industry.demand", "milex.industry.pooling",
    "milex.finance", "milex.finance.fiscal", "milex.finance.sensitivity", "milex.finance.tables",
})  # fmt: skip
APPLICATIONS = ("milex.present", "milex.cli", "milex.web", "milex.__main__")


def test_internal_library_modules_are_underscored():
    library = {
        n for n in MODULES
        if not n.startswith(APPLICATIONS) and not any(p.startswith("_") for p in n.split("."))
    }  # fmt: skip
    assert sorted(library - PUBLIC_LIBRARY) == [], (
        "a new public module: name it _module if it is internal, or add it to PUBLIC_LIBRARY "
        "(and document it) if users may import it"
    )
    assert sorted(PUBLIC_LIBRARY - library) == []
