"""The SAM simulator's parts on their own: the card state machine without a pty, the cards file, and the
standalone command (its own cards file, no back-office demo data)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard import protocol as p
from drivers.idcard.parser import parse_text
from drivers.idcard.simulator import load_cards
from drivers.idcard.simulator.faults import Fault, FaultQueue, damage
from drivers.idcard.simulator.sam import CardState, SamModule
from kiosk.cli import main
from tests.fixtures.identity import make_test_cards

ROOT = Path(__file__).resolve().parents[1]


def ask(sam: SamModule, command: tuple[int, int]) -> p.Reply:
    frame = sam.reply(p.Request(command))
    (body,) = p.FrameDecoder().feed(frame)
    return p.parse_reply_body(body)


def test_state_machine_reads_a_card_once_until_it_is_lifted():
    sam, card = SamModule(), make_test_cards()[0]
    assert ask(sam, p.FIND_CARD).status == 0x80  # empty reader
    assert sam.place(card) and not sam.place(make_test_cards()[1])  # a second card is ignored
    assert ask(sam, p.READ_BASE).status == 0x41  # not selected yet
    assert ask(sam, p.FIND_CARD).status == p.STATUS_FIND_OK and sam.state is CardState.FOUND
    assert ask(sam, p.SELECT_CARD).status == p.STATUS_OK and sam.state is CardState.SELECTED
    reply = ask(sam, p.READ_BASE)
    assert reply.status == p.STATUS_OK and sam.state is CardState.READ
    assert parse_text(p.split_base_message(reply.data).text).id_number == card["id_number"]
    assert ask(sam, p.FIND_CARD).status == 0x80  # halted: a read card is not found again
    assert ask(sam, p.READ_NEW_ADDRESS).status == p.STATUS_ITEM_EMPTY
    sam.lift()
    assert not sam.card_present and sam.state is CardState.IDLE
    assert ask(sam, p.SELECT_CARD).status == 0x81
    assert ask(sam, p.READ_SAM_ID).data == bytes.fromhex("0501000000000000123456780000abcd")


def test_old_module_refuses_a_foreigner_card():
    sam = SamModule(old_module=True)
    sam.place(make_test_cards()[3])
    ask(sam, p.FIND_CARD)
    ask(sam, p.SELECT_CARD)
    assert ask(sam, p.READ_BASE).status == 0x40
    sam.old_module = False
    assert ask(sam, p.READ_BASE).status == p.STATUS_OK


def test_faults_count_down_and_damage_the_reply():
    queue = FaultQueue()
    queue.inject("truncated", times=2, command=p.READ_BASE)
    assert queue.take(p.FIND_CARD) is None
    assert queue.take(p.READ_BASE).kind == "truncated"
    assert queue.take(p.READ_BASE).kind == "truncated"
    assert queue.take(p.READ_BASE) is None
    with pytest.raises(ValueError, match="unknown fault"):
        queue.inject("smoke")
    reply = p.encode_reply(p.STATUS_OK, bytes(100))
    assert damage(Fault("bad_checksum"), reply, random.Random(1))[:-1] == reply[:-1]
    assert damage(Fault("bad_checksum"), reply, random.Random(1))[-1] != reply[-1]
    assert len(damage(Fault("lift_mid_read"), reply, random.Random(1))) == len(reply) // 3


def test_a_bad_cards_file_is_refused_on_load_without_personal_data(tmp_path):
    path = tmp_path / "cards.json"
    cards = make_test_cards()[:2]
    path.write_text(json.dumps(cards, ensure_ascii=False), encoding="utf-8")
    assert load_cards(path) == cards
    for content, expected in (
        (json.dumps({"a": 1}), "expected a JSON list"),
        ("[1]", "card 0 is not an object"),
        ("[{", "not JSON"),
        (
            json.dumps(cards + [{**cards[0], "card_type": "passport"}], ensure_ascii=False),
            "card 2: unknown card type",
        ),
    ):
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ValueError, match=expected) as caught:
            load_cards(path)
        assert cards[0]["name"] not in str(caught.value) and cards[0]["id_number"] not in str(caught.value)
    with pytest.raises(ValueError, match="cannot read"):
        load_cards(tmp_path / "missing.json")


def _no_backoffice_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which importing the back office fails: the simulator must not need it.

    Run the child in ``tmp_path``: ``python -m`` puts the working directory first on the path."""
    trap = tmp_path / "trap" / "backoffice"
    trap.mkdir(parents=True)
    (trap / "__init__.py").write_text("raise ImportError('the simulator imported the back office')\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(trap.parent), str(ROOT)])}


def _start_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "drivers.idcard.simulator", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serves_the_cards_of_its_file(tmp_path, capsys):
    path = tmp_path / "cards.json"
    card = make_test_cards()[3]
    path.write_text(json.dumps([card], ensure_ascii=False), encoding="utf-8")
    link = tmp_path / "ttySAM0"
    child = _start_cli(
        ["--cards", str(path), "--link", str(link), "--place", "0"], _no_backoffice_env(tmp_path), tmp_path
    )
    try:
        assert child.stdout.readline().strip() == str(link)
        assert main(["devices", "read-id", "--port", str(link), "--json", "--reveal"]) == 0
        assert json.loads(capsys.readouterr().out)["id_number"] == card["id_number"]
    finally:
        child.terminate()
        child.wait(timeout=5)


def test_cli_without_cards_serves_an_empty_reader(tmp_path, capsys):
    link = tmp_path / "ttySAM0"
    child = _start_cli(["--link", str(link)], _no_backoffice_env(tmp_path), tmp_path)
    try:
        assert child.stdout.readline().strip() == str(link)
        assert main(["devices", "read-id", "--port", str(link), "--timeout", "0.3"]) == 1
        assert "error.idcard.no_card" in capsys.readouterr().err
    finally:
        child.terminate()
        child.wait(timeout=5)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--place", "0"], "there are 0 cards"),
        (["--cards", "/nonexistent/cards.json"], "cannot read"),
    ],
)
def test_cli_errors_are_one_line_and_non_zero(tmp_path, args, message):
    child = subprocess.run(
        [sys.executable, "-m", "drivers.idcard.simulator", "--link", str(tmp_path / "tty"), *args],
        cwd=tmp_path,
        env=_no_backoffice_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert child.returncode == 2
    assert message in child.stderr and len(child.stderr.strip().splitlines()) == 1
    assert "Traceback" not in child.stderr
