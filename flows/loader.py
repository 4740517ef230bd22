"""Read flow definitions from YAML, check them against the JSON Schema, build :class:`Flow` objects."""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from flows.model import Flow, Step, Transition

if TYPE_CHECKING:
    import jsonschema

log = logging.getLogger(__name__)

FLOWS_DIR = Path(__file__).parent / "definitions"
SCHEMA_PATH = Path(__file__).parent / "schema" / "flow.schema.json"


class FlowLoadError(Exception):
    def __init__(self, source: str, message: str, line: int = 0):
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")
        self.source, self.message, self.line = source, message, line


_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses ~8x faster


class _LineLoader(_SafeBase):
    """A safe loader that remembers the line of every mapping (as key '__line__')."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_PLAIN_STARTS = frozenset("-+.0123456789tTfFnN~<=")


def _resolve(self: _LineLoader, kind: Any, value: Any, implicit: Any) -> str:
    """Most scalars in a flow are words or Chinese text: settle them as strings without the regexes."""
    if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _PLAIN_STARTS:
        return "tag:yaml.org,2002:str"
    return _BaseResolve(self, kind, value, implicit)


_BaseResolve = _LineLoader.resolve
_LineLoader.resolve = _resolve

# YAML 1.2 booleans only: in YAML 1.1 `on`, `no`, `yes`, `off` are booleans, which would turn a step's
# `on:` key into True and a choice value `no` into False.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


def _to_python(node: yaml.Node, loader: _LineLoader, source: str) -> Any:
    """Nodes to plain data, faster than PyYAML's constructor, keeping lines and refusing duplicate keys
    (YAML would silently keep the last of two steps with the same id)."""
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _to_python(key_node, loader, source)
            if key == "<<" or isinstance(key, dict | list):
                raise FlowLoadError(
                    source, "merge keys and complex keys are not allowed", key_node.start_mark.line + 1
                )
            if key in out:
                raise FlowLoadError(source, f"duplicate key {key!r}", key_node.start_mark.line + 1)
            out[key] = _to_python(value_node, loader, source)
        out["__line__"] = node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, loader, source) for v in node.value]
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _NULL:
        return None
    if tag == _INT and value.lstrip("-+").isdigit():
        return int(value)
    if (
        tag == _FLOAT
        and "_" not in value
        and "." in value
        and value.lstrip("-+").replace(".", "", 1).isdigit()
    ):
        return float(value)
    return loader.construct_object(node, deep=True)  # the rare forms: hex ints, dates, .inf


def parse_yaml(text: str, source: str = "<flow>") -> dict[str, Any]:
    """YAML with line numbers kept under '__line__'."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = _to_python(node, loader, source) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        hint = (
            " (inside {...} quote a text holding , ? : { or ${...})"
            if "expected ',' or '}'" in str(getattr(exc, "problem", ""))
            else ""
        )
        raise FlowLoadError(
            source, f"not valid YAML: {getattr(exc, 'problem', exc)}{hint}", mark.line + 1 if mark else 0
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FlowLoadError(source, "a flow file must be a mapping")
    return data


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """Built once: compiling the schema costs more than checking a flow. Imported here: only a flow that
    fails the fast check needs it (jsonschema and its dependencies cost the terminal's cold start ~40 ms)."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


@cache
def _fast_validator() -> Any:
    """jsonschema-rs checks a flow in microseconds; the pure-Python validator then explains failures."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(schema())


def schema_errors(raw: dict[str, Any], source: str) -> list[FlowLoadError]:
    """Every schema violation, each with the line of the nearest mapping (lint reports them all)."""
    plain = strip_lines(raw)
    fast = _fast_validator()
    if fast is not None and fast.is_valid(plain):
        return []
    errors = sorted(_validator().iter_errors(plain), key=lambda e: [str(p) for p in e.absolute_path])
    return [
        FlowLoadError(
            source,
            f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}",
            _line_of(raw, list(e.absolute_path)),
        )
        for e in errors
    ]


def validate(raw: dict[str, Any], source: str) -> None:
    errors = schema_errors(raw, source)
    if errors:
        raise errors[0]


def _line_of(raw: Any, path: list[Any]) -> int:
    line, node = raw.get("__line__", 0) if isinstance(raw, dict) else 0, raw
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            line = node.get("__line__", line)
    return line


def build(raw: dict[str, Any], source: str = "<flow>") -> Flow:
    steps = {}
    for step_id, spec in raw["steps"].items():
        if step_id == "__line__":
            continue
        nxt = spec.get("next")
        if isinstance(nxt, str):
            transitions: tuple[Transition, ...] = (Transition(nxt),)
        else:
            transitions = tuple(Transition(t["goto"], strip_lines(t.get("when"))) for t in nxt or ())
        params = {
            k: strip_lines(v)
            for k, v in spec.items()
            if k not in ("type", "title", "next", "on", "back", "__line__")
        }
        steps[step_id] = Step(
            id=step_id,
            type=spec["type"],
            title=strip_lines(spec.get("title", {})),
            next=transitions,
            on=strip_lines(spec.get("on", {})),
            back=spec.get("back", True),
            params=params,
            line=spec.get("__line__", 0),
        )
    return Flow(
        id=raw["id"],
        version=raw["version"],
        title=strip_lines(raw["title"]),
        category=raw["category"],
        icon=raw.get("icon", "document"),
        item_code=str(raw["item_code"]),
        identity=raw["identity"],
        devices=tuple(raw.get("devices", ())),
        offline=raw.get("offline", False),
        notice=strip_lines(raw.get("notice", {})),
        start=raw["start"],
        steps=steps,
        source=source,
        materials=tuple(strip_lines(raw.get("materials", []))),
        description=strip_lines(raw.get("description", {})),
        minutes=int(raw.get("minutes", 0)),
        walk=strip_lines(raw.get("walk", {})),
        opens_case=bool(raw.get("opens_case", True)),
    )


def load_flow(path: Path) -> Flow:
    source = str(path)
    raw = parse_yaml(path.read_text(encoding="utf-8"), source)
    validate(raw, source)
    return build(raw, source)


def load_directory(directory: Path = FLOWS_DIR, *, strict: bool = True) -> dict[str, Flow]:
    """Every flow in ``directory``, by id.

    ``strict`` (lint, bundles, tests): a broken file or a duplicate id raises. Not strict (the terminal's
    built-in fallback): such a file is logged and left out, so one bad flow cannot stop the terminal.
    """
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            flow = load_flow(path)
            if flow.id in flows:
                raise FlowLoadError(str(path), f"flow id {flow.id!r} also defined in {flows[flow.id].source}")
        except Exception as exc:
            if strict:
                raise
            log.error("flow %s left out: %s", path.name, exc)
            continue
        flows[flow.id] = flow
    return flows
