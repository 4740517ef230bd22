"""What every lint check shares: the problem record, the lint context, and the report checks write into.

Kept apart from the checks so that each check module (graph, steps, data flow, text) depends only on
this one and never on another check: a check can be read, changed and tested without the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows.model import Flow
from wire.services import SERVICE_NAMES

FLOWS_ROOT = Path(__file__).parent.parent
TERMINALS_PATH = FLOWS_ROOT / "terminals.yaml"
FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    return (yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER) or {}).get("templates", {})


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
        return cls(
            templates_dir=templates if templates.is_dir() else FLOWS_ROOT / "templates",
            document_templates=load_document_templates(documents) if documents.is_file() else None,
            terminal_devices=terminal_devices,
        )


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


@dataclass
class Report:
    """One flow under check: its parsed form, its raw YAML (for line numbers) and the problems found so far."""

    flow: Flow
    raw: dict[str, Any]
    ctx: LintContext
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, code: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.flow.source, line, severity, code, message))

    @property
    def flow_line(self) -> int:
        """The line of the flow's top-level mapping (where flow-wide problems are reported)."""
        return self.raw.get("__line__", 1)

    def line_of_key(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        return value.get("__line__", default) if isinstance(value, dict) else default
