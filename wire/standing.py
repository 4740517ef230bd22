"""Standing values: the settings and the announcements an operator sets for a group or a terminal, held by the back
office and applied by every terminal they reach — one enrolled later, one that was offline or re-installed too.

The back office keeps them (``config:group:G``, ``config:terminal:T``, the ``announcements`` list) and refuses at
once what a terminal could not apply (this module's checks, shared by both sides), so nothing it accepts is
silently dropped later. A terminal fetches its merged settings (``GET /api/v1/config``) and the announcements that
reach it (``GET /api/v1/announcements``) when the heartbeat answer's ``config_version`` /
``announcements_version`` change, applies them — settings between citizens, announcements on the attract screen
within their ``starts``/``ends`` window on its own clock — and reports the versions it applied in its heartbeat
(``config_applied``, ``announcements_applied``; ``standing_problem`` if it could not), so the console says 已生效
only once the terminal did.
"""

from __future__ import annotations

from typing import Any

# the settings: key -> its range (numbers), or the checks below
SETTING_RANGES: dict[str, tuple[float, float]] = {"inactivity_s": (10, 600), "countdown_s": (5, 120)}
LOCALES = ("zh_CN", "en")
SETTING_KEYS = ("inactivity_s", "countdown_s", "locale", "paused_services")
PAUSED_SERVICES_MAX = 200  # flow ids in one paused_services list
SERVICE_ID_MAX = 64

ANNOUNCEMENT_MAX = 200  # characters of one announcement's text, per language
ANNOUNCEMENTS_MAX = 200  # announcements the back office holds
ANNOUNCEMENT_ID_MAX = 64
SCOPES = ("group", "terminal")
DEFAULT_GROUP = "default"  # its settings are the base of every terminal's (a group's own override them)


def setting_problem(key: str, value: Any) -> str | None:
    """Why one setting would be refused, or None."""
    if key not in SETTING_KEYS:
        return f"unknown setting {key!r}; known: {', '.join(SETTING_KEYS)}"
    if key in SETTING_RANGES:
        low, high = SETTING_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            return f"{key} must be a number between {low:g} and {high:g}"
    elif key == "locale" and value not in LOCALES:
        return f"locale must be one of {', '.join(LOCALES)}"
    elif key == "paused_services" and not (
        isinstance(value, list)
        and len(value) <= PAUSED_SERVICES_MAX
        and all(isinstance(v, str) and 0 < len(v) <= SERVICE_ID_MAX for v in value)
    ):
        return f"paused_services is a list of at most {PAUSED_SERVICES_MAX} service ids"
    return None


def settings_problem(values: Any) -> str | None:
    """Why a set of settings would be refused (the first problem), or None; ``{}`` sets nothing and is fine."""
    if not isinstance(values, dict):
        return "settings are an object of setting -> value"
    for key, value in values.items():
        problem = setting_problem(key, value)
        if problem is not None:
            return problem
    return None


def announcement_problem(text: Any, starts: Any = None, ends: Any = None) -> str | None:
    """Why an announcement's texts (language -> text) or window would be refused, or None."""
    if not isinstance(text, dict) or not any(isinstance(v, str) and v.strip() for v in text.values()):
        return "an announcement needs a text (language -> text)"
    for lang, value in text.items():
        if lang not in LOCALES:
            return f"unknown language {lang!r}; known: {', '.join(LOCALES)}"
        if not isinstance(value, str) or len(value) > ANNOUNCEMENT_MAX:
            return f"the text is at most {ANNOUNCEMENT_MAX} characters"
    if starts is not None and ends is not None and not starts < ends:
        return "an announcement must end after it starts"
    return None


def in_force(items: list[Any], now: float) -> list[dict[str, Any]]:
    """The announcements shown at ``now``: started (or without a start) and not ended."""
    return [
        a
        for a in items
        if isinstance(a, dict)
        and (not isinstance(a.get("starts"), int | float) or a["starts"] <= now)
        and (not isinstance(a.get("ends"), int | float) or now < a["ends"])
    ]


def text_in(item: dict[str, Any], lang: str) -> str:
    """An announcement's text in ``lang``, else in Chinese, else in any language it has."""
    texts = item.get("text")
    if not isinstance(texts, dict):
        return ""
    for candidate in (lang, LOCALES[0], *texts):
        value = texts.get(candidate)
        if isinstance(value, str) and value.strip():
            return value.strip()[:ANNOUNCEMENT_MAX]
    return ""
