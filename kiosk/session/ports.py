"""The session core's ports built from the application context (store, query service, printers).

Shared by the Qt controller and the headless scripted citizen, which differ only in their lanes and timers.
"""

from __future__ import annotations

from typing import Any

from kiosk.printing import device_printer
from kiosk.session import case_lookup
from kiosk.session.core import Lanes, Ports, Timers


def ports_from_context(ctx: Any, lanes: Lanes, timers: Timers) -> Ports:
    config = ctx.config

    def query(service: str, params: dict[str, Any], allow_cached: bool) -> dict[str, Any]:
        def ask() -> dict[str, Any]:
            return ctx.query_service.query(service, params, allow_cached=allow_cached)

        if service == case_lookup.SERVICE:  # this terminal's own cases first (perhaps not delivered yet)
            return case_lookup.lookup_case(ctx.store, ask, params)
        return ask()

    return Ports(
        store=ctx.store,
        query=query,
        print_step=device_printer(ctx.devices, ctx.printing),
        lanes=lanes,
        timers=timers,
        outbox_changed=ctx.outbox_changed,
        terminal={"id": config.terminal_id, "name": config.terminal_name},
        open_session=getattr(ctx.query_service, "open_session", None),
        close_session=getattr(ctx.query_service, "close_session", None),
        rate_later=getattr(ctx.link, "rate_later", None) or (lambda _case_no: None),
        rate_window_days=config.rate_window_days,
    )
