"""The voice guide: plays the current screen's prompt, rendering it off the GUI thread when it is not cached.

Qt-free. The UI calls `say` when a screen or step appears; a cached prompt starts playing at once, an uncached
one is synthesized on the guide's own worker thread and played when ready — unless the citizen has moved on
(a generation counter drops stale results, as kiosk/tasks.py does for device callbacks). ``post`` hands the
finished render back to the thread the player lives on (the Qt adapter passes a queued call).
"""

from __future__ import annotations

import logging
import time
import wave
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.voice.synth import PromptCache, SynthesisError

log = logging.getLogger(__name__)


class Player(Protocol):
    def play(self, path: Path, volume: float) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Played:
    path: Path
    volume: float
    at: float  # time.monotonic() when the first sample was handed to the sink
    first_sample: bytes


class RecordingPlayer:
    """A sink with no sound card: opens the WAV like a real sink, reads its first frame, and records when.

    Used on terminals without an audio device, in tests and in the benchmark (so 'first audio sample' is measured
    on the same file read a real sink does).
    """

    def __init__(self) -> None:
        self.played: list[Played] = []
        self.stopped = 0

    def play(self, path: Path, volume: float) -> None:
        with wave.open(str(path), "rb") as wav:
            first = wav.readframes(1)
        self.played.append(Played(path, volume, time.monotonic(), first))

    def stop(self) -> None:
        self.stopped += 1


def _direct(fn: Callable[[], None]) -> None:
    fn()


class VoiceGuide:
    def __init__(
        self,
        cache: PromptCache,
        player: Player,
        *,
        volume: float = 0.8,
        muted: bool = False,
        post: Callable[[Callable[[], None]], None] = _direct,
    ):
        self.cache = cache
        self.player = player
        self.volume = volume
        self.muted = muted
        self._post = post
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        # the bundle's prompts render on a lane of their own, so the screen shown now never waits behind them
        self._bulk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-prerender")
        self._generation = 0
        self._closed = False
        self._current: tuple[str, str] = ("", "")
        self.spoken: list[
            tuple[str, str]
        ] = []  # (lang, text) of each prompt started, for tests and the walker

    @property
    def current(self) -> tuple[str, str]:
        """(text, lang) of the prompt of the screen shown now."""
        return self._current

    def say(self, text: str, lang: str) -> Future[Path] | None:
        """The screen changed: stop what is playing and speak ``text`` (rendered first if needed)."""
        self._generation += 1
        self._current = (text, lang)
        self.player.stop()
        if self.muted or not text or self._closed:  # closed: the app is shutting down, nothing more is said
            return None
        path = self.cache.cached(text, lang)
        if path is not None:
            self._play(path, text, lang)
            return None
        generation = self._generation
        future = self._pool.submit(self.cache.render, text, lang)
        future.add_done_callback(lambda f: self._post(lambda: self._rendered(f, generation, text, lang)))
        return future

    def replay(self) -> Future[Path] | None:
        """The citizen asked to hear the prompt again (replay button); plays even when muted."""
        text, lang = self._current
        muted, self.muted = self.muted, False
        try:
            return self.say(text, lang)
        finally:
            self.muted = muted

    def prerender(self, texts: Iterable[tuple[str, str]]) -> Future[int]:
        """Render every (text, lang) not cached yet, in the background; the count rendered when done."""
        wanted = [(t, lang) for t, lang in dict.fromkeys(texts) if t]
        if self._closed:
            done: Future[int] = Future()
            done.set_result(0)
            return done
        return self._bulk.submit(self._render_all, wanted)

    def close(self) -> None:
        self._closed = True
        self._generation += 1
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._bulk.shutdown(wait=False, cancel_futures=True)

    def _render_all(self, wanted: list[tuple[str, str]]) -> int:
        rendered = 0
        for text, lang in wanted:
            if self._closed:
                break
            if self.cache.cached(text, lang) is None:
                try:
                    self.cache.render(text, lang)
                except SynthesisError as exc:
                    log.warning("voice prompts not rendered: %s", exc)
                    break
                rendered += 1
        return rendered

    def _rendered(self, future: Future[Path], generation: int, text: str, lang: str) -> None:
        if generation != self._generation or future.cancelled():
            return  # the citizen has moved on
        try:
            path = future.result()
        except SynthesisError as exc:
            log.warning("voice prompt not rendered: %s", exc)
            return
        self._play(path, text, lang)

    def _play(self, path: Path, text: str, lang: str) -> None:
        self.spoken.append((lang, text))
        try:
            self.player.play(path, self.volume)
        except (OSError, EOFError, wave.Error) as exc:
            log.warning("voice prompt not played: %s", type(exc).__name__)
