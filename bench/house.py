"""The shape of the house: view lengths, module sizes, import cycles, hidden imports.

    .venv/bin/python bench/house.py

Reads the source with `ast` only (nothing is imported or run), so it works on
any checkout. A *view* is a function decorated with a blueprint route
(`@bp.route`, `@bp.get`, `@bp.post`); its length counts the lines from `def`
to its last statement, decorators excluded. Import cycles are found over every
import, including those inside functions (which still form a cycle, only a
hidden one), with Tarjan's strongly connected components.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "scripts_library", "quizzes", "reviews")
ROUTE_DECORATORS = {"route", "get", "post", "put", "delete", "patch"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


def package_of(module: str) -> str:
    """`portal.kpi.routes` -> `portal.kpi`; `reviews.routes` -> `reviews`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "portal" and len(parts) > 2 else parts[0]


def is_view(node: ast.AST) -> bool:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(module: str, path: Path, tree: ast.Module, known: set[str]):
    """Yield (target module, inside a function?) for every first-party import."""
    is_package = path.name == "__init__.py"
    inner = set()
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            inner.update(
                id(n) for n in ast.walk(func) if isinstance(n, ast.Import | ast.ImportFrom)
            )
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(module, node, is_package)
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                yield target, id(node) in inner


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    found = sources()
    known = set(found)
    views, sizes, graph, hidden, inside_any = [], [], {}, 0, 0
    for module, (path, tree) in found.items():
        sizes.append((len(path.read_text().splitlines()), module))
        for node in ast.walk(tree):
            if is_view(node):
                views.append((node.end_lineno - node.lineno + 1, f"{module}.{node.name}"))
        edges = graph.setdefault(module, set())
        for target, inside in imports(module, path, tree, known):
            # A package's __init__ importing its own submodules is not a dependency
            # of the package on itself worth reporting as a cycle.
            if target.startswith(module + ".") and path.name == "__init__.py":
                continue
            edges.add(target)
            if inside:
                inside_any += 1
                hidden += package_of(target) != package_of(module)
    lengths = [n for n, _ in views]
    print(f"views: {len(views)}")
    print(
        f"view length (lines): median {statistics.median(lengths):g}, "
        f"p90 {percentile(lengths, 0.9):g}, max {max(lengths)}"
    )
    print("longest views:")
    for n, name in sorted(views, reverse=True)[:10]:
        print(f"  {n:4d}  {name}")
    print("largest modules:")
    for n, name in sorted(sizes, reverse=True)[:5]:
        print(f"  {n:4d}  {name}")
    over = [name for n, name in sizes if n > 450]
    print(f"modules over 450 lines: {len(over)} {over if over else ''}".rstrip())
    found_cycles = cycles(graph)
    print(f"import cycles: {len(found_cycles)}")
    for component in found_cycles:
        print("  " + " <-> ".join(component))
    print(f"imports inside functions: {inside_any} (across packages: {hidden})")


if __name__ == "__main__":
    main()
