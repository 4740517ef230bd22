"""The demo people's cards, handed to the simulated readers through their device options.

The ``sim://`` factories take their cards from ``DeviceContext.options['cards']`` (or a ``?cards=FILE``
URL parameter); without either they start empty. The composition root calls :func:`with_demo_cards`
so the embedded default shows the same synthetic people the back office answers for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CARD_READERS = ("idcard", "sscard")


def demo_cards() -> list[dict[str, Any]]:
    """ID and social-security cards of the back office's synthetic people (none of them exist)."""
    from backoffice.demo.data import demo_cards as cards

    return cards()


def with_demo_cards(
    devices: Mapping[str, str],
    options: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """``options`` plus the demo cards for each simulated card reader the caller gave no cards of its own."""
    merged = {name: dict(values) for name, values in (options or {}).items()}
    for name in CARD_READERS:
        url = devices.get(name, "")
        own = merged.get(name, {})
        if url.startswith("sim://") and "cards=" not in url and not (own.get("cards") or own.get("sscards")):
            merged[name] = {**own, "cards": demo_cards()}
    return merged
