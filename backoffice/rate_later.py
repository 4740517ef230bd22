"""Rate later on a phone: the small page a receipt's or the done screen's QR code opens, and its API.

``GET /rate/<case_no>?v=<code>`` shows the form (zh_CN or en, no script, no CDN); ``POST`` of the form, or of
JSON to ``/api/v1/rate/<case_no>``, records the rating like a terminal's (channel ``phone``, the case's
terminal, the same rating set and limits: ``backoffice.ratings``). Refused, each with its own answer: too many
tries (429), an unknown case (404: perhaps not uploaded yet), a wrong code (403), a case already rated (409),
a case past the rating window (410). After the window nothing is recorded — some provinces count an unrated
case as 基本满意; that is the province's statistic to make, not a rating to invent here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice import audit
from backoffice.models import Case, Rating
from backoffice.ratings import add_scores, rating_row
from backoffice.state import Backoffice, State
from flows.ratings import RatingInvalid, load_rating_set
from wire import events as wire_events
from wire.ratelater import code_matches

log = logging.getLogger(__name__)
router = APIRouter()
DAY = 86400.0
ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)

# refusal -> (HTTP status, zh_CN text, en text)
REFUSALS: dict[str, tuple[int, str, str]] = {
    "rate_limited": (429, "尝试次数过多，请稍后再试。", "Too many tries; please try again later."),
    "unknown_case": (
        404,
        "未找到该办件。如刚办完，请稍后再试。",
        "Case not found. If you have just finished, try again a little later.",
    ),
    "wrong_code": (
        403,
        "评价码不正确，请核对凭条上的评价码。",
        "Wrong code; please check the code on your receipt.",
    ),
    "already_rated": (409, "该办件已评价，感谢您的参与。", "This case has already been rated. Thank you."),
    "window_closed": (410, "该办件的评价期已过。", "The time for rating this case has passed."),
    "invalid": (422, "请先选择满意程度。", "Please choose how satisfied you are."),
}
# what was wrong with a refused rating (RatingInvalid's argument) -> (zh_CN text, en text): a level was chosen
# when a score or a reason was wrong, so "choose a level" would send the citizen looking for the wrong thing
INVALID_PARTS: dict[str, tuple[str, str]] = {
    "level": REFUSALS["invalid"][1:],
    "indicator": (
        "分项评价的选项无效，请重新选择。",
        "A part's rating is not one of the choices; please choose again.",
    ),
    "reason": (
        "不满意原因的选项无效，请重新选择。",
        "A reason is not one of the choices; please choose again.",
    ),
}
SMALL_INT_DIGITS = 3  # levels and scores are 1..5: more digits is not a choice the form offers


class Refused(Exception):
    def __init__(self, key: str, part: str = ""):
        super().__init__(key)
        self.key = key
        self.part = part  # for "invalid": the level, an indicator or a reason (INVALID_PARTS)


def form_choice(text: str) -> int | str | None:
    """A radio button's value from the form: the small int it offers, else the text as sent (refused by the
    rating set's check as the part it is), None when absent. ``int()`` alone took '²' (isdigit) and 5,000
    digits as a 500; only short ASCII digits are a number here."""
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= SMALL_INT_DIGITS:
        return int(text)
    return text


def _lang(request: Request) -> str:
    wanted = request.query_params.get("lang") or ""
    if not wanted:
        wanted = "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh_CN"
    return "en" if wanted == "en" else "zh_CN"


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def check_case(bo: Backoffice, case_no: str, code: str, client: str) -> Case:
    """The case a phone may rate now with this code, or :class:`Refused` saying why not."""
    now, limits = bo.clock(), bo.limits
    if (
        bo.count(f"rate:{client}", 60.0, now) > limits.rate_per_minute
        or bo.count(f"rate-case:{case_no[: wire_events.CASE_NO_MAX]}", 3600.0, now) > limits.rate_per_case
    ):
        raise Refused("rate_limited")
    with bo.sessions() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no[: wire_events.CASE_NO_MAX]))
        if case is None:
            raise Refused("unknown_case")
        terminal = bo.terminal(case.terminal_id)
        if terminal is None or not code_matches(
            bo.terminal_secret(terminal), case.terminal_id, case.case_no, code
        ):
            raise Refused("wrong_code")
        if session.scalar(select(Rating.id).where(Rating.case_no == case.case_no)) is not None:
            raise Refused("already_rated")
    finished = case.finished_at if case.finished_at is not None else case.received_at
    if now - min(finished, case.received_at) > limits.rate_window_days * DAY:
        raise Refused("window_closed")
    return case


def record(bo: Backoffice, case: Case, answer: dict[str, Any]) -> None:
    """Check the rating against the set (reasons only for 差评) and store it as the case's one rating."""
    rating_set = load_rating_set()
    level = answer.get("level")
    reasons = answer.get("reasons") or []
    if isinstance(level, int) and not rating_set.is_bad(level):
        reasons = []  # ticked, then a better level chosen: the level wins
    try:
        checked = rating_set.check(
            level, answer.get("indicators") or {}, reasons, answer.get("comment") or ""
        )
    except RatingInvalid as exc:
        raise Refused("invalid", str(exc)) from exc
    now = bo.clock()
    payload = {
        "case_no": case.case_no,
        "item_code": case.item_code,
        "level": checked.level,
        "set_version": checked.set_version,
        "indicators": checked.scores,
        "reasons": list(checked.reasons),
        "comment": checked.comment,
    }
    row = rating_row(case.terminal_id, payload, wire_events.CHANNEL_PHONE, now)
    if row is None:
        raise Refused("invalid")
    try:
        with bo.sessions.begin() as session:
            session.add(row)
            session.flush()
            add_scores(session, [row])
            audit.record(
                session,
                now,
                actor_kind="citizen",
                actor="phone",
                action="rating.phone",
                service=case.item_code,
                outcome=f"level {checked.level}",
                detail={"case_no": case.case_no},
            )
    except IntegrityError as exc:  # rated at the terminal (or another phone) a moment ago
        raise Refused("already_rated") from exc
    log.info("case %s rated by phone: level %s", case.case_no, checked.level)  # never the comment


