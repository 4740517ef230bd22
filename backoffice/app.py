"""The reference back office: enrolment, signed terminal API, idempotent ingest, queries, operator API.

``create_app(database_url, operator_key=...)`` builds the FastAPI application; ``backoffice.cli`` serves
it with uvicorn and ``kiosk.demo.embedded`` runs it in-process for ``kiosk demo``. The OpenAPI description
is at ``/openapi.json``.

Three kinds of caller:

* a technician's ``kiosk provision`` — ``POST /api/v1/enrol`` with a one-time token;
* terminals — every request signed (``wire.signing``): events, heartbeat, config, announcements,
  bundles, queries;
* operators — header ``X-Operator-Key``: tokens, revocation, bundles, config, and the read-only views.

Ingest is idempotent per (terminal, idempotency key): the first answer is stored and replayed for any
repeat, so a terminal that retries after a lost answer never creates a second case. One event that
cannot be understood is answered ``rejected`` (and kept), never failing the batch: a poison event must
not block the terminal's queue.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import logging
import secrets
import threading
import time
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backoffice.database import make_engine, upgrade
from backoffice.models import Bundle, Case, DeviceEvent, EnrolmentToken, Event, Rating, Setting, Terminal
from backoffice.query_services import SERVICES, run_query
from flows.services import ServiceError
from wire import events as wire_events
from wire import services, signing
from wire.limits import MAX_BATCH, MAX_BUNDLE_BYTES

log = logging.getLogger(__name__)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
CACHE_SECONDS = 2.0



def enrolment_token() -> str:
    """A one-time token a technician types or pastes: 120 random bits in lowercase base32, in groups of 4
    (``kiosk provision --token k3xq-...``). No leading '-', which a command line would take for an option."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))

class ApiError(HTTPException):
    """An error with a machine-readable code in ``{"error": code, "detail": ...}``."""

    def __init__(self, status: int, code: str, detail: str = "", **extra: Any):
        super().__init__(status_code=status, detail=detail or code)
        self.code = code
        self.extra = extra


# -- request and answer models ----------------------------------------------------------------------
class EnrolIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    terminal_id: str | None = Field(default=None, pattern=ID_PATTERN)
    group: str | None = Field(default=None, pattern=ID_PATTERN)


class EnrolOut(BaseModel):
    terminal_id: str
    secret: str
    group: str
    bundle_root_keys: list[str]  # hex Ed25519 public keys the flow bundles must be signed with
    bundle_root_threshold: int  # how many of them must sign
    server_time: float


class RootKeysIn(BaseModel):
    """The flow bundles' trust root handed to terminals at enrolment (flows.bundles.RootKeys format)."""

    threshold: int = Field(default=1, ge=1, le=16)
    keys: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]] = Field(min_length=1, max_length=16)


class EventIn(BaseModel):
    idem_key: str = Field(min_length=1, max_length=wire_events.IDEM_KEY_MAX)
    kind: str = Field(min_length=1, max_length=wire_events.KIND_MAX)
    payload: dict[str, Any]


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=MAX_BATCH)


class EventResult(BaseModel):
    idem_key: str
    status: Literal["accepted", "rejected"]
    duplicate: bool
    answer: dict[str, Any]


class EventsOut(BaseModel):
    results: list[EventResult]


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    devices: list[dict[str, Any]] = Field(default_factory=list, max_length=64)
    software_version: str = Field(default="", max_length=64)
    bundle_version: int | None = Field(default=None, ge=0, le=2**62)
    queue_depth: int = Field(default=0, ge=0, le=2**62)
    oldest_pending_age: float | None = Field(default=None, ge=0, le=1e12)
    clock: float = Field(default=0.0, ge=0, le=1e12)
    online_since: float | None = Field(default=None, ge=0, le=1e12)


class HeartbeatOut(BaseModel):
    server_time: float
    clock_offset: float
    config_version: str
    announcements_version: str
    bundle_version: int | None


