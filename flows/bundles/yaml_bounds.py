"""Bound a YAML document's structure before anything builds it: depth, anchors, aliases, expanded size.

PyYAML's safe loader shares aliased nodes, so a "billion laughs" document loads quickly into a small
object graph, and then every walk over it (lint, templating, JSON) visits each alias again: nine levels
of ten aliases is a billion visits and, for anything that copies, memory without end. This check reads
only the parser's event stream (constant memory) and counts the size the document *would* have with
every alias expanded, refusing it as ``yaml_bomb`` before the loader ever sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.bundles.errors import BundleRefused

MAX_DEPTH = 64  # nesting of mappings and sequences
MAX_ALIASES = 1000  # alias uses in one file
MAX_EXPANDED_NODES = 200_000  # nodes with every alias expanded (the real flows have a few thousand)

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml_structure(
    path: Path,
    *,
    max_depth: int = MAX_DEPTH,
    max_aliases: int = MAX_ALIASES,
    max_nodes: int = MAX_EXPANDED_NODES,
) -> int:
    """Refuse a YAML file whose structure is out of bounds; returns its expanded node count."""
    anchors: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, expanded nodes so far] per open collection
    aliases = 0
    name = path.name
    try:
        with path.open("rb") as stream:
            for event in yaml.parse(stream, Loader=_Loader):
                if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                    if isinstance(event, yaml.AliasEvent):
                        aliases += 1
                        if aliases > max_aliases:
                            raise BundleRefused("yaml_bomb", f"{name}: more than {max_aliases} aliases")
                        size = anchors.get(event.anchor or "", 1)
                    else:
                        size = 1
                        if event.anchor:
                            anchors[event.anchor] = 1
                    stack[-1][1] += size
                elif isinstance(event, yaml.CollectionStartEvent):
                    stack.append([event.anchor, 1])
                    if len(stack) > max_depth + 1:
                        raise BundleRefused("yaml_bomb", f"{name}: nested deeper than {max_depth}")
                elif isinstance(event, yaml.CollectionEndEvent):
                    anchor, size = stack.pop()
                    if anchor:
                        anchors[anchor] = size
                    stack[-1][1] += size
                if stack[-1][1] > max_nodes or sum(level[1] for level in stack) > max_nodes:
                    raise BundleRefused(
                        "yaml_bomb", f"{name}: more than {max_nodes} nodes once aliases expand"
                    )
    except yaml.YAMLError as exc:
        raise BundleRefused("malformed", f"{name}: not YAML ({type(exc).__name__})") from None
    return int(stack[0][1])
