"""Flows as data: the parsed, immutable form of a flow definition.

A flow file (YAML) is checked against the JSON Schema in ``flows/schema`` and
then turned into these dataclasses. Nothing in a flow is executable: steps name
step types the engine offers, services the terminal offers and templates that
only substitute values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh_CN", "en")

Text = dict[str, str]  # {'zh_CN': ..., 'en': ...}

STEP_TYPES = (
    "identify",
    "confirm_identity",
    "notice",
    "form",
    "query",
    "preview",
    "print",
    "commitment",
    "rate",
    "finish",
)

# Outcomes each step type can report; 'ok' follows `next`, the others follow `on`. Any step may also
# report 'timeout' when it declares `on: {timeout: ...}`; otherwise the UI handles a timeout (home screen).
STEP_OUTCOMES: dict[str, tuple[str, ...]] = {
    "identify": ("ok", "refused", "error", "removed"),
    "confirm_identity": ("ok",),
    "notice": ("ok",),
    "form": ("ok",),
    "query": ("ok", "empty", "error", "offline"),
    "preview": ("ok",),
    "print": ("ok", "error"),
    "commitment": ("ok", "declined"),
    "rate": ("ok", "skip"),  # 'skip' without an `on` entry follows `next`
    "finish": (),
}


def text(value: Text | str | None, lang: str) -> str:
    """Pick a language from a text dict; fall back to Chinese, which every text must have."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("zh_CN", "")


@dataclass(frozen=True)
class Transition:
    goto: str
    when: dict[str, Any] | None = None  # a condition (see flows.conditions); None = always


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    title: Text
    next: tuple[Transition, ...] = ()
    on: dict[str, str] = field(default_factory=dict)  # outcome -> step id
    back: bool = True  # whether the citizen may go Back from here
    params: dict[str, Any] = field(default_factory=dict)  # everything type-specific, as given
    line: int = 0  # line in the source file, for lint messages


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    title: Text
    category: str
    icon: str
    item_code: str  # 事项编码
    identity: str  # id_card | ss_card | either | none
    devices: tuple[str, ...]
    offline: bool
    notice: Text
    start: str
    steps: dict[str, Step]
    source: str = ""
    materials: tuple[dict[str, Any], ...] = ()  # [{name: Text, required: bool, note: Text}] for 一次性告知
    description: Text = field(default_factory=dict)
    minutes: int = 0  # expected minutes to complete; 0: estimated from the steps (kiosk.ui.assist_view)
    walk: dict[str, Any] = field(default_factory=dict)  # the scripted citizen's card and expected outcome
    # False for a visit that is not a 办件 (the service guide): no case is opened, recorded or reported
    opens_case: bool = True

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]

    def texts(self) -> list[Text]:
        """Every citizen-facing text of the flow (for translation checks and the service guide)."""
        found: list[Text] = [self.title, self.notice, self.description]
        found += [t for m in self.materials for t in (m.get("name"), m.get("note")) if t]
        for step in self.steps.values():
            found.append(step.title)
            _collect_texts(step.params, found)
        return [t for t in found if t]


def _collect_texts(value: Any, found: list[Text]) -> None:
    if isinstance(value, dict):
        if "zh_CN" in value and all(isinstance(v, str) for v in value.values()):
            found.append(value)
            return
        for v in value.values():
            _collect_texts(v, found)
    elif isinstance(value, list):
        for v in value:
            _collect_texts(v, found)
