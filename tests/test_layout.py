"""The shape of the code (docs/architecture.md): rules a reviewer would otherwise have to check by eye.

* ``lib/`` has no import cycle, counting imports inside functions too;
* no ``lib/`` module is longer than :data:`MAX_LIB_LINES`;
* ``lib/`` never imports Streamlit, and importing all of it loads neither Streamlit nor
  TensorFlow, Keras or Ray (those are imported inside the functions that need them);
* a page in ``app_pages/`` is a storyboard: at module level only imports, constants, functions,
  classes and a final ``main()`` call, no statements that do something on import.

Each rule is a function of source text, so each can be shown to fail on a small example.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
LIB = REPO / "lib"
PAGES = REPO / "app_pages"

#: "No module in lib/ over ~500 lines": the rule with a little room for a docstring that grows.
MAX_LIB_LINES = 520

#: Imported lazily, inside the functions that need them: a page that only reads files must not pay for them.
HEAVY = ("streamlit", "tensorflow", "keras", "ray")



# --- the rules, on source text ---------------------------------------------------------------------------------


def module_name(path: Path, root: Path = REPO) -> str:
    """``lib/data/store.py`` -> ``lib.data.store``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, package: str = "") -> set[str]:
    """Every module ``source`` imports, at any level (inside functions too), with ``from x import y`` also giving
    ``x.y`` (it may be a module); relative imports are resolved against ``package``.

    >>> sorted(imported_names("import lib.io\\ndef f():\\n    from lib import runs"))
    ['lib', 'lib.io', 'lib.runs']
    >>> sorted(imported_names("from . import keys", package="lib.data"))
    ['lib.data', 'lib.data.keys']
    """
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    """``{module: modules of the same tree it imports}`` from ``{module: source}`` (packages named by ``__init__``)."""
    graph = {}
    for name, source in sources.items():
        package = name if source.startswith("#package") else name.rpartition(".")[0]
        graph[name] = {m for m in imported_names(source, package) if m in sources and m != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted; a cycle is one of them.

    >>> import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    >>> import_cycles({"a": {"b"}, "b": set()})
    []
    """
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


def module_level_actions(source: str) -> list[str]:
    """What a page does at module level besides defining things: ``"line N: <statement kind>"`` for each.

    Allowed: the docstring, imports, constants (see :func:`_is_constant_assignment`), ``def``, ``class``,
    and one final bare ``main()`` call (optionally under ``if __name__ == "__main__"``).

    >>> module_level_actions("'Doc.'\\nimport streamlit as st\\nSTEP = 's'\\ndef main():\\n    pass\\nmain()")
    []
    >>> module_level_actions("import streamlit as st\\nst.title('x')\\nss = st.session_state\\nif ss:\\n    main()\\nmain()")
    ['line 2: Expr', 'line 3: Assign', 'line 4: If']
    """
    body = ast.parse(source).body
    if body and _is_main_call(body[-1]):
        body = body[:-1]
    actions = []
    for i, node in enumerate(body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_constant_assignment(node):
            continue
        actions.append(f"line {node.lineno}: {type(node).__name__}")
    return actions


def _is_main_call(node: ast.stmt) -> bool:
    if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and len(node.body) == 1:
        node = node.body[0]
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "main" and not node.value.args)


def _is_constant_assignment(node: ast.Assign | ast.AnnAssign) -> bool:
    """``NAME = value`` with upper-case names only (a constant by convention) and nothing from ``st.`` in the value:
    ``ss = st.session_state`` or ``strategies = list(ss["train_strategies"])`` is page state, not a constant."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
    if not all(isinstance(t, ast.Name) and t.id.isupper() for t in names):
        return False
    return node.value is None or not any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "st" for n in ast.walk(node.value))


def lib_sources() -> dict[str, str]:
    """``{module: source}`` of every module in ``lib/``; a package's source starts with the marker ``#package``."""
    sources = {}
    for path in sorted(LIB.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        sources[module_name(path)] = ("#package\n" + text) if path.name == "__init__.py" else text
    return sources


# --- the rules, on this repository -------------------------------------------------------------------------------


def test_lib_has_no_import_cycle_at_any_level():
    cycles = import_cycles(import_graph(lib_sources()))
    assert not cycles, f"import cycles in lib/ (function-level imports count): {cycles}"


def test_the_cycle_check_sees_imports_inside_functions_and_packages():
    sources = {"lib": "#package\n", "lib.a": "from lib import b\n", "lib.b": "def f():\n    import lib.a\n",
               "lib.p": "#package\nfrom .q import Q\n", "lib.p.q": "from lib import a\n",
               "lib.c": "from lib.p import q\n", "lib.d": "from lib.p.q import Q\n"}
    assert import_cycles(import_graph(sources)) == [["lib.a", "lib.b"]]
    # "from lib.p import x" runs lib/p/__init__.py first: the package depends on what its module imports
    sources["lib.p.q"] = "def g():\n    from lib.p import r\n"
    sources["lib.p.r"] = ""
    assert import_cycles(import_graph(sources)) == [["lib.a", "lib.b"], ["lib.p", "lib.p.q"]]


def test_no_lib_module_is_longer_than_the_limit():
    too_long = {name: len(source.splitlines()) for name, source in lib_sources().items()
                if len(source.splitlines()) > MAX_LIB_LINES}
    assert not too_long, f"lib/ modules over {MAX_LIB_LINES} lines: {too_long}"


def test_lib_stays_light_to_import():
    """No Streamlit anywhere in lib/ (not even inside a function), and importing every lib module in a fresh
    interpreter loads neither Streamlit nor TensorFlow, Keras or Ray."""
    mentions = {name: sorted(m for m in imported_names(source) if m.split(".")[0] == "streamlit")
                for name, source in lib_sources().items()}
    assert not {name: found for name, found in mentions.items() if found}, "lib/ must not import Streamlit"
    code = ("import importlib, sys\n"
            f"for name in {sorted(lib_sources())!r}:\n"
            "    importlib.import_module(name)\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", f"importing lib/ loaded {out.stdout.strip()}"


def test_every_page_is_a_storyboard():
    scripts = {path.name: module_level_actions(path.read_text(encoding="utf-8")) for path in sorted(PAGES.glob("*.py"))}
    assert not {name: found for name, found in scripts.items() if found}, \
        f"pages with module-level statements (move them into functions called from main()): {scripts}"


def test_the_hand_out_order_names_modules_and_tests_that_exist():
    """A renamed or removed slow module or test would silently drop out of root conftest.py's hand-out order."""
    # Read, not imported: importing the root conftest again would point EMBEDDING_LAB_DATA at a new folder.
    tree = ast.parse((REPO / "conftest.py").read_text())
    lists = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
             if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("LONGEST_FIRST",
                                                                                       "BROWSER_TESTS_FIRST")}
    assert lists["LONGEST_FIRST"][0] == "browser"
    missing = [name for name in lists["LONGEST_FIRST"][1:] if not (REPO / name).is_file()]
    assert not missing, f"conftest.LONGEST_FIRST names modules that are gone: {missing}"
    browser_tests = "".join(path.read_text() for path in (REPO / "tests").glob("test_browser*.py"))
    missing = [name for name in lists["BROWSER_TESTS_FIRST"] if f"def {name}(" not in browser_tests]
    assert not missing, f"conftest.BROWSER_TESTS_FIRST names tests that are gone: {missing}"
