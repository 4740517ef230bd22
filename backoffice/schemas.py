"""The back office's request and answer models: what terminals and operators send and get back.

The limits come from ``wire`` (one definition shared with the terminal); the OpenAPI description at
``/openapi.json`` is built from these.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wire import events as wire_events
from wire import standing
from wire.limits import MAX_BATCH, MAX_BUNDLE_BYTES

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` inlined, for a route that validates its body itself."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


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
    bundle_root_version: int = 1  # grows with each root rotation (flows.bundles.keys)
    server_time: float


class RootKeysIn(BaseModel):
    """The flow bundles' trust root handed to terminals at enrolment (flows.bundles.RootKeys format)."""

    threshold: int = Field(default=1, ge=1, le=16)
    keys: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]] = Field(min_length=1, max_length=16)
    version: int = Field(default=1, ge=1, le=2**31)


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


class DeviceState(BaseModel):
    """One device's state in a heartbeat (``drivers.base.DeviceStatus.as_dict``); other keys are dropped."""

    model_config = ConfigDict(extra="ignore")
    device: str = Field(max_length=wire_events.DEVICE_MAX)
    state: str = Field(default="", max_length=wire_events.STATE_MAX)
    reason: str | None = Field(default="", max_length=wire_events.CODE_MAX)
    detail: str | None = Field(default="", max_length=wire_events.TEXT_MAX)
    at: float | None = Field(default=None, ge=0, le=1e12)


class BundleNotice(BaseModel):
    """One refusal, rollback, expiry or withdrawal a terminal kept (flows.bundles.BundleManager.journal)."""

    model_config = ConfigDict(extra="ignore")
    kind: str = Field(default="", max_length=32)
    version: int | None = Field(default=None, ge=0, le=2**62)
    to: int | None = Field(default=None, ge=0, le=2**62)
    reason: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=600)
    source: str = Field(default="", max_length=200)
    at: str = Field(default="", max_length=32)


class BundleStatus(BaseModel):
    """What a terminal runs, what waits and what it refused (never a version merely downloaded)."""

    model_config = ConfigDict(extra="ignore")
    active: int | None = Field(default=None, ge=0, le=2**62)
    previous: int | None = Field(default=None, ge=0, le=2**62)
    staged: list[Annotated[int, Field(ge=0, le=2**62)]] = Field(default_factory=list, max_length=50)
    refused: list[BundleNotice] = Field(default_factory=list, max_length=10)
    notices: list[BundleNotice] = Field(default_factory=list, max_length=10)


class HeartbeatIn(BaseModel):
    """Schema-checked and bounded: fields this server does not know are dropped, not stored."""

    model_config = ConfigDict(extra="ignore")
    devices: list[DeviceState] = Field(default_factory=list, max_length=64)
    software_version: str = Field(default="", max_length=64)
    bundle_version: int | None = Field(default=None, ge=0, le=2**62)
    queue_depth: int = Field(default=0, ge=0, le=2**62)
    oldest_pending_age: float | None = Field(default=None, ge=0, le=1e12)
    clock: float = Field(default=0.0, ge=0, le=1e12)
    online_since: float | None = Field(default=None, ge=0, le=1e12)
    bundles: BundleStatus | None = None
    maintenance: bool | None = None  # services paused (a technician at the panel, or the console's command)
    # the standing values' versions the terminal applied (wire.standing), and why not when it could not
    config_applied: str | None = Field(default=None, max_length=64)
    announcements_applied: str | None = Field(default=None, max_length=64)
    standing_problem: str = Field(default="", max_length=300)


class HeartbeatOut(BaseModel):
    server_time: float
    clock_offset: float
    config_version: str
    announcements_version: str
    bundle_version: int | None
    bundle_withdrawn: list[int] = Field(default_factory=list)  # the group's withdrawn versions
    server_cert_next: str | None = None  # PEM the terminals add to their pin before the server switches to it
    commands: list[dict[str, Any]] = Field(default_factory=list)  # console commands (wire.commands)


class ServerCertIn(BaseModel):
    pem: str = Field(min_length=1, max_length=20000)


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


