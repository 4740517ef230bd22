"""Offline speech synthesis into a WAV cache keyed by text and voice.

espeak-ng (Debian package ``espeak-ng``) speaks Mandarin (``cmn``) and English offline. A prompt is rendered
once and kept: the key is a hash of the voice and the text, so a changed flow text gets a new file and an
unchanged one is never rendered twice. Files are written atomically (temp file, then rename) because the
player may open a cached file while another prompt is being rendered.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

VOICES = {"zh_CN": "cmn", "en": "en"}


class SynthesisError(Exception):
    """The synthesizer is missing or failed; the guide then stays silent instead of breaking the screen."""


class Synthesizer(Protocol):
    name: str

    def render(self, text: str, voice: str) -> bytes:
        """Return a complete WAV file speaking ``text``."""
        ...


class EspeakSynthesizer:
    """espeak-ng through its command line (no Python binding needed; one process per prompt)."""

    name = "espeak-ng"

    def __init__(self, executable: str | None = None, speed: int = 150):
        self._exe = executable or shutil.which("espeak-ng") or ""
        self._speed = speed

    @property
    def available(self) -> bool:
        return bool(self._exe)

    def render(self, text: str, voice: str) -> bytes:
        if not self._exe:
            raise SynthesisError("espeak-ng is not installed (scripts/apt-packages.txt)")
        try:
            done = subprocess.run(
                [self._exe, "-v", voice, "-s", str(self._speed), "--stdout", text],
                capture_output=True,
                timeout=20,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SynthesisError(f"espeak-ng failed: {type(exc).__name__}") from None
        if not done.stdout.startswith(b"RIFF"):
            raise SynthesisError("espeak-ng wrote no WAV data")
        return done.stdout


def voice_for(lang: str) -> str:
    return VOICES.get(lang, VOICES["zh_CN"])


class PromptCache:
    """WAV files under one folder, named by a hash of synthesizer, voice and text."""

    def __init__(self, folder: Path, synthesizer: Synthesizer):
        self.folder = folder
        self.synthesizer = synthesizer

    def path(self, text: str, lang: str) -> Path:
        key = hashlib.sha256(f"{self.synthesizer.name}\0{voice_for(lang)}\0{text}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.wav"

    def cached(self, text: str, lang: str) -> Path | None:
        path = self.path(text, lang)
        return path if path.exists() else None

    def render(self, text: str, lang: str) -> Path:
        """The prompt's WAV file, synthesized now if it is not cached yet (slow: call off the GUI thread)."""
        path = self.path(text, lang)
        if path.exists():
            return path
        data = self.synthesizer.render(text, voice_for(lang))
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        return path
