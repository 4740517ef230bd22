"""``kiosk status`` as lines for a terminal window: the facts :func:`kiosk.status.gather` collects (Qt-free).

Everything a technician must act on is in the text too, not only in ``--json``: a revoked enrolment, the
console's maintenance mode, standing values that could not be applied. ``PROBLEM`` lines are only for
what needs a hand; a bundle activated or withdrawn is news, not a problem.
"""

from __future__ import annotations

import time
from typing import Any


def render(facts: dict[str, Any]) -> list[str]:
    """The facts as lines for a terminal window (``kiosk status`` without ``--json``)."""
    terminal, enrolment, bo = facts["terminal"], facts["enrolment"], facts["backoffice"]
    lines = [
        f"terminal     {terminal['id']}  {terminal['name'] or ''}".rstrip(),
        f"config       {terminal['config'] or '(none)'}",
        f"data dir     {terminal['data_dir']}",
        f"enrolment    {_enrolment(enrolment)}",
    ]
    age = bo.get("last_contact_age_s")
    lines.append(
        f"back office  {bo['url'] or '(none)'}  {bo['link']}"
        + (f", last contact {age:.0f} s ago" if age is not None else "")
        + (f", clock offset {bo['clock_offset_s']:+.1f} s" if bo.get("clock_offset_s") is not None else "")
    )
    remote = facts.get("remote") or {}
    if "maintenance" in remote:
        lines.append(
            "maintenance  "
            + ("ON: the console closed this terminal to citizens" if remote["maintenance"] else "off")
        )
    standing = facts.get("standing")
    if standing:
        lines.append(_standing(standing))
    for name, info in facts["devices"].items():
        lines.append(
            f"device       {name:<9} {info['state']:<15} {info.get('reason') or ''} {info['url'] or ''}".rstrip()
        )
    for name, paper in facts.get("paper", {}).items():
        days = paper["days_left"]
        lines.append(
            f"paper        {name:<9} {paper['left']:g} of {paper['capacity']:g} {paper['unit']} left"
            + (f", about {days:g} days" if days is not None else "")
            + f", {paper['paper_changes']} change(s)"
        )
    queue = facts["queue"]
    if queue is not None:
        oldest = queue["oldest_pending_age_s"]
        lines.append(
            f"queue        {queue['depth']} pending"
            + (f", oldest {oldest:.0f} s" if oldest else "")
            + (f", {queue['failing']} failing" if queue["failing"] else "")
        )
    bundles = facts["bundles"]
    refused = ", ".join(refusal_text(r) for r in bundles["refused"]) or "none"
    lines.append(
        f"bundles      active {bundles['active'] or 'built-in'}, staged {bundles['staged'] or 'none'}, "
        f"refused {refused}"
    )
    case = facts["last_case"]
    lines.append(
        "last case    "
        + (f"{case['case_no']} {case['service']} {case['outcome'] or 'open'}" if case else "none")
    )
    disk = facts["disk"]
    if disk.get("free_bytes") is not None:
        lines.append(
            f"disk         {disk['free_bytes'] // 2**20} MB free of {disk['total_bytes'] // 2**20} MB, "
            f"database {disk['database_bytes'] // 1024} KB"
        )
    lines += [f"PROBLEM      {problem}" for problem in facts["problems"]] or ["problems     none"]
    return lines


def _enrolment(enrolment: dict[str, Any]) -> str:
    if enrolment.get("embedded"):
        return "embedded back office"
    if not enrolment.get("enrolled"):
        return "NOT ENROLLED"
    text = f"enrolled as {enrolment['terminal_id']} (group {enrolment['group']})"
    revoked = enrolment.get("revoked")
    if revoked:
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(revoked.get("at") or 0)))
        return f"REVOKED by the back office since {at}; was {text}"
    return text


def refusal_text(refusal: dict[str, Any]) -> str:
    """``12 (signature)``; an archive refused before its version could be read is ``archive (corrupt_archive)``."""
    version = refusal.get("version")
    return f"{version if version is not None else 'archive'} ({refusal.get('reason') or '?'})"


def _standing(standing: dict[str, Any]) -> str:
    """The console's standing values: which version was fetched and applied, and how many announcements."""
    config = standing.get("config_version")
    applied = standing.get("config_applied")
    settings = (
        "settings none fetched"
        if config is None
        else f"settings version {config}" + ("" if applied == config else f" (applied {applied or 'none'})")
    )
    text = f"standing     {settings}, {standing.get('announcements', 0)} announcement(s)"
    return text + (f"; NOT APPLIED: {standing['problem']}" if standing.get("problem") else "")
