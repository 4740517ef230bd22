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

DEFAULT_DATABASE = "sqlite:///backoffice.sqlite3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-backoffice", description="reference back office for the terminals")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the back office (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--database", default=os.environ.get("BACKOFFICE_DATABASE", DEFAULT_DATABASE),
                       help="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db")
    serve.add_argument("--operator-key", default=os.environ.get("BACKOFFICE_OPERATOR_KEY"))
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument("--log-level", default="info")
    token = commands.add_parser("issue-token", help="issue a one-time enrolment token (prints it)")
    token.add_argument("--database", default=os.environ.get("BACKOFFICE_DATABASE", DEFAULT_DATABASE))
    token.add_argument("--group", default="default")
    token.add_argument("--terminal-id")
    token.add_argument("--ttl", type=int, default=86400)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "issue-token":
        return _issue_token(args)
    build_parser().print_help()
    return 2


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backoffice.app import create_app

    key = args.operator_key
    if not key:
        key = secrets.token_urlsafe(24)
        print(f"operator key (set BACKOFFICE_OPERATOR_KEY to keep one): {key}", file=sys.stderr)
    app = create_app(args.database, operator_key=key)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile, backlog=2048)
    return 0


def _issue_token(args: argparse.Namespace) -> int:
    from backoffice.app import create_app
    from backoffice.enrolment import issue_tokens
    from backoffice.schemas import TokenIn

    app = create_app(args.database)
    answer = issue_tokens(app.state.backoffice, TokenIn(group=args.group, terminal_id=args.terminal_id,
                                                       ttl_seconds=args.ttl))
    print(answer.tokens[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
