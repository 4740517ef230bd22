"""``kiosk flows publish | status | withdraw``: the operator's side of fleet updates, over the operator API.

The operator key comes from ``--operator-key`` or ``BACKOFFICE_OPERATOR_KEY`` (the same variable
``kiosk-backoffice serve`` reads). The back office checks a published bundle as a terminal would and
answers a refusal with the terminal's reason code, printed here as one line.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from kiosk.cli import CliError


def register(flows_sub: argparse._SubParsersAction) -> None:
    publish = flows_sub.add_parser("publish", help="publish a signed bundle to its groups through the back office")
    publish.add_argument("bundle", type=Path, metavar="BUNDLE", help="a bundle directory or .tar.gz")
    publish.add_argument("--group", action="append", help="publish to this group only (default: the manifest's)")
    publish.add_argument("--note", default="", help="a note for other operators")
    _add_backoffice(publish)
    publish.set_defaults(handler=cmd_publish)

    status = flows_sub.add_parser("status", help="which terminal runs which bundle, what was refused and why")
    status.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    status.add_argument("--group", help="only this group's terminals")
    _add_backoffice(status)
    status.set_defaults(handler=cmd_status)

    withdraw = flows_sub.add_parser("withdraw", help="withdraw a bundle: terminals return to the one before")
    withdraw.add_argument("version", type=int, metavar="VERSION")
    withdraw.add_argument("--group", action="append", required=True, help="the group (repeat for several)")
    _add_backoffice(withdraw)
    withdraw.set_defaults(handler=cmd_withdraw)


def _add_backoffice(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backoffice", required=True, metavar="URL", help="the back office, http(s)://host:port")
    parser.add_argument("--operator-key", default=os.environ.get("BACKOFFICE_OPERATOR_KEY"),
                        help="operator key (default: $BACKOFFICE_OPERATOR_KEY)")
    parser.add_argument("--ca", type=Path, help="CA bundle or certificate to trust for https")


def _call(args: argparse.Namespace, method: str, path: str, **kwargs: Any) -> Any:
    import requests

    if not args.operator_key:
        raise CliError("no operator key: pass --operator-key or set BACKOFFICE_OPERATOR_KEY", status=2)
    url = args.backoffice.rstrip("/") + "/api/v1/operator" + path
    try:
        answer = requests.request(method, url, headers={"X-Operator-Key": args.operator_key}, timeout=60,
                                  verify=str(args.ca) if args.ca else True, **kwargs)
    except requests.RequestException as exc:
        raise CliError(f"{args.backoffice}: unreachable ({type(exc).__name__})") from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code >= 400:
        code = body.get("error", "") if isinstance(body, dict) else ""
        detail = body.get("detail", "") if isinstance(body, dict) else answer.text[:200]
        raise CliError(f"refused by the back office (HTTP {answer.status_code} {code}): {detail}".rstrip(": "))
    return body


def _archive(bundle: Path) -> tuple[bytes, Any]:
    """The bytes to upload and the (unverified) manifest, from a directory or an archive."""
    from flows.bundles import BundleRefused, archive_bytes, extract_archive, read_manifest

    try:
        if bundle.is_dir():
            return archive_bytes(bundle), read_manifest(bundle)
        with tempfile.TemporaryDirectory() as work:
            return bundle.read_bytes(), read_manifest(extract_archive(bundle, Path(work)))
    except BundleRefused as exc:
        raise CliError(f"{bundle}: not a bundle: {exc}") from None
    except OSError as exc:
        raise CliError(f"{bundle}: {exc.strerror or type(exc).__name__}") from None


def cmd_publish(args: argparse.Namespace) -> int:
    content, manifest = _archive(args.bundle)
    for group in args.group or list(manifest.groups):
        _call(args, "POST", "/bundles", json={"group": group, "version": manifest.version, "note": args.note,
                                               "content_b64": base64.b64encode(content).decode()})
        print(f"published bundle {manifest.version} to group {group} ({len(content)} bytes); terminals take it "
              f"up at their next heartbeat")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    for group in args.group:
        _call(args, "POST", f"/bundles/{group}/{args.version}/withdraw")
        print(f"withdrew bundle {args.version} from group {group}; its terminals return to the one before")
    return 0


def fleet_status(args: argparse.Namespace) -> dict[str, Any]:
    terminals = _call(args, "GET", "/terminals", params={"group": args.group} if args.group else None)
    published = _call(args, "GET", "/bundles")
    events = _call(args, "GET", "/bundle-events")
    rows = []
    for term in terminals:
        beat = term.get("heartbeat") or {}
        bundles = beat.get("bundles") or {}
        rows.append({"terminal_id": term["terminal_id"], "group": term["group"], "status": term["status"],
                     "active": beat.get("bundle_version"), "staged": bundles.get("staged", []),
                     "refused": [{"version": r.get("version"), "reason": r.get("reason"), "detail": r.get("detail", "")}
                                 for r in bundles.get("refused", [])],
                     "last_heartbeat_at": term.get("last_heartbeat_at")})
    groups: dict[str, Any] = {}
    for meta in published:
        group = groups.setdefault(meta["group"], {"published": [], "withdrawn": meta.get("withdrawn", [])})
        group["published"].append(meta["version"])
    notices = [e for e in events if e["kind"] in ("bundle_refused", "bundle_rolled_back", "bundle_expired",
                                                  "bundle_withdrawn")]
    return {"terminals": rows, "groups": groups, "events": notices[:50]}


def cmd_status(args: argparse.Namespace) -> int:
    report = fleet_status(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for name, group in sorted(report["groups"].items()):
        withdrawn = f"; withdrawn {', '.join(map(str, group['withdrawn']))}" if group["withdrawn"] else ""
        print(f"group {name}: published {', '.join(map(str, group['published']))}{withdrawn}")
    for row in report["terminals"]:
        staged = f", staged {', '.join(map(str, row['staged']))}" if row["staged"] else ""
        print(f"{row['terminal_id']} ({row['group']}, {row['status']}): runs {row['active'] or 'built-in flows'}"
              f"{staged}")
        for refusal in row["refused"]:
            print(f"  refused bundle {refusal['version'] or '?'}: {refusal['reason']} {refusal['detail']}".rstrip())
    for event in report["events"][:10]:
        print(f"event {event['terminal_id']}: {event['kind']} {event['reason']}".rstrip())
    return 0
