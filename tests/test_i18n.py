"""Every translation key the code uses exists in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.i18n import LOCALES, catalog

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(
    r"[\"'](?P<key>(?:error|state|identify|confirm|form|rate|done|timeout|session|catalog|intro|common|"
    r"print|preview|query|attract|status|card)\.[a-z0-9_.]+[a-z0-9_])[\"']"
)


CONSOLE = ROOT / "backoffice" / "console"


def used_keys(console: bool = False) -> set[str]:
    """Keys used by the terminal's code (kiosk catalog), or by the console's (its own texts) when ``console``."""
    keys = set()
    folders = (
        (CONSOLE,)
        if console
        else [ROOT / f for f in ("kiosk", "drivers", "flows", "offline_cache", "backoffice")]
    )
    for folder in folders:
        for path in folder.rglob("*"):
            if path.suffix in (".py", ".qml", ".html") and (console or CONSOLE not in path.parents):
                keys.update(m.group("key") for m in KEY.finditer(path.read_text(encoding="utf-8")))
    return {k for k in keys if not k.endswith(FILE_NAMES)}


FILE_NAMES = (".html", ".json", ".yaml", ".qml", ".py")  # "rate.html" is a template, not a text key


def test_every_used_key_is_translated():
    missing = {locale: sorted(k for k in used_keys() if k not in catalog(locale)) for locale in LOCALES}
    assert missing == {"zh_CN": [], "en": []}


def test_every_console_key_is_translated():
    """The console has its own texts (backoffice/console/i18n.py): its keys are checked there, in both languages."""
    from backoffice.console.i18n import TEXTS

    used = used_keys(console=True)
    assert "error.bundle.no_file" in used  # the pattern does find the console's keys
    missing = sorted(k for k in used if not {"zh", "en"} <= set(TEXTS.get(k, {})))
    assert missing == []


def test_both_languages_have_the_same_keys():
    assert set(catalog("zh_CN")) == set(catalog("en"))


def test_placeholders_match_between_languages():
    for key, zh in catalog("zh_CN").items():
        en = catalog("en")[key]
        assert set(re.findall(r"\{\w+\}", zh)) == set(re.findall(r"\{\w+\}", en)), key
