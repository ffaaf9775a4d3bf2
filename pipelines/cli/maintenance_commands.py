"""Maintenance commands: backup, restore and encryption-key rotation."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.cli.registry_commands import _cmd, registry
from pipelines.errors import UserError


def register(subparsers) -> None:
    p = _cmd(subparsers, "backup", _backup, "copy the whole warehouse (registry and encrypted credentials included) to a file")
    p.add_argument("path", type=Path)
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p = _cmd(subparsers, "restore", _restore, "replace the warehouse with a backup")
    p.add_argument("path", type=Path)
    p.add_argument("--force", action="store_true", help="replace an existing warehouse")
    keys = subparsers.add_parser("keys", help="encryption keys").add_subparsers(dest="action", required=True)
    p = _cmd(keys, "rotate", _rotate, "re-encrypt every stored credential with a new key")
    p.add_argument("--new-key-env", metavar="VAR", required=True, help="environment variable holding the new key")


def _backup(args) -> None:
    from pipelines.backup import backup

    tables = backup(args.path, force=args.force)
    print(f"backup written: {args.path} ({len(tables)} tables, {sum(tables.values())} rows)")


def _restore(args) -> None:
    from pipelines.backup import restore
    from pipelines.settings import warehouse_path

    tables = restore(args.path, force=args.force)
    print(f"warehouse {warehouse_path()} restored from {args.path} ({len(tables)} tables, {sum(tables.values())} rows)")


def _rotate(args) -> None:
    from pipelines.crypto import rotate_key, store_key_file

    from pipelines.cli.credentials import from_env

    new_key = from_env(args.new_key_env, "the new key")
    with registry() as con:
        count = rotate_key(con, new_key)
    if os.environ.get("PIPELINES_SECRET_KEY"):
        print(f"{count} credentials re-encrypted; set PIPELINES_SECRET_KEY to the new key now")
    else:
        store_key_file(new_key)
        print(f"{count} credentials re-encrypted; the key file now holds the new key")