class RolloutPlan(BaseModel):
    """Canary terminals first, then waves by percentage of the group (backoffice.rollouts)."""

    canary: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(default_factory=list, max_length=100)
    waves: list[Annotated[int, Field(ge=1, le=100)]] = Field(
        default_factory=lambda: [100], min_length=1, max_length=20
    )
    max_failed_rise: float = Field(default=0.2, ge=0, le=1)  # failed-case share above the baseline that halts
    min_cases: int = Field(default=3, ge=1, le=100000)  # cases needed before that share counts
    soak_seconds: float = Field(default=3600, ge=0, le=30 * 86400)  # or this long without trouble


class BundleIn(BaseModel):
    group: str = Field(default="default", pattern=ID_PATTERN)
    version: int = Field(ge=1, le=2**62)
    content_b64: str = Field(max_length=MAX_BUNDLE_BYTES * 4 // 3 + 4)
    note: str = Field(default="", max_length=1000)
    rollout: RolloutPlan | None = None  # None: every terminal of the group at once


class BundleMeta(BaseModel):
    group: str
    version: int
    sha256: str
    length: int
    published_at: float
    note: str
    withdrawn: list[int] = Field(default_factory=list)  # versions the terminals must stop running


class RowView(BaseModel):
    """What an operator route lists of one database row: ``View.model_validate(row)`` reads the row's
    attributes by field name, so a list route is one line and a new column one field. A field whose column has
    another name says so with ``Field(validation_alias="column")``; the API keeps the field's own name (and
    takes it back when FastAPI checks the answer against the model)."""

    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)


class BundleEventView(RowView):
    terminal_id: str
    # bundle_refused, bundle_rolled_back, bundle_expired, bundle_withdrawn, bundle_activated...
    kind: str = Field(validation_alias="state")
    reason: str
    detail: str
    received_at: float


class TerminalView(RowView):
    terminal_id: str = Field(validation_alias="id")
    group: str
    status: str
    enrolled_at: float
    revoked_at: float | None
    last_heartbeat_at: float | None
    heartbeat: dict[str, Any] | None


class CaseView(RowView):
    terminal_id: str
    case_no: str
    service_id: str
    item_code: str
    outcome: str  # the case's true outcome (docs/outcomes.md)
    reason: str = ""  # why a failed case failed: printer, service, network, terminal
    started_at: float | None
    finished_at: float | None
    received_at: float


class RatingView(RowView):
    terminal_id: str
    case_no: str
    item_code: str
    level: int
    indicators: dict[str, int] | list[Any]  # rating set 2: {indicator: score}; set 1: tick-box ids
    reasons: list[str] = Field(default_factory=list)  # 差评 reasons (set 2)
    set_version: int = 1
    comment: str
    channel: str
    received_at: float

    @field_validator("reasons", mode="before")
    @classmethod
    def _no_reasons(cls, value: Any) -> Any:
        return [] if value is None else value  # a row stored before rating set 2


class AnnouncementBody(BaseModel):
    """One announcement (``wire.standing``): shown on the attract screen of the terminals it reaches — every
    terminal when ``groups`` and ``terminals`` are both empty, else those of the groups and the terminals named —
    from ``starts`` until ``ends`` (epoch seconds, on the terminal's clock). Unknown fields, an unknown language
    or an empty text are refused (422): nothing accepted here is left for a terminal to ignore."""

    model_config = ConfigDict(extra="forbid")
    text: dict[str, str] = Field(max_length=len(standing.LOCALES))  # language -> text
    starts: float | None = Field(default=None, ge=0, le=1e12)
    ends: float | None = Field(default=None, ge=0, le=1e12)
    groups: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(default_factory=list, max_length=100)
    terminals: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _applicable(self) -> AnnouncementBody:
        problem = standing.announcement_problem(self.text, self.starts, self.ends)
        if problem is not None:
            raise ValueError(problem)
        return self


class Announcement(AnnouncementBody):
    id: str = Field(pattern=ID_PATTERN)


class Ok(BaseModel):
    ok: bool = True


class SessionIn(BaseModel):
    """A citizen identified at the terminal (the card was read there)."""

    id_number: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$")
    card_type: str = Field(default="resident", min_length=1, max_length=32, pattern=r"^[a-z_]{1,32}$")
    case_no: str | None = Field(default=None, max_length=wire_events.CASE_NO_MAX)


class SessionOut(BaseModel):
    session: str  # the token personal queries carry in X-Kiosk-Session
    expires_at: float
    max_queries: int


class SessionCloseIn(BaseModel):
    session: str = Field(min_length=1, max_length=200)
