"""No import cycle between the modules of one app (docs/architecture.md).

Only module-level imports count: an import inside a function runs when the function is
called, after every module has loaded, so it cannot deadlock a partial import. Importing
`app.pkg.mod` also runs `app/pkg/__init__.py` first, so it counts as an import of every
package on the way that is not already a package of the importing module.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "crm", "pricing", "sales", "delivery", "returns", "commissions"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _app_modules(app: str) -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((ROOT / app).rglob("*.py"))}


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module loads: not the ones inside a function body."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The app's modules that loading `module` loads first."""
    named: set[str] = set()
    for node in _module_level_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
            continue
        source = _absolute(module, path.name == "__init__.py", node)
        named.add(source)
        # `from pkg import mod` loads the submodule `pkg.mod`.
        named.update(f"{source}.{alias.name}" for alias in node.names)
    own_packages = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    if path.name == "__init__.py":
        own_packages.add(module)
    loaded: set[str] = set()
    for name in named:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in modules and prefix not in own_packages and prefix != module:
                loaded.add(prefix)
    return loaded


def import_graph(app: str) -> dict[str, set[str]]:
    modules = _app_modules(app)
    return {module: _targets(module, path, modules) for module, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_an_app(app):
    assert import_cycles(import_graph(app)) == []


def test_the_check_sees_a_cycle():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
