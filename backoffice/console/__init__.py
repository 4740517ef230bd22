"""The operator console at ``/console/``: server-rendered pages (Jinja2) for the named operators of
``backoffice.operator_auth`` — fleet, alerts, 办件量, 好差评 with 差评整改, audit, remote operations and standing values.

``install(app, config)`` adds its routes, its static files (``static/``, with htmx, ECharts and Swagger UI
vendored from the npm registry by ``scripts/vendor_console.sh``) and its error pages to the back office.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backoffice.console import remote, routes, standing, stats_routes, updates, web
from backoffice.console.config import ConsoleConfig


def install(app: FastAPI, config: ConsoleConfig) -> None:
    app.state.console = config
    web.install_handlers(app)
    app.include_router(routes.router)
    app.include_router(routes.api)
    app.include_router(stats_routes.router)
    app.include_router(updates.router)
    app.include_router(remote.router)
    app.include_router(standing.router)
    app.mount(
        f"{web.PREFIX}/static",
        StaticFiles(directory=web.HERE / "static", check_dir=False),
        name="console-static",
    )
