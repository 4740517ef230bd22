"""The demo's 模拟放置身份证 button: put a demo card on the simulated ID-card reader, as a citizen would.

Only with ``demo`` in the configuration and a simulated reader; the card is placed on its own lane, because
taking the previous demo card off first waits for the reader's polling to see it go.
"""

from __future__ import annotations

import time
from typing import Any


def place_demo_card(ctx: Any, index: Any) -> None:
    reader = ctx.devices.get("idcard")
    simulator = getattr(reader, "simulator", None)
    if simulator is None or not ctx.config.demo:
        return
    interval = float(getattr(reader, "poll_interval", 0.5))

    def place_again() -> None:
        # the previous demo citizen's card is still "on the reader": take it off long enough for the
        # reader's polling to see it go, as a real citizen would, then put the card down
        if simulator.card_present:
            simulator.lift()
            time.sleep(interval * 2 + 0.1)
        simulator.place(int(index or 0))

    ctx.tasks.run("idcard-sim", place_again)
