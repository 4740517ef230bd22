"""The service guide (办事指南) rows: the terminal's services with their materials, built from the flows.

The guide is derived from the flows themselves so it never disagrees with what the terminal offers; the
terminal answers the ``guide.services`` query from its active bundle, the back office from the bundle it
publishes.
"""

from __future__ import annotations

from typing import Any

from flows.model import Flow, text

IDENTITY_TEXTS = {
    "id_card": {"zh_CN": "居民身份证", "en": "Resident ID card"},
    "ss_card": {"zh_CN": "社会保障卡", "en": "Social security card"},
    "either": {"zh_CN": "居民身份证或社会保障卡", "en": "ID card or social security card"},
    "none": {"zh_CN": "无需身份认证", "en": "No identification needed"},
}


def service_guide(flows: dict[str, Flow], lang: str = "zh_CN") -> dict[str, Any]:
    """One row per flow (the guide itself excluded), ordered by category then title."""
    rows = []
    for flow in sorted(flows.values(), key=lambda f: (f.category, text(f.title, "zh_CN"))):
        if flow.category == "guide":
            continue
        materials = [text(m["name"], lang) for m in flow.materials] or [
            text(IDENTITY_TEXTS[flow.identity], lang)
        ]
        separator = "、" if lang == "zh_CN" else ", "
        rows.append(
            {
                "id": flow.id,
                "title": text(flow.title, lang),
                "category": flow.category,
                "item_code": flow.item_code,
                "identity": text(IDENTITY_TEXTS[flow.identity], lang),
                "materials": separator.join(materials),
                "notice": text(flow.notice, lang),
                "offline": flow.offline,
            }
        )
    return {"services": rows, "count": len(rows)}
