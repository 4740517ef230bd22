"""fsync helpers: a bundle is on disk, whole, before the rename that makes it visible."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb+") as stream:
                os.fsync(stream.fileno())
        elif path.is_dir():
            fsync_dir(path)
    fsync_dir(root)


def make_private(root: Path) -> None:
    """Directories 0700, files 0600 under ``root``: a bundle keeps no modes from where it came (a tar made or a
    stick written under umask 022), so the terminal's data directory stays its user's alone."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one rename, after the bytes are on disk."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    fsync_dir(path.parent)
