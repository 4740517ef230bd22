"""Static checks of flow definitions, reported with file and line (``kiosk flows lint``).

A bundle that fails lint is refused by the terminal, so every check here is something that would
otherwise surface in front of a citizen: a step nobody can reach, a step with no way out, a transition
to nowhere, a value a template or condition reads that no step provides, a text without its English,
a device the terminal does not have.

This package is split by what a check looks at, so each stays small and readable alone:

- :mod:`flows.lint.context` — the problem record, the lint context (templates, terminal devices,
  services) and the report every check writes into; the only module the checks share.
- :mod:`flows.lint.text` — translations, Chinese punctuation, placeholders and filters.
- :mod:`flows.lint.steps` — identity and devices, and each step type's own parameters.
- :mod:`flows.lint.graph` — transitions, reachability, ways to finish; yields the edges.
- :mod:`flows.lint.dataflow` — every value read is provided on every path (uses graph and text).

This module holds the entry points (files, directories, text, one flow) and runs the checks in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flows.lint.context import (
    FLOWS_ROOT,
    TERMINALS_PATH,
    LintContext,
    Problem,
    Report,
    errors_only,
    load_document_templates,
    terminal_types,
)
from flows.lint.dataflow import check_data
from flows.lint.graph import check_graph, check_transitions
from flows.lint.outcomes import check_outcomes
from flows.lint.steps import check_case, check_identity_and_devices, check_step
from flows.lint.text import check_translations
from flows.loader import FLOWS_DIR, FlowLoadError, build, parse_yaml, schema_errors
from flows.model import Flow

__all__ = [
    "FLOWS_ROOT",
    "TERMINALS_PATH",
    "LintContext",
    "Problem",
    "errors_only",
    "flow_files",
    "lint_directory",
    "lint_file",
    "lint_flow",
    "lint_paths",
    "lint_text",
    "load_document_templates",
    "terminal_types",
]


def flow_files(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Expand paths to (flow file, root) pairs; a directory with ``definitions/`` is a root."""
    found = []
    for path in paths:
        if path.is_dir():
            root, directory = (
                (path, path / "definitions") if (path / "definitions").is_dir() else (path.parent, path)
            )
            found += [(p, root) for p in sorted(directory.glob("*.yaml"))]
        else:
            root = path.parent.parent if path.parent.name == "definitions" else FLOWS_ROOT
            found.append((path, root))
    return found


def lint_paths(paths: Iterable[Path], terminal: str | None = None) -> list[Problem]:
    devices = None
    if terminal:
        types = terminal_types()
        if terminal not in types:
            return [
                Problem(
                    terminal,
                    0,
                    "error",
                    "terminal-type",
                    f"unknown terminal type {terminal!r} (known: {', '.join(sorted(types))})",
                )
            ]
        devices = types[terminal]
    problems: list[Problem] = []
    contexts: dict[Path, LintContext] = {}
    seen: dict[str, str] = {}
    for path, root in flow_files(paths):
        if not path.exists():
            problems.append(Problem(str(path), 0, "error", "missing", "no such file"))
            continue
        if root not in contexts:
            contexts[root] = LintContext.for_root(root, devices)
        ctx = contexts[root]
        flow, found = lint_file(path, ctx)
        problems += found
        if flow is not None:
            if flow.id in seen:
                problems.append(
                    Problem(
                        str(path),
                        1,
                        "error",
                        "duplicate-id",
                        f"flow id {flow.id!r} is also defined in {seen[flow.id]}",
                    )
                )
            seen.setdefault(flow.id, str(path))
    return problems


def lint_file(path: Path, ctx: LintContext | None = None) -> tuple[Flow | None, list[Problem]]:
    return lint_text(path.read_text(encoding="utf-8"), str(path), ctx)


def lint_text(text: str, source: str, ctx: LintContext | None = None) -> tuple[Flow | None, list[Problem]]:
    ctx = ctx or LintContext()
    try:
        raw = parse_yaml(text, source)
    except FlowLoadError as exc:
        return None, [Problem(source, exc.line, "error", "yaml", exc.message)]
    problems = [Problem(source, e.line, "error", "schema", e.message) for e in schema_errors(raw, source)]
    if problems:
        return None, problems
    flow = build(raw, source)
    return flow, lint_flow(flow, raw, ctx)


def lint_directory(directory: Path = FLOWS_DIR, ctx: LintContext | None = None) -> list[Problem]:
    ctx = ctx or LintContext.for_root(directory.parent)
    return [p for path in sorted(directory.glob("*.yaml")) for p in lint_file(path, ctx)[1]]


def lint_flow(flow: Flow, raw: dict[str, Any], ctx: LintContext) -> list[Problem]:
    """Every check on one parsed flow, in a fixed order; problems sorted by line, then code."""
    report = Report(flow, raw, ctx)
    check_translations(report, raw)
    check_identity_and_devices(report)
    check_case(report)
    edges = check_transitions(report)
    if flow.start not in flow.steps:
        report.add(report.flow_line, "start", f"start step {flow.start!r} does not exist")
    else:
        check_graph(report, edges)
        for step in flow.steps.values():
            check_step(report, step)
        check_data(report, edges)
        check_outcomes(report, edges)
    return sorted(report.problems, key=lambda p: (p.line, p.code))
