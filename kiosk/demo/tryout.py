"""``kiosk flows try DIR --out OUT``: every flow of a tree, walked by the scripted citizen in both languages.

An operator sees a change on the terminal's own screens before any citizen does: one kiosk (the embedded
back office, simulated devices, an offscreen window) runs the tree's flows instead of its own, and
:func:`kiosk.demo.walk.walk_flow` walks each of them card first, once per language, saving every screen.
One process serves all walks: between two walks the card is lifted and the terminal returns to its attract
screen, as it does between two citizens. A walk that stops (a screen nobody can leave, a timeout) is
recorded with its error and the terminal is sent home, so one bad flow does not hide the others.

A flow may declare what its sample walk takes and gives (``walk: {card: 1, outcome: nothing_to_deliver}``);
without it the first demo card goes on the reader and the walk must end ``completed``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.model import Flow
from kiosk.demo.walk import go_home, walk_flow

LANGS = ("zh_CN", "en")
EXPECTED = "completed"  # what a sample walk ends with unless the flow declares otherwise


class NotAFlowTree(ValueError):
    """The directory given is not a flow tree as ``kiosk flows lint`` and ``pack`` take it."""


def tree_paths(directory: Path) -> tuple[Path, Path]:
    """``(root, definitions)`` of a flow tree: a directory with ``definitions/`` (laid out like ``flows/``), or
    a directory of flow files itself (its parent is then the root, as for lint)."""
    if not directory.is_dir():
        raise NotAFlowTree(f"{directory}: no such directory")
    if (directory / "definitions").is_dir():
        root, definitions = directory, directory / "definitions"
    else:
        root, definitions = directory.parent, directory
    if not any(definitions.glob("*.yaml")):
        raise NotAFlowTree(f"{directory}: not a flow tree (no definitions/*.yaml and no flow files)")
    return root, definitions


@dataclass
class TreeResult:
    """Every walk of a tree: per flow, its expectation and one result per language (summary.json)."""

    root: Path
    langs: tuple[str, ...] = LANGS
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(entry["ok"] for entry in self.flows.values())

    def as_json(self) -> dict[str, Any]:
        return {"tree": str(self.root), "ok": self.ok, "langs": list(self.langs), "flows": self.flows}


def expectation(flow: Flow) -> tuple[int, str]:
    """The demo card the flow's walk takes and the outcome it must end with."""
    return int(flow.walk.get("card", 0)), str(flow.walk.get("outcome", EXPECTED))


def walk_tree(app: Any, out: Path, report: Any = None, langs: tuple[str, ...] = LANGS) -> TreeResult:
    """Walk every flow of ``app.ctx.flows`` in each language into ``out/<flow>/<lang>/``; write
    ``out/summary.json``; call ``report(flow_id, entry)`` after each flow (the command's summary line)."""
    result = TreeResult(Path(app.ctx.flows_dir or ""), langs)
    for flow_id in sorted(app.ctx.flows):
        card, expected = expectation(app.ctx.flows[flow_id])
        walks = {lang: _walk_one(app, flow_id, out / flow_id / lang, card, lang) for lang in langs}
        for walk in walks.values():
            walk["ok"] = not walk["error"] and walk["outcome"] == expected
        entry = {
            "title": app.ctx.flows[flow_id].title,
            "card": card,
            "expected": expected,
            "ok": all(w["ok"] for w in walks.values()),
            "langs": walks,
        }
        result.flows[flow_id] = entry
        if report is not None:
            report(flow_id, entry)
    (out / "summary.json").write_text(
        json.dumps(result.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return result


def _walk_one(app: Any, flow_id: str, out: Path, card: int, lang: str) -> dict[str, Any]:
    """One walk, its result as summary.json keeps it; an error is recorded, never raised."""
    from kiosk.logging_setup import scrub

    if out.is_dir():
        shutil.rmtree(out)  # a previous try's screens would mix with this one's
    out.mkdir(parents=True)
    error = ""
    try:
        result = walk_flow(app, flow_id, out, card=card, lang=lang)
    except Exception as exc:  # one flow that stops must not hide the others: record it, go home, go on
        text = str(exc).splitlines()[0] if str(exc) else ""
        error = scrub(f"{type(exc).__name__}{': ' + text if text else ''}")
        result = {
            "case_no": "",
            "outcome": "",
            "taps_to_paper": None,
            "screens_to_paper": None,
            "screens": [p.stem.partition("-")[2] for p in sorted((out / "screens").glob("*.png"))],
        }
    try:
        go_home(app)
    except TimeoutError as exc:
        error = error or f"after the walk: {exc}"
    return {
        "outcome": result["outcome"],
        "case_no": result["case_no"],
        "taps_to_paper": result["taps_to_paper"],
        "screens_to_paper": result["screens_to_paper"],
        "screens": result["screens"],
        "error": error,
    }
