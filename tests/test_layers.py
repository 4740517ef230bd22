"""The layer rules are executable: lint-imports keeps them on the real tree and fails on a forbidden import.

Each case copies the product packages to a temporary directory, adds one import a contract forbids, and runs
``lint-imports`` there with the project's own contracts: a contract that could not fail would pass them all.
A second check walks the module graph (grimp, which import-linter uses) for any import cycle at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "backoffice", "drivers", "flows", "offline_cache", "wire", "common")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.qml", "*.yaml", "*.json"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layers")
    _copy_tree(path)
    return path


def test_the_contracts_hold_on_the_tree(tree: Path) -> None:
    result = _lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (module written, the import it makes, the contract that must break)
FORBIDDEN = [
    ("flows/_probe.py", "import kiosk.config\n", "import nothing of kiosk or backoffice"),
    ("drivers/_probe.py", "from flows import model\n", "do not import each other"),
    ("offline_cache/_probe.py", "import drivers.base\n", "do not import each other"),
    ("common/_probe.py", "import wire.limits\n", "common imports no project package"),
    ("wire/_probe.py", "import flows.model\n", "wire imports only common"),
    ("kiosk/ui/_probe.py", "import backoffice.query_services\n", "Only kiosk.demo imports the back office"),
    ("backoffice/_probe.py", "import drivers.identity\n", "never kiosk, drivers or offline_cache"),
    ("backoffice/_probe2.py", "import kiosk.config\n", "Layers"),
    # two sibling modules that import each other (the second one is written by the test)
    ("wire/_probe.py", "import wire._probe_b\n", "No import cycle"),
]


@pytest.mark.parametrize(
    ("module", "line", "contract"), FORBIDDEN, ids=[f[0] + ":" + f[1].strip() for f in FORBIDDEN]
)
def test_a_forbidden_import_breaks_its_contract(tree: Path, module: str, line: str, contract: str) -> None:
    written = [tree / module]
    written[0].write_text(line, encoding="utf-8")
    if "_probe_b" in line:
        written.append(tree / "wire" / "_probe_b.py")
        written[1].write_text("import wire._probe\n", encoding="utf-8")
    try:
        result = _lint_imports(tree)
    finally:
        for path in written:
            path.unlink()
    assert result.returncode != 0, result.stdout
    broken = " ".join(result.stdout.split("Broken contracts", 1)[-1].split())  # names wrap at 80 columns
    assert contract in broken, result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected module sets of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
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


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "b")):
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]
