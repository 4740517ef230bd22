"""What each screen says: the spoken prompt texts, in the session's language.

Prompts are built from fixed texts only (translation keys, flow and step titles, a step's own ``voice:`` text),
never from the session's context, so personal data cannot reach the speaker by accident. The one exception is
`identity_prompt`, spoken only when the citizen taps 'read it to me' on the confirm screen, and it speaks the
masked name and ID number (common.masking, through the identity the session already holds masked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flows.model import Flow, Step, text
from kiosk.i18n import tr

# what to do on each step type, said after the step's title
_STEP_HINTS = {
    "identify": "voice.step.identify",
    "confirm_identity": "voice.step.confirm_identity",
    "form": "voice.step.form",
    "query": "voice.step.query",
    "print": "voice.step.print",
    "preview": "voice.step.preview",
    "notice": "voice.step.notice",
    "commitment": "voice.step.commitment",
    "rate": "voice.step.rate",
    "finish": "voice.step.finish",
}


def screen_prompt(screen: str, lang: str) -> str:
    """The prompt of a screen that belongs to no flow (attract, catalog, message)."""
    return tr(f"voice.screen.{screen}", lang) if screen in ("attract", "catalog", "message", "help") else ""


def intro_prompt(flow: Flow, lang: str) -> str:
    return " ".join(t for t in (text(flow.title, lang), tr("voice.screen.intro", lang)) if t)


def step_prompt(step: Step, lang: str) -> str:
    """A step's own ``voice:`` text when the flow gives one, else its title and what to do."""
    own = step.params.get("voice")
    if isinstance(own, dict) and own:
        return text(own, lang)
    hint = tr(_STEP_HINTS[step.type], lang) if step.type in _STEP_HINTS else ""
    return " ".join(t for t in (text(step.title, lang), hint) if t)


def identity_prompt(identity: dict[str, Any] | None, lang: str) -> str:
    """Read the identity aloud on request: masked name and ID number only."""
    if not identity:
        return ""
    return tr(
        "voice.identity",
        lang,
        name=identity.get("masked_name", ""),
        id_number=identity.get("masked_id_number", ""),
    )


def flow_prompts(flows: Iterable[Flow], lang: str) -> Iterator[str]:
    """Every prompt a bundle's flows can say, to render into the cache before anyone needs them."""
    for screen in ("attract", "catalog", "message", "help"):
        yield screen_prompt(screen, lang)
    for flow in flows:
        yield intro_prompt(flow, lang)
        for step in flow.steps.values():
            yield step_prompt(step, lang)
