"""The package's imports follow the data flow (issue 18, point 5): no import runs against it, no circle of imports.

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import`` wherever it stands
(at the top of a module, inside a function, under ``if TYPE_CHECKING:``), relative ones resolved. A name imported
from a package that is itself a module (``from leadscore import charts``) is an edge to that module; any other
name is an edge to the package (``from leadscore import Scorer`` is one to ``leadscore/__init__.py``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The stages in the order data flows, each with its parts: a subpackage of ``leadscore/`` or a module at its top
#: level (by name), or a face outside the package. A part may import a part of its own stage or of an earlier one,
#: never of a later one.
#:
#: Where the modules at the top of ``leadscore/`` stand, from what they import and who imports them:
#:
#: - ``shared``: helpers that import no stage: ``folders``, ``plain_words``, ``model_files``, ``version_names``,
#:   ``access``, ``settings`` (reads ``access``'s on/off rule), ``signing`` (``settings``, ``folders``,
#:   ``model_files``), ``permissions``. Every stage may use them.
#: - ``charts`` is with ``modeling``: figures from plain numbers, which the training reports
#:   (``modeling/*/report.py``) draw with; it reads only ``fields/builtin.py`` (the tiers' order) and the shared
#:   words, and a results report's tiers through its own ``TierOutcome`` protocol.
#: - ``roundtrip`` and ``registry`` are with ``scoring``: the registry saves and loads a ``Model`` and, before
#:   publishing, checks that the version read back scores as trained (``roundtrip`` runs the ``Scorer``). The store
#:   never imports them.
#: - ``results_words`` is a face: the results and drift in a manager's words, for the pages and the HTML report.
#: - ``leadscore`` (``leadscore/__init__.py``, the small Python API ``leadscore.load``) is a face.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shared", ("folders", "plain_words", "model_files", "version_names", "access", "settings", "signing",
                "permissions")),
    ("fields", ("fields",)),
    ("data", ("data",)),
    ("modeling", ("modeling", "charts")),
    ("scoring", ("scoring", "roundtrip", "registry")),
    ("store", ("store",)),
    ("monitoring", ("monitoring",)),
    ("workflows", ("workflows",)),
    ("faces", ("cli", "api", "reports", "results_words", "leadscore", "ui", "app_pages", "app")),
)
RANK = {part: rank for rank, (_, parts) in enumerate(STAGES) for part in parts}
STAGE = {part: stage for stage, parts in STAGES for part in parts}


def _modules() -> dict[str, Path]:
    """Every module of the package and of the dashboard, by dotted name (a package by its own name)."""
    files = [*(ROOT / "leadscore").rglob("*.py"), *(ROOT / "ui").rglob("*.py"), *(ROOT / "app_pages").rglob("*.py"),
             ROOT / "app.py"]
    modules = {}
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module a dotted name lands in: itself, else its nearest enclosing package of ours."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _edges(modules: Mapping[str, Path]) -> list[tuple[str, str, int]]:
    """(importer, imported, line) for every import of one of our modules, wherever it stands."""
    edges = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*base, node.module] if node.module else base)
                else:
                    source = node.module or ""
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.append(full if full in modules else source)
            for target in targets:
                landed = _known(target, modules)
                if landed is not None and landed != name:
                    edges.append((name, landed, node.lineno))
    return edges


def _part(module: str) -> str:
    """``leadscore.modeling.three_tiers.train`` -> ``modeling``; ``leadscore`` -> ``leadscore``; ``ui.x`` -> ``ui``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "leadscore" and len(parts) > 1 else parts[0]


def _circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


MODULES = _modules()
EDGES = _edges(MODULES)


def test_the_graph_is_read() -> None:
    """A check on the checker: the graph has the imports known to be there, function-level and typing-only ones
    included."""
    pairs = {(a, b) for a, b, _ in EDGES}
    assert ("leadscore.monitoring.drift", "leadscore.modeling.drift_reference") in pairs  # top level
    assert ("leadscore.cli.results", "leadscore.workflows.stakeholders") in pairs  # inside a function
    assert ("leadscore.reports.html", "leadscore.workflows.stakeholders") in pairs  # under TYPE_CHECKING
    assert ("leadscore.modeling.three_tiers.report", "leadscore.charts") in pairs  # from leadscore import charts
    assert ("leadscore.workflows.train", "leadscore.roundtrip") in pairs


def test_every_part_of_the_package_has_a_stage() -> None:
    """A new subpackage or top-level module must be placed in ``STAGES`` (and its place explained there)."""
    assert sorted({_part(m) for m in MODULES} - set(RANK)) == []


def test_no_import_runs_against_the_flow() -> None:
    against = sorted({f"{MODULES[a].relative_to(ROOT)}:{line} imports {b} ({STAGE[_part(a)]} -> {STAGE[_part(b)]})"
                      for a, b, line in EDGES if RANK[_part(b)] > RANK[_part(a)]})
    assert against == []


def test_no_circle_between_the_parts_of_the_package() -> None:
    """Stage folders and top-level modules: none imports, even indirectly, a part that imports it back."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in EDGES:
        if _part(a) != _part(b):
            graph[_part(a)].add(_part(b))
    assert _circles(graph) == []


def test_no_circle_of_imports_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in EDGES:
        graph[a].add(b)
    assert _circles(graph) == []


def test_reading_a_field_does_not_load_the_model_libraries() -> None:
    """``leadscore/__init__.py`` imports the scorer on first use: the fields alone load no xgboost or sklearn."""
    code = ("import sys; import leadscore.fields.field; "
            "loaded = sorted({'xgboost', 'sklearn', 'leadscore.registry', 'leadscore.scoring'} & set(sys.modules)); "
            "assert not loaded, loaded")
    _passes_in_a_fresh_interpreter(code)


def test_the_python_api_still_reads_from_the_package() -> None:
    code = ("import leadscore; from leadscore import Scorer, load; from leadscore.scoring.scorer import Scorer as S; "
            "assert Scorer is S and leadscore.Scorer is S and callable(load); "
            "assert sorted(leadscore.__all__) == ['Scorer', 'load']")
    _passes_in_a_fresh_interpreter(code)


def _passes_in_a_fresh_interpreter(code: str) -> None:
    """``code`` runs in a new Python (this process has imported everything already) and its asserts hold."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
