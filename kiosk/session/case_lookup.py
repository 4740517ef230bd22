"""``case.lookup`` at the terminal: its own cases first, then the back office.

A citizen may rate a case moments after it finished here, while the case still sits in this terminal's outbox
and the back office cannot know it yet. The store knows every case this terminal filed and whether it is
rated here, so: a case rated here is answered ``rated`` at once; otherwise the back office is asked (it knows a
rating given at another terminal or on a phone), and when it does not hold the case (not delivered yet) or
cannot be reached, a case this terminal closed is answered from the store. A number neither knows is not
found: a well-formed number alone is no case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flows.services import ServiceOffline
from offline_cache.store import CaseRecord

SERVICE = "case.lookup"


class CaseStore(Protocol):
    def get_case(self, case_no: str) -> CaseRecord | None: ...


def lookup_case(
    store: CaseStore, ask_backoffice: Callable[[], dict[str, Any]], params: dict[str, Any]
) -> dict[str, Any]:
    """The lookup's answer; ``ask_backoffice`` runs the query there (raises like any query)."""
    case_no = params.get("case_no")
    local = store.get_case(case_no) if isinstance(case_no, str) and case_no else None
    if local is not None and local.outcome is None:
        local = None  # still open (the rating flow's own case, or one being served): nothing to rate yet
    if local is not None and local.rating is not None:
        return _answer(local, rated=True)
    try:
        answer = ask_backoffice()
    except ServiceOffline:
        if local is None:
            raise
        return _answer(local, rated=False)  # rated here later, the rating waits in the outbox with the case
    if answer.get("found") is True or local is None:
        return answer
    return _answer(local, rated=False)


def _answer(case: CaseRecord, *, rated: bool) -> dict[str, Any]:
    """What rating needs, shaped as the back office answers it."""
    return {
        "found": True,
        "case_no": case.case_no,
        "title": case.service_id,
        "service_id": case.service_id,
        "item_code": case.item_code,
        "rated": rated,
        "local": True,
    }
