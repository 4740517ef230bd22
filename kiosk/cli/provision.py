"""``kiosk provision``: what a technician runs once at a new terminal to enrol it with the back office.

    kiosk provision --backoffice URL --token TOKEN [--terminal-id ID] [--group G]
                    [--server-cert PEM] [--data-dir DIR | --config FILE] [--owner USER] [--force]

It checks everything on this machine first (the data directory can be made and written, the certificate
read, the owner exists), then spends the one-time token, then writes into the data directory (mode 0700, files 0600, handed to
``--owner``, by default the ``kiosk`` user when run as root and that user exists):

* ``credentials.json`` — terminal id, secret, group, back-office URL, path of the pinned certificate;
* ``server-cert.pem`` — the back office's certificate, the only one trusted for an https URL;
* ``trust/bundle_root_keys.json`` — the flow bundles' root keys and threshold handed out at enrolment,
  where ``flows.bundles.BundleManager`` reads them.

A wrong, used or expired token, an unreachable back office or a certificate that does not match is
refused with one clear line and nothing is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
from pathlib import Path
from typing import Any

import requests

from kiosk.cli import CliError

DEFAULT_DATA_DIR = Path("/var/lib/kiosk")

_REFUSALS = {
    "enrol.token_unknown": "the back office does not know this token (mistyped, or from another back office?)",
    "enrol.token_used": "this token was already used; ask the operator for a new one",
    "enrol.token_expired": "this token has expired; ask the operator for a new one",
    "enrol.terminal_mismatch": "this token was issued for another terminal id",
    "enrol.group_mismatch": "this token was issued for another group",
    "enrol.terminal_exists": "a terminal with this id is already enrolled; ask the operator to re-issue for it",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("provision", help="enrol this terminal with the back office (technicians)")
    parser.add_argument(
        "--backoffice", required=True, metavar="URL", help="the back office, http(s)://host:port"
    )
    parser.add_argument("--token", required=True, help="the one-time enrolment token from the operator")
    parser.add_argument(
        "--terminal-id", help="this terminal's id, if the operator did not fix it in the token"
    )
    parser.add_argument("--group", help="the terminal group (must match the token's)")
    parser.add_argument(
        "--server-cert",
        type=Path,
        metavar="PEM",
        help="the back office's certificate to pin (required for https)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help=f"where the kiosk keeps its data (default {DEFAULT_DATA_DIR})"
    )
    parser.add_argument("--config", type=Path, help="take the data directory from this kiosk configuration")
    parser.add_argument(
        "--owner", help="the user the kiosk runs as (default: 'kiosk' if it exists and we are root)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing enrolment")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument(
        "--maintenance-pin",
        metavar="PIN",
        help="the PIN of the maintenance screen, 6 to 12 digits (stored hashed)",
    )
    parser.set_defaults(handler=run_provision)


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return args.data_dir
    if args.config:
        from kiosk.config import ConfigError, load_config

        try:
            return Path(load_config(args.config).data_dir)
        except ConfigError as exc:
            raise CliError(f"configuration error: {exc}", status=2) from None
    return DEFAULT_DATA_DIR


def _owner(name: str | None) -> tuple[int, int] | None:
    if name is None:
        if os.geteuid() != 0:
            return None
        name = "kiosk"
        try:
            pwd.getpwnam(name)
        except KeyError:
            return None
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        raise CliError(f"no such user: {name}", status=2) from None
    return user.pw_uid, user.pw_gid


def _certificate(path: Path | None, url: str) -> tuple[str | None, str | None]:
    """The PEM text to pin and its SHA-256 fingerprint."""
    if not url.startswith("https://"):
        if path:
            raise CliError("--server-cert is only for an https:// back office", status=2)
        return None, None
    if path is None:
        raise CliError("an https:// back office needs --server-cert PEM: its certificate is pinned", status=2)
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        pem = path.read_bytes()
        cert = x509.load_pem_x509_certificate(pem)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the server certificate {path}: {exc}", status=2) from None
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return pem.decode(), fingerprint


def _enrol(url: str, body: dict[str, Any], cert_file: Path | None) -> dict[str, Any]:
    session = requests.Session()
    if cert_file is not None:
        from kiosk.sync.transport import _PinnedAdapter

        session.verify = str(cert_file)
        session.mount("https://", _PinnedAdapter(str(cert_file)))
    try:
        answer = session.post(url + "/api/v1/enrol", json=body, timeout=(5, 30))
    except requests.exceptions.SSLError as exc:
        from kiosk.sync.tls import describe_tls_error

        raise CliError(f"TLS refused {url}: {describe_tls_error(exc)}; nothing was written") from None
    except requests.RequestException as exc:
        raise CliError(f"cannot reach the back office at {url}: {type(exc).__name__}") from None
    try:
        data = answer.json()
    except ValueError:
        data = None
    if answer.status_code != 200 or not isinstance(data, dict):
        code = data.get("error", "") if isinstance(data, dict) else ""
        reason = _REFUSALS.get(code) or (f"the request was not accepted ({code or answer.status_code})")
        raise CliError(f"enrolment refused: {reason}")
    if not all(isinstance(data.get(k), str) for k in ("terminal_id", "secret", "group")):
        raise CliError("the back office's answer is not an enrolment; is the URL right?")
    return data


def _check_root_keys(enrolment: dict[str, Any]) -> None:
    keys = enrolment.get("bundle_root_keys") or []
    if not keys:
        return
    from flows.bundles import RootKeys

    try:
        RootKeys.from_json({"keys": keys, "threshold": enrolment.get("bundle_root_threshold") or 1})
    except (ValueError, TypeError, KeyError) as exc:
        raise CliError(
            f"the back office handed out unusable bundle root keys ({exc}); the token is spent, "
            "ask the operator to fix the keys and issue a new one"
        ) from None


def run_provision(args: argparse.Namespace) -> int:
    from kiosk.sync.credentials import CREDENTIALS_FILE

    url = args.backoffice.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError("--backoffice must be an http:// or https:// URL", status=2)
    data_dir = _data_dir(args).resolve()
    owner = _owner(args.owner)
    _check_local(data_dir, owner)
    if (data_dir / CREDENTIALS_FILE).exists() and not args.force:
        raise CliError(
            f"this terminal is already enrolled ({data_dir / CREDENTIALS_FILE}); use --force to replace",
            status=2,
        )
    if args.maintenance_pin is not None and not (
        args.maintenance_pin.isascii()
        and args.maintenance_pin.isdigit()
        and 6 <= len(args.maintenance_pin) <= 12
    ):
        raise CliError("--maintenance-pin must be 6 to 12 digits", status=2)
    pem, fingerprint = _certificate(args.server_cert, url)
    body = {
        "token": args.token,
        **({"terminal_id": args.terminal_id} if args.terminal_id else {}),
        **({"group": args.group} if args.group else {}),
    }
    enrolment = _enrol(url, body, args.server_cert)
    _check_root_keys(enrolment)
    try:
        return _write_and_report(args, url, data_dir, owner, enrolment, pem, fingerprint)
    except OSError as exc:  # checked beforehand, so only a race or a full disk lands here: still one line
        raise CliError(
            f"enrolled as {enrolment['terminal_id']} but could not write {exc.filename or data_dir}: "
            f"{exc.strerror or type(exc).__name__}; the token is spent, ask the operator for a new one"
        ) from None


def _check_local(data_dir: Path, owner: tuple[int, int] | None) -> None:
    """Everything that could fail on this machine, checked before the one-time token is spent."""
    if data_dir.exists() and not data_dir.is_dir():
        raise CliError(f"{data_dir} exists and is not a directory; nothing was written", status=2)
    existing = data_dir
    while not existing.exists():  # the directory is made with its parents: the nearest existing one counts
        existing = existing.parent
    if not existing.is_dir():
        raise CliError(
            f"cannot make {data_dir}: {existing} is not a directory; nothing was written", status=2
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CliError(
            f"cannot write in {existing} (run as root or as its owner); nothing was written", status=2
        )
    trust = data_dir / "trust"  # where the bundle root keys go (flows.bundles.ROOT_KEYS_FILE)
    if trust.exists() and not trust.is_dir():
        raise CliError(f"{trust} exists and is not a directory; nothing was written", status=2)
    if owner is not None and os.geteuid() != 0 and owner[0] != os.geteuid():
        raise CliError("--owner needs root (files are handed to that user); nothing was written", status=2)


def _write_and_report(
    args: argparse.Namespace,
    url: str,
    data_dir: Path,
    owner: tuple[int, int] | None,
    enrolment: dict[str, Any],
    pem: str | None,
    fingerprint: str | None,
) -> int:
    from flows.bundles import ROOT_KEYS_FILE
    from kiosk.sync.credentials import CREDENTIALS_FILE, SERVER_CERT_FILE, Credentials, write_private

    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    if owner:
        os.chown(data_dir, *owner)
    cert_path = None
    if pem is not None:
        cert_path = data_dir / SERVER_CERT_FILE
        write_private(cert_path, pem, owner)
    keys = list(enrolment.get("bundle_root_keys") or [])
    root = {
        "threshold": int(enrolment.get("bundle_root_threshold") or 1),
        "keys": keys,
        "version": int(enrolment.get("bundle_root_version") or 1),
    }
    if keys:
        trust = (data_dir / ROOT_KEYS_FILE).parent
        trust.mkdir(mode=0o700, exist_ok=True)
        if owner:
            os.chown(trust, *owner)
        write_private(data_dir / ROOT_KEYS_FILE, json.dumps(root, indent=1), owner)
    credentials = Credentials.from_enrolment(
        enrolment, base_url=url, server_cert=str(cert_path) if cert_path else None
    )
    credentials.save(data_dir)
    if owner:
        os.chown(data_dir / CREDENTIALS_FILE, *owner)
    if args.maintenance_pin is not None:
        from kiosk.maintenance import set_pin

        pin_path = set_pin(data_dir, args.maintenance_pin)
        if owner:
            os.chown(pin_path, *owner)

    check = _check(credentials)
    if args.json:
        print(
            json.dumps(
                {
                    "terminal_id": credentials.terminal_id,
                    "group": credentials.group,
                    "backoffice": url,
                    "credentials": str(data_dir / CREDENTIALS_FILE),
                    "pinned_cert": str(cert_path or "") or None,
                    "cert_sha256": fingerprint,
                    "bundle_root_keys": len(keys),
                    "maintenance_pin": args.maintenance_pin is not None,
                    "check": check,
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"enrolled terminal {credentials.terminal_id} (group {credentials.group}) with {url}")
    print(
        f"  credentials    {data_dir / CREDENTIALS_FILE} (mode 0600"
        f"{', owner ' + pwd.getpwuid(owner[0]).pw_name if owner else ''})"
    )
    print(
        "  maintenance    "
        + (
            "PIN stored hashed"
            if args.maintenance_pin is not None
            else "no PIN: set one with `kiosk maintenance-pin`"
        )
    )
    if cert_path:
        print(f"  pinned cert    {cert_path} (sha256 {fingerprint})")
    if keys:
        print(
            f"  bundle keys    {data_dir / ROOT_KEYS_FILE} ({len(keys)} root key{'s' if len(keys) != 1 else ''}"
            f" pinned, threshold {root['threshold']})"
        )
    else:
        print(
            "  bundle keys    none from the back office: flow updates will be refused until keys are pinned"
        )
    print(f"  check          {check}")
    return 0


def _check(credentials) -> str:
    """One signed request with the new credentials, so the technician knows the link works."""
    from kiosk.sync.transport import Signer, Transport, TransportError

    transport = Transport(credentials.base_url, Signer(credentials), timeout=(5, 15))
    try:
        transport.call("GET", "/api/v1/config")
    except TransportError as exc:
        return f"signed request failed: {exc} (the enrolment is saved)"
    finally:
        transport.close()
    return "signed request accepted"
