"""Operator authentication for the operator API (header ``X-Operator-Key``)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from backoffice.errors import ApiError


def operator_auth(request: Request, x_operator_key: Annotated[str | None, Header()] = None) -> None:
    bo = request.app.state.backoffice
    if not x_operator_key or not secrets.compare_digest(x_operator_key.encode(), bo.operator_key.encode()):
        raise ApiError(401, "operator.unauthorised", "operator key missing or wrong")


Op = Depends(operator_auth)
OP_ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "operator key missing or wrong"}}