class TokenIn(BaseModel):
    group: str = Field(default="default", pattern=ID_PATTERN)
    terminal_id: str | None = Field(default=None, pattern=ID_PATTERN)
    ttl_seconds: int = Field(default=86400, ge=1, le=90 * 86400)
    count: int = Field(default=1, ge=1, le=10000)


class TokenOut(BaseModel):
    tokens: list[str]
    group: str
    terminal_id: str | None
    expires_at: float


class BundleIn(BaseModel):
    group: str = Field(default="default", pattern=ID_PATTERN)
    version: int = Field(ge=1, le=2**62)
    content_b64: str = Field(max_length=MAX_BUNDLE_BYTES * 4 // 3 + 4)
    note: str = Field(default="", max_length=1000)


class BundleMeta(BaseModel):
    group: str
    version: int
    sha256: str
    length: int
    published_at: float
    note: str


class TerminalView(BaseModel):
    terminal_id: str
    group: str
    status: str
    enrolled_at: float
    revoked_at: float | None
    last_heartbeat_at: float | None
    heartbeat: dict[str, Any] | None


class CaseView(BaseModel):
    terminal_id: str
    case_no: str
    service_id: str
    item_code: str
    outcome: str  # the case's true outcome (docs/outcomes.md)
    reason: str = ""  # why a failed case failed: printer, service, network, terminal
    started_at: float | None
    finished_at: float | None
    received_at: float


class RatingView(BaseModel):
    terminal_id: str
    case_no: str
    item_code: str
    level: int
    indicators: list[Any]
    comment: str
    channel: str
    received_at: float


class Announcement(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    text: dict[str, str] = Field(default_factory=dict)  # language -> text
    starts: float | None = Field(default=None, ge=0, le=1e12)
    ends: float | None = Field(default=None, ge=0, le=1e12)
    groups: list[str] = Field(default_factory=list, max_length=100)


class Ok(BaseModel):
    ok: bool = True


def _version_of(value: Any) -> str:
    import json

    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


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


# -- replay protection ------------------------------------------------------------------------------
class NonceCache:
    """Nonces seen within the signature window. Per process: run one server process per database, or
    put this in a shared store, if the deployment grows beyond that."""

    def __init__(self, window: float = signing.WINDOW, limit: int = 1_000_000):
        self.window = window
        self.limit = limit
        self._seen: dict[tuple[str, str], float] = {}
        self._order: collections.deque[tuple[float, tuple[str, str]]] = collections.deque()
        self._lock = threading.Lock()

    def add(self, terminal_id: str, nonce: str, now: float) -> bool:
        """Remember a nonce; False if it was already used (a replay)."""
        key = (terminal_id, nonce)
        with self._lock:
            while self._order and (self._order[0][0] < now or len(self._order) > self.limit):
                _, old = self._order.popleft()
                self._seen.pop(old, None)
            if key in self._seen:
                return False
            expiry = now + 2 * self.window
            self._seen[key] = expiry
            self._order.append((expiry, key))
            return True


# -- the application --------------------------------------------------------------------------------
class Backoffice:
    """State shared by the routes: the engine, sessions, the operator key, the nonce cache."""

    def __init__(self, database_url: str, operator_key: str, bundle_root_keys: dict[str, Any] | None = None):
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.operator_key = operator_key
        self.nonces = NonceCache()
        self.clock = time.time  # tests may shift the server's clock
        # Read-mostly data cached briefly so a heartbeat costs one write. Writes through this process
        # invalidate at once; other processes on the same database see them within CACHE_SECONDS.
        self._cache_lock = threading.Lock()
        self._terminals: dict[str, tuple[float, Terminal]] = {}
        self._settings: tuple[float, dict[str, Any]] | None = None
        self._latest_bundle: dict[str, tuple[float, int | None]] = {}
        if bundle_root_keys is not None:
            with self.sessions.begin() as session:
                _put_setting(session, "bundle_root_keys", dict(bundle_root_keys), self.clock())

    def authenticate(self, method: str, path: str, headers: Any, body: bytes) -> Terminal:
        terminal_id = headers.get(signing.H_TERMINAL)
        timestamp = headers.get(signing.H_TIMESTAMP)
        nonce = headers.get(signing.H_NONCE)
        signature = headers.get(signing.H_SIGNATURE)
        if not (terminal_id and timestamp and nonce and signature):
            raise ApiError(401, signing.E_MISSING, "signed request headers missing")
        now = self.clock()
        try:
            stamp = float(timestamp)
        except ValueError:
            raise ApiError(401, signing.E_SIGNATURE, "bad timestamp") from None
        if abs(now - stamp) > signing.WINDOW:
            raise ApiError(401, signing.E_CLOCK, "timestamp outside the window", server_time=now)
        terminal = self.terminal(terminal_id[:64])
        if terminal is None:
            raise ApiError(401, signing.E_UNKNOWN, "unknown terminal")
        if not signing.verify(terminal.secret, method, path, timestamp, nonce, body, signature):
            raise ApiError(401, signing.E_SIGNATURE, "bad signature")
        if terminal.status != "active":
            raise ApiError(403, signing.E_REVOKED, "terminal revoked")
        if not self.nonces.add(terminal.id, nonce[:64], now):
            raise ApiError(401, signing.E_REPLAY, "nonce already used")
        return terminal


    def terminal(self, terminal_id: str) -> Terminal | None:
        """The terminal (detached, read-only), from a short cache."""
        now = time.monotonic()
        cached = self._terminals.get(terminal_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.sessions() as session:
            terminal = session.get(Terminal, terminal_id)
        if terminal is not None:
            with self._cache_lock:
                if len(self._terminals) > 100_000:
                    self._terminals.clear()
                self._terminals[terminal_id] = (now, terminal)
        return terminal

    def forget_terminal(self, terminal_id: str) -> None:
        with self._cache_lock:
            self._terminals.pop(terminal_id, None)

    def settings(self) -> dict[str, Any]:
        now = time.monotonic()
        cached = self._settings
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.sessions() as session:
            values = {row.key: row.value for row in session.scalars(select(Setting))}
        self._settings = (now, values)
        return values

    def put_setting(self, key: str, value: Any) -> None:
        with self.sessions.begin() as session:
            _put_setting(session, key, value, self.clock())
        self._settings = None

    def latest_bundle(self, group: str) -> int | None:
        now = time.monotonic()
        cached = self._latest_bundle.get(group)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.sessions() as session:
            latest = session.scalar(select(func.max(Bundle.version)).where(Bundle.group == group))
        with self._cache_lock:
            self._latest_bundle[group] = (now, latest)
        return latest

    def issue_tokens(self, body: TokenIn) -> TokenOut:
        now = self.clock()
        tokens = [enrolment_token() for _ in range(body.count)]
        with self.sessions.begin() as session:
            session.add_all(EnrolmentToken(token_hash=signing.token_hash(t), group=body.group,
                                           terminal_id=body.terminal_id, created_at=now,
                                           expires_at=now + body.ttl_seconds) for t in tokens)
        return TokenOut(tokens=tokens, group=body.group, terminal_id=body.terminal_id,
                        expires_at=now + body.ttl_seconds)

    def enrol(self, body: EnrolIn) -> EnrolOut:
        """Spend a one-time token: a new terminal (or the re-enrolment the token names) gets a new secret."""
        now = self.clock()
        with self.sessions.begin() as session:
            token = session.get(EnrolmentToken, signing.token_hash(body.token), with_for_update=True)
            if token is None:
                raise ApiError(401, "enrol.token_unknown", "this enrolment token is not known")
            if token.used_at is not None:
                raise ApiError(410, "enrol.token_used", "this enrolment token was already used")
            if token.expires_at < now:
                raise ApiError(410, "enrol.token_expired", "this enrolment token has expired")
            if token.terminal_id and body.terminal_id and body.terminal_id != token.terminal_id:
                raise ApiError(409, "enrol.terminal_mismatch", "the token was issued for another terminal")
            if body.group and body.group != token.group:
                raise ApiError(409, "enrol.group_mismatch", "the token was issued for another group")
            terminal_id = token.terminal_id or body.terminal_id or _next_terminal_id(session)
            existing = session.get(Terminal, terminal_id)
            if existing is not None and existing.status == "active" and token.terminal_id != terminal_id:
                raise ApiError(409, "enrol.terminal_exists", "a terminal with this id is enrolled")
            secret = secrets.token_hex(32)
            if existing is None:
                session.add(Terminal(id=terminal_id, group=token.group, secret=secret, status="active",
                                     enrolled_at=now))
            else:  # re-enrolment the operator asked for: new secret, the old one stops working
                existing.secret, existing.status, existing.group = secret, "active", token.group
                existing.enrolled_at, existing.revoked_at = now, None
            token.used_at, token.used_by = now, terminal_id
            root = _get_setting(session, "bundle_root_keys", {})
            group = token.group
        self.forget_terminal(terminal_id)
        log.info("enrolled terminal %s in group %s", terminal_id, group)
        return EnrolOut(terminal_id=terminal_id, secret=secret, group=group,
                        bundle_root_keys=list(root.get("keys", [])), bundle_root_threshold=int(root.get("threshold", 1)),
                        server_time=now)


async def signed_terminal(request: Request) -> Terminal:
    """Dependency: the terminal whose signature this request carries (see wire.signing)."""
    bo: Backoffice = request.app.state.backoffice
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return await run_in_threadpool(bo.authenticate, request.method, path, request.headers, body)


def operator_auth(request: Request, x_operator_key: Annotated[str | None, Header()] = None) -> None:
    bo: Backoffice = request.app.state.backoffice
    if not x_operator_key or not secrets.compare_digest(x_operator_key.encode(), bo.operator_key.encode()):
        raise ApiError(401, "operator.unauthorised", "operator key missing or wrong")


Signed = Annotated[Terminal, Depends(signed_terminal)]


def _put_setting(session: Session, key: str, value: Any, now: float) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def _get_setting(session: Session, key: str, default: Any) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value


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

    auth_errors: dict[int | str, dict[str, Any]] = {401: {"description": "not authenticated"},
                                                    403: {"description": "revoked"}}

    # -- public --------------------------------------------------------------------------------------
    @app.get(f"{signing.API}/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "server_time": bo.clock()}

    @app.post(f"{signing.API}/enrol", response_model=EnrolOut,
              responses={401: {"description": "unknown token"}, 409: {"description": "conflict"},
                         410: {"description": "token used or expired"}})
    def enrol(body: EnrolIn) -> EnrolOut:
        return bo.enrol(body)

    # -- terminals -----------------------------------------------------------------------------------
    @app.post(f"{signing.API}/events", response_model=EventsOut, responses=auth_errors)
    def ingest(body: EventsIn, term: Signed) -> EventsOut:
        for attempt in range(3):
            try:
                return _ingest(bo, term.id, body.events)
            except IntegrityError:  # the same key raced in from a concurrent retry: read its answer
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @app.post(f"{signing.API}/heartbeat", response_model=HeartbeatOut, responses=auth_errors)
    def heartbeat(body: HeartbeatIn, term: Signed) -> HeartbeatOut:
        now = bo.clock()
        data = body.model_dump()
        data["clock_offset"] = round(now - body.clock, 3) if body.clock else None
        with bo.sessions.begin() as session:
            session.execute(update(Terminal).where(Terminal.id == term.id)
                            .values(last_heartbeat_at=now, heartbeat=data))
        settings = bo.settings()
        config = _config_for(settings, term)
        announcements = _announcements_for(settings, term, now)
        latest = bo.latest_bundle(term.group)
        return HeartbeatOut(server_time=now, clock_offset=data["clock_offset"] or 0.0,
                            config_version=_version_of(config), announcements_version=_version_of(announcements),
                            bundle_version=latest)

    @app.get(f"{signing.API}/config", responses=auth_errors)
    def get_config(term: Signed) -> dict[str, Any]:
        """Group settings overridden by the terminal's own; never secrets."""
        config = _config_for(bo.settings(), term)
        return {"version": _version_of(config), "config": config}

    @app.get(f"{signing.API}/announcements", responses=auth_errors)
    def get_announcements(term: Signed) -> dict[str, Any]:
        items = _announcements_for(bo.settings(), term, bo.clock())
        return {"version": _version_of(items), "announcements": items}

    @app.get(f"{signing.API}/catalog", responses=auth_errors)
    def get_catalog(term: Signed) -> dict[str, Any]:
        return {"services": sorted(SERVICES)}

    @app.get(f"{signing.API}/bundles/latest", response_model=BundleMeta,
             responses={**auth_errors, 404: {"description": "no bundle for the group"}})
    def latest_bundle(term: Signed) -> BundleMeta:
        with bo.sessions() as session:
            row = session.scalars(select(Bundle).where(Bundle.group == term.group)
                                  .order_by(Bundle.version.desc()).limit(1)).first()
        if row is None:
            raise ApiError(404, "bundle.none", "no bundle published for this group")
        return _bundle_meta(row)

    @app.get(f"{signing.API}/bundles/{{version}}", response_class=Response,
             responses={**auth_errors, 200: {"content": {"application/octet-stream": {}}},
                        404: {"description": "no such bundle"}})
    def get_bundle(version: Annotated[int, Path(ge=1, le=2**62)], term: Signed) -> Response:
        with bo.sessions() as session:
            row = session.scalars(select(Bundle).where(Bundle.group == term.group,
                                                       Bundle.version == version)).first()
        if row is None:
            raise ApiError(404, "bundle.unknown", "no such bundle for this group")
        return Response(row.content, media_type="application/octet-stream",
                        headers={"X-Bundle-Sha256": row.sha256, "X-Bundle-Version": str(row.version)})

    @app.post(f"{signing.API}/query/{{name}}",
              responses={**auth_errors, 404: {"description": "unknown service"},
                         422: {"description": "refused; error holds the translation key"}})
    def query(name: Annotated[str, Path(max_length=64)], params: dict[str, Any], term: Signed) -> dict[str, Any]:
        if name not in SERVICES:
            raise ApiError(404, services.E_UNKNOWN, "unknown service")
        if name == "case.lookup":
            found = _case_lookup(bo, params)
            if found is not None:
                return found
        try:
            return run_query(name, params)
        except ServiceError as exc:
            raise ApiError(422, exc.key, exc.detail) from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise ApiError(422, services.E_BAD_REQUEST, "parameters not understood") from None

    # -- operators -----------------------------------------------------------------------------------
    op_errors: dict[int | str, dict[str, Any]] = {401: {"description": "operator key missing or wrong"}}
    Op = Depends(operator_auth)

    @app.post(f"{signing.API}/operator/tokens", response_model=TokenOut, dependencies=[Op],
              responses=op_errors)
    def issue_tokens(body: TokenIn) -> TokenOut:
        return bo.issue_tokens(body)

    @app.post(f"{signing.API}/operator/terminals/{{terminal_id}}/revoke", response_model=Ok,
              dependencies=[Op], responses={**op_errors, 404: {"description": "unknown terminal"}})
    def revoke(terminal_id: Annotated[str, Path(max_length=64)]) -> Ok:
        with bo.sessions.begin() as session:
            row = session.get(Terminal, terminal_id)
            if row is None:
                raise ApiError(404, "terminal.unknown", "unknown terminal")
            row.status, row.revoked_at = "revoked", bo.clock()
        bo.forget_terminal(terminal_id)
        log.info("revoked terminal %s", terminal_id)
        return Ok()

    @app.get(f"{signing.API}/operator/terminals", response_model=list[TerminalView], dependencies=[Op],
             responses=op_errors)
    def list_terminals(group: Annotated[str | None, Query(max_length=64)] = None,
                       limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
                       offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[TerminalView]:
        with bo.sessions() as session:
            stmt = select(Terminal).order_by(Terminal.id).limit(limit).offset(offset)
            if group:
                stmt = stmt.where(Terminal.group == group)
            rows = session.scalars(stmt).all()
        return [TerminalView(terminal_id=r.id, group=r.group, status=r.status, enrolled_at=r.enrolled_at,
                             revoked_at=r.revoked_at, last_heartbeat_at=r.last_heartbeat_at,
                             heartbeat=r.heartbeat) for r in rows]

    @app.get(f"{signing.API}/operator/cases", response_model=list[CaseView], dependencies=[Op],
             responses=op_errors)
    def list_cases(terminal_id: Annotated[str | None, Query(max_length=64)] = None,
                   limit: Annotated[int, Query(ge=1, le=100000)] = 1000,
                   offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[CaseView]:
        with bo.sessions() as session:
            stmt = select(Case).order_by(Case.id).limit(limit).offset(offset)
            if terminal_id:
                stmt = stmt.where(Case.terminal_id == terminal_id)
            rows = session.scalars(stmt).all()
        return [CaseView(terminal_id=r.terminal_id, case_no=r.case_no, service_id=r.service_id,
                         item_code=r.item_code, outcome=r.outcome, started_at=r.started_at,
                         reason=_text((r.payload or {}).get("reason"), wire_events.CODE_MAX),
                         finished_at=r.finished_at, received_at=r.received_at) for r in rows]

    @app.get(f"{signing.API}/operator/ratings", response_model=list[RatingView], dependencies=[Op],
             responses=op_errors)
    def list_ratings(terminal_id: Annotated[str | None, Query(max_length=64)] = None,
                     limit: Annotated[int, Query(ge=1, le=100000)] = 1000,
                     offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[RatingView]:
        with bo.sessions() as session:
            stmt = select(Rating).order_by(Rating.id).limit(limit).offset(offset)
            if terminal_id:
                stmt = stmt.where(Rating.terminal_id == terminal_id)
            rows = session.scalars(stmt).all()
        return [RatingView(terminal_id=r.terminal_id, case_no=r.case_no, item_code=r.item_code, level=r.level,
                           indicators=r.indicators, comment=r.comment, channel=r.channel,
                           received_at=r.received_at) for r in rows]

    @app.post(f"{signing.API}/operator/bundles", response_model=BundleMeta, status_code=201, dependencies=[Op],
              responses={**op_errors, 409: {"description": "version not above the group's latest"},
                         422: {"description": "content is not base64 or too large"}})
    def publish_bundle(body: BundleIn) -> BundleMeta:
        try:
            content = base64.b64decode(body.content_b64, validate=True)
        except ValueError:
            raise ApiError(422, "bundle.bad_content", "content_b64 is not base64") from None
        if len(content) > MAX_BUNDLE_BYTES:
            raise ApiError(422, "bundle.too_large", "bundle too large")
        with bo.sessions.begin() as session:
            latest = session.scalar(select(func.max(Bundle.version)).where(Bundle.group == body.group))
            if latest is not None and body.version <= latest:
                raise ApiError(409, "bundle.version_not_newer", f"the group's latest version is {latest}")
            row = Bundle(group=body.group, version=body.version, sha256=hashlib.sha256(content).hexdigest(),
                         length=len(content), content=content, published_at=bo.clock(), note=body.note)
            session.add(row)
        bo._latest_bundle.pop(body.group, None)
        return _bundle_meta(row)

    @app.get(f"{signing.API}/operator/bundles", response_model=list[BundleMeta], dependencies=[Op],
             responses=op_errors)
    def list_bundles() -> list[BundleMeta]:
        with bo.sessions() as session:
            rows = session.scalars(select(Bundle).order_by(Bundle.group, Bundle.version)).all()
        return [_bundle_meta(r) for r in rows]

    @app.put(f"{signing.API}/operator/config/{{scope}}/{{name}}", response_model=Ok, dependencies=[Op],
             responses=op_errors)
    def put_config(scope: Literal["group", "terminal"], name: Annotated[str, Path(pattern=ID_PATTERN)],
                   config: dict[str, Any]) -> Ok:
        """Per-terminal settings override per-group ones. No secrets belong here: terminals pull it."""
        bo.put_setting(f"config:{scope}:{name}", config)
        return Ok()

    @app.put(f"{signing.API}/operator/announcements", response_model=Ok, dependencies=[Op],
             responses=op_errors)
    def put_announcements(items: Annotated[list[Announcement], Field(max_length=200)]) -> Ok:
        bo.put_setting("announcements", [a.model_dump() for a in items])
        return Ok()

    @app.put(f"{signing.API}/operator/bundle-root-keys", response_model=Ok, dependencies=[Op],
             responses={**op_errors, 422: {"description": "threshold above the number of keys"}})
    def put_root_keys(root: RootKeysIn) -> Ok:
        """The bundle root keys handed to terminals at enrolment (public keys, pinned by provisioning)."""
        if root.threshold > len(set(k.lower() for k in root.keys)):
            raise ApiError(422, "root_keys.threshold", "threshold above the number of distinct keys")
        bo.put_setting("bundle_root_keys", {"threshold": root.threshold, "keys": [k.lower() for k in root.keys]})
        return Ok()

    return app


def _case_lookup(bo: Backoffice, params: dict[str, Any]) -> dict[str, Any] | None:
    """A case the back office holds, by its 办件编号 (for rating it later at any terminal). None: not here
    (perhaps still queued at its terminal), and the demo service answers from the number's format."""
    case_no = params.get("case_no")
    if not isinstance(case_no, str) or not 0 < len(case_no) <= 64:
        return None
    with bo.sessions() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no).order_by(Case.id).limit(1)).first()
        if case is None:
            return None
        rated = session.scalar(select(func.count()).select_from(Rating).where(
            Rating.case_no == case_no, Rating.terminal_id == case.terminal_id)) or 0
    return {"found": True, "case_no": case_no, "title": case.service_id, "item_code": case.item_code,
            "service_id": case.service_id, "outcome": case.outcome, "rated": rated > 0}


def _bundle_meta(row: Bundle) -> BundleMeta:
    return BundleMeta(group=row.group, version=row.version, sha256=row.sha256, length=row.length,
                      published_at=row.published_at, note=row.note)


def _next_terminal_id(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(Terminal)) or 0
    for n in range(count + 1, count + 10000):
        candidate = f"T-{n:04d}"
        if session.get(Terminal, candidate) is None:
            return candidate
    raise ApiError(409, "enrol.no_id", "no free terminal id")


def _config_for(settings: dict[str, Any], term: Terminal) -> dict[str, Any]:
    config = dict(settings.get("config:group:default", {}))
    if term.group != "default":
        config.update(settings.get(f"config:group:{term.group}", {}))
    config.update(settings.get(f"config:terminal:{term.id}", {}))
    return config


def _announcements_for(settings: dict[str, Any], term: Terminal, now: float) -> list[dict[str, Any]]:
    items = settings.get("announcements", [])
    return [a for a in items
            if (not a.get("groups") or term.group in a["groups"])
            and (a.get("starts") is None or a["starts"] <= now) and (a.get("ends") is None or now < a["ends"])]


# -- ingest -----------------------------------------------------------------------------------------
def _ingest(bo: Backoffice, terminal_id: str, events: list[EventIn]) -> EventsOut:
    now = bo.clock()
    results: list[EventResult] = []
    with bo.sessions.begin() as session:
        keys = list({e.idem_key for e in events})
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, answer in session.execute(select(Event.idem_key, Event.answer).where(
                    Event.terminal_id == terminal_id, Event.idem_key.in_(chunk))):
                known[key] = answer
        fresh: list[tuple[EventIn, Event, Any]] = []
        for item in events:
            if item.idem_key in known:
                answer = known[item.idem_key]
                results.append(EventResult(idem_key=item.idem_key, status=answer["status"], duplicate=True,
                                           answer=answer))
                continue
            record, reason = _domain_record(terminal_id, item, now)
            answer = {"status": "accepted" if reason is None else "rejected", "kind": item.kind,
                      "received_at": now, **({"reason": reason} if reason else {})}
            if item.kind == wire_events.EVENT_SUBMISSION and reason is None:
                answer.update(_run_submission(item.payload))
            event = Event(terminal_id=terminal_id, idem_key=item.idem_key, kind=item.kind, received_at=now,
                          answer=answer)
            session.add(event)
            fresh.append((item, event, record))
            known[item.idem_key] = answer
            results.append(EventResult(idem_key=item.idem_key, status=answer["status"], duplicate=False,
                                       answer=answer))
        if fresh:
            session.flush()
            for _item, event, record in fresh:
                if record is not None:
                    record.event_id = event.id
                    session.add(record)
    return EventsOut(results=results)


def _run_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """An application queued offline, run once (its answer is stored with the event and replayed)."""
    service, params = payload.get("service"), payload.get("params")
    if not isinstance(service, str) or service not in SERVICES or not isinstance(params, dict):
        return {"status": "rejected", "reason": "unknown service or parameters"}
    try:
        return {"result": run_query(service, params)}
    except ServiceError as exc:
        return {"status": "rejected", "reason": exc.key}
    except Exception:  # a poison submission must not fail the batch it came in
        log.exception("submission to %s failed", service)
        return {"status": "rejected", "reason": services.E_BAD_REQUEST}


def _text(value: Any, limit: int) -> str:
    return ("" if value is None else str(value))[:limit]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e12 \
        else None


def _domain_record(terminal_id: str, item: EventIn, now: float) -> tuple[Any, str | None]:
    """The row an event becomes, or why it is rejected. The terminal id comes from the signature, not the
    payload. Text is cut to the limits in ``wire.events``."""
    p, w = item.payload, wire_events
    if item.kind == w.EVENT_CASE:
        if not isinstance(p.get("case_no"), str) or not p["case_no"]:
            return None, "case_no missing"
        return Case(terminal_id=terminal_id, case_no=p["case_no"][:w.CASE_NO_MAX],
                    service_id=_text(p.get("service_id"), w.CODE_MAX), item_code=_text(p.get("item_code"), w.CODE_MAX),
                    outcome=_text(p.get("outcome"), w.OUTCOME_MAX),
                    started_at=_number(p.get("started_at")), finished_at=_number(p.get("finished_at")),
                    received_at=now, payload=p), None
    if item.kind == w.EVENT_RATING:
        level = p.get("level")
        if not isinstance(p.get("case_no"), str) or not isinstance(level, int) or level not in w.RATING_LEVELS:
            return None, "case_no or level invalid"
        indicators = p.get("indicators") if isinstance(p.get("indicators"), list) else []
        return Rating(terminal_id=terminal_id, case_no=p["case_no"][:w.CASE_NO_MAX],
                      item_code=_text(p.get("item_code"), w.CODE_MAX), level=level, indicators=indicators,
                      comment=_text(p.get("comment"), w.TEXT_MAX), channel=_text(p.get("channel"), w.CHANNEL_MAX),
                      received_at=now), None
    if item.kind == w.EVENT_DEVICE:
        if not isinstance(p.get("device"), str):
            return None, "device missing"
        return DeviceEvent(terminal_id=terminal_id, device=p["device"][:w.DEVICE_MAX],
                           state=_text(p.get("state"), w.STATE_MAX), reason=_text(p.get("reason"), w.CODE_MAX),
                           detail=_text(p.get("detail"), w.TEXT_MAX), received_at=now), None
    return None, None  # a kind this server does not know yet: kept as an event, acknowledged
