"""The session core's ports (what it reaches) and the state of one citizen's session.

Kept apart from :mod:`kiosk.session.core` so the adapters (Qt lanes and timers, the headless walk's
synchronous ones) and the step mixins depend on these small types only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from drivers.identity import Identity
from flows.engine import FlowRun
from flows.model import Flow


class Lanes(Protocol):
    """Blocking work off the caller's thread; callbacks for a ``guard`` session are dropped once it ended."""

    def run(
        self,
        lane: str,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        guard: Any = None,
    ) -> None: ...


class Timers(Protocol):
    def after(self, seconds: float, fn: Callable[[], None], guard: Any = None) -> None: ...


@dataclass
class Ports:
    store: Any  # offline_cache.store.Store: open_case, record_step, set_subject, close_case, record_rating
    query: Callable[[str, dict[str, Any], bool], dict[str, Any]]  # (service, params, allow_cached) -> answer
    print_step: Callable[..., Any]  # (printer_class, template, context, case_no=, step_id=, data_path=)
    lanes: Lanes
    timers: Timers
    clock: Callable[[], datetime] = datetime.now
    outbox_changed: Callable[[], None] = lambda: None
    terminal: dict[str, str] = field(default_factory=dict)
    # the back office's citizen session (kiosk.backoffice_link): opened once identified, closed with the case
    open_session: Callable[[str, str, str | None], Any] | None = None
    close_session: Callable[[], Any] | None = None
    # rate later on a phone: case number -> {"rate_url", "rate_code"}, or None when there is no link yet
    rate_later: Callable[[str], dict[str, str] | None] = lambda _case_no: None
    rate_window_days: int = 7


@dataclass
class Session:
    """One citizen, from choosing a service to the end screen. Holds personal data: wiped at the end."""

    flow: Flow
    run: FlowRun
    case_no: str | None = None
    closed: bool = False
    outcome: str = ""  # set once the case is closed
    reason: str = ""
    delivered: bool = False  # the paper came out (or the application was accepted)
    printing: bool = False  # a print job is on its way: the outcome follows the paper
    end_requested: str = ""  # Home/timeout during printing: close when the paper has come out (or not)
    failure: str = ""  # the reason of the last failure (printer, service, network)
    card_away: bool = False  # the identifying card was lifted: personal data hidden until it returns
    form_step: str = ""
    form_values: dict[str, Any] = field(default_factory=dict)
    form_errors: dict[str, str] = field(default_factory=dict)
    active_field: str = ""
    signature: str = ""  # SVG path of the commitment signature, kept with the case
    rating_comment: str = ""
    rating_level: int = 0
    rating_scores: dict[str, int] = field(default_factory=dict)  # indicator id -> score (flows/ratings.yaml)
    rating_reasons: list[str] = field(default_factory=list)  # 差评 reasons, only for levels 1-2
    rated: bool = False  # rated here: the done screen then offers no phone link
    status: str = ""  # translation key of a transient status line (reading, printing, ...)

    def reset_rating(self) -> None:
        """A rate step starts empty (Back and forth through it must not carry an earlier choice)."""
        self.rating_level, self.rating_comment, self.rating_scores, self.rating_reasons = 0, "", {}, []


class CoreParts:
    """What the step mixins (cards, input) use of :class:`kiosk.session.core.SessionCore`, declared once for
    the type checker; the core provides all of it."""

    session: Session | None
    screen: str
    ports: Ports
    reader_card: Identity | None
    card_confirmed: bool
    on_change: Callable[[], None]

    if TYPE_CHECKING:

        def advance(self, outcome: str, data: dict[str, Any] | None = None) -> None: ...

        def end(
            self, outcome: str | None, *, reason: str = "", message_key: str = "", to: str = "attract"
        ) -> None: ...

        def _show(self, screen: str) -> None: ...

        def _enter_step(self) -> None: ...

        def _close_case(self, session: Session, outcome: str, reason: str = "") -> None: ...
