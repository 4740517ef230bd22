"""The Qt side of voice guidance: QSoundEffect playback, and a queued hand-back to the GUI thread.

Terminals without an audio output (and the offscreen tests) get the recording sink of kiosk.voice.guide, so
the guide behaves the same and tests can assert what was played and when.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

from kiosk.voice.guide import Player, RecordingPlayer


class SoundEffectPlayer:
    """Plays short WAV prompts with QSoundEffect (uncompressed PCM, low latency)."""

    def __init__(self, parent: QObject | None = None):
        self._effect = QSoundEffect(parent)
        self.recorder = RecordingPlayer()  # what was played, for the walker and diagnostics

    def play(self, path: Path, volume: float) -> None:
        self._effect.stop()
        self._effect.setSource(QUrl.fromLocalFile(str(path)))
        self._effect.setVolume(volume)
        self._effect.play()
        self.recorder.play(path, volume)

    def stop(self) -> None:
        self._effect.stop()


def make_player(parent: QObject | None = None) -> Player:
    """QSoundEffect when the terminal has an audio output, else the recording sink."""
    if QMediaDevices.audioOutputs():
        return SoundEffectPlayer(parent)
    return RecordingPlayer()


class GuiPoster(QObject):
    """Runs callables on the thread this object lives on (the GUI thread), through a queued signal."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._call.connect(self._run)

    def __call__(self, fn: Callable[[], None]) -> None:
        self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()
