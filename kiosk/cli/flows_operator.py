"""``kiosk flows publish | status | withdraw``: the operator's side of fleet updates, over the operator API.

Operators authenticate as the back office defines it (``docs/backoffice.md``): an API token from
``POST /api/v1/operator/login`` in ``--token`` or ``BACKOFFICE_TOKEN`` (sent as ``Authorization: Bearer``;
publishing needs the ``publisher`` role); the shared bootstrap key (``--operator-key`` or
``BACKOFFICE_OPERATOR_KEY``) only where the back office was started with one (the demo, the tests). The back office checks a published bundle as a terminal would and
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
    publish = flows_sub.add_parser(
        "publish", help="publish a signed bundle to its groups through the back office"
    )
    publish.add_argument("bundle", type=Path, metavar="BUNDLE", help="a bundle directory or .tar.gz")
    publish.add_argument(
        "--group", action="append", help="publish to this group only (default: the manifest's)"
    )
    publish.add_argument("--note", default="", help="a note for other operators")
    publish.add_argument(
        "--rollout",
        metavar="PLAN",
        help="staged: 'canary=T-0001,T-0002;waves=10,50,100[;soak=3600;min_cases=3;max_failed_rise=0.2]'",
    )
    _add_backoffice(publish)
    publish.set_defaults(handler=cmd_publish)

    status = flows_sub.add_parser("status", help="which terminal runs which bundle, what was refused and why")
    status.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    status.add_argument("--group", help="only this group's terminals")
    _add_backoffice(status)
    status.set_defaults(handler=cmd_status)

    rollout = flows_sub.add_parser("rollout", help="pause or resume a group's staged rollout")
    rollout.add_argument("action", choices=("pause", "resume"))
    rollout.add_argument("--group", required=True)
    _add_backoffice(rollout)
    rollout.set_defaults(handler=cmd_rollout)

    withdraw = flows_sub.add_parser("withdraw", help="withdraw a bundle: terminals return to the one before")
    withdraw.add_argument("version", type=int, metavar="VERSION")
    withdraw.add_argument("--group", action="append", required=True, help="the group (repeat for several)")
    _add_backoffice(withdraw)
    withdraw.set_defaults(handler=cmd_withdraw)


def _add_backoffice(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backoffice", required=True, metavar="URL", help="the back office, http(s)://host:port"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("BACKOFFICE_TOKEN"),
        help="operator API token from POST /api/v1/operator/login (default: $BACKOFFICE_TOKEN)",
    )
    parser.add_argument(
        "--operator-key",
        default=os.environ.get("BACKOFFICE_OPERATOR_KEY"),
        help="the bootstrap key of a demo or test back office (default: $BACKOFFICE_OPERATOR_KEY)",
    )
    parser.add_argument("--ca", type=Path, help="CA bundle or certificate to trust for https")


def _call(args: argparse.Namespace, method: str, path: str, **kwargs: Any) -> Any:
    import requests

    if args.token:
        headers = {"Authorization": f"Bearer {args.token}"}
    elif args.operator_key:
        headers = {"X-Operator-Key": args.operator_key}
    else:
        raise CliError("no operator credentials: pass --token (or set BACKOFFICE_TOKEN)", status=2)
    url = args.backoffice.rstrip("/") + "/api/v1/operator" + path
    try:
        answer = requests.request(
            method, url, headers=headers, timeout=60, verify=str(args.ca) if args.ca else True, **kwargs
        )
    except requests.RequestException as exc:
        raise CliError(f"{args.backoffice}: unreachable ({type(exc).__name__})") from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code >= 400:
        code = body.get("error", "") if isinstance(body, dict) else ""
        detail = body.get("detail", "") if isinstance(body, dict) else answer.text[:200]
        raise CliError(
            f"refused by the back office (HTTP {answer.status_code} {code}): {detail}".rstrip(": ")
        )
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


def parse_plan(text: str) -> dict[str, Any]:
    """``canary=T-1,T-2;waves=10,50,100;soak=3600;min_cases=3;max_failed_rise=0.2`` -> the API's plan."""
    plan: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, value = part.partition("=")
        try:
            if name == "canary":
                plan["canary"] = [t.strip() for t in value.split(",") if t.strip()]
            elif name == "waves":
                plan["waves"] = [int(w) for w in value.split(",")]
            elif name in ("soak", "min_cases", "max_failed_rise"):
                plan[{"soak": "soak_seconds"}.get(name, name)] = (
                    float(value) if name != "min_cases" else int(value)
                )
            else:
                raise ValueError(name)
        except ValueError:
            raise CliError(
                f"--rollout: cannot read {part!r} (canary=IDS;waves=PCTS;soak=S;min_cases=N;"
                "max_failed_rise=F)",
                status=2,
            ) from None
    return plan


