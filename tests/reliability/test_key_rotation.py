"""Rotating the encryption key re-encrypts every stored credential; the old key stops working."""

from __future__ import annotations

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
