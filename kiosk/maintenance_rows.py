"""What the maintenance panels show, as rows of text: Qt-free, from ``kiosk status``'s facts.

The technician reads Chinese labels here (the maintenance screen is not translated; see issue 14's note).
"""

from __future__ import annotations

from typing import Any


def device_row(name: str, info: dict[str, Any], live: Any, facts: dict[str, Any]) -> dict[str, Any]:
    """One device as the devices panel shows it: live state if the app has one, else the stored facts."""
    state = live.state.value if live is not None else info.get("state", "unknown")
    reason = live.reason if live is not None else info.get("reason", "")
    error = info.get("last_error") or {}
    paper = (facts.get("paper") or {}).get(name)
    jobs = info.get("jobs") or {}
    counters = []
    if paper:
        counters.append(
            f"本卷/本盒已用 {paper['used']:g} {paper['unit']}, 余 {paper['left']:g}"
            + (f", 约 {paper['days_left']:g} 天" if paper["days_left"] is not None else "")
            + f", 换纸 {paper['paper_changes']} 次"
        )
    if jobs:
        counters.append("打印 " + ", ".join(f"{k} {v}" for k, v in sorted(jobs.items())))
    kind = (
        "printer"
        if name in ("receipt", "document", "license")
        else "reader"
        if name in ("idcard", "sscard")
        else "other"
    )
    return {
        "name": name,
        "state": state,
        "reason": reason,
        "kind": kind,
        "lastError": f"{error.get('reason', '')} {error.get('detail', '')}".strip(),
        "counters": "; ".join(counters),
    }


def sync_rows(facts: dict[str, Any]) -> list[dict[str, str]]:
    """The sync panel: back office and link, queue, last contact, clock offset, bundles."""
    if not facts:
        return []
    bo, queue, bundles = facts.get("backoffice") or {}, facts.get("queue") or {}, facts.get("bundles") or {}
    age = bo.get("last_contact_age_s")
    offset = bo.get("clock_offset_s")
    from kiosk.status_text import refusal_text

    refused = ", ".join(refusal_text(r) for r in bundles.get("refused", [])) or "无"
    return [
        {"label": "后台", "value": f"{bo.get('url') or '-'} ({bo.get('link', '-')})"},
        {
            "label": "待上传",
            "value": f"{queue.get('depth', '-')} 条"
            + (
                f", 最早 {queue['oldest_pending_age_s']:.0f} 秒前"
                if queue.get("oldest_pending_age_s")
                else ""
            ),
        },
        {"label": "最近联系", "value": "从未" if age is None else f"{age:.0f} 秒前"},
        {"label": "时钟偏差", "value": "-" if offset is None else f"{offset:+.1f} 秒"},
        {
            "label": "流程包",
            "value": f"当前 {bundles.get('active') or '内置'}, 待启用 {bundles.get('staged') or '无'}, "
            f"拒绝 {refused}",
        },
    ]
