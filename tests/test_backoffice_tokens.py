"""Enrolment tokens are typed on a command line: they must never look like an option."""

from __future__ import annotations

import re

from backoffice.enrolment import enrolment_token
from kiosk.cli import build_parser


def test_tokens_are_unique_readable_and_never_start_with_a_dash():
    tokens = [enrolment_token() for _ in range(500)]
    assert len(set(tokens)) == 500
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){5}", t) for t in tokens)


def test_the_provision_command_line_takes_any_token():
    for _ in range(50):
        token = enrolment_token()
        args = build_parser().parse_args(
            ["provision", "--backoffice", "http://127.0.0.1:8000", "--token", token]
        )
        assert args.token == token
