"""``kiosk devices scan | read-id | read-sscard``: technicians' commands for the identity readers.

Output is masked unless ``--reveal``: the technician may be standing next to the
citizen whose card is on the reader. Failures print one clear line (the error's
English text and its key) and exit non-zero.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

from kiosk.cli import CliError

FIELDS = (
    "card_type",
    "name",
    "id_number",
    "gender",
    "nation",
    "birth_date",
    "address",
    "authority",
    "valid_from",
    "valid_to",
)


def register(subparsers) -> None:
    scan = subparsers.add_parser("scan", help="list serial ports and PC/SC readers and what answers on each")
    scan.add_argument("--port", action="append", default=[], help="also probe this serial port (repeatable)")
    scan.add_argument("--json", action="store_true", help="machine-readable output")
    scan.set_defaults(handler=cmd_scan)

    read_id = subparsers.add_parser("read-id", help="read one resident ID card from a SAM reader")
    read_id.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0 (or a pyserial URL)")
    read_id.add_argument(
        "--baud",
        type=int,
        choices=(115200, 57600, 38400, 19200, 9600),
        help="line speed (default: probe the five rates)",
    )
    read_id.add_argument("--json", action="store_true", help="print the fields as JSON")
    read_id.add_argument("--reveal", action="store_true", help="print personal data unmasked")
    read_id.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    read_id.set_defaults(handler=cmd_read_id)

    read_ss = subparsers.add_parser("read-sscard", help="read one social-security card from a PC/SC reader")
    read_ss.add_argument("--reader", help="PC/SC reader name (substring; default: the first reader)")
    read_ss.add_argument("--json", action="store_true", help="print the fields as JSON")
    read_ss.add_argument("--reveal", action="store_true", help="print personal data unmasked")
    read_ss.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    read_ss.set_defaults(handler=cmd_read_sscard)


@cache
def _texts() -> dict:
    path = Path(__file__).resolve().parents[2] / "assets" / "i18n" / "idcard_keys.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_ASK_STAFF = re.compile(r"\s*[^.]*\bask staff\b[^.]*\.?\s*$", re.IGNORECASE)


def describe(error) -> str:
    """'<English text> [key] (technician detail)' for a DeviceError.

    The texts are written for citizens; the sentence sending them to staff is dropped, since the reader of
    this line is the staff."""
    key = getattr(error, "key", "error.device.generic")
    text = _ASK_STAFF.sub("", _texts().get(key, {}).get("en", key)).rstrip(" ,") or key
    detail = getattr(error, "detail", "")
    return f"{text} [{key}]" + (f" ({detail})" if detail else "")


def identity_fields(identity, reveal: bool) -> dict:
    """The fields to print; name, number and address masked unless ``reveal``."""
    from common.card_tables import GENDERS_EN
    from drivers.identity import display_text

    fields = {name: getattr(identity, name) for name in FIELDS}
    if fields["gender"] in GENDERS_EN:  # a technician reads "male", not the GB/T 2261.1 code "1"
        fields["gender"] = f"{GENDERS_EN[fields['gender']]} ({fields['gender']})"
    if not reveal:
        fields["name"] = identity.masked_name
        fields["id_number"] = identity.masked_id_number
        fields["address"] = fields["address"][:6] + ("…" if len(fields["address"]) > 6 else "")
        fields["birth_date"] = fields["birth_date"][:4] + "****" if fields["birth_date"] else ""
    extra = {k: v for k, v in identity.extra.items() if isinstance(v, str | int | list)}
    if not reveal:
        extra = {
            k: v
            for k, v in extra.items()
            if k in ("version", "nation_code", "rare_characters", "card_version", "renewal_count")
        }
    fields.update({f"extra.{k}": v for k, v in extra.items()})
    fields = {k: display_text(v) if isinstance(v, str) else v for k, v in fields.items()}
    fields["photo_bytes"] = len(identity.photo or b"")
    return fields


def _print_identity(identity, args) -> None:
    fields = identity_fields(identity, args.reveal)
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, indent=2))
        return
    width = max(len(k) for k in fields)
    for key, value in fields.items():
        print(f"{key:<{width}}  {value}")
    if not args.reveal:
        print("(masked; --reveal prints the personal data)", file=sys.stderr)


def cmd_read_id(args) -> int:
    from drivers.base import DeviceError
    from drivers.idcard.probe import probe_port
    from drivers.idcard.reader import IdCardReader

    baud = args.baud
    if baud is None:
        found = probe_port(args.port)
        if not found.found:
            raise CliError(
                f"no SAM module answers on {args.port} at any of 115200/57600/38400/19200/9600 baud "
                f"({found.detail})"
            )
        baud = found.baud
    reader = IdCardReader(args.port, baud)
    try:
        identity = reader.read_card(timeout=args.timeout)
    except DeviceError as exc:
        raise CliError(f"read-id on {args.port}: {describe(exc)}") from None
    finally:
        reader.close()
    _print_identity(identity, args)
    return 0


def cmd_read_sscard(args) -> int:
    from drivers.base import DeviceError
    from drivers.sscard.reader import SsCardReader

    reader = SsCardReader(args.reader)
    try:
        identity = reader.read_card(timeout=args.timeout)
    except DeviceError as exc:
        raise CliError(f"read-sscard: {describe(exc)}") from None
    _print_identity(identity, args)
    return 0


def scan_pcsc() -> list[dict]:
    """Every PC/SC reader, whether a card is in it, and whether the card answers as a social-security card."""
    from drivers.sscard.errors import SsCardError
    from drivers.sscard.reader import PcscContext

    try:
        context = PcscContext()
    except SsCardError as exc:
        return [{"reader": None, "error": describe(exc)}]
    except ImportError:
        return [{"reader": None, "error": "pyscard is not installed"}]
    rows = []
    try:
        for reader in context.readers():
            row: dict = {"reader": reader, "card": False}
            s = context.scard
            hresult, states = s.SCardGetStatusChange(context.handle, 0, [(reader, s.SCARD_STATE_UNAWARE)])
            if hresult == s.SCARD_S_SUCCESS and states[0][1] & s.SCARD_STATE_PRESENT:
                row["card"] = True
                row["atr"] = bytes(states[0][2]).hex(" ").upper()
                row["answer"] = _probe_sscard(context, reader)
            rows.append(row)
    finally:
        context.release()
    return rows


def _probe_sscard(context, reader: str) -> str:
    from drivers.sscard import apdu as a
    from drivers.sscard.card import SsCard
    from drivers.sscard.errors import SsCardError

    s = context.scard
    hresult, hcard, protocol = s.SCardConnect(
        context.handle, reader, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
    )
    if hresult != s.SCARD_S_SUCCESS:
        return f"connect failed: {s.SCardGetErrorMessage(hresult)}"
    s.SCardBeginTransaction(hcard)
    try:
        card = SsCard(lambda apdu: bytes(s.SCardTransmit(hcard, protocol, list(apdu))[1]))
        card.select_application()
        card.select_file(a.EF05)
        version, _sw = card.read_item(0x03, 4)
        return f"social security card, version {a.decode_an(version) if version else '?'}"
    except SsCardError as exc:
        return describe(exc)
    finally:
        s.SCardEndTransaction(hcard, s.SCARD_LEAVE_CARD)
        s.SCardDisconnect(hcard, s.SCARD_LEAVE_CARD)


def cmd_scan(args) -> int:
    from drivers.idcard.probe import candidate_ports, probe

    ports = candidate_ports() + [p for p in args.port if p not in candidate_ports()]
    serial_rows = [
        {"port": r.port, "baud": r.baud, "sam_id": r.sam_id, "detail": r.detail} for r in probe(ports)
    ]
    pcsc_rows = scan_pcsc()
    if args.json:
        print(json.dumps({"serial": serial_rows, "pcsc": pcsc_rows}, ensure_ascii=False, indent=2))
        return 0
    print("Serial ports (SAM ID-card modules):")
    if not serial_rows:
        print("  (no serial ports found)")
    for row in serial_rows:
        if row["baud"]:
            print(f"  {row['port']}: SAM module at {row['baud']} baud, SAM id {row['sam_id'] or '?'}")
        else:
            print(f"  {row['port']}: no SAM module ({row['detail']})")
    print("PC/SC readers (social-security cards):")
    for row in pcsc_rows:
        if row.get("reader") is None:
            print(f"  {row['error']}")
        elif row["card"]:
            print(f"  {row['reader']}: card {row['atr']} - {row['answer']}")
        else:
            print(f"  {row['reader']}: no card")
    if not pcsc_rows:
        print("  (no readers)")
    return 0
