"""Voice guidance core: espeak-ng renders real WAV prompts once, the guide plays them and drops stale ones."""

from __future__ import annotations

import shutil
import threading
import wave
from pathlib import Path

import pytest

from flows.loader import load_flow
from kiosk.voice import prompts
from kiosk.voice.guide import RecordingPlayer, VoiceGuide
from kiosk.voice.synth import EspeakSynthesizer, PromptCache

FLOWS = Path(__file__).resolve().parent.parent / "flows" / "definitions"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


class CountingSynth:
    """A real espeak-ng wrapped to count renders (so 'rendered once' is observable)."""

    name = "espeak-ng"

    def __init__(self) -> None:
        self.inner = EspeakSynthesizer()
        self.calls: list[tuple[str, str]] = []
        self.gate = threading.Event()
        self.gate.set()

    def render(self, text: str, voice: str) -> bytes:
        self.gate.wait(10)
        self.calls.append((text, voice))
        return self.inner.render(text, voice)


@needs_espeak
def test_mandarin_prompt_is_rendered_once_and_cached_by_text_and_voice(tmp_path):
    synth = CountingSynth()
    cache = PromptCache(tmp_path, synth)
    first = cache.render("请将身份证放在读卡区", "zh_CN")
    with wave.open(str(first)) as wav:
        assert wav.getnframes() > wav.getframerate() // 2  # at least half a second of speech
    assert cache.render("请将身份证放在读卡区", "zh_CN") == first
    assert synth.calls == [("请将身份证放在读卡区", "cmn")]
    assert cache.path("请将身份证放在读卡区", "en") != first  # another voice, another file
    assert cache.path("请将身份证放在读卡区。", "zh_CN") != first  # another text, another file


@needs_espeak
def test_guide_plays_cached_prompt_at_once_and_uncached_off_the_calling_thread(tmp_path):
    synth = CountingSynth()
    player = RecordingPlayer()
    guide = VoiceGuide(PromptCache(tmp_path, synth), player)
    caller = threading.get_ident()
    threads: list[int] = []
    original = synth.render
    synth.render = lambda t, v: (threads.append(threading.get_ident()), original(t, v))[1]  # type: ignore[method-assign]
    future = guide.say("请选择您要办理的事项", "zh_CN")
    assert future is not None
    future.result(10)
    assert threads and caller not in threads
    _wait(lambda: len(player.played) == 1)
    assert player.played[0].first_sample  # a real frame was read from the WAV
    assert guide.say("请选择您要办理的事项", "zh_CN") is None  # cached: played synchronously
    assert len(player.played) == 2
    guide.close()


@needs_espeak
def test_a_prompt_rendered_after_the_citizen_moved_on_is_not_played(tmp_path):
    synth = CountingSynth()
    synth.gate.clear()
    player = RecordingPlayer()
    guide = VoiceGuide(PromptCache(tmp_path, synth), player)
    slow = guide.say("第一个屏幕", "zh_CN")
    guide.say("", "zh_CN")  # the next screen has nothing to say
    synth.gate.set()
    assert slow is not None
    slow.result(10)
    guide.close()
    assert player.played == []


def test_a_closed_guide_says_nothing_and_never_raises(tmp_path):
    """A screen change queued while the app shuts down reached a closed guide: 'cannot schedule new futures'
    escaped into the Qt event loop (seen in CI). A closed guide stays silent."""
    player = RecordingPlayer()
    guide = VoiceGuide(PromptCache(tmp_path, CountingSynth()), player)
    guide.close()
    assert guide.say("第二个屏幕", "zh_CN") is None
    assert guide.prerender([("第三个屏幕", "zh_CN")]).result(1) == 0
    assert player.played == []


@needs_espeak
def test_muted_guide_is_silent_but_replay_speaks(tmp_path):
    player = RecordingPlayer()
    guide = VoiceGuide(PromptCache(tmp_path, EspeakSynthesizer()), player, muted=True, volume=0.3)
    assert guide.say("请阅读屏幕上的内容", "zh_CN") is None
    assert player.played == []
    future = guide.replay()
    assert future is not None
    future.result(10)
    _wait(lambda: len(player.played) == 1)
    assert player.played[0].volume == 0.3
    assert guide.muted
    guide.close()


def test_every_step_of_every_flow_has_a_prompt_in_both_languages():
    for path in sorted(FLOWS.glob("*.yaml")):
        flow = load_flow(path)
        for lang in ("zh_CN", "en"):
            assert prompts.intro_prompt(flow, lang)
            for step in flow.steps.values():
                said = prompts.step_prompt(step, lang)
                assert said and "voice." not in said, (flow.id, step.id, lang)


def test_a_flow_gives_a_step_its_own_prompt():
    flow = load_flow(FLOWS / "si_contribution_print.yaml")
    step = next(iter(flow.steps.values()))
    own = type(step)(
        id=step.id,
        type=step.type,
        title=step.title,
        params={**step.params, "voice": {"zh_CN": "请把身份证放在下方读卡器上", "en": "Card below"}},
    )
    assert prompts.step_prompt(own, "zh_CN") == "请把身份证放在下方读卡器上"
    assert prompts.step_prompt(own, "en") == "Card below"


def test_identity_is_spoken_only_masked():
    said = prompts.identity_prompt({"masked_name": "张*", "masked_id_number": "4201**********1234"}, "zh_CN")
    assert "张*" in said and "4201**********1234" in said
    assert prompts.identity_prompt(None, "zh_CN") == ""


def _wait(predicate, timeout: float = 10.0) -> None:
    import time

    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)