def _page(request: Request, case_no: str, code: str, lang: str, **extra: Any) -> str:
    other = "en" if lang == "zh_CN" else "zh_CN"
    return ENV.get_template("rate.html").render(
        lang=lang,
        other=other,
        zh=lang == "zh_CN",
        case_no=case_no,
        code=code,
        rating_set=load_rating_set().view(lang),
        action=str(request.url.path),
        **extra,
    )


def _refused_page(request: Request, case_no: str, code: str, lang: str, key: str, part: str = "") -> Response:
    status, zh, en = REFUSALS[key]
    if key == "invalid" and part in INVALID_PARTS:
        zh, en = INVALID_PARTS[part]
    return HTMLResponse(
        _page(request, case_no, code, lang, refused=key, message=zh if lang == "zh_CN" else en),
        status_code=status,
    )


@router.get("/rate/{case_no}", response_class=HTMLResponse)
def rate_page(request: Request, case_no: str, bo: State, v: str = "") -> Response:
    lang = _lang(request)
    try:
        check_case(bo, case_no, v, _client(request))
    except Refused as refused:
        return _refused_page(request, case_no, v, lang, refused.key)
    return HTMLResponse(_page(request, case_no, v, lang))


@router.post("/rate/{case_no}", response_class=HTMLResponse)
async def rate_form(request: Request, case_no: str, bo: State) -> Response:
    form = await request.form()
    lang = "en" if form.get("lang") == "en" else "zh_CN"
    code = str(form.get("v") or "")
    scores = {
        i["id"]: form_choice(str(form.get(f"score_{i['id']}") or "")) for i in load_rating_set().indicators
    }
    answer = {
        "level": form_choice(str(form.get("level") or "")),
        "indicators": {key: value for key, value in scores.items() if value is not None},
        "reasons": [str(r) for r in form.getlist("reason")],
        "comment": str(form.get("comment") or ""),
    }
    try:
        case = check_case(bo, case_no, code, _client(request))
        record(bo, case, answer)
    except Refused as refused:
        return _refused_page(request, case_no, code, lang, refused.key, refused.part)
    return HTMLResponse(_page(request, case_no, code, lang, thanks=True))


@router.post("/api/v1/rate/{case_no}")
async def rate_api(request: Request, case_no: str, bo: State) -> Response:
    """JSON: ``{"v", "level", "indicators": {id: score}, "reasons": [id], "comment"}``; answers
    ``{"status": "recorded"}`` or ``{"status": "refused", "reason": key}`` with the refusal's HTTP status."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"status": "refused", "reason": "invalid"}, status_code=422)
    try:
        case = check_case(bo, case_no, str(body.get("v") or ""), _client(request))
        record(bo, case, body)
    except Refused as refused:
        answer = {"status": "refused", "reason": refused.key} | (
            {"part": refused.part} if refused.part else {}
        )
        return JSONResponse(answer, status_code=REFUSALS[refused.key][0])
    return JSONResponse({"status": "recorded"})
