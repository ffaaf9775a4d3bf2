"""Rotating the encryption key re-encrypts every stored credential; the old key stops working."""

from __future__ import annotations

import io
import os

from pipelines.crypto import decrypt_credentials, encrypt_credentials, generate_key
from pipelines.errors import UserError
from pipelines.registry.accounts import add_account
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect


def test_rotate_with_env_key(cli, warehouse, monkeypatch):
    old = generate_key()
    monkeypatch.setenv("PIPELINES_SECRET_KEY", old)
    creds = {"apiKey": "rot-key", "secret": "rot-secret"}
    with connect(warehouse) as con:
        add_account(con, "alice", "UTC", "EUR")
        ids = [add_integration(con, "alice", name, "manual") for name in ("A", "B")]
        for integration_id in ids:
            con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                        [encrypt_credentials(creds), integration_id])
    new = generate_key()
    monkeypatch.setenv("NEW_KEY", new)
    result = cli("keys", "rotate", "--new-key-env", "NEW_KEY")
    assert result.code == 0 and "2 credentials re-encrypted" in result.out
    with connect(warehouse) as con:
        tokens = [t for (t,) in con.execute("SELECT credentials FROM app.integrations").fetchall()]
    assert all(decrypt_credentials(t, new.encode()) == creds for t in tokens)
    for token in tokens:
        try:
            decrypt_credentials(token, old.encode())
        except UserError:
            continue
        raise AssertionError("the old key still decrypts a rotated credential")


def test_rotate_with_key_file_rewrites_the_file(cli, warehouse, monkeypatch, tmp_path):
    key_file = tmp_path / "secret.key"
    monkeypatch.delenv("PIPELINES_SECRET_KEY")
    monkeypatch.setenv("PIPELINES_SECRET_KEY_FILE", str(key_file))
    key_file.write_text(generate_key())
    with connect(warehouse) as con:
        add_account(con, "bob", "UTC", "EUR")
        integration_id = add_integration(con, "bob", "A", "manual")
        con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                    [encrypt_credentials({"apiKey": "k", "secret": "s"}), integration_id])
    new = generate_key()
    monkeypatch.setenv("NEW_KEY", new)
    assert cli("keys", "rotate", "--new-key-env", "NEW_KEY").code == 0
    assert key_file.read_text().strip() == new
    with connect(warehouse) as con:
        (token,) = con.execute("SELECT credentials FROM app.integrations").fetchall()[0]
    assert decrypt_credentials(token) == {"apiKey": "k", "secret": "s"}


def test_rotation_with_a_wrong_current_key_changes_nothing(cli, warehouse, monkeypatch):
    with connect(warehouse) as con:
        add_account(con, "eve", "UTC", "EUR")
        integration_id = add_integration(con, "eve", "A", "manual")
        con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                    [encrypt_credentials({"apiKey": "k", "secret": "s"}, generate_key().encode()), integration_id])
        (before,) = con.execute("SELECT credentials FROM app.integrations").fetchall()[0]
    monkeypatch.setenv("NEW_KEY", generate_key())
    result = cli("keys", "rotate", "--new-key-env", "NEW_KEY")
    assert result.code == 2 and "cannot be decrypted" in result.err
    with connect(warehouse) as con:
        assert con.execute("SELECT credentials FROM app.integrations").fetchall()[0] == (before,)


def _add_binance(cli, monkeypatch, name: str, key: str, secret: str):
    """`integrations add` of a Binance integration (offline: validation only reads ccxt's metadata)."""
    monkeypatch.setenv("PIPELINES_SECRET_KEY", key)
    monkeypatch.setenv("API_KEY", f"{name}-api-key")
    monkeypatch.setenv("API_SECRET", secret)
    return cli("integrations", "add", "kim", name, "--kind", "exchange", "--provider", "binance",
               "--api-key-env", "API_KEY", "--secret-env", "API_SECRET")


def _tokens(warehouse) -> dict:
    with connect(warehouse, read_only=True) as con:
        return dict(con.execute("SELECT integration_id, credentials FROM app.integrations").fetchall())


