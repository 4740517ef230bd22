"""The checks ``kiosk run`` makes before any window opens: production is never the demo.

A terminal that is not enrolled, or whose configuration names another terminal than its
enrolment, would file citizens' cases under the wrong id (or under the demo's); it refuses to
start with one line instead. The embedded back office runs only when the file says
``url = "embedded"`` in so many words. Qt-free, so the checks are tested without a display.
"""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.config import Config
from kiosk.sync.credentials import CREDENTIALS_FILE, Credentials


class NotReady(Exception):
    """The terminal must not run in production as configured; the message says why and what to do."""


def check_production(config: Config) -> Credentials | None:
    """The enrolment the terminal will use (None with an explicit embedded back office), or :class:`NotReady`."""
    if config.demo:
        raise NotReady("production mode needs a configuration file (--config); `kiosk demo` runs the demo")
    if config.backoffice_url == "embedded":
        return None
    data_dir = Path(config.data_dir)
    path = data_dir / CREDENTIALS_FILE
    try:
        credentials = Credentials.load(data_dir)
    except FileNotFoundError:
        raise NotReady(
            f"terminal {config.terminal_id} is not enrolled (no {path}): run `kiosk provision "
            f"--config {config.source} --backoffice URL --token TOKEN` first"
        ) from None
    except PermissionError:
        raise NotReady(
            f"cannot read {path}: run the kiosk as the user that owns its data directory"
        ) from None
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise NotReady(
            f"{path} is damaged ({type(exc).__name__}); provision the terminal again with --force"
        ) from None
    if credentials.terminal_id != config.terminal_id:
        raise NotReady(
            f"{config.source} says terminal {config.terminal_id} but {path} is the enrolment of "
            f"{credentials.terminal_id}: fix [terminal] id or provision again"
        )
    if not (config.backoffice_url or credentials.base_url):
        raise NotReady(f"no back office: set [backoffice] url in {config.source}")
    if (
        config.backoffice_url
        and credentials.base_url
        and config.backoffice_url.rstrip("/") != credentials.base_url.rstrip("/")
    ):
        raise NotReady(
            f"{config.source} names back office {config.backoffice_url} but the terminal was enrolled "
            f"with {credentials.base_url}: fix [backoffice] url or provision again"
        )
    return credentials
