"""`grouploop tokens add|list|revoke`: manage the hub's credential file (`hub.credentials`).

    grouploop tokens add --role operator --name alice    # prints the new token, once
    grouploop tokens add --role device --device-id 1a2b  # a device secret (the bench does this)
    grouploop tokens list                                # names, roles, device ids; no secrets
    grouploop tokens revoke alice
    grouploop tokens workshop                            # fresh workshop-admin/-operator/-viewer

The file is `--file`, else `GL_TOKENS_FILE`, else ~/.config/grouploop/tokens.json. A running
hub with auth on rereads it within a second: a new token works at once, and connections that
logged in with a revoked one are closed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hub import credentials


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        help=f"credential file (GL_TOKENS_FILE; default {credentials.default_path()})",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create a credential and print its token once")
    add.add_argument("--role", required=True, choices=credentials.ROLES)
    add.add_argument("--name", help="a name to list and revoke it by (default <role>-<n>)")
    add.add_argument("--device-id", help="the device id a device secret is bound to (4 hex)")
    sub.add_parser("list", help="list credentials (never their tokens)")
    revoke = sub.add_parser("revoke", help="remove a credential by name")
    revoke.add_argument("name")
    sub.add_parser(
        "workshop",
        help="replace the workshop-admin, -operator and -viewer tokens; prints '<role> <token>'",
    )


def file_path(args: argparse.Namespace) -> Path:
    if args.file is not None:
        return Path(args.file)
    env = os.environ.get("GL_TOKENS_FILE")
    return Path(env) if env else credentials.default_path()


def run(args: argparse.Namespace) -> int:
    path = file_path(args)
    try:
        if args.action == "add":
            token = credentials.add(path, args.role, args.name, args.device_id)
            print(token)
            print(f"(added to {path}; only its hash is kept: copy the token now)", file=sys.stderr)
        elif args.action == "workshop":
            for role, token in credentials.workshop(path).items():
                print(f"{role} {token}")
        elif args.action == "list":
            for entry in credentials.read_file(path):
                bound = f" device {entry.device_id}" if entry.device_id else ""
                print(f"{entry.name}\t{entry.role}{bound}\t{entry.created}")
        else:
            gone = credentials.revoke(path, args.name)
            print(f"revoked {gone.name} ({gone.role})", file=sys.stderr)
    except credentials.CredentialError as exc:
        print(f"grouploop tokens: {exc}", file=sys.stderr)
        return 2
    return 0
