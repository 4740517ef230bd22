"""User-facing text by key, in zh_CN (default) and en.

Code carries keys; texts live in ``assets/i18n/<locale>.json`` (flat key -> text)
plus any ``assets/i18n/*_keys.json`` contributed per area as
``{"key": {"zh_CN": ..., "en": ...}}``. A missing key shows the key itself (and
the translation test fails), never a crash.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
I18N_DIR = ASSETS / "i18n"
LOCALES = ("zh_CN", "en")


@cache
def catalog(locale: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for extra in sorted(I18N_DIR.glob("*_keys.json")):
        for key, by_locale in json.loads(extra.read_text(encoding="utf-8")).items():
            if locale in by_locale:
                texts[key] = by_locale[locale]
    main = I18N_DIR / f"{locale}.json"
    if main.exists():
        texts.update(json.loads(main.read_text(encoding="utf-8")))
    return texts


def tr(key: str, locale: str = "zh_CN", **values: object) -> str:
    text = catalog(locale).get(key) or catalog("zh_CN").get(key) or key
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return text
