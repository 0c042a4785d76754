"""The package's shape: no import cycle (imports inside functions counted), short functions, modest modules."""

import ast
import pathlib
import tokenize

import pytest

import digitnet

ROOT = pathlib.Path(digitnet.__file__).parent
MAX_FUNCTION_LINES = 60  # lines of code, docstrings and comments not counted
MAX_MODULE_LINES = 600


def _modules():
    out = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(("digitnet",) + path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(name, path, modules):
    """The digitnet modules ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found |= {m for m in [base] + [f"{base}.{a.name}" for a in node.names] if m in modules}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    # a package's __init__ re-exports its modules: importing it from inside is not a cycle of logic
    return {m for m in found - {name} if not (modules[m].name == "__init__.py" and name.startswith(m + "."))}


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    state = {}

    def visit(name, trail):
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                pytest.fail("import cycle: " + " -> ".join(trail[trail.index(other) :] + [other]))
            if other not in state:
                visit(other, trail + [other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def _code_lines(path):
    """Line numbers holding code: not blank, not only a comment."""
    with tokenize.open(path) as f:
        tokens = list(tokenize.generate_tokens(f.readline))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    return {line for t in tokens if t.type not in skip for line in range(t.start[0], t.end[0] + 1)}


def test_functions_are_short_and_modules_modest():
    too_long = []
    for path in ROOT.rglob("*.py"):
        code = _code_lines(path)
        assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES, f"{path} has too many lines"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    body = body[1:]  # the docstring
                if not body:
                    continue
                lines = {n for n in range(body[0].lineno, node.end_lineno + 1) if n in code}
                if len(lines) > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({len(lines)} lines)")
    assert not too_long, too_long