def test_add_under_a_key_that_cannot_decrypt_the_stored_credentials_is_refused(cli, warehouse, monkeypatch):
    first = generate_key()
    assert cli("accounts", "add", "kim", "--timezone", "UTC").code == 0
    assert _add_binance(cli, monkeypatch, "First", first, "first-secret").code == 0
    before = _tokens(warehouse)
    refused = _add_binance(cli, monkeypatch, "Second", generate_key(), "second-secret")
    assert refused.code == 2 and "cannot decrypt the credentials already stored" in refused.err
    assert "kim-first" in refused.err and "second-secret" not in refused.err + refused.out
    assert _tokens(warehouse) == before
    assert _add_binance(cli, monkeypatch, "Second", first, "second-secret").code == 0
    assert decrypt_credentials(_tokens(warehouse)["kim-second"], first.encode())["secret"] == "second-secret"


def _mixed_keys(warehouse, monkeypatch) -> tuple[str, str]:
    """Credentials of kim-a under the current key and of kim-b under another one, as `integrations add`
    stored them before it checked the key; returns (current key, other key)."""
    current, other = generate_key(), generate_key()
    monkeypatch.setenv("PIPELINES_SECRET_KEY", current)
    with connect(warehouse) as con:
        add_account(con, "kim", "UTC", "EUR")
        for name, key in (("A", current), ("B", other)):
            integration_id = add_integration(con, "kim", name, "manual")
            con.execute("UPDATE app.integrations SET credentials = ? WHERE integration_id = ?",
                        [encrypt_credentials({"apiKey": name, "secret": name}, key.encode()), integration_id])
    return current, other


def test_rotation_names_the_integrations_it_cannot_decrypt_and_changes_nothing(cli, warehouse, monkeypatch):
    current, other = _mixed_keys(warehouse, monkeypatch)
    before = _tokens(warehouse)
    monkeypatch.setenv("NEW_KEY", generate_key())
    for key, unreadable in ((current, "kim-b"), (other, "kim-a")):
        monkeypatch.setenv("PIPELINES_SECRET_KEY", key)
        result = cli("keys", "rotate", "--new-key-env", "NEW_KEY")
        assert result.code == 2 and f"1 of 2 integrations ({unreadable})" in result.err
        assert "nothing was re-encrypted" in result.err
        assert _tokens(warehouse) == before


def test_credentials_command_replaces_and_removes_credentials(cli, warehouse, monkeypatch):
    current, _ = _mixed_keys(warehouse, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"api_key": "new-a", "secret": "new-secret"}'))
    # kim-b's credentials (under another key) are entered again under the current one: rotation works again.
    with connect(warehouse) as con:
        con.execute("UPDATE app.integrations SET kind = 'exchange', provider = 'binance' WHERE integration_id = 'kim-b'")
    replaced = cli("integrations", "credentials", "kim-b", "--credentials-stdin")
    assert replaced.code == 0 and "replaced" in replaced.out and "new-secret" not in replaced.out
    assert decrypt_credentials(_tokens(warehouse)["kim-b"], current.encode()) == {"apiKey": "new-a", "secret": "new-secret"}
    monkeypatch.setenv("NEW_KEY", generate_key())
    assert cli("keys", "rotate", "--new-key-env", "NEW_KEY").code == 0
    monkeypatch.setenv("PIPELINES_SECRET_KEY", os.environ["NEW_KEY"])
    # A key that decrypts none of the other stored credentials is refused here too.
    monkeypatch.setenv("PIPELINES_SECRET_KEY", generate_key())
    monkeypatch.setattr("sys.stdin", io.StringIO("api_key=x\nsecret=y"))
    wrong = cli("integrations", "credentials", "kim-b", "--credentials-stdin")
    assert wrong.code == 2 and "cannot decrypt the credentials already stored (of kim-a)" in wrong.err
    monkeypatch.setenv("PIPELINES_SECRET_KEY", os.environ["NEW_KEY"])
    # Binance needs key and secret: removing them is refused; a manual integration's are removed.
    refused = cli("integrations", "credentials", "kim-b", "--remove")
    assert refused.code == 2 and "needs the credentials" in refused.err
    assert cli("integrations", "credentials", "kim-a").code == 2  # neither credentials nor --remove
    removed = cli("integrations", "credentials", "kim-a", "--remove")
    assert removed.code == 0 and _tokens(warehouse)["kim-a"] is None
