"""``kiosk-backoffice``: run the reference back office, manage operators, read the audit trail.

    kiosk-backoffice serve [--host H] [--port P] [--database URL] [--workers N] [--operator-key K]
    kiosk-backoffice init [--database URL]
    kiosk-backoffice issue-token --database URL [--group G] [--terminal-id ID] [--ttl SECONDS]
    kiosk-backoffice operator add NAME --role ROLE --password-stdin [--database URL]
    kiosk-backoffice operator list [--database URL]
    kiosk-backoffice audit [--since DATE] [--json] [--database URL]
    kiosk-backoffice retention [--database URL]

Operators are named accounts (``operator add``); the first admin is made here, on the server. The shared
``--operator-key`` (or ``BACKOFFICE_OPERATOR_KEY``) is a bootstrap for demos and tests only: it acts as an
admin without a second admin's approval, so a deployment does not set it.

Limits (citizen sessions, login lockout, bulk tokens, retention; ``backoffice.state.Limits``) come from
``BACKOFFICE_LIMITS``, a JSON object: ``BACKOFFICE_LIMITS='{"session_subjects": 50}'``.

``--workers N`` runs N uvicorn worker processes; they share nothing but the database (PostgreSQL for more
than one; the server key file must be the same for all, ``BACKOFFICE_KEY_FILE``).
HTTPS: ``--ssl-certfile``/``--ssl-keyfile`` (terminals pin that cert). Errors: one line, exit status 1
(2 for a usage error), never a traceback. The database defaults to one absolute place (:func:`default_database`)
and is printed once it opened. Only ``serve`` and ``init`` create a database: every other command refuses a
SQLite file that is not there (a typo in ``--database`` made a fresh database and key, and a token no server
knew). Files are created private (umask 077): the database holds password hashes and citizens' comments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from backoffice.cli_errors import CliFailure, describe_startup_error, display_url

APP_FACTORY = "backoffice.cli:app_from_environment"


def default_database() -> str:
    """One absolute place, wherever the command is run (a relative default made a new, empty database in
    every directory, so a token issued there was unknown to the server): $BACKOFFICE_DATABASE, else
    systemd's $STATE_DIRECTORY (``StateDirectory=kiosk-backoffice`` in the unit), else
    /var/lib/kiosk-backoffice when root, else the user's data directory."""
    if os.environ.get("BACKOFFICE_DATABASE"):
        return os.environ["BACKOFFICE_DATABASE"]
    if os.environ.get("STATE_DIRECTORY"):
        base = Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    elif os.geteuid() == 0:
        base = Path("/var/lib/kiosk-backoffice")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kiosk-backoffice"
    return f"sqlite:///{base.resolve() / 'backoffice.sqlite3'}"


DEFAULT_DATABASE = default_database()


