"""Encryption at rest for exchange credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from `PIPELINES_SECRET_KEY` or, failing that, the file `PIPELINES_SECRET_KEY_FILE`
(`pipelines keygen` makes one; the installation's `data/secret.key` when unset, named on stderr). Clear-text credentials exist only in memory while a connector
uses them; they never reach logs, run config, metadata, exceptions or the warehouse.
"""

from __future__ import annotations

import functools
import json
import os
import sys

from pipelines.errors import UserError
from pipelines.settings import secret_key_file


def generate_key() -> str:
    """A new random Fernet key, as text to keep in an environment variable or key file."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _key() -> bytes:
    value = os.environ.get("PIPELINES_SECRET_KEY")
    if not value:
        path = secret_key_file()
        if not path.exists():
            raise UserError(
                "no encryption key: set PIPELINES_SECRET_KEY (make one with `pipelines keygen`) "
                f"or write one to {path}"
            )
        if "PIPELINES_SECRET_KEY_FILE" not in os.environ:
            _say_default_key_file(path)
        value = path.read_text().strip()
    return value.encode()


@functools.cache
def _say_default_key_file(path) -> None:
    """Once per process: with neither variable set, the installation's own key file is used, which
    for a warehouse kept elsewhere is probably not the key its credentials were encrypted with."""
    print(f"note: encryption key read from {path} (neither PIPELINES_SECRET_KEY nor "
          "PIPELINES_SECRET_KEY_FILE is set)", file=sys.stderr)


def _fernet(key: bytes | None = None):
    from cryptography.fernet import Fernet

    try:
        return Fernet(key or _key())
    except ValueError:
        raise UserError("the encryption key is malformed: expected 32 url-safe base64-encoded bytes") from None


def encrypt_credentials(credentials: dict[str, str], key: bytes | None = None) -> str:
    """Fernet token of the credentials' JSON."""
    return _fernet(key).encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt_credentials(token: str, key: bytes | None = None) -> dict[str, str]:
    """The credentials back; a clear error (never garbage, never the token) when the key is wrong."""
    from cryptography.fernet import InvalidToken

    try:
        return json.loads(_fernet(key).decrypt(token.encode()))
    except InvalidToken:
        raise UserError(
            "stored credentials cannot be decrypted with this encryption key "
            "(was the key changed without `pipelines keys rotate`?)"
        ) from None


def _stored(con, but: str | None = None) -> list[tuple[str, str]]:
    """(integration_id, token) of every stored credential, except those of integration `but`."""
    return con.execute(
        "SELECT integration_id, credentials FROM app.integrations WHERE credentials IS NOT NULL "
        "AND integration_id IS DISTINCT FROM ? ORDER BY integration_id", [but],
    ).fetchall()


def _decrypts(fernet, token: str) -> bool:
    from cryptography.fernet import InvalidToken

    try:
        fernet.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def check_key_fits(con, integration_id: str | None = None) -> None:
    """Refuse to store credentials under a key that decrypts none of those already stored (except
    `integration_id`'s own, which are being replaced): credentials under two keys can be neither
    used nor rotated with either. One stored credential that decrypts is enough, so the credentials
    of integrations that rotation names as undecryptable can be replaced one by one."""
    fernet = _fernet()
    stored = _stored(con, but=integration_id)
    if stored and not any(_decrypts(fernet, token) for _, token in stored):
        names = ", ".join(i for i, _ in stored[:3]) + (f" and {len(stored) - 3} more" if len(stored) > 3 else "")
        raise UserError(
            f"this encryption key cannot decrypt the credentials already stored (of {names}): use the key they "
            "were stored with (PIPELINES_SECRET_KEY or the key file)"
        )


def rotate_key(con, new_key: str) -> int:
    """Re-encrypt every stored credential with `new_key` (in the caller's transaction); returns how many.

    Every token is decrypted with the current key first, so a wrong current key, or credentials
    stored under another key, fail before anything is written, naming the integrations concerned.
    """
    new = _fernet(new_key.strip().encode())
    rows = _stored(con)
    if not rows:
        return 0
    current = _fernet()
    failed = [integration_id for integration_id, token in rows if not _decrypts(current, token)]
    if failed:
        raise UserError(
            f"the stored credentials of {len(failed)} of {len(rows)} integrations ({', '.join(failed)}) cannot be "
            "decrypted with the current encryption key; nothing was re-encrypted. Run with the key they were stored "
            "with, or replace them: pipelines integrations credentials INTEGRATION"
        )
    updated = [(new.encrypt(current.decrypt(token.encode())).decode(), integration_id) for integration_id, token in rows]
    con.executemany("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?", updated)
    return len(updated)


def store_key_file(key: str) -> None:
    """Replace the key file atomically (readable by the owner only)."""
    path = secret_key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(key.strip() + "\n")
    staging.chmod(0o600)
    os.replace(staging, path)
