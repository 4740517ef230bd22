"""Unpack a bundle archive without trusting it: every bound is checked while streaming, before tarfile parses.

``tarfile`` reads a PAX or GNU long-name header whole into memory, so a 1 MiB gzip holding a 1 GiB PAX
header exhausts the terminal before any signature is looked at. So a first pass reads the raw 512-byte
headers from the decompressed stream in small chunks and refuses: an unknown compression, a corrupt or
truncated stream (``EOFError`` and ``zlib.error`` were uncaught before), a header record larger than
:data:`MAX_HEADER_BYTES`, a member type other than a file or directory, a file larger than the bundle,
more members or more decompressed bytes than the bounds. Only then does ``tarfile`` extract, with the
``data`` filter, what the first pass has already bounded.
"""

from __future__ import annotations

import gzip
import tarfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flows.bundles.errors import MANIFEST, MAX_FILES, BundleRefused
from wire.limits import MAX_BUNDLE_BYTES, MAX_MANIFEST_BYTES

BLOCK = 512
MAX_HEADER_BYTES = 64 * 1024  # a PAX / GNU long-name record; real ones are a few hundred bytes
MAX_MEMBERS = MAX_FILES + 200  # files plus their directories
_FILE_TYPES = {b"0", b"\0", b"7"}
_DIR_TYPES = {b"5"}
_HEADER_TYPES = {b"x", b"g", b"L", b"K"}  # extended headers and long names: data read into memory


def _open_stream(archive: Path) -> BinaryIO:
    with archive.open("rb") as probe:
        magic = probe.read(262)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(archive, "rb")  # type: ignore[return-value]
    if len(magic) >= 262 and magic[257:262] == b"ustar":
        return archive.open("rb")
    if magic[:3] == b"BZh" or magic[:6] == b"\xfd7zXZ\x00" or magic[:4] == b"\x28\xb5\x2f\xfd":
        raise BundleRefused("bad_compression", "only .tar and .tar.gz bundles are taken")
    raise BundleRefused("corrupt_archive", "not a tar or tar.gz archive")


def _octal(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # base-256: only for sizes beyond any bound here
        raise BundleRefused("oversized", "a member size in base-256 notation")
    text = field.split(b"\0", 1)[0].strip(b" \0")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise BundleRefused("corrupt_archive", "a tar header with an unreadable size") from None


def _checksums(header: bytes) -> tuple[int, int]:
    """The header's checksum as tar computes it (checksum field as spaces), unsigned and signed bytes."""
    blanked = header[:148] + b" " * 8 + header[156:]
    return sum(blanked), sum(b - 256 if b > 127 else b for b in blanked)


def _skip(stream: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 65536))
        if not chunk:
            raise BundleRefused("corrupt_archive", "the archive ends inside a member")
        count -= len(chunk)


def _drain(stream: BinaryIO, limit: int) -> None:
    while chunk := stream.read(65536):
        limit -= len(chunk)
        if limit < 0:
            raise BundleRefused("oversized", "archive larger than the bundle bound")


def prescan(archive: Path, max_bytes: int = MAX_BUNDLE_BYTES) -> int:
    """Check an archive's structure in bounded memory; returns the member count. Raises BundleRefused."""
    budget = max_bytes + 2 * MAX_MANIFEST_BYTES
    members = total = 0
    try:
        with _open_stream(archive) as stream:
            while True:
                header = stream.read(BLOCK)
                if len(header) < BLOCK:
                    raise BundleRefused("corrupt_archive", "the archive is truncated")
                if header == b"\0" * BLOCK:
                    _drain(stream, budget)  # to the end, so gzip checks its CRC and length
                    return members
                if _octal(header[148:156]) not in _checksums(header):
                    raise BundleRefused("corrupt_archive", "a tar header checksum does not match")
                kind, size = header[156:157], _octal(header[124:136])
                padded = (size + BLOCK - 1) // BLOCK * BLOCK
                if kind in _HEADER_TYPES:
                    if size > MAX_HEADER_BYTES:
                        raise BundleRefused("oversized", f"a {size}-byte tar header record")
                    record = stream.read(padded)
                    if len(record) < padded:
                        raise BundleRefused("corrupt_archive", "the archive ends inside a header record")
                    if kind in (b"x", b"g") and (b" size=" in record or b"GNU.sparse" in record):
                        raise BundleRefused("malformed", "a PAX header overriding a member's size")
                    continue
                elif kind in _FILE_TYPES or kind in _DIR_TYPES:
                    members += 1
                    total += size
                    if members > MAX_MEMBERS:
                        raise BundleRefused("oversized", f"more than {MAX_MEMBERS} archive members")
                    if size > max_bytes or total > budget:
                        raise BundleRefused("oversized", "archive larger than the bundle bound")
                else:
                    raise BundleRefused("malformed", f"archive member type {kind!r} not allowed")
                _skip(stream, padded)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BundleRefused("corrupt_archive", f"{type(exc).__name__}: {exc}"[:200]) from None


def extract_archive(archive: Path, target: Path, max_bytes: int = MAX_BUNDLE_BYTES) -> Path:
    """Unpack a .tar/.tar.gz bundle safely (regular files and directories only, bounded everything)."""
    prescan(archive, max_bytes)
    try:
        with tarfile.open(archive) as tar:
            members = []
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
                    raise BundleRefused("malformed", f"archive member {member.name[:80]!r} not allowed")
                members.append(member)
            tar.extractall(target, members=members, filter="data")
    except (EOFError, zlib.error, gzip.BadGzipFile, tarfile.TarError) as exc:
        raise BundleRefused("corrupt_archive", f"{type(exc).__name__}: {exc}"[:200]) from None
    entries = list(target.iterdir())
    if not (target / MANIFEST).is_file() and len(entries) == 1 and entries[0].is_dir():
        return entries[0]  # archived with a top directory
    return target
