"""The one error type routes raise: an HTTP status and a machine-readable code the terminal acts on."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class ApiError(HTTPException):
    """An error with a machine-readable code in ``{"error": code, "detail": ...}``."""

    def __init__(self, status: int, code: str, detail: str = "", **extra: Any):
        super().__init__(status_code=status, detail=detail or code)
        self.code = code
        self.extra = extra
