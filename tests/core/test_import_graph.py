"""The layering of docs/architecture.md, checked on the source: dependencies point down only.

Every module under ``src/lakehose`` is parsed with ``ast`` (nothing is imported) into a graph of
the lakehose modules each one imports, at module level and inside functions; imports under
``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "lakehose"

# Modules every engine may share: the services package and the engine base class.
SHARED_SERVICE_MODULES = frozenset({"lakehose.services", "lakehose.services.engine"})
CORE = (
    "errors",
    "settings",
    "options",
    "clock",
    "ids",
    "arns",
    "pagination",
    "scopes",
    "storage",
    "formats",
)
ABOVE_CORE = (
    "lakehose.services",
    "lakehose.gateway",
    "lakehose.runtime",
    "lakehose.registry",
    "lakehose.wiring",
    "lakehose.cli",
    "lakehose.deploy",
    "lakehose.console",
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    top_level: bool  # run when the module is imported, not later inside a function

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SOURCE / PACKAGE).rglob("*.py")):
        if "assets" in path.relative_to(SOURCE / PACKAGE).parts:
            continue  # generated Lambda code shipped as data, never imported by lakehose
        found[_module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_package(module: str) -> bool:
    return modules()[module].name == "__init__.py"


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The lakehose modules ``node`` (in ``module``) imports."""
    known = modules()
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return [name for name in names if name in known]
    if node.level:
        package = module if _is_package(module) else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base not in known:
        return []
    # ``from package import name`` imports the submodule when there is one, else the package.
    targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
    if len(targets) < len(node.names):
        targets.append(base)
    return targets


def _edges_of(module: str) -> list[Edge]:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    edges: list[Edge] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, top_level)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(module, node):
                if target != module:
                    edges.append(Edge(module, target, node.lineno, top_level))
            return
        inner = top_level and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, True)
    return edges


@cache
def edges() -> tuple[Edge, ...]:
    return tuple(edge for module in modules() for edge in _edges_of(module))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _service_of(module: str) -> str | None:
    """The engine package ``module`` belongs to (``kinesis`` for lakehose.services.kinesis.x)."""
    if module in SHARED_SERVICE_MODULES or not _within(module, "lakehose.services"):
        return None
    return module.split(".")[2]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 1000))
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read_from_the_source() -> None:
    assert "lakehose.runtime" in modules()
    assert any(e.source == "lakehose.runtime" and e.target == "lakehose.registry" for e in edges())
    # Function-level imports are in the graph, marked as such.
    assert any(e.source == "lakehose.runtime" and not e.top_level for e in edges())


def test_no_cycles_among_top_level_imports() -> None:
    graph: dict[str, set[str]] = {}
    for edge in edges():
        if edge.top_level:
            graph.setdefault(edge.source, set()).add(edge.target)
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_engines_never_import_each_other() -> None:
    wrong = [
        str(edge)
        for edge in edges()
        if (source := _service_of(edge.source)) is not None
        and (target := _service_of(edge.target)) is not None
        and source != target
    ]
    assert not wrong, "engines import each other:\n" + "\n".join(wrong)


def test_core_imports_nothing_above_it() -> None:
    core = [f"{PACKAGE}.{name}" for name in CORE]
    wrong = [
        str(edge)
        for edge in edges()
        if any(_within(edge.source, package) for package in core)
        and any(_within(edge.target, package) for package in ABOVE_CORE)
    ]
    assert not wrong, "core modules import upwards:\n" + "\n".join(wrong)


def test_the_gateway_imports_neither_runtime_nor_engines() -> None:
    above = ("lakehose.runtime", "lakehose.registry", "lakehose.wiring", "lakehose.services")
    wrong = [
        str(edge)
        for edge in edges()
        if _within(edge.source, "lakehose.gateway")
        and any(_within(edge.target, package) for package in above)
    ]
    assert not wrong, "the gateway imports the layers below it:\n" + "\n".join(wrong)


def test_the_checks_see_violations() -> None:
    """The rules above fire on what they forbid (guards against a graph that finds nothing)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _service_of("lakehose.services.kinesis.engine") == "kinesis"
    assert _service_of("lakehose.services.engine") is None
    assert _service_of("lakehose.services") is None
    assert _service_of("lakehose.gateway.dispatcher") is None


def test_importing_lakehose_loads_neither_botocore_nor_the_gateway() -> None:
    probe = (
        "import sys\n"
        "import lakehose\n"
        "from lakehose import Lakehose\n"
        "loaded = sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('botocore', 'boto3') or m.startswith('lakehose.gateway'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout
