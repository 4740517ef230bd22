"""Static checks of flow definitions, reported with file and line (``kiosk flows lint``).

A bundle that fails lint is refused by the terminal, so every check here is something that would
otherwise surface in front of a citizen: a step nobody can reach, a step with no way out, a transition
to nowhere, a value a template or condition reads that no step provides, a text without its English,
a device the terminal does not have.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows.conditions import fields_used
from flows.loader import FLOWS_DIR, FlowLoadError, build, parse_yaml, schema_errors
from flows.model import STEP_OUTCOMES, Flow, Step
from flows.services import SERVICE_NAMES
from flows.templating import FILTERS, PLACEHOLDER

FLOWS_ROOT = Path(__file__).parent
TERMINALS_PATH = FLOWS_ROOT / "terminals.yaml"

# Context roots the UI sets for every run: the terminal, the flow, the case (number and time).
ALWAYS = frozenset({"terminal", "flow", "case"})
IDENTITY_FIELDS = frozenset({"card_type", "source", "name", "id_number", "gender", "nation", "birth_date",
                             "address", "authority", "valid_from", "valid_to", "masked_name",
                             "masked_id_number", "extra"})
# Outcomes a step must handle: a query that fails or is offline, a print that fails, a declined commitment.
REQUIRED_OUTCOMES = {"query": ("error", "offline"), "print": ("error",), "commitment": ("declined",)}
CARD_DEVICES = {"resident": "idcard", "hkmt": "idcard", "foreign2017": "idcard", "foreign2023": "idcard",
                "sscard": "sscard"}
_ASCII_PUNCT_NEAR_CJK = re.compile(r"[\u4e00-\u9fff][,;:!?()]|[,;:!?()][\u4e00-\u9fff]")
_LOOSE_PLACEHOLDER = re.compile(r"\$\{[^}]*\}?")
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    severity: str  # error | warning
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.severity}: {self.message} [{self.code}]"


@cache
def terminal_types(path: Path = TERMINALS_PATH) -> dict[str, frozenset[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: frozenset(devices) for name, devices in data["types"].items()}


def load_document_templates(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    return (yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST_LOADER) or {}).get("templates", {})


@dataclass
class LintContext:
    """Where a flow's templates live and what the terminal offers."""

    templates_dir: Path = FLOWS_ROOT / "templates"
    document_templates: dict[str, dict[str, Any]] | None = None
    terminal_devices: frozenset[str] | None = None  # None: do not check against a terminal type
    services: frozenset[str] = SERVICE_NAMES

    def __post_init__(self) -> None:
        if self.document_templates is None:
            self.document_templates = load_document_templates(FLOWS_ROOT / "document_templates.yaml")

    @classmethod
    def for_root(cls, root: Path, terminal_devices: frozenset[str] | None = None) -> LintContext:
        """A bundle or source tree laid out like ``flows/``: definitions/, templates/, document_templates.yaml."""
        templates = root / "templates"
        documents = root / "document_templates.yaml"
        return cls(templates_dir=templates if templates.is_dir() else FLOWS_ROOT / "templates",
                   document_templates=load_document_templates(documents) if documents.is_file() else None,
                   terminal_devices=terminal_devices)


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# -- entry points -------------------------------------------------------------------------------------

