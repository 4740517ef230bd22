"""One-line explanations for what stops ``kiosk-backoffice`` before it serves (Qt-free, standard library only).

An unreachable PostgreSQL printed 123 lines of traceback, a ``mysql://`` URL a ``ModuleNotFoundError``
for MySQLdb; an operator needs the one fact: which database, and what is wrong with it.
"""

from __future__ import annotations

import re


class CliFailure(Exception):
    """A usage problem found before anything starts (a missing certificate file, options that go together)."""


def display_url(url: str) -> str:
    """The database URL with any password hidden (it is printed and may be logged)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def describe_startup_error(exc: BaseException, database: str) -> str:
    """One line: what failed, naming the database (password hidden), without a traceback."""
    name = type(exc).__name__
    where = display_url(database) if database else "the database"
    raw = str(
        getattr(exc, "detail", None) or exc
    ).strip()  # an HTTPException from a service says it in detail
    text = raw.splitlines()[0] if raw else ""
    if name in ("NoSuchModuleError", "ArgumentError") or "Could not parse SQLAlchemy URL" in text:
        return (
            f"database URL {where} is not usable: use sqlite:///ABSOLUTE/PATH or "
            f"postgresql+psycopg://user@host/db ({text[:120]})"
        )
    if isinstance(exc, ModuleNotFoundError):
        return (
            f"database URL {where} needs the Python module {exc.name!r}, which is not installed; "
            "the supported databases are sqlite:/// and postgresql+psycopg://"
        )
    if name == "OperationalError":
        return f"cannot open the database {where}: {_first_reason(text)}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or text}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or text}"
    if name == "SSLError" or isinstance(exc, OSError) and "PEM" in text:
        return f"the TLS certificate or key cannot be used: {text[:160]}"
    return text[:200] if text else name


def _first_reason(text: str) -> str:
    """SQLAlchemy's message without its '(Background on this error ...)' and SQL tail."""
    text = re.sub(r"^\([\w.]+\)\s*", "", text)
    return text.split("(Background on this error")[0].strip()[:200] or "unreachable"
