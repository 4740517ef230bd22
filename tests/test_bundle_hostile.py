"""Hostile and broken archives: each a recorded refusal that blocks no later bundle, in bounded memory.

Findings of issue 12: a truncated .tar.gz raised an uncaught EOFError and blocked every later bundle; a
1 MiB tar.gz with a huge PAX header exhausted memory before any signature was checked; a billion-laughs
YAML inside a signed bundle ran into MemoryError after 34 s.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from flows import bundles
from flows.bundles import BundleManager
from tests.test_flows_bundles import FLOWS_SRC, Events, keys, make_bundle, reseal, write_root  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


@pytest.fixture
def terminal(tmp_path: Path, keys) -> tuple[BundleManager, Events]:  # noqa: F811
    write_root(tmp_path / "data", keys[:1])
    events = Events()
    return BundleManager(tmp_path / "data", "wuchang", on_event=events), events


def _targz(bundle: Path, out: Path) -> Path:
    out.write_bytes(bundles.archive_bytes(bundle))
    return out


def test_truncated_archive_is_a_refusal_and_blocks_nothing(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, events = terminal
    good = _targz(make_bundle(tmp_path, 3, keys[:1]), tmp_path / "good.tar.gz")
    for cut in (10, 200, len(good.read_bytes()) // 2, len(good.read_bytes()) - 30):
        broken = tmp_path / f"cut{cut}.tar.gz"
        broken.write_bytes(good.read_bytes()[:cut])
        outcome = manager.receive(broken, version=3)
        assert outcome.state == "refused" and outcome.reason == "corrupt_archive", (cut, outcome)
    assert events.reasons() == ["corrupt_archive"] * 4
    assert [e["reason"] for e in manager.status()["refused"]][-4:] == ["corrupt_archive"] * 4
    assert manager.receive(good).state == "installed" and manager.active_version() == 3


def test_bad_compression_and_garbage_are_refusals(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, _ = terminal
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.add(make_bundle(tmp_path, 2, keys[:1]), arcname="b")
    (tmp_path / "b.tar.bz2").write_bytes(bz2.compress(raw.getvalue()))
    assert manager.receive(tmp_path / "b.tar.bz2").reason == "bad_compression"
    (tmp_path / "junk").write_bytes(b"\x00garbage bytes, 20b")
    assert manager.receive(tmp_path / "junk", version=2**62).reason == "corrupt_archive"
    (tmp_path / "badgz").write_bytes(gzip.compress(b"x" * 5000)[:-12] + b"\xff" * 12)
    assert manager.receive(tmp_path / "badgz").reason == "corrupt_archive"
    assert manager.highest_version() == 0  # a refused 2**62 is not a version seen: nothing is frozen
    assert manager.receive(make_bundle(tmp_path, 2, keys[:1])).state == "installed"


def test_yaml_billion_laughs_in_a_signed_bundle_is_refused_quickly(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, events = terminal
    bundle = make_bundle(tmp_path, 2, keys[:1])
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (bundle / "ratings.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reseal(bundle, keys[:1])
    started = time.monotonic()
    outcome = manager.receive(bundle)
    assert (outcome.state, outcome.reason) == ("refused", "yaml_bomb")
    assert time.monotonic() - started < 10
    deep = make_bundle(tmp_path, 2, keys[:1])
    (deep / "ratings.yaml").write_text("x: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    reseal(deep, keys[:1])
    assert manager.receive(deep).reason == "yaml_bomb"
    assert events.reasons() == ["yaml_bomb", "yaml_bomb"]


def test_the_shipped_flows_are_within_the_yaml_bounds() -> None:
    for path in sorted(FLOWS_SRC.rglob("*.yaml")):
        assert bundles.yaml_bounds.check_yaml_structure(path) < 50_000, path


def _pax_bomb(path: Path, header_bytes: int) -> Path:
    """A tar.gz whose first record is a PAX header of ``header_bytes`` (compresses to almost nothing)."""
    record = b"%d comment=" % 0
    body = record + b"x" * (header_bytes - len(record) - 1) + b"\n"
    info = tarfile.TarInfo("././@PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, len(body)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(info.tobuf(format=tarfile.USTAR_FORMAT))
        for start in range(0, len(body), MIB):
            out.write(body[start : start + MIB])
        out.write(b"\0" * (-len(body) % 512) + b"\0" * 1024)
    return path


def _zip_bomb(path: Path, member_bytes: int) -> Path:
    """A tar.gz holding one member of zeros far beyond the bundle bound."""
    info = tarfile.TarInfo("definitions/zeros.yaml")
    info.size = member_bytes
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(info.tobuf(format=tarfile.USTAR_FORMAT))
        chunk = b"\0" * MIB
        for _ in range(member_bytes // MIB):
            out.write(chunk)
    return path


def _random_archive(path: Path, size: int) -> Path:
    """An uncompressible 16 MiB archive of many members: the biggest thing the bound lets through."""
    import os

    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for i in range(size // (256 * 1024)):
            data = os.urandom(256 * 1024 - 2048)
            info = tarfile.TarInfo(f"assets/r{i}.bin")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


MEASURE = """
import json, resource, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, {root!r})
from flows.bundles import BundleManager
manager = BundleManager(Path(sys.argv[1]), "wuchang")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
outcome = manager.receive(Path(sys.argv[2]))
peak = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"reason": outcome.reason, "state": outcome.state, "traced": peak, "rss_growth": (after - before) * 1024}}))
"""


@pytest.mark.parametrize(
    ("name", "build", "reason"),
    [
        ("pax_header_256mib", lambda p: _pax_bomb(p, 256 * MIB), "oversized"),
        ("zip_bomb_1gib", lambda p: _zip_bomb(p, 1024 * MIB), "oversized"),
        ("random_16mib", lambda p: _random_archive(p, 16 * MIB), "malformed"),
    ],
)
def test_hostile_archive_costs_at_most_64_mib(tmp_path: Path, keys, name: str, build, reason: str) -> None:  # noqa: F811
    write_root(tmp_path / "data", keys[:1])
    archive = build(tmp_path / f"{name}.tar.gz")
    assert archive.stat().st_size <= 16 * MIB + MIB
    result = subprocess.run(
        [sys.executable, "-c", MEASURE.format(root=str(ROOT)), str(tmp_path / "data"), str(archive)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(name, archive.stat().st_size, measured)
    assert (measured["state"], measured["reason"]) == ("refused", reason)
    assert measured["traced"] < 64 * MIB and measured["rss_growth"] < 64 * MIB, measured
