"""The SAM frame format and status mapping (pure functions, no I/O)."""

from __future__ import annotations

import pytest

from drivers.base import DeviceError
from drivers.idcard import errors as e
from drivers.idcard import protocol as p

STATUSES = [0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80, 0x81, 0x91]


def test_find_card_request_matches_reference():
    assert p.encode_request(p.FIND_CARD) == bytes.fromhex("AAAAAA9669000320 0122".replace(" ", ""))


def test_sam_status_reply_matches_reference():
    assert p.encode_reply(p.STATUS_OK) == bytes.fromhex("AAAAAA96690004000090 94".replace(" ", ""))


def test_every_command_encodes_with_length_and_checksum():
    for command in p.COMMAND_NAMES:
        data = b"\x50" if command == p.SET_MAX_RF else b""
        frame = p.encode_request(command, data)
        assert frame.startswith(p.PREAMBLE)
        assert int.from_bytes(frame[5:7], "big") == len(frame) - 7
        assert p.checksum(frame[5:-1]) == frame[-1]
        assert p.parse_request_body(p.decode_frame(frame)) == p.Request(command, data)


def test_decoder_resynchronises_on_garbage_and_partial_preambles():
    frame = p.encode_reply(p.STATUS_OK, b"\x01\x02")
    decoder = p.FrameDecoder()
    stream = b"\x00\xff\xaa\xaa\x96\xaa\xaa\xaa\x96" + frame + b"\x13" + frame
    results = []
    for byte in stream:  # byte by byte, as a slow line delivers it
        results += decoder.feed(bytes([byte]))
    bodies = [r for r in results if isinstance(r, bytes)]
    assert bodies == [frame[7:-1], frame[7:-1]]
    assert decoder.skipped >= 9


def test_decoder_reports_checksum_errors_and_never_returns_the_body():
    frame = bytearray(p.encode_reply(p.STATUS_OK, b"abc"))
    frame[-1] ^= 0xFF
    results = p.FrameDecoder().feed(bytes(frame))
    assert any(isinstance(r, e.ChecksumError) for r in results)
    assert not any(isinstance(r, bytes) for r in results)
    with pytest.raises(e.ChecksumError):
        p.decode_frame(bytes(frame))


def test_decoder_rejects_impossible_lengths_and_truncation():
    with pytest.raises(e.FrameError):
        p.decode_frame(p.PREAMBLE + b"\xff\xff" + bytes(10))
    with pytest.raises(e.FrameError):
        p.decode_frame(p.encode_reply(p.STATUS_OK, bytes(20))[:-3])
    decoder = p.FrameDecoder()
    decoder.feed(p.PREAMBLE)
    assert decoder.bytes_needed() == 2
    decoder.feed(b"\x00\x10")
    assert decoder.bytes_needed() == 16


def test_base_message_split_and_build():
    text, photo = bytes(range(256)), bytes(1024)
    data = p.build_base_message(text, photo)
    assert len(p.encode_reply(p.STATUS_OK, data)) == 1295  # the reference's frame size
    message = p.split_base_message(data)
    assert (message.text, message.photo, message.fingerprint) == (text, photo, b"")
    fp = p.split_base_message(p.build_base_message(text, photo, b"\x01" * 1024), with_fingerprint=True)
    assert fp.fingerprint == b"\x01" * 1024
    empty_fp = p.split_base_message(p.build_base_message(text, photo, b""), with_fingerprint=True)
    assert empty_fp.fingerprint == b"" and empty_fp.text == text
    with pytest.raises(e.FrameError):
        p.split_base_message(data[:500])


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_maps_to_a_typed_error_with_a_key(status):
    error = e.status_error(status)
    assert isinstance(error, e.StatusError) and isinstance(error, DeviceError)
    assert type(error) is not e.UnknownStatus
    assert error.status == status
    assert error.key.startswith("error.idcard.")
    with pytest.raises(type(error)):
        p.Reply(0, 0, status).raise_for_status()


def test_status_keys_are_distinct_and_unknown_status_is_typed():
    keys = {e.status_error(s).key for s in STATUSES}
    assert len(keys) == len(STATUSES)
    unknown = e.status_error(0x77)
    assert isinstance(unknown, e.UnknownStatus) and unknown.status == 0x77


def test_translation_file_lists_every_key():
    import json
    from pathlib import Path

    texts = json.loads((Path(__file__).parents[1] / "assets/i18n/idcard_keys.json").read_text("utf-8"))
    keys = {e.status_error(s).key for s in STATUSES} | {
        cls.key
        for cls in (
            e.FrameError,
            e.ChecksumError,
            e.NoResponse,
            e.PortError,
            e.CardLifted,
            e.InvalidCardData,
            e.UnknownStatus,
            e.IdCardError,
        )
    }
    missing = keys - set(texts)
    assert not missing
    for key in keys:
        assert texts[key]["zh_CN"] and texts[key]["en"]


def test_wire_time():
    assert p.wire_time(1295, 115200) == pytest.approx(0.112, abs=0.001)
    assert p.wire_time(1295, 9600) == pytest.approx(1.35, abs=0.01)
