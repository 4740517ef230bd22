"""The reference back office: enrolment, signed terminal API, idempotent ingest, queries, operator API.

``create_app(database_url, operator_key=...)`` builds the FastAPI application; ``backoffice.cli`` serves
it with uvicorn and ``kiosk.demo.embedded`` runs it in-process for ``kiosk demo``. The OpenAPI description
is at ``/openapi.json``.

Three kinds of caller, each with its module of routes:

* a technician's ``kiosk provision`` — ``POST /api/v1/enrol`` with a one-time token (``enrolment``);
* terminals — every request signed (``terminal_auth``, ``wire.signing``): events (``ingest``), heartbeat,
  config, announcements, queries (``terminal_routes``), bundles (``bundle_routes``);
* operators — named accounts with roles, ``Authorization: Bearer`` tokens from ``POST
  /api/v1/operator/login`` (``operator_auth``): tokens, revocation and the read-only views
  (``operator_routes``), the standing settings and announcements (``standing_routes``), bundles and root keys (``bundle_routes``), operators, approvals, the audit
  trail and alerts (``admin_routes``), remote commands to terminals (``remote_routes``).

The shared state (engine, caches, nonces) is ``state.Backoffice``; the models are in ``schemas``.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from backoffice import (
    admin_routes,
    bundle_routes,
    console,
    operator_routes,
    rate_later,
    remote_routes,
    rollout_routes,
    standing_routes,
    terminal_routes,
)
from backoffice.console.config import ConsoleConfig
from backoffice.errors import ApiError
from backoffice.state import Backoffice, Limits
from backoffice.terminal_auth import RequestGuard
from wire import signing

# FastAPI's OpenTelemetry hooks (FastAPI >= 0.16x) asked on every request whether a provider was set up (none
# is here): about 5 % of a heartbeat's server CPU. Off; a deployment that exports traces turns them on here.
NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


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
                headers = [
                    *message.get("headers", []),
                    (signing.H_SERVER_TIME.lower().encode(), f"{self.clock():.3f}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_time)


def create_app(
    database_url: str,
    operator_key: str | None = None,
    bundle_root_keys: dict[str, Any] | None = None,
    *,
    key_file: Path | None = None,
    limits: Limits | None = None,
    console_config: ConsoleConfig | None = None,
) -> FastAPI:
    """Build the application; migrations run here so a new database is ready at once.

    ``operator_key``: the shared bootstrap key (an all-powerful admin) for the embedded demo and tests
    only; a deployment gives none and uses named operators (``kiosk-backoffice operator add``).
    ``console_config``: the operator console's thresholds and notifications (``CONSOLE_CONFIG`` if None)."""
    bo = Backoffice(database_url, operator_key, bundle_root_keys, key_file=key_file, limits=limits)
    app = FastAPI(
        title="政务服务自助终端 back office",
        version="1.0.0",
        description="Reference back office for the self-service terminals: enrolment, signed "
        "terminal sync, idempotent ingest, query services, operator API.",
        docs_url=None,
        redoc_url=None,
        **NO_TELEMETRY,
    )  # /docs below, with Swagger UI served from here (no CDN)
    app.state.backoffice = bo

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.code, "detail": exc.detail, **exc.extra}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        """FastAPI's 422, rendered with ASCII escapes: the input it echoes may hold a lone surrogate."""
        errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()][:20]
        body = json.dumps(
            {"error": "request.invalid", "detail": jsonable_encoder(errors)}, ensure_ascii=True, default=str
        )
        return Response(body, status_code=422, media_type="application/json")

    app.add_middleware(RequestGuard, backoffice=bo, page_too_large=console.web.too_large_page)
    app.add_middleware(ServerTimeMiddleware, clock=lambda: bo.clock())  # outermost: guard answers get it too
    app.include_router(terminal_routes.router)
    app.include_router(bundle_routes.router)
    app.include_router(rollout_routes.router)
    app.include_router(operator_routes.router)
    app.include_router(standing_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(remote_routes.router)
    app.include_router(rate_later.router)
    console.install(app, console_config or ConsoleConfig.from_env())

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        static = f"{console.web.PREFIX}/static/vendor"
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=app.title,
            swagger_js_url=f"{static}/swagger-ui-bundle.js",
            swagger_css_url=f"{static}/swagger-ui.css",
            swagger_favicon_url=f"{console.web.PREFIX}/static/favicon.png",
        )

    return app