def _prepare(database: str) -> None:
    """SQLite does not create folders: make the database's (0700, it holds terminal secrets)."""
    if database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        Path(database.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _existing(database: str) -> None:
    """Refuse a SQLite database file that does not exist, in one line naming it (PostgreSQL says so itself)."""
    from sqlalchemy import make_url

    from backoffice.database import normalise_url

    url = make_url(normalise_url(database))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if not path.is_file():
        raise CliFailure(
            f"no database at {path.resolve()}: check --database "
            "(only `kiosk-backoffice serve` or `kiosk-backoffice init` creates one)"
        )


def _check_port(host: str, port: int) -> None:
    """A port uvicorn can listen on, checked before it starts: 99999 was announced as such and a port taken
    another way (uvicorn masks it to 16 bits), and a port in use printed several lines of uvicorn's."""
    import errno
    import socket

    if not 0 <= port <= 65535:
        raise CliFailure(f"--port {port}: a TCP port is 0..65535")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError:
        return  # uvicorn names a host it cannot resolve
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliFailure(f"port {port} on {host}: address already in use (another server?)") from None
            raise CliFailure(f"cannot listen on {host}:{port}: {exc.strerror}") from None


class _OneLineParser(argparse.ArgumentParser):
    """argparse's usage errors as one line (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="kiosk-backoffice", description="reference back office for the terminals")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    database: dict[str, Any] = {
        "default": DEFAULT_DATABASE,
        "help": f"SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db "
        f"(default {DEFAULT_DATABASE})",
    }
    serve = commands.add_parser("serve", help="run the back office (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--database", **database)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (stateless)")
    serve.add_argument(
        "--operator-key",
        default=os.environ.get("BACKOFFICE_OPERATOR_KEY"),
        help="bootstrap key for demos and tests only",
    )
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument("--log-level", default="info")
    init = commands.add_parser("init", help="create (and migrate) the database and its key file")
    init.add_argument("--database", **database)
    token = commands.add_parser("issue-token", help="issue a one-time enrolment token (prints it)")
    token.add_argument("--database", **database)
    token.add_argument("--group", default="default")
    token.add_argument("--terminal-id")
    token.add_argument("--ttl", type=int, default=86400)
    token.add_argument(
        "--json", action="store_true", help="print the token, group, terminal and database as JSON"
    )
    operator = commands.add_parser("operator", help="operator accounts")
    ops = operator.add_subparsers(dest="operator_command", metavar="ACTION")
    add = ops.add_parser("add", help="add an operator (password read from stdin)")
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, choices=["admin", "publisher", "rating_supervisor", "auditor", "viewer"]
    )
    add.add_argument("--password-stdin", action="store_true", required=True)
    add.add_argument("--database", **database)
    listing = ops.add_parser("list", help="list operators")
    listing.add_argument("--database", **database)
    audit = commands.add_parser("audit", help="print the audit trail")
    audit.add_argument("--since", help="YYYY-MM-DD or an ISO time")
    audit.add_argument("--json", action="store_true", help="one JSON object a line")
    audit.add_argument("--database", **database)
    retention = commands.add_parser("retention", help="apply the retention policy now")
    retention.add_argument("--database", **database)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "serve": _serve,
        "init": _init,
        "issue-token": _issue_token,
        "operator": _operator,
        "audit": _audit,
        "retention": _retention,
    }
    handler = handlers.get(args.command)
    if handler is None:
        build_parser().print_help()
        return 2
    umask = os.umask(0o077)  # the database, its WAL and the key: readable by the back office's user only
    try:
        status = handler(args)
        if status == 0 and args.command != "serve":  # which database it used (serve says so as it opens)
            print(f"database: {display_url(args.database)}", file=sys.stderr)
        return status
    except KeyboardInterrupt:
        return 130
    except CliFailure as exc:
        print(f"kiosk-backoffice: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one line, never a traceback (database, TLS files, migrations)
        print(
            f"kiosk-backoffice: {describe_startup_error(exc, getattr(args, 'database', ''))}", file=sys.stderr
        )
        return 1
    finally:
        os.umask(umask)  # main() also runs inside tests and the demo


def limits_from_environment() -> Any:
    """``BACKOFFICE_LIMITS`` (a JSON object of ``Limits`` fields), or the defaults."""
    from backoffice.state import Limits

    text = os.environ.get("BACKOFFICE_LIMITS", "").strip()
    values = json.loads(text) if text else {}
    if not isinstance(values, dict):
        raise ValueError("BACKOFFICE_LIMITS is a JSON object")
    return Limits(**values)


def app_from_environment() -> Any:
    """The application for uvicorn's worker processes (``--workers``), configured by environment."""
    from backoffice.app import create_app

    return create_app(
        os.environ["BACKOFFICE_DATABASE"],
        operator_key=os.environ.get("BACKOFFICE_OPERATOR_KEY"),
        limits=limits_from_environment(),
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backoffice.app import create_app

    for option in ("ssl_certfile", "ssl_keyfile"):
        value = getattr(args, option)
        if value and not Path(value).is_file():
            raise CliFailure(f"--{option.replace('_', '-')} {value}: no such file")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise CliFailure("--ssl-certfile and --ssl-keyfile go together")
    _check_port(args.host, args.port)
    _prepare(args.database)
    if args.operator_key:
        print("kiosk-backoffice: the bootstrap operator key is set (demo/test use only)", file=sys.stderr)
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
        "backlog": 2048,
    }
    if args.workers > 1:
        if args.database.startswith("sqlite"):
            raise ValueError("several workers need PostgreSQL (--database postgresql://...)")
        os.environ["BACKOFFICE_DATABASE"] = args.database
        if args.operator_key:
            os.environ["BACKOFFICE_OPERATOR_KEY"] = args.operator_key
        limits_from_environment()  # a bad BACKOFFICE_LIMITS fails here, once, not in every worker
        create_app(args.database).state.backoffice.dispose()  # migrate once, before the workers
        print(f"database: {display_url(args.database)}", file=sys.stderr)
        uvicorn.run(APP_FACTORY, factory=True, workers=args.workers, **common)
        return 0
    app = create_app(args.database, operator_key=args.operator_key, limits=limits_from_environment())
    print(
        f"database: {display_url(args.database)}", file=sys.stderr
    )  # once it opened: a failure stays one line
    uvicorn.run(app, **common)
    return 0


def _state(database: str, create: bool = False):
    """The back office over an existing database (``create`` for ``init`` only)."""
    from backoffice.app import create_app

    if create:
        _prepare(database)
    else:
        _existing(database)
    return create_app(database).state.backoffice


def _init(args: argparse.Namespace) -> int:
    _state(args.database, create=True).dispose()
    return 0


def _issue_token(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from backoffice.enrolment import issue_tokens
    from backoffice.schemas import TokenIn

    try:  # checked before the database is opened: a bad option is one line
        request = TokenIn(group=args.group, terminal_id=args.terminal_id, ttl_seconds=args.ttl)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise CliFailure(
            f"--{str(error['loc'][0]).replace('_seconds', '').replace('_', '-')}: {error['msg']}"
        ) from None
    bo = _state(args.database)
    answer = issue_tokens(bo, request)
    if args.json:
        print(
            json.dumps(
                {
                    "token": answer.tokens[0],
                    "group": args.group,
                    "terminal_id": args.terminal_id,
                    "ttl_seconds": args.ttl,
                    "database": display_url(args.database),
                }
            )
        )
    else:
        print(answer.tokens[0])
    return 0


def _operator(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from backoffice.models import Operator
    from backoffice.operator_auth import add_operator

    if args.operator_command == "add":
        password = sys.stdin.readline().rstrip("\r\n")
        add_operator(_state(args.database), args.name, args.role, password, by="cli")
        print(f"operator {args.name} added ({args.role})")
        return 0
    if args.operator_command == "list":
        bo = _state(args.database)
        with bo.sessions() as session:
            for row in session.scalars(select(Operator).order_by(Operator.name)):
                locked = " locked" if row.locked_until and row.locked_until > bo.clock() else ""
                print(f"{row.name}\t{row.role}{locked}")
        return 0
    raise ValueError("operator: add or list")


def _audit(args: argparse.Namespace) -> int:
    from backoffice import audit

    since = datetime.fromisoformat(args.since).timestamp() if args.since else None
    bo = _state(args.database)
    offset = 0
    while True:
        with bo.sessions() as session:
            rows = audit.entries(session, since=since, limit=5000, offset=offset)
        for row in rows:
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                when = datetime.fromtimestamp(row["at"]).isoformat(timespec="seconds")
                print(
                    "\t".join(
                        [
                            when,
                            row["actor_kind"],
                            row["actor"],
                            row["action"],
                            row["subject"],
                            row["service"],
                            row["outcome"],
                        ]
                    )
                )
        if len(rows) < 5000:
            return 0
        offset += len(rows)


def _retention(args: argparse.Namespace) -> int:
    from backoffice.retention import apply_retention

    removed = apply_retention(_state(args.database))
    print(" ".join(f"{table}={count}" for table, count in removed.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