def flow_files(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Expand paths to (flow file, root) pairs; a directory with ``definitions/`` is a root."""
    found = []
    for path in paths:
        if path.is_dir():
            root, directory = (path, path / "definitions") if (path / "definitions").is_dir() else (path.parent, path)
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
            return [Problem(terminal, 0, "error", "terminal-type", f"unknown terminal type {terminal!r} "
                            f"(known: {', '.join(sorted(types))})")]
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
                problems.append(Problem(str(path), 1, "error", "duplicate-id",
                                        f"flow id {flow.id!r} is also defined in {seen[flow.id]}"))
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


# -- the checks -----------------------------------------------------------------------------------------

def lint_flow(flow: Flow, raw: dict[str, Any], ctx: LintContext) -> list[Problem]:
    checker = _Checker(flow, raw, ctx)
    checker.run()
    return sorted(checker.problems, key=lambda p: (p.line, p.code))


Edge = tuple[str, str, str]  # (from step, label 'next' or an outcome, to step)


class _Checker:
    def __init__(self, flow: Flow, raw: dict[str, Any], ctx: LintContext):
        self.flow, self.raw, self.ctx = flow, raw, ctx
        self.problems: list[Problem] = []

    def add(self, line: int, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.flow.source, line, severity, code, message))

    def run(self) -> None:
        self.check_translations(self.raw)
        self.check_identity_and_devices()
        edges = self.check_transitions()
        if self.flow.start not in self.flow.steps:
            self.add(self.raw.get("__line__", 1), "start", f"start step {self.flow.start!r} does not exist")
            return
        self.check_graph(edges)
        for step in self.flow.steps.values():
            self.check_step(step)
        self.check_data(edges)

    # translations ----------------------------------------------------------------------------------
    def check_translations(self, node: Any, line: int = 1) -> None:
        if isinstance(node, dict):
            line = node.get("__line__", line)
            keys = {k for k in node if k != "__line__"}
            if keys and keys <= {"zh_CN", "en"}:
                for lang in ("zh_CN", "en"):
                    if not str(node.get(lang) or "").strip():
                        self.add(line, "translation", f"text has no {lang}: {str(node.get('zh_CN') or node.get('en'))[:30]!r}")
                zh = str(node.get("zh_CN") or "")
                if _ASCII_PUNCT_NEAR_CJK.search(_LOOSE_PLACEHOLDER.sub("", zh)):
                    self.add(line, "punctuation", f"zh_CN text uses ASCII punctuation: {zh[:30]!r}", "warning")
                return
            for value in node.values():
                self.check_translations(value, line)
        elif isinstance(node, list):
            for value in node:
                self.check_translations(value, line)

    # identity and devices --------------------------------------------------------------------------
    def check_identity_and_devices(self) -> None:
        flow, line = self.flow, self.raw.get("__line__", 1)
        identify = [s for s in flow.steps.values() if s.type == "identify"]
        if flow.identity == "none" and identify:
            self.add(identify[0].line, "identity", "the flow needs no identity but has an identify step")
        if flow.identity != "none" and not identify:
            self.add(line, "identity", f"the flow needs identity {flow.identity!r} but has no identify step")
        needed: dict[str, int] = {}
        for step in identify:
            accept = step.params.get("accept") or (["sscard"] if flow.identity == "ss_card" else ["resident"])
            cards = {CARD_DEVICES[a] for a in accept}
            if flow.identity == "id_card" and "sscard" in cards or flow.identity == "ss_card" and "idcard" in cards:
                self.add(step.line, "identity", f"step accepts {sorted(accept)} but the flow's identity is "
                                                f"{flow.identity!r}")
            if flow.identity == "either" and cards != {"idcard", "sscard"}:
                self.add(step.line, "identity", "identity 'either' but the step does not accept both cards",
                         "warning")
            if step.params.get("assurance") == "any" and "sscard" in accept and any(
                    s.type == "query" for s in flow.steps.values()):
                self.add(step.line, "assurance", "assurance 'any' lets an unauthenticated social-security card "
                                                 "reach a query that shows personal data", "warning")
            for device in cards:
                needed.setdefault(device, step.line)
        for step in flow.steps.values():
            if step.type == "print":
                needed.setdefault(step.params.get("printer", "receipt"), step.line)
        for device, at in sorted(needed.items()):
            if device not in flow.devices:
                self.add(at, "devices", f"step needs device {device!r} which the flow does not list in devices")
        if self.ctx.terminal_devices is not None:
            for device in flow.devices:
                if device not in self.ctx.terminal_devices:
                    self.add(_line_of_key(self.raw, "devices", line), "terminal-device",
                             f"needs device {device!r} which this terminal type does not have")

    # transitions and graph --------------------------------------------------------------------------
    def check_transitions(self) -> list[Edge]:
        edges: list[Edge] = []
        for step in self.flow.steps.values():
            allowed = STEP_OUTCOMES[step.type]
            for transition in step.next:
                edges.append((step.id, "next", transition.goto))
            for outcome, target in step.on.items():
                if outcome != "timeout" and outcome not in allowed:
                    self.add(step.line, "outcome", f"step {step.id!r} ({step.type}) never reports {outcome!r}")
                edges.append((step.id, outcome, target))
            for index, transition in enumerate(step.next):
                if transition.goto not in self.flow.steps:
                    self.add(self.transition_line(step, index), "nowhere",
                             f"step {step.id!r} goes to {transition.goto!r}, which does not exist")
            for outcome, target in step.on.items():
                if target not in self.flow.steps:
                    self.add(self.transition_line(step, -1), "nowhere",
                             f"step {step.id!r} goes to {target!r} on {outcome!r}, which does not exist")
            if step.type == "finish":
                if step.next or step.on:
                    self.add(step.line, "finish", f"finish step {step.id!r} has transitions; they are never taken",
                             "warning")
            elif not step.next and not (step.type == "rate" and step.on.get("skip")):
                self.add(step.line, "dead-end", f"step {step.id!r} has no `next`: the citizen is stuck there")
            if step.next and all(t.when for t in step.next):
                self.add(step.line, "no-default", f"every transition of {step.id!r} has a condition; add one "
                                                  "without `when` as the default", "warning")
            for outcome in REQUIRED_OUTCOMES.get(step.type, ()):
                if outcome not in step.on:
                    self.add(step.line, "unhandled", f"{step.type} step {step.id!r} does not say where to go on "
                                                     f"{outcome!r}")
            if step.type == "identify":
                for outcome in ("refused", "error"):
                    if outcome not in step.on:
                        self.add(step.line, "unhandled", f"identify step {step.id!r} has no path for {outcome!r}",
                                 "warning")
        return [e for e in edges if e[2] in self.flow.steps]

    def transition_line(self, step: Step, index: int) -> int:
        """The line of a step's ``next`` entry (index >= 0) or its ``on`` mapping (-1)."""
        spec = self.raw.get("steps", {}).get(step.id, {})
        node = spec.get("on") if index < 0 else spec.get("next")
        if isinstance(node, list) and index < len(node) and isinstance(node[index], dict):
            return node[index].get("__line__", step.line)
        return node.get("__line__", step.line) if isinstance(node, dict) else step.line

    def check_graph(self, edges: list[Edge]) -> None:
        forward: dict[str, set[str]] = {s: set() for s in self.flow.steps}
        backward: dict[str, set[str]] = {s: set() for s in self.flow.steps}
        for source, _label, target in edges:
            forward[source].add(target)
            backward[target].add(source)
        reachable = _closure(self.flow.start, forward)
        finishes = [s.id for s in self.flow.steps.values() if s.type == "finish"]
        if not finishes:
            self.add(self.raw.get("__line__", 1), "no-finish", "the flow has no finish step")
        can_finish = set().union(*(_closure(f, backward) for f in finishes)) if finishes else set()
        for step in self.flow.steps.values():
            if step.id not in reachable:
                self.add(step.line, "unreachable", f"step {step.id!r} cannot be reached from {self.flow.start!r}")
            elif step.id not in can_finish and finishes:
                self.add(step.line, "dead-end", f"no way to finish from step {step.id!r}")

    # step types -------------------------------------------------------------------------------------
    def check_step(self, step: Step) -> None:
        p = step.params
        if step.type == "query" and p.get("service") not in self.ctx.services:
            self.add(step.line, "service", f"unknown service {p.get('service')!r} (the terminal offers: "
                                           f"{', '.join(sorted(self.ctx.services))})")
        if step.type == "print":
            printer, template = p.get("printer", "receipt"), p.get("template", "")
            if printer == "receipt":
                if not (self.ctx.templates_dir / f"{template}.yaml").is_file():
                    self.add(step.line, "template", f"no receipt template {template!r} in {self.ctx.templates_dir}")
            else:
                spec = (self.ctx.document_templates or {}).get(template)
                if spec is None:
                    self.add(step.line, "template", f"no {printer} template {template!r} in document_templates.yaml")
                elif spec.get("printer") != printer:
                    self.add(step.line, "template", f"template {template!r} is for the {spec.get('printer')} "
                                                    f"printer, not {printer!r}")
        if step.type == "form":
            ids = [f["id"] for f in p.get("fields", [])]
            for dup in {i for i in ids if ids.count(i) > 1}:
                self.add(step.line, "field", f"field {dup!r} appears twice")
            for field in p.get("fields", []):
                if field["type"] == "choice" and not (field.get("options") or field.get("options_from")):
                    self.add(step.line, "field", f"choice field {field['id']!r} has no options")
                if "pattern" in field:
                    try:
                        re.compile(field["pattern"])
                    except re.error as exc:
                        self.add(step.line, "field", f"field {field['id']!r}: bad pattern: {exc}")
        if step.type == "commitment" and not p.get("store_as"):
            self.add(step.line, "commitment", "commitment step without store_as: the signature would not be kept",
                     "warning")

    # data flow: every value read is provided by an earlier step ------------------------------------------
    def check_data(self, edges: list[Edge]) -> None:
        produced = {s.id: _produces(s) for s in self.flow.steps.values()}
        anywhere = set(ALWAYS).union(*produced.values(), {"error"})
        into = _must_provide(self.flow, edges, produced)
        for step in self.flow.steps.values():
            before = into.get(step.id)
            if before is None:
                continue  # unreachable, reported already
            after = before | produced[step.id]
            for path, at_line, scope in self.reads(step):
                known = (after if scope == "after" else before) | ({"item"} if path.startswith("item.") else set())
                if step.type == "form" and path.startswith("form."):
                    known = known | produced[step.id]
                if _provided(path, known):
                    self.check_identity_path(path, at_line)
                    continue
                if _provided(path, anywhere):
                    self.add(at_line, "maybe-unset", f"{path!r} is read in step {step.id!r} but not provided on "
                                                     "every path to it", "warning")
                else:
                    self.add(at_line, "unset", f"{path!r} is read in step {step.id!r} but no step provides it")

    def check_identity_path(self, path: str, line: int) -> None:
        parts = path.split(".")
        if parts[0] == "identity" and len(parts) > 1 and parts[1] not in IDENTITY_FIELDS:
            self.add(line, "unset", f"{path!r}: an identity has no field {parts[1]!r}")

    def reads(self, step: Step) -> list[tuple[str, int, str]]:
        """(context path, line, 'before'|'after' the step's own data) for everything the step reads."""
        p, line, out = step.params, step.line, []

        def templates(values: Iterable[str], scope: str = "before") -> None:
            for value in values:
                for path in self.placeholders(value, line):
                    out.append((path, line, scope))

        for transition in step.next:
            out += [(f, line, "after") for f in fields_used(transition.when)]
        templates(_strings(p.get("body")))
        templates(_strings(p.get("commitment")))
        templates((p.get("params") or {}).values())
        templates((p.get("subject") or {}).values())
        if p.get("rows"):
            out.append((p["rows"], line, "before"))
        templates(c["value"] for c in p.get("columns", []) + p.get("summary", []))
        for field in p.get("fields", []):
            out += [(f, line, "before") for f in fields_used(field.get("shown_if"))]
            if field.get("options_from"):
                spec = field["options_from"]
                out.append((spec["rows"], line, "before"))
                templates((spec["value"], spec["label"]))
        if step.type == "print":
            if p.get("data"):
                out.append((p["data"], line, "before"))
            out += self.template_reads(step)
        return out

    def template_reads(self, step: Step) -> list[tuple[str, int, str]]:
        printer, template = step.params.get("printer", "receipt"), step.params.get("template", "")
        if printer != "receipt":
            spec = (self.ctx.document_templates or {}).get(template) or {}
            return [(path, step.line, "before") for path in spec.get("reads", [])]
        path = self.ctx.templates_dir / f"{template}.yaml"
        if not path.is_file():
            return []
        data = _template(path, path.stat().st_mtime_ns)
        found = []
        for spec in data.get("lines", []):
            if "repeat" in spec:
                found.append(spec["repeat"])
            for value in [spec.get("text", "")] + [c.get("value", "") for c in spec.get("columns", [])]:
                found += self.placeholders(value, step.line)
        found += self.placeholders(data.get("qr") or "", step.line)
        return [(f, step.line, "before") for f in found]

    def placeholders(self, value: str, line: int) -> list[str]:
        value = str(value)
        for match in PLACEHOLDER.finditer(value):
            for name in filter(None, match.group(2).split("|")):
                if name not in FILTERS:
                    self.add(line, "filter", f"unknown filter {name!r} in {match.group(0)!r}")
        if len(_LOOSE_PLACEHOLDER.findall(value)) != len(PLACEHOLDER.findall(value)):
            self.add(line, "placeholder", f"malformed placeholder in {value[:40]!r}")
        return [m.group(1) for m in PLACEHOLDER.finditer(value)]


@cache
def _template(path: Path, _mtime_ns: int) -> dict[str, Any]:
    """A receipt template, parsed once per version of the file (many flows print the same one)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST_LOADER) or {}


def _strings(text: Any) -> list[str]:
    return [v for v in text.values() if isinstance(v, str)] if isinstance(text, dict) else []


def _closure(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _produces(step: Step) -> set[str]:
    """Context prefixes a step adds when it completes with 'ok' (as the UI and engine merge them)."""
    if step.type == "identify":
        return {"identity"}
    if step.type == "form":
        return {f"form.{f['id']}" for f in step.params.get("fields", [])}
    if step.type in ("query", "commitment", "rate") and step.params.get("store_as"):
        return {step.params["store_as"]}
    return set()


def _must_provide(flow: Flow, edges: list[Edge], produced: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each reachable step, what is provided on every path to it (a forward must-analysis)."""
    into: dict[str, set[str] | None] = {s: None for s in flow.steps}
    into[flow.start] = set(ALWAYS)
    changed = True
    while changed:
        changed = False
        for source, label, target in edges:
            before = into[source]
            if before is None:
                continue
            out = before | produced[source] if label == "next" else before | {"error"}
            current = into[target]
            new = out if current is None else (current & out if target != flow.start else current)
            if new != current:
                into[target] = new
                changed = True
    return {k: v for k, v in into.items() if v is not None}


def _provided(path: str, known: set[str] | frozenset[str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:i]) in known for i in range(1, len(parts) + 1))


def _line_of_key(raw: dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key)
    return value.get("__line__", default) if isinstance(value, dict) else default