def cmd_publish(args: argparse.Namespace) -> int:
    content, manifest = _archive(args.bundle)
    plan = parse_plan(args.rollout) if args.rollout else None
    for group in args.group or list(manifest.groups):
        _call(
            args,
            "POST",
            "/bundles",
            json={
                "group": group,
                "version": manifest.version,
                "note": args.note,
                "content_b64": base64.b64encode(content).decode(),
                **({"rollout": plan} if plan else {}),
            },
        )
        how = "to its canary terminals first" if plan else "at their next heartbeat"
        print(
            f"published bundle {manifest.version} to group {group} ({len(content)} bytes); terminals take it "
            f"up {how}"
        )
    return 0


def cmd_rollout(args: argparse.Namespace) -> int:
    rollout = _call(args, "POST", f"/rollouts/{args.group}/{args.action}")
    print(f"rollout of bundle {rollout['version']} in group {args.group}: {rollout['state']}")
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
    rollouts = _call(args, "GET", "/rollouts")
    rows = []
    for term in terminals:
        beat = term.get("heartbeat") or {}
        bundles = beat.get("bundles") or {}
        rows.append(
            {
                "terminal_id": term["terminal_id"],
                "group": term["group"],
                "status": term["status"],
                "active": beat.get("bundle_version"),
                "staged": bundles.get("staged", []),
                "refused": [
                    {"version": r.get("version"), "reason": r.get("reason"), "detail": r.get("detail", "")}
                    for r in bundles.get("refused", [])
                ],
                "last_heartbeat_at": term.get("last_heartbeat_at"),
            }
        )
    groups: dict[str, Any] = {}
    for meta in published:
        group = groups.setdefault(meta["group"], {"published": [], "withdrawn": meta.get("withdrawn", [])})
        group["published"].append(meta["version"])
    notices = [
        e
        for e in events
        if e["kind"] in ("bundle_refused", "bundle_rolled_back", "bundle_expired", "bundle_withdrawn")
    ]
    for rollout in rollouts:
        groups.setdefault(rollout["group"], {"published": [], "withdrawn": []})["rollout"] = {
            k: rollout.get(k) for k in ("version", "state", "wave", "waves", "canary", "halt_reason")
        }
    return {"terminals": rows, "groups": groups, "events": notices[:50]}


def cmd_status(args: argparse.Namespace) -> int:
    report = fleet_status(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for name, group in sorted(report["groups"].items()):
        withdrawn = f"; withdrawn {', '.join(map(str, group['withdrawn']))}" if group["withdrawn"] else ""
        print(f"group {name}: published {', '.join(map(str, group['published']))}{withdrawn}")
        if "rollout" in group:
            r = group["rollout"]
            stage = "canary" if r["wave"] == 0 else f"wave {r['wave']} ({r['waves'][r['wave'] - 1]}%)"
            print(
                f"  rollout of {r['version']}: {r['state']} at {stage}"
                f"{': ' + r['halt_reason'] if r['halt_reason'] else ''}"
            )
    for row in report["terminals"]:
        staged = f", staged {', '.join(map(str, row['staged']))}" if row["staged"] else ""
        print(f"{row['terminal_id']} ({row['group']}, {row['status']}): {_runs(row)}{staged}")
        for refusal in row["refused"]:
            print(
                f"  refused bundle {refusal['version'] or '?'}: {refusal['reason']} {refusal['detail']}".rstrip()
            )
    for event in report["events"][:10]:
        print(f"event {event['terminal_id']}: {event['kind']} {event['reason']}".rstrip())
    return 0


def _runs(row: dict[str, Any]) -> str:
    """What a terminal runs, as its last heartbeat said; a terminal that never sent one is not known to run
    anything (its built-in flows would be a guess)."""
    if row.get("last_heartbeat_at") is None:
        return "runs unknown (no heartbeat yet)"
    return f"runs {row['active'] or 'built-in flows'}"
