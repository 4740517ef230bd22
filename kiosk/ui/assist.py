"""Accessibility beside the session controller: elderly mode, voice guidance, the help call, 'where am I'.

Kept out of kiosk/ui/controller.py on purpose: it only watches the controller's signals (screen, view,
language) and reads its session, so the session logic stays as it is. QML reaches it as the context property
``assist``. Sizes for both modes live here too (one place, bound by every screen), because they change with
the mode at run time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.ui.assist_view import progress_view
from kiosk.voice import prompts
from kiosk.voice.guide import Player, VoiceGuide

log = logging.getLogger(__name__)

# pixel sizes on the 1280x800 canvas: standard, elderly (body text >= 40 px in elderly mode)
SIZES = {
    "standard": {"title": 40, "large": 32, "body": 28, "small": 24, "button": 88, "tile": 170, "columns": 3},
    "elderly": {"title": 52, "large": 46, "body": 40, "small": 40, "button": 104, "tile": 230, "columns": 3},
}


class AssistController(QObject):
    elderlyChanged = Signal()
    helpChanged = Signal()
    progressChanged = Signal()
    mutedChanged = Signal()

    def __init__(self, ctl: Any, ctx: Any, player: Player | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._ctl, self._ctx = ctl, ctx
        config = ctx.config
        self._elderly = bool(config.elderly_default)
        self._help = False
        self._progress: dict[str, str] = {}
        self._step_key: tuple[str, str, str] = ("", "", "")
        self.guide: VoiceGuide | None = None  # made by start(), after the first frame
        self._player = player
        self._help_timer = QTimer(self, singleShot=True, interval=8000)
        self._help_timer.timeout.connect(lambda: self._set_help(False))
        ctl.screenChanged.connect(self._screen_changed)
        ctl.viewChanged.connect(self._view_changed)
        ctl.langChanged.connect(self._lang_changed)
        ctl.settingsApplied.connect(self._apply_inactivity)  # elderly mode keeps its longer timeout
        self._apply_inactivity()

    # -- properties ------------------------------------------------------------------------------
    def _get_elderly(self) -> bool:
        return self._elderly

    def _get_sizes(self) -> dict[str, int]:
        return SIZES["elderly" if self._elderly else "standard"]

    def _get_help(self) -> bool:
        return self._help

    def _get_progress(self) -> dict[str, str]:
        return self._progress

    def _get_muted(self) -> bool:
        if self.guide is None:  # not started yet: what it will start as
            return not self._ctx.config.voice_enabled or bool(self._ctx.config.voice_muted)
        return self.guide.muted

    elderly = Property(bool, _get_elderly, notify=elderlyChanged)
    sizes = Property(dict, _get_sizes, notify=elderlyChanged)
    helpShown = Property(bool, _get_help, notify=helpChanged)
    progress = Property(dict, _get_progress, notify=progressChanged)
    muted = Property(bool, _get_muted, notify=mutedChanged)

    def start(self) -> None:
        """After the first frame (kiosk.app): the voice guide, its audio output (QtMultimedia) and the bundle's
        prompts rendered in the background before anyone needs them — before the first frame they only slowed
        the attract screen down (espeak-ng on the voice thread, the multimedia backend on the GUI thread)."""
        config = self._ctx.config
        if self.guide is not None or not config.voice_enabled:
            return
        from kiosk.voice.qt_player import GuiPoster, make_player
        from kiosk.voice.synth import EspeakSynthesizer, PromptCache

        self.guide = VoiceGuide(
            PromptCache(Path(config.data_dir) / "voice", EspeakSynthesizer()),
            self._player or make_player(self),
            volume=config.voice_volume,
            muted=config.voice_muted,
            post=GuiPoster(self),
        )
        self.mutedChanged.emit()
        texts = [
            (t, lang)
            for lang in ("zh_CN", "en")
            for t in prompts.flow_prompts(self._ctx.flows.values(), lang)
        ]
        self.guide.prerender(texts)

    @property
    def mode(self) -> str:
        return "elderly" if self._elderly else "standard"

    # -- what the screens call -------------------------------------------------------------------
    @Slot()
    def toggleElderly(self) -> None:
        self._ctl.touched()
        self._set_elderly(not self._elderly)

    @Slot()
    def replay(self) -> None:
        self._ctl.touched()
        if self.guide is not None:
            self.guide.replay()

    @Slot()
    def readIdentity(self) -> None:
        """'Read it to me' on the confirm screen: the masked name and ID number, only on this request."""
        self._ctl.touched()
        session = self._ctl.session
        if self.guide is not None and session is not None:
            said = prompts.identity_prompt(session.run.context.get("identity"), self._ctl.lang)
            muted, self.guide.muted = self.guide.muted, False
            try:
                self.guide.say(said, self._ctl.lang)
            finally:
                self.guide.muted = muted

    @Slot()
    def callHelp(self) -> None:
        """Queue a help-call event for the console (terminal, screen, service) and reassure the citizen."""
        self._ctl.touched()
        session = self._ctl.session
        screen = str(self._ctl.screen)
        service = session.flow.id if session is not None else ""
        store = self._ctx.store
        link = getattr(self._ctx, "link", None)

        def queue() -> None:
            store.record_help_call(screen, service)
            if link is not None and hasattr(link, "wake"):
                link.wake()

        self._ctx.tasks.run("db", queue, on_error=lambda e: log.error("help call not queued: %s", e))
        log.info("help call on screen %s", screen)
        self._set_help(True)
        self._help_timer.start()
        self._say(prompts.screen_prompt("help", self._ctl.lang))

    @Slot()
    def dismissHelp(self) -> None:
        self._set_help(False)

    # -- following the controller ----------------------------------------------------------------
    def _screen_changed(self) -> None:
        screen = self._ctl.screen
        if screen == "attract":
            self._set_elderly(bool(self._ctx.config.elderly_default))  # each session starts in the default
            self._set_help(False)
        if screen in ("step", "intro"):
            self._follow_view()  # keyed: whichever of screen and view changes first speaks, once
        else:
            self._step_key = ("", "", "")
            self._speak_current()

    def _view_changed(self) -> None:
        self._update_progress()
        self._follow_view()

    def _follow_view(self) -> None:
        """Speak when the citizen reaches another step (or the intro), not on every re-render of the same."""
        session, screen = self._ctl.session, self._ctl.screen
        if session is None or screen not in ("step", "intro"):
            return
        key = (
            ("step", session.run.current_id, str(session.run.steps_behind))
            if screen == "step"
            else ("intro", session.flow.id, "")
        )
        if key != self._step_key:
            self._step_key = key
            self._speak_current()

    def _lang_changed(self) -> None:
        self._update_progress()
        self._speak_current()

    def _speak_current(self) -> None:
        screen, lang, session = self._ctl.screen, self._ctl.lang, self._ctl.session
        if screen == "step" and session is not None:
            said = prompts.step_prompt(session.run.current, lang)
        elif screen == "intro" and session is not None:
            said = prompts.intro_prompt(session.flow, lang)
        else:
            said = prompts.screen_prompt(screen, lang)
        self._say(said)

    def _say(self, said: str) -> None:
        if self.guide is not None:
            self.guide.say(said, self._ctl.lang)

    def _update_progress(self) -> None:
        session = self._ctl.session
        progress = progress_view(session.run, self._ctl.lang) if session is not None else {}
        if progress != self._progress:
            self._progress = progress
            self.progressChanged.emit()

    def _set_elderly(self, on: bool) -> None:
        if on != self._elderly:
            self._elderly = on
            self._apply_inactivity()
            self.elderlyChanged.emit()

    def _set_help(self, shown: bool) -> None:
        if shown != self._help:
            self._help = shown
            self.helpChanged.emit()

    def _apply_inactivity(self) -> None:
        config = self._ctx.config
        seconds = (
            max(config.inactivity_s, config.elderly_inactivity_s) if self._elderly else config.inactivity_s
        )
        self._ctl.set_inactivity_s(seconds)

    def shutdown(self) -> None:
        if self.guide is not None:
            self.guide.close()
