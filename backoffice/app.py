"""The reference back office: enrolment, signed terminal API, idempotent ingest, queries, operator API.

``create_app(database_url, operator_key=...)`` builds the FastAPI application; ``backoffice.cli`` serves
it with uvicorn and ``kiosk.demo.embedded`` runs it in-process for ``kiosk demo``. The OpenAPI description
is at ``/openapi.json``.

Three kinds of caller, each with its module of routes:

* a technician's ``kiosk provision`` — ``POST /api/v1/enrol`` with a one-time token (``enrolment``);
* terminals — every request signed (``terminal_auth``, ``wire.signing``): events (``ingest``), heartbeat,
  config, announcements, queries (``terminal_routes``), bundles (``bundle_routes``);
* operators — header ``X-Operator-Key`` (``operator_auth``): tokens, revocation, config and the
  read-only views (``operator_routes``), bundles and root keys (``bundle_routes``).

The shared state (engine, caches, nonces) is ``state.Backoffice``; the models are in ``schemas``.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from backoffice import bundle_routes, operator_routes, rollout_routes, terminal_routes
from backoffice.errors import ApiError
from backoffice.state import Backoffice
from wire import signing


class ServerTimeMiddleware:
    """Every answer carries the server's clock, so a terminal can see and correct its own (plain ASGI:
    cheaper than Starlette's BaseHTTPMiddleware on the heartbeat path)."""

    def __init__(self, app: Any, clock: Any):
        self.app = app
        self.clock = clock

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_time(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []),
                           (signing.H_SERVER_TIME.lower().encode(), f"{self.clock():.3f}".encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_time)


def create_app(database_url: str, operator_key: str | None = None,
               bundle_root_keys: dict[str, Any] | None = None) -> FastAPI:
    """Build the application; migrations run here so a new database is ready at once."""
    bo = Backoffice(database_url, operator_key or secrets.token_urlsafe(24), bundle_root_keys)
    app = FastAPI(title="政务服务自助终端 back office", version="1.0.0",
                  description="Reference back office for the self-service terminals: enrolment, signed "
                              "terminal sync, idempotent ingest, query services, operator API.")
    app.state.backoffice = bo

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "detail": exc.detail, **exc.extra}, status_code=exc.status_code)

    app.add_middleware(ServerTimeMiddleware, clock=lambda: bo.clock())
    app.include_router(terminal_routes.router)
    app.include_router(bundle_routes.router)
    app.include_router(rollout_routes.router)
    app.include_router(operator_routes.router)
    return app
