"""The console's deployment settings: heartbeat thresholds, alert rules, notification targets, the
rectification deadline and its working-day calendar.

Given to ``create_app(console=ConsoleConfig(...))``; ``ConsoleConfig.from_env()`` reads ``CONSOLE_*``
variables for ``kiosk-backoffice serve``. Thresholds are server-side so every page and every server
process computes the same online / stale / offline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field


@dataclass
class ConsoleConfig:
    heartbeat_interval: float = 60.0  # what terminals are configured with (kiosk/sync/client.py)
    stale_after: float = 2.5  # heartbeat intervals without one: stale ...
    offline_after: float = 5.0  # ... and offline
    silent_alert_minutes: float = 10.0  # a terminal silent this long raises an alert
    queue_alert_depth: int = 50  # outbox events queued at a terminal before "queue growing"
    session_idle_seconds: float = 900.0  # a console login ends after this long without a request
    webhook_url: str = ""  # alerts POSTed here as JSON
    smtp_host: str = ""  # and e-mailed through this server
    smtp_port: int = 25
    smtp_from: str = "kiosk-console@localhost"
    smtp_to: list[str] = field(default_factory=list)
    rectify_working_days: int = 5  # 差评整改 deadline (5, 7 or 15 in practice)
    holidays: list[str] = field(default_factory=list)  # ISO dates that are not working days
    workdays: list[str] = field(default_factory=list)  # ISO weekend dates that are (调休)
    utc_offset_hours: float = 8.0  # days and months are counted in Beijing time

    @classmethod
    def from_env(cls) -> ConsoleConfig:
        """``CONSOLE_CONFIG`` names a JSON file with these fields; anything unset keeps its default."""
        path = os.environ.get("CONSOLE_CONFIG")
        if not path:
            return cls()
        with open(path, encoding="utf-8") as handle:
            values = json.load(handle)
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    @property
    def tz(self) -> dt.timezone:
        return dt.timezone(dt.timedelta(hours=self.utc_offset_hours))

    def status(self, last_heartbeat_at: float | None, now: float) -> str:
        """online / stale / offline from the age of the last heartbeat (never seen: offline)."""
        if last_heartbeat_at is None:
            return "offline"
        age = now - last_heartbeat_at
        if age <= self.stale_after * self.heartbeat_interval:
            return "online"
        if age <= self.offline_after * self.heartbeat_interval:
            return "stale"
        return "offline"

    def is_working_day(self, day: dt.date) -> bool:
        iso = day.isoformat()
        if iso in self.holidays:
            return False
        return day.weekday() < 5 or iso in self.workdays

    def deadline(self, opened_at: float) -> float:
        """The end of the Nth working day after the day a rectification opened (local time)."""
        day = dt.datetime.fromtimestamp(opened_at, self.tz).date()
        left = self.rectify_working_days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz)
        return end.timestamp()
