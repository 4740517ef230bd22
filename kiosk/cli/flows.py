"""``kiosk flows``: lint flow definitions; pack, sign and verify flow bundles; make operator keys.

Publishing and fleet status are in ``flows_operator``; ``kiosk flows try`` (walk a tree before publishing) in
``flows_try``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kiosk.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("flows", help="flow definitions and signed flow bundles")
    sub = parser.add_subparsers(dest="flows_command", metavar="ACTION")

    lint = sub.add_parser("lint", help="check flow files or directories; non-zero exit on any error")
    lint.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    lint.add_argument(
        "--terminal", help="terminal type whose devices the flows may use (flows/terminals.yaml)"
    )
    lint.add_argument("--quiet", action="store_true", help="errors only, no warnings")
    lint.set_defaults(handler=cmd_lint)

    pack = sub.add_parser("pack", help="build a bundle from a tree laid out like flows/")
    pack.add_argument("source", type=Path, metavar="DIR")
    pack.add_argument(
        "--version", type=int, required=True, help="bundle version; must grow with every bundle"
    )
    pack.add_argument("--expires", required=True, help="YYYY-MM-DD (end of day, UTC) or an ISO 8601 time")
    pack.add_argument("--group", action="append", required=True, help="terminal group (repeat for several)")
    pack.add_argument("--threshold", type=int, default=1, help="signatures the bundle itself demands")
    pack.add_argument("--terminal", help="terminal type to lint against")
    pack.add_argument("--out", type=Path, help="bundle directory (default: bundle-VERSION)")
    pack.set_defaults(handler=cmd_pack)

    sign = sub.add_parser("sign", help="add operator signatures to a bundle")
    sign.add_argument("bundle", type=Path, metavar="BUNDLE")
    sign.add_argument(
        "--key", type=Path, action="append", required=True, help="operator key file (repeatable)"
    )
    sign.set_defaults(handler=cmd_sign)

    verify = sub.add_parser("verify", help="check a bundle as a terminal would")
    verify.add_argument("bundle", type=Path, metavar="BUNDLE")
    verify.add_argument("--root-keys", type=Path, required=True, help="JSON {threshold, keys: [hex, ...]}")
    verify.add_argument("--group", help="the terminal's group (default: not checked)")
    verify.add_argument("--active-version", type=int, default=0, help="refuse versions not above this")
    verify.add_argument("--terminal", help="terminal type to lint against")
    verify.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    verify.set_defaults(handler=cmd_verify)

    keygen = sub.add_parser("keygen", help="make an Ed25519 operator key (keep it offline)")
    keygen.add_argument("out", type=Path, metavar="KEYFILE")
    keygen.add_argument("--root-keys", type=Path, help="also add the public key to this root keys file")
    keygen.add_argument("--threshold", type=int, help="set the threshold in the root keys file")
    keygen.set_defaults(handler=cmd_keygen)

    rotate = sub.add_parser(
        "rotate-root", help="carry new root keys in a bundle, signed by the old and new keys"
    )
    rotate.add_argument(
        "bundle", type=Path, metavar="BUNDLE", help="the bundle directory (sign it with the new keys)"
    )
    rotate.add_argument("--old-root", type=Path, required=True, help="the root keys file terminals pin now")
    rotate.add_argument(
        "--new-root", type=Path, required=True, help="the new root keys file (its version is set)"
    )
    rotate.add_argument(
        "--key",
        type=Path,
        action="append",
        required=True,
        help="key file: a threshold of old keys and a threshold of new keys (repeatable)",
    )
    rotate.set_defaults(handler=cmd_rotate_root)

    from kiosk.cli import flows_operator, flows_try
    from kiosk.cli.terminal import register_install

    register_install(sub)
    flows_operator.register(sub)
    flows_try.register(sub)
    parser.set_defaults(handler=lambda _args: parser.print_help() or 2)


def cmd_lint(args: argparse.Namespace) -> int:
    from flows.lint import lint_paths

    problems = lint_paths(args.paths, args.terminal)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        if problem.severity == "error" or not args.quiet:
            print(problem)
    files = {p.source for p in problems}
    print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {len(files)} file(s)")
    return 1 if errors else 0


def cmd_pack(args: argparse.Namespace) -> int:
    from flows.bundles import BundleRefused, pack, parse_expiry

    out = args.out or Path(f"bundle-{args.version}")
    try:
        parse_expiry(args.expires)
    except ValueError:
        raise CliError(
            f"--expires {args.expires}: not a date; use YYYY-MM-DD (e.g. 2027-06-30) or an ISO 8601 time",
            status=2,
        ) from None
    try:
        manifest = pack(
            args.source, out, args.version, args.expires, args.group, args.threshold, args.terminal
        )
    except BundleRefused as exc:
        raise CliError(f"not packed: {exc}") from None
    print(
        f"packed {out}: version {manifest.version}, {len(manifest.files)} files, {manifest.total_bytes} bytes, "
        f"groups {', '.join(manifest.groups)}, expires {manifest.expires:%Y-%m-%d %H:%M:%SZ}; sign it next"
    )
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from flows.bundles import MANIFEST, load_private_key, sign

    if not (args.bundle / MANIFEST).is_file():
        raise CliError(f"{args.bundle} is not a bundle (no {MANIFEST})")
    try:
        keys = [load_private_key(path) for path in args.key]
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"cannot read key: {exc}") from None
    signed = sign(args.bundle, keys)
    print(f"{args.bundle}: {len(signed)} signature(s)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    import tempfile

    from flows.bundles import BundleRefused, RootKeys, extract_archive, verify
    from flows.lint import terminal_types

    try:
        root = RootKeys.load(args.root_keys)
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"cannot read root keys: {exc}") from None
    devices = terminal_types()[args.terminal] if args.terminal else None
    try:
        with tempfile.TemporaryDirectory() as unpack:
            bundle = extract_archive(args.bundle, Path(unpack)) if args.bundle.is_file() else args.bundle
            manifest = verify(
                bundle, root, group=args.group, above_version=args.active_version, terminal_devices=devices
            )
    except BundleRefused as exc:
        if args.json:
            print(json.dumps({"ok": False, "reason": exc.reason, "detail": exc.detail}, ensure_ascii=False))
        raise CliError(f"refused: {exc}") from None
    verdict = {
        "ok": True,
        "version": manifest.version,
        "files": len(manifest.files),
        "bytes": manifest.total_bytes,
        "groups": list(manifest.groups),
        "expires": manifest.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if args.json:
        print(json.dumps(verdict, ensure_ascii=False))
    else:
        print(
            f"{args.bundle}: verified, version {manifest.version}, {len(manifest.files)} files, "
            f"{manifest.total_bytes} bytes, groups {', '.join(manifest.groups)}, expires {verdict['expires']}"
        )
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from flows.bundles import generate_key

    if args.out.exists():
        raise CliError(f"{args.out} exists; not overwriting a key")
    public = generate_key(args.out)
    print(f"wrote {args.out}; public key {public}")
    if args.root_keys:
        data: dict[str, Any] = (
            json.loads(args.root_keys.read_text(encoding="utf-8"))
            if args.root_keys.is_file()
            else {"threshold": 1, "keys": []}
        )
        if public not in data["keys"]:
            data["keys"].append(public)
        if args.threshold:
            data["threshold"] = args.threshold
        args.root_keys.write_text(json.dumps(data, indent=1), encoding="utf-8")
        print(f"added to {args.root_keys} (threshold {data['threshold']}, {len(data['keys'])} key(s))")
    return 0


def cmd_rotate_root(args: argparse.Namespace) -> int:
    """Append the new root to the bundle's rotation chain (TUF root rotation): terminals pinning the old
    root take the new one with this bundle, without re-provisioning."""
    from flows.bundles import ROTATION, BundleRefused, RootKeys, load_private_key, rotate, sign_root

    try:
        old = RootKeys.load(args.old_root)
        new = json.loads(args.new_root.read_text(encoding="utf-8"))
        keys = [load_private_key(path) for path in args.key]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"cannot read the roots or keys: {exc}") from None
    new["version"] = old.version + 1
    chain_path = args.bundle / ROTATION
    chain = json.loads(chain_path.read_text(encoding="utf-8")) if chain_path.is_file() else {"roots": []}
    try:
        chain["roots"].append(sign_root(new, keys))
        rotate(old, chain)  # refuse to write a rotation no terminal would take
    except (ValueError, KeyError) as exc:
        raise CliError(f"new root unusable: {exc}") from None
    except BundleRefused as exc:
        raise CliError(f"not enough signatures: {exc.detail}") from None
    chain_path.write_text(json.dumps(chain, indent=1), encoding="utf-8")
    args.new_root.write_text(json.dumps(new, indent=1), encoding="utf-8")
    print(
        f"{args.bundle}: carries root version {new['version']} ({len(new['keys'])} key(s), threshold "
        f"{new.get('threshold', 1)}); sign the bundle with the new keys, then publish it"
    )
    return 0
