"""Checks of the words a citizen reads: every text in both languages, Chinese punctuation, placeholders.

Separate from the data-flow check because these look at the *form* of a string (is it translated, is
the placeholder well written, does the filter exist); the data-flow check then asks whether the value a
well-formed placeholder names is provided. :func:`placeholders` is the one bridge between the two.
"""

from __future__ import annotations

import re
from typing import Any

from flows.lint.context import Report
from flows.templating import FILTERS, PLACEHOLDER

_ASCII_PUNCT_NEAR_CJK = re.compile(r"[\u4e00-\u9fff][,;:!?()]|[,;:!?()][\u4e00-\u9fff]")
LOOSE_PLACEHOLDER = re.compile(r"\$\{[^}]*\}?")


def check_translations(report: Report, node: Any, line: int = 1) -> None:
    """Every ``{zh_CN, en}`` mapping anywhere in the flow has both texts; zh_CN uses Chinese punctuation."""
    if isinstance(node, dict):
        line = node.get("__line__", line)
        keys = {k for k in node if k != "__line__"}
        if keys and keys <= {"zh_CN", "en"}:
            for lang in ("zh_CN", "en"):
                if not str(node.get(lang) or "").strip():
                    report.add(
                        line,
                        "translation",
                        f"text has no {lang}: {str(node.get('zh_CN') or node.get('en'))[:30]!r}",
                    )
            zh = str(node.get("zh_CN") or "")
            if _ASCII_PUNCT_NEAR_CJK.search(LOOSE_PLACEHOLDER.sub("", zh)):
                report.add(line, "punctuation", f"zh_CN text uses ASCII punctuation: {zh[:30]!r}", "warning")
            return
        for value in node.values():
            check_translations(report, value, line)
    elif isinstance(node, list):
        for value in node:
            check_translations(report, value, line)


def placeholders(report: Report, value: Any, line: int) -> list[str]:
    """The context paths ``value``'s placeholders read; reports unknown filters and malformed placeholders."""
    value = str(value)
    for match in PLACEHOLDER.finditer(value):
        for name in filter(None, match.group(2).split("|")):
            if name not in FILTERS:
                report.add(line, "filter", f"unknown filter {name!r} in {match.group(0)!r}")
    if len(LOOSE_PLACEHOLDER.findall(value)) != len(PLACEHOLDER.findall(value)):
        report.add(line, "placeholder", f"malformed placeholder in {value[:40]!r}")
    return [m.group(1) for m in PLACEHOLDER.finditer(value)]
