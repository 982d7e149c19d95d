"""The layout shows the architecture (LAYOUT.md): arrows point down, never round.

views → reporting, ledger, intake → models → (periods, numerals, clock). The parser, the periods,
the numerals and the timetable's geometry import no Django; models know no views, forms, admin
or features; nothing but the URLs imports a view (a command never builds a request to reuse one).
Read from the source files' imports, without importing anything.
"""

import ast
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parent.parent / "tasks"


def _module_name(path: Path) -> str:
    parts = path.relative_to(TASKS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in TASKS.rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    }


MODULES = _modules()


def _resolve(module: str, name: str | None) -> str:
    """`from module import name`: the submodule when `name` is one, else the module."""
    if name and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def imports_of(module: str) -> set[str]:
    """Every module this one imports, at its top level or inside a function (a deferred import
    that closes a cycle is a cycle all the same)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.update(_resolve(base, alias.name) for alias in node.names)
    return found


def _internal(names: set[str]) -> set[str]:
    return {name for name in names if name in MODULES}


def test_no_module_imports_itself_round_a_cycle():
    graph = {module: _internal(imports_of(module)) for module in MODULES}
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if target == module or target.startswith(module + "."):
                continue  # a package re-exporting its own modules
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


PURE = ["tasks.outline", "tasks.periods", "tasks.numerals", "tasks.timetable", "tasks.archives"]


@pytest.mark.parametrize("package", PURE)
def test_pure_modules_import_no_django(package):
    for module in MODULES:
        if module == package or module.startswith(package + "."):
            django = {name for name in imports_of(module) if name.split(".")[0] == "django"}
            assert django == set(), module


ABOVE_MODELS = (
    "tasks.views",
    "tasks.forms",
    "tasks.admin",
    "tasks.reporting",
    "tasks.ledger",
    "tasks.intake",
    "tasks.permissions",
    "tasks.filters",
    "tasks.demo",
)


def test_models_know_nothing_above_them():
    for module in MODULES:
        if module.startswith("tasks.models"):
            above = {name for name in imports_of(module) if name.startswith(ABOVE_MODELS)}
            assert above == set(), module


def test_only_the_urls_and_views_import_views():
    for module in MODULES:
        if module.startswith("tasks.views") or module == "tasks.urls":
            continue
        views = {name for name in imports_of(module) if name.startswith("tasks.views")}
        assert views == set(), module


@pytest.mark.parametrize("feature", ["tasks.reporting", "tasks.ledger", "tasks.intake"])
def test_features_are_called_by_views_never_the_reverse(feature):
    for module in MODULES:
        if module.startswith(feature):
            assert not {n for n in imports_of(module) if n.startswith("tasks.views")}, module


def test_permissions_know_no_views_forms_or_admin():
    names = imports_of("tasks.permissions")
    assert not {n for n in names if n.startswith(("tasks.views", "tasks.forms", "tasks.admin"))}
