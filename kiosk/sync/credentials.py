"""The terminal's enrolment: id, secret, group, pinned server certificate and bundle root keys.

The root keys are also written where the flows' bundle manager reads them (``trust/bundle_root_keys.json``,
``{"threshold": N, "keys": [hex, ...]}``).

Written by ``kiosk provision`` into the kiosk's data directory with mode 0600 (directory 0700), so only
the kiosk's user can read the secret; loaded by the app to build its :class:`kiosk.sync.SyncClient`.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "credentials.json"
SERVER_CERT_FILE = "server-cert.pem"


@dataclass(frozen=True)
class Credentials:
    terminal_id: str
    secret: str = field(repr=False)
    group: str = "default"
    base_url: str = ""
    server_cert: str | None = None  # path of the pinned PEM certificate, for https
    bundle_root_keys: tuple[str, ...] = ()
    bundle_root_threshold: int = 1

    @classmethod
    def from_enrolment(
        cls, enrolment: dict[str, Any], base_url: str = "", server_cert: str | None = None
    ) -> Credentials:
        """From the back office's enrolment answer (``POST /api/v1/enrol``, or ``EmbeddedBackoffice.enrolment``)."""
        return cls(
            terminal_id=enrolment["terminal_id"],
            secret=enrolment["secret"],
            group=enrolment.get("group", "default"),
            base_url=base_url,
            server_cert=server_cert,
            bundle_root_keys=tuple(enrolment.get("bundle_root_keys") or ()),
            bundle_root_threshold=int(enrolment.get("bundle_root_threshold") or 1),
        )

    @classmethod
    def load(cls, directory: Path | str) -> Credentials:
        data = json.loads((Path(directory) / CREDENTIALS_FILE).read_text(encoding="utf-8"))
        data["bundle_root_keys"] = tuple(data.get("bundle_root_keys") or ())
        return cls(**data)

    def save(self, directory: Path | str) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        path = directory / CREDENTIALS_FILE
        write_private(
            path, json.dumps(asdict(self) | {"bundle_root_keys": list(self.bundle_root_keys)}, indent=1)
        )
        return path


def write_private(path: Path, text: str, owner: tuple[int, int] | None = None) -> None:
    """Atomically write a file only its owner can read (and optionally hand it to the kiosk's user)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    if owner is not None:
        os.chown(tmp, *owner)
    os.replace(tmp, path)


def pin_next_certificate(path: Path, pem: Any) -> bool:
    """Add the back office's announced next certificate to the pinned file (kept with the current one, so
    either is trusted across the switch and after a restart). True when it was new and is now pinned."""
    if not isinstance(pem, str):
        return False
    try:
        pinned = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return False
    if pem.strip() in pinned:
        return False
    from cryptography import x509

    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        log.warning("the back office announced an unreadable next certificate; ignored")
        return False
    write_private(path, pinned.rstrip("\n") + "\n" + pem.strip() + "\n")
    log.info("pinned the back office's next certificate")
    return True
