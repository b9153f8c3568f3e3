"""The package import graph follows DESIGN.md ("The shape of the code"): data flows one way.

Read from the source with `ast` (every import, including those under TYPE_CHECKING and inside
functions), so the check does not depend on what happens to be imported at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cloudtwin"

#: What each stage may import (besides itself). Bottom modules (`errors`, `units`, `arrivals`) may be
#: imported by anyone and import nothing of cloudtwin but `errors`.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "units": set(),
    "version": set(),
    "arrivals": {"errors"},
    "analysis": {"errors", "units"},
    "placement": {"errors", "units"},
    "engine": {"errors", "units", "arrivals", "placement"},
    "scenario": {"errors", "units", "analysis", "presets"},
    "presets": {"errors"},
    "world": {"errors", "units", "scenario"},
    "results": {"errors", "units"},
    "workload": {"errors", "units", "arrivals", "scenario", "world"},
    "failures": {"errors", "units", "scenario", "world", "analysis"},
    "failover": {"errors", "units", "arrivals", "analysis", "engine", "failures", "scenario", "world", "placement"},
    "runner": {
        "errors",
        "units",
        "version",
        "arrivals",
        "engine",
        "failover",
        "failures",
        "workload",
        "world",
        "results",
        "scenario",
        "placement",
        "network",
        "economics",
    },
    "sweeps": {"errors", "units", "version", "analysis", "presets", "results", "runner", "scenario"},
    "network": {"errors", "units", "scenario", "world", "analysis", "workload", "failures"},
    "economics": {"errors", "units", "scenario", "world", "workload", "analysis", "results"},
    "planning": {"errors", "units", "version", "scenario", "world", "workload", "failures", "analysis", "results"},
    "report": {
        "errors",
        "units",
        "version",
        "analysis",
        "results",
        "scenario",
        "sweeps",
        "world",
        "network",
        "economics",
        "planning",
    },
    "api": {
        "errors",
        "units",
        "version",
        "runner",
        "results",
        "scenario",
        "failover",
        "failures",
        "world",
        "presets",
        "sweeps",
        "report",
        "network",
        "economics",
        "planning",
    },
    "cli": {
        "errors",
        "units",
        "version",
        "api",
        "runner",
        "results",
        "scenario",
        "presets",
        "world",
        "failures",
        "failover",
        "analysis",
        "engine",
        "sweeps",
        "report",
        "network",
        "economics",
        "planning",
    },
    "__init__": {"errors", "version", "api"},
}


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported cloudtwin module, names taken from it, line) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("cloudtwin")]
        elif (
            isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cloudtwin") and node.level == 0
        ):
            out.append((node.module, [a.name for a in node.names], node.lineno))
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        pkg = _package(path)
        for module, _names, _line in _imports(path):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target != pkg:
                graph.setdefault(pkg, set()).add(target)
    return graph


def test_every_package_is_known() -> None:
    """Each package of src/cloudtwin has a place in the layer table (a new stage must be placed on purpose)."""
    packages = {_package(p) for p in SRC.rglob("*.py")}
    assert packages <= set(ALLOWED), sorted(packages - set(ALLOWED))


def test_imports_only_go_down() -> None:
    """A package imports only the stages below it (the table above, from DESIGN.md)."""
    bad = [f"{pkg} -> {dep}" for pkg, deps in _edges().items() for dep in deps if dep not in ALLOWED.get(pkg, set())]
    assert not bad, bad


def test_no_import_cycles() -> None:
    """The package graph is acyclic (a topological order exists)."""
    graph = _edges()
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            pytest.fail("import cycle: " + " -> ".join([*trail, node]))
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            visit(dep, [*trail, node])
        state[node] = 2
        order.append(node)

    for node in sorted(graph):
        visit(node, [])


def test_no_module_cycles() -> None:
    """Modules import each other one way (module-level imports; a package's `__init__` re-exporting its own
    modules is the package, not a cycle)."""
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(("cloudtwin", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cloudtwin"):
                if node.module != name and not node.module.startswith(name + "."):  # __init__ and its modules
                    graph.setdefault(name, set()).add(node.module)
    state: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 1:
            pytest.fail("import cycle: " + " -> ".join((*trail[trail.index(node) :], node)))
        if state.get(node) == 2:
            return
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            visit(dep, (*trail, node))
        state[node] = 2

    for node in sorted(graph):
        visit(node, ())


def test_no_private_names_across_packages() -> None:
    """No module takes a `_private` name from another package."""
    bad = []
    for path in SRC.rglob("*.py"):
        pkg = _package(path)
        for module, names, line in _imports(path):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target != pkg:
                bad += [
                    f"{path.relative_to(SRC)}:{line}: {module}.{n}"
                    for n in names
                    if n.startswith("_") and not n.startswith("__")
                ]
                bad += [
                    f"{path.relative_to(SRC)}:{line}: {module}"
                    for p in parts[1:]
                    if p.startswith("_") and not p.startswith("__")
                ]
    assert not bad, bad


def test_engine_knows_no_scenario() -> None:
    """The engine imports numpy, numba, placement and the bottom modules only (DESIGN.md)."""
    third_party = set()
    for path in (SRC / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                third_party |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                third_party.add(node.module.split(".")[0])
    assert third_party <= {
        "numpy",
        "numba",
        "cloudtwin",
        "__future__",
        "typing",
        "dataclasses",
        "time",
        "math",
        "collections",
        "llvmlite",
    }, third_party
