"""The package layout holds the rules of docs/architecture.md.

The import graph of `keras_gans` is read with `ast` (every `import` statement,
at module level or inside functions, docstring examples excluded) and checked
for cycles and for the forbidden directions; the size rules (no function over
80 lines, a thin `cli.py`) are checked on the source too.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "keras_gans"
PACKAGE = "keras_gans"

#: Which of our packages/modules each group may import (besides itself).
#: A group is a top-level module or sub-package of keras_gans; `*` = any.
ALLOWED = {
    "_checks": set(),
    "config": set(),
    "_entry": set(),
    "version": set(),
    "imaging": {"_checks"},
    "presets": set(),
    "losses": {"_checks"},
    "optimizers": set(),
    "layers": {"config", "_checks"},
    "networks": {"config", "layers", "_checks"},
    "augment": set(),
}

#: Groups that the named groups must never import.
FORBIDDEN = {
    "models": {"data", "datasets", "export", "runs", "cli", "training"},
    "data": {"models", "runs", "cli", "export"},
    "metrics": {"runs", "cli"},
    "export": {"runs", "cli"},
    "inference": {"runs", "cli", "export", "models", "data", "training"},
    "runs": {"cli"},
}

MAX_FUNCTION_LINES = 80
MAX_CLI_LINES = 600


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(name, modules):
    """The longest prefix of dotted `name` that is one of our modules."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module, path, modules):
    """Our modules that `module` imports, at any level of its code."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            # `from pkg import sub` imports the sub-module when there is one.
            names = [
                f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source
                for a in node.names
            ]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name, modules)
                if target and target != module:
                    found.add(target)
    return found


def _graph():
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def _group(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_parent_package(a, b):
    """Whether module `b` is a package containing `a`."""
    return a.startswith(b + ".")


def _find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _violations(graph):
    bad = []
    for module, targets in sorted(graph.items()):
        group = _group(module)
        for target in sorted(targets):
            other = _group(target)
            if target == PACKAGE:
                bad.append(f"{module} imports the root package `keras_gans`")
            elif other == group:
                continue
            elif other == "cli" and module != "keras_gans.__main__":
                bad.append(f"{module} imports the CLI ({target})")
            elif group in ALLOWED and other not in ALLOWED[group]:
                bad.append(f"{module} ({group}) may not import {target}")
            elif other in FORBIDDEN.get(group, ()):
                bad.append(f"{module} ({group}) may not import {target}")
    return bad


def test_import_graph_has_no_cycle():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_import_directions_follow_docs_architecture():
    bad = _violations(_graph())
    assert not bad, "forbidden imports:\n" + "\n".join(bad)


def test_the_checker_sees_function_level_imports_and_cycles():
    """The rules are not vacuous: a function-level import is an edge, a
    cycle through one is found, and a forbidden direction is reported."""
    modules = {"keras_gans.layers.a": None, "keras_gans.models.b": None}
    tree = "def f():\n    from keras_gans.models.b import X\n"
    path = pathlib.Path("a.py")
    original = pathlib.Path.read_text
    try:
        pathlib.Path.read_text = lambda self: tree
        edges = _imports("keras_gans.layers.a", path, modules)
    finally:
        pathlib.Path.read_text = original
    assert edges == {"keras_gans.models.b"}
    graph = {
        "keras_gans.layers.a": edges,
        "keras_gans.models.b": {"keras_gans.layers.a"},
    }
    assert _find_cycle(graph) == [
        "keras_gans.layers.a",
        "keras_gans.models.b",
        "keras_gans.layers.a",
    ]
    assert _violations(graph) == [
        "keras_gans.layers.a (layers) may not import keras_gans.models.b"
    ]
    assert _violations({"keras_gans.models.b": {"keras_gans.cli"}}) == [
        "keras_gans.models.b imports the CLI (keras_gans.cli)"
    ]


def _long_functions(limit):
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    rel = path.relative_to(ROOT.parent)
                    found.append(f"{rel}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_is_over_80_lines():
    long = _long_functions(MAX_FUNCTION_LINES)
    assert not long, "functions over 80 lines:\n" + "\n".join(long)


def test_cli_is_argparse_and_dispatch():
    lines = len((ROOT / "cli.py").read_text().splitlines())
    assert lines < MAX_CLI_LINES, f"cli.py has {lines} lines"


@pytest.mark.parametrize("rule", sorted(ALLOWED))
def test_every_rule_names_a_real_group(rule):
    groups = {_group(m) for m in _modules()}
    assert rule in groups
