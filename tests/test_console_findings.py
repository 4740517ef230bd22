"""Console findings of the outside tryout: login lockout (15), exports and empty indicators (16, 17): every CSV and Excel export goes through one
formula-injection guard that quotes a cell starting a formula and leaves an empty cell empty; with no ratings
the console's 满意率 is "—", not 0.0 %. The real back office on 127.0.0.1, a real console session."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from backoffice import audit
from backoffice.exports import csv_text, safe_cell, xlsx_bytes
from tests.console_helpers import (
    PASSWORD,
    csrf_of,
    fast_config,
    file_cases,
    session_for,
    start_console,
    terminal,
)

FORMULA = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(tmp_path, monkeypatch, fast_config())
    yield server
    server.server.stop()
    server.state.engine.dispose()


def test_the_guard_quotes_formulas_only():
    assert [safe_cell(c) for c in ["", "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "ok", 5, -5, None]] == [
        "",
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "ok",
        5,
        -5,
        None,
    ]
    assert csv_text([["operator.add", "", "", "ok"]]).strip() == "operator.add,,,ok"
    book = load_workbook(io.BytesIO(xlsx_bytes([["", "=1", "ok"]], "t")))
    assert list(book.active.iter_rows(values_only=True)) == [(None, "'=1", "ok")]


def test_every_export_keeps_empty_cells_empty_and_quotes_formulas(live):
    with live.state.sessions.begin() as session:
        audit.record(session, time.time(), actor_kind="operator", actor="admin", action="operator.add")
        audit.record(
            session, time.time(), actor_kind="operator", actor="admin", action="probe", subject=FORMULA
        )
    auditor = session_for(live, "auditor")
    console = list(
        csv.reader(
            io.StringIO(auditor.get(live.url + "/console/audit/export.csv", timeout=10).text.lstrip("\ufeff"))
        )
    )
    api = list(csv.reader(io.StringIO(live.op("GET", "/api/v1/operator/audit/export").text)))
    for rows in (console, api):
        cells = [c for row in rows for c in row]
        assert "'" not in cells, rows  # an empty cell was exported as a lone apostrophe
        added = next(row for row in rows if "operator.add" in row)
        assert "" in added
        probe = next(row for row in rows if "probe" in row)
        assert f"'{FORMULA}" in probe and FORMULA not in probe
    t1 = terminal(live, "T-0800", group="wuhan")
    file_cases(
        t1, [{"case_no": "202611270008000001", "service_id": "s", "item_code": "X", "outcome": "done"}]
    )
    viewer = session_for(live, "viewer")
    raw = viewer.get(live.url + "/console/volume/export.xlsx", params={"by": "group"}, timeout=10).content
    values = [
        cell for row in load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True) for cell in row
    ]
    assert "wuhan" in values and "'" not in values


def test_satisfaction_with_no_ratings_is_a_dash_not_zero_percent(live):
    html = session_for(live, "rating-supervisor").get(live.url + "/console/ratings", timeout=10).text
    assert re.search(r'id="good-rate">—<', html), html[
        html.find("good-rate") - 80 : html.find("good-rate") + 80
    ]
    table = html[
        html.index('id="indicator-table"') : html.index("</table>", html.index('id="indicator-table"'))
    ]
    rows = re.findall(r'<tr data-indicator="\w+">(.*?)</tr>', table)
    assert rows and all(re.findall(r"<td>([^<]*)</td>", row)[-2:] == ["0", "—"] for row in rows)
    assert "0.0%" not in html


def test_the_console_login_of_a_locked_account_looks_like_an_unknown_name(live):
    """Tryout finding 15: after five wrong passwords the console said 账号已锁定 for a real name only."""

    def attempt(name: str, password: str) -> tuple[int, str]:
        http = requests.Session()
        form = http.get(live.url + "/console/login", timeout=10).text
        answer = http.post(
            live.url + "/console/login",
            data={"name": name, "password": password, "csrf": csrf_of(form)},
            timeout=10,
            allow_redirects=False,
        )
        return answer.status_code, re.sub(r'value="[^"]*"|name="csrf"[^>]*', "", answer.text)

    for _ in range(5):
        attempt("viewer", "wrong password")
    locked = attempt("viewer", PASSWORD)
    assert locked[0] == 401 and "用户名或密码错误" in locked[1] and "锁定" not in locked[1]
    for _ in range(6):
        assert attempt("nobody", "wrong password") == locked


def test_a_console_upload_over_the_limit_gets_the_consoles_page_not_json(live):
    """Tryout finding 18: a bundle over 16 MiB showed the browser the API's raw JSON 413. The body is refused
    from its Content-Length, before it is read: the request here sends the headers alone."""
    import http.client

    from backoffice.terminal_auth import body_limit

    def post(path: str) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(live.url.removeprefix("http://"), timeout=10)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(body_limit(path) + 1))
        connection.endheaders()
        answer = connection.getresponse()
        try:
            return answer.status, answer.getheader("content-type", ""), answer.read().decode()
        finally:
            connection.close()

    status, kind, page = post("/console/updates/upload")
    assert (
        status == 413
        and kind.startswith("text/html")
        and "流程包最大 16 MiB" in page
        and '"error"' not in page
    )
    status, kind, body = post("/api/v1/operator/bundles")  # the API still answers JSON
    assert status == 413 and kind == "application/json" and json.loads(body)["error"] == "request.too_large"
