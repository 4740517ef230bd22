"""Schemathesis against the back office's OpenAPI description: no input makes it answer 5xx.

Requests are made over real HTTP to the live server; operator calls carry the operator key (or, in the
slow variant, the token of a named operator of each role) and terminal calls a valid signature (so the
fuzzing reaches the handlers, not only the authentication).
"""

from __future__ import annotations

import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from wire import signing

pytestmark = pytest.mark.slow  # fuzzing every operation over HTTP (~45 s)


class SigningSession(requests.Session):
    """Signs every request as the enrolled terminal, whatever schemathesis generated."""

    def __init__(self, credentials):
        super().__init__()
        self.credentials = credentials

    def send(self, request, **kwargs):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(
            signing.signed_headers(
                self.credentials.terminal_id,
                self.credentials.secret,
                request.method,
                request.path_url,
                body,
                time.time(),
            )
        )
        return super().send(request, **kwargs)


def _openapi() -> dict:
    """The description as the server publishes it (built from a throw-away instance at collection)."""
    import tempfile

    from backoffice.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(f"sqlite:///{tmp}/spec.sqlite3")
        spec = app.openapi()
        app.state.backoffice.engine.dispose()
    return spec


schema = schemathesis.openapi.from_dict(_openapi())
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, backoffice):
    if not hasattr(backoffice, "_signing_session"):
        backoffice._signing_session = SigningSession(backoffice.enrol())
    session = backoffice._signing_session
    headers = {"X-Operator-Key": backoffice.operator_key} if "/operator/" in case.path else None
    case.call_and_validate(
        base_url=backoffice.url, session=session, headers=headers, checks=[not_a_server_error]
    )


ROLES = ("admin", "publisher", "rating_supervisor", "auditor", "viewer")


@pytest.fixture(params=ROLES)
def operator_token(request, backoffice):
    """A named operator of the role, logged in (the role's own routes answer, the others refuse)."""
    from backoffice.operator_auth import add_operator

    name = request.param.replace("_", "-")
    add_operator(backoffice.state, name, request.param, "fuzzing password 123")
    answer = requests.post(
        backoffice.url + "/api/v1/operator/login",
        json={"name": name, "password": "fuzzing password 123"},
        timeout=10,
    )
    return answer.json()["token"]


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_for_each_role(case, backoffice, operator_token):
    if not hasattr(backoffice, "_signing_session"):
        backoffice._signing_session = SigningSession(backoffice.enrol())
    headers = {"Authorization": f"Bearer {operator_token}"} if "/operator/" in case.path else None
    case.call_and_validate(
        base_url=backoffice.url,
        session=backoffice._signing_session,
        headers=headers,
        checks=[not_a_server_error],
    )
