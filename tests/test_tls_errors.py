"""``kiosk provision`` says what is wrong with the back office's certificate, not only "does not match".

A small TLS server (standard library) presents certificates with one fault each: a name missing from the
subjectAltName, an expired one, another self-signed one than the pinned one.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.sync.tls import describe_tls_error


def _certificate(
    directory: Path, name: str, *, san_ip: bool = True, expired: bool = False
) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "backoffice.test")])
    now = datetime.datetime.now(datetime.UTC)
    start, end = (
        (now - datetime.timedelta(days=60), now - datetime.timedelta(days=1))
        if expired
        else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
    )
    names: list[x509.GeneralName] = [x509.DNSName("backoffice.test")]
    if san_ip:
        names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _serve_tls(cert: Path, key: Path) -> Iterator[int]:
    """Accept TLS handshakes on 127.0.0.1 until the test ends; yields the port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused us: that is the point

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    return {
        "good": _certificate(tmp_path, "good"),
        "no_ip": _certificate(tmp_path, "no-ip", san_ip=False),
        "expired": _certificate(tmp_path, "expired", expired=True),
        "other": _certificate(tmp_path, "other"),
    }


@pytest.mark.parametrize(
    ("presented", "pinned", "expected"),
    [
        ("no_ip", "no_ip", "does not name this"),
        ("expired", "expired", "has expired"),
        ("good", "other", "does not match the pinned one"),
    ],
)
def test_provision_names_the_tls_problem(tmp_path, certs, capsys, presented, pinned, expected):
    for port in _serve_tls(*certs[presented]):
        status = main(
            [
                "provision",
                "--backoffice",
                f"https://127.0.0.1:{port}",
                "--token",
                "t",
                "--server-cert",
                str(certs[pinned][0]),
                "--data-dir",
                str(tmp_path / "kiosk"),
            ]
        )
        assert status == 1
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1 and "nothing was written" in err
        assert not (tmp_path / "kiosk").exists()


def test_describe_reads_the_verification_code_and_falls_back_to_the_text():
    error = ssl.SSLCertVerificationError(1, "certificate verify failed: Hostname mismatch")
    assert "subjectAltName" in describe_tls_error(error)
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = error
    assert "subjectAltName" in describe_tls_error(wrapped)
    assert "TLS handshake failed (ValueError)" in describe_tls_error(ValueError("x"))


def test_the_sync_transport_logs_a_tls_refusal_as_a_warning(tmp_path, certs, caplog):
    import logging

    from kiosk.sync.credentials import Credentials
    from kiosk.sync.transport import Signer, Transport, Unreachable

    for port in _serve_tls(*certs["expired"]):
        credentials = Credentials("T-1", "s", server_cert=str(certs["expired"][0]))
        transport = Transport(f"https://127.0.0.1:{port}", Signer(credentials))
        with caplog.at_level(logging.INFO), pytest.raises(Unreachable) as info:
            transport.call("GET", "/api/v1/config")
        transport.close()
        assert info.value.code == "tls" and "expired" in str(info.value)
        [record] = [r for r in caplog.records if "TLS refused" in r.getMessage()]
        assert record.levelno == logging.WARNING and "expired" in record.getMessage()
