"""``kiosk-backoffice``: run the reference back office, or issue enrolment tokens for technicians.

    kiosk-backoffice serve [--host H] [--port P] [--database URL] [--operator-key K]
    kiosk-backoffice issue-token --database URL [--group G] [--terminal-id ID] [--ttl SECONDS]

The operator key comes from ``--operator-key`` or ``BACKOFFICE_OPERATOR_KEY``; without either a random
one is made and printed once. HTTPS: ``--ssl-certfile``/``--ssl-keyfile`` (terminals pin that cert).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import NoReturn

from backoffice.cli_errors import CliFailure, describe_startup_error, display_url


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


def _prepare(database: str) -> None:
    """SQLite does not create folders: make the database's (0700, it holds terminal secrets)."""
    if database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        Path(database.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


DEFAULT_DATABASE = default_database()


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="kiosk-backoffice", description="reference back office for the terminals")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the back office (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--database", default=DEFAULT_DATABASE,
                       help="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db")
    serve.add_argument("--operator-key", default=os.environ.get("BACKOFFICE_OPERATOR_KEY"))
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument("--log-level", default="info")
    token = commands.add_parser("issue-token", help="issue a one-time enrolment token (prints it)")
    token.add_argument("--database", default=DEFAULT_DATABASE, help=f"SQLAlchemy URL (default {DEFAULT_DATABASE})")
    token.add_argument("--group", default="default")
    token.add_argument("--terminal-id")
    token.add_argument("--ttl", type=int, default=86400)
    token.add_argument("--json", action="store_true", help="print the token, group, terminal and database as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"serve": _serve, "issue-token": _issue_token}
    if args.command not in commands:
        build_parser().print_help()
        return 2
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return 130
    except CliFailure as exc:
        print(f"kiosk-backoffice: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one line, never a traceback (database, TLS files, migrations)
        print(f"kiosk-backoffice: {describe_startup_error(exc, getattr(args, 'database', ''))}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backoffice.app import create_app

    for option in ("ssl_certfile", "ssl_keyfile"):
        value = getattr(args, option)
        if value and not Path(value).is_file():
            raise CliFailure(f"--{option.replace('_', '-')} {value}: no such file")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise CliFailure("--ssl-certfile and --ssl-keyfile go together")
    key = args.operator_key or secrets.token_urlsafe(24)
    _prepare(args.database)
    app = create_app(args.database, operator_key=key)
    # printed once the database opened, so a failure stays one line
    if not args.operator_key:
        print(f"operator key (set BACKOFFICE_OPERATOR_KEY to keep one): {key}", file=sys.stderr)
    print(f"database: {display_url(args.database)}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile, backlog=2048)
    return 0


def _issue_token(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from backoffice.app import create_app
    from backoffice.enrolment import issue_tokens
    from backoffice.schemas import TokenIn

    try:  # checked before the database is opened: a bad option is one line
        request = TokenIn(group=args.group, terminal_id=args.terminal_id, ttl_seconds=args.ttl)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise CliFailure(f"--{str(error['loc'][0]).replace('_seconds', '').replace('_', '-')}: {error['msg']}"
                         ) from None
    _prepare(args.database)
    app = create_app(args.database)
    print(f"database: {display_url(args.database)}", file=sys.stderr)
    answer = issue_tokens(app.state.backoffice, request)
    if args.json:
        import json

        print(json.dumps({"token": answer.tokens[0], "group": args.group, "terminal_id": args.terminal_id,
                          "ttl_seconds": args.ttl, "database": display_url(args.database)}))
    else:
        print(answer.tokens[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
