"""Reading exchange credentials and node URLs without taking them as plain command-line arguments.

Arguments end up in shell history and `ps` output, so credentials come from named environment
variables, from standard input (JSON or `key=value` lines), or from a hidden prompt. A node URL
often carries an API key (`https://mainnet.infura.io/v3/<key>`): it may come the same ways.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from pipelines.errors import UserError

FIELDS = (("apiKey", "api_key"), ("secret", "secret"), ("password", "passphrase"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("credentials (never given as plain arguments)")
    group.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the API key")
    group.add_argument("--secret-env", metavar="VAR", help="environment variable holding the API secret")
    group.add_argument("--passphrase-env", metavar="VAR", help="environment variable holding the passphrase, if any")
    group.add_argument("--credentials-stdin", action="store_true",
                       help="read JSON {\"api_key\", \"secret\", \"passphrase\"} or key=value lines from stdin")
    group.add_argument("--prompt-credentials", action="store_true", help="ask for key and secret with hidden input")


def read(args: argparse.Namespace) -> dict[str, str]:
    """The credentials in ccxt's field names (apiKey, secret, password); {} when none were given."""
    if args.credentials_stdin:
        values = _parse_stdin(sys.stdin.read())
    elif args.prompt_credentials:
        import getpass

        values = {"api_key": getpass.getpass("API key: "), "secret": getpass.getpass("API secret: "),
                  "passphrase": getpass.getpass("Passphrase (empty for none): ")}
    else:
        values = {}
        for field, env in (("api_key", args.api_key_env), ("secret", args.secret_env), ("passphrase", args.passphrase_env)):
            if env:
                if not os.environ.get(env):
                    raise UserError(f"environment variable {env} (for the {field.replace('_', ' ')}) is not set or empty")
                values[field] = os.environ[env]
    credentials = {ccxt_name: values[name].strip() for ccxt_name, name in FIELDS if values.get(name, "").strip()}
    if credentials and "apiKey" not in credentials:
        raise UserError("credentials need an API key")  # and a secret where the exchange needs one: its connector checks
    return credentials


def _parse_stdin(text: str) -> dict[str, str]:
    text = text.strip()
    if not text:
        raise UserError("no credentials on standard input")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise UserError("credentials on standard input are not valid JSON") from None
        if not isinstance(data, dict):
            raise UserError("credentials JSON must be an object")
        return {str(k): str(v) for k, v in data.items()}
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise UserError(f"credentials line {number} is not key=value")
        values[key.strip().lower()] = value.strip()
    return values


def from_env(variable: str, what: str) -> str:
    """The value of an environment variable that holds a secret or a URL with one (kept out of argv
    and shell history); `what` says what it is for, in the error when it is unset."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise UserError(f"environment variable {variable} ({what}) is not set or empty")
    return value


def add_node_url_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("node URL (it often carries an API key: these keep it out of shell history)")
    group.add_argument("--rpc-url-env", action="append", metavar="[CHAIN=]VAR",
                       help="environment variable holding the node URL (repeatable, CHAIN= with several chains)")
    group.add_argument("--rpc-url-stdin", action="store_true", help="read the node URL from stdin, one [CHAIN=]URL a line")


def node_urls(args: argparse.Namespace) -> list[str]:
    """The node URLs given with --rpc-url-env and --rpc-url-stdin, as `[CHAIN=]URL` texts."""
    urls = []
    for entry in args.rpc_url_env or []:
        chain, sep, variable = entry.rpartition("=")
        value = from_env(variable, "for the node URL")
        urls.append(f"{chain}={value}" if sep else value)
    if args.rpc_url_stdin:
        lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if not lines:
            raise UserError("no node URL on standard input")
        urls.extend(lines)
    return urls
