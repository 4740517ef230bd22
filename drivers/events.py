"""Events identity readers emit from their own threads (observed by the UI through signals)."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceError
from drivers.identity import Identity


@dataclass(frozen=True)
class CardPresented:
    """A card was placed and read successfully (emitted once per absent-to-present edge)."""

    reader: str
    identity: Identity


@dataclass(frozen=True)
class CardRemoved:
    """The card was lifted (after a read, or before a read could finish)."""

    reader: str


@dataclass(frozen=True)
class CardReadFailed:
    """A card is there but could not be read; ``error.key`` says why in citizen words."""

    reader: str
    error: DeviceError
