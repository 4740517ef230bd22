"""Voice guidance benchmark: screen shown -> first audio sample handed to the sink, with prompts already in the
cache (target p95 <= 200 ms) and, for the record, uncached (espeak-ng renders the prompt first).

Measured through the real guide, the real espeak-ng WAV files and the recording sink (which opens the WAV and
reads its first frame, as a sound card sink does). Run: ``.venv/bin/python bench/bench_voice.py`` (prints
figures; exits 1 over target); ``--quick`` uses a few prompts and always exits 0.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.loader import FLOWS_DIR, load_directory
from kiosk.voice.guide import RecordingPlayer, VoiceGuide
from kiosk.voice.prompts import flow_prompts
from kiosk.voice.synth import EspeakSynthesizer, PromptCache

TARGET_CACHED_MS = 200.0


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def measure(guide: VoiceGuide, player: RecordingPlayer, texts: list[tuple[str, str]]) -> list[float]:
    times = []
    for text, lang in texts:
        before = len(player.played)
        shown = time.monotonic()
        future = guide.say(text, lang)
        if future is not None:
            future.result(30)
        deadline = shown + 30
        while len(player.played) == before and time.monotonic() < deadline:
            time.sleep(0.0005)
        times.append((player.played[-1].at - shown) * 1000)
    return times


def main() -> int:
    quick = "--quick" in sys.argv
    if not EspeakSynthesizer().available:
        print("espeak-ng not installed (scripts/apt-packages.txt): nothing to measure")
        return 0 if quick else 1
    flows = list(load_directory(FLOWS_DIR).values())
    texts = [(t, lang) for lang in ("zh_CN", "en") for t in dict.fromkeys(flow_prompts(flows, lang)) if t]
    if quick:
        texts = texts[:4]
    with tempfile.TemporaryDirectory() as tmp:
        player = RecordingPlayer()
        guide = VoiceGuide(PromptCache(Path(tmp), EspeakSynthesizer()), player)
        uncached = measure(guide, player, texts)
        cached = measure(guide, player, texts * (1 if quick else 5))
        guide.close()
    print(f"prompts: {len(texts)} (every screen and step of the built-in flows, both languages)")
    print(
        f"screen shown -> first sample, cached: median {statistics.median(cached):.2f} ms, "
        f"p95 {p95(cached):.2f} ms (target <= {TARGET_CACHED_MS:.0f} ms)"
    )
    print(
        f"screen shown -> first sample, uncached (espeak-ng renders first): median "
        f"{statistics.median(uncached):.1f} ms, p95 {p95(uncached):.1f} ms"
    )
    return 0 if quick or p95(cached) <= TARGET_CACHED_MS else 1


if __name__ == "__main__":
    sys.exit(main())
