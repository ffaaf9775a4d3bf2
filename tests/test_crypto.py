"""Credentials are encrypted at rest, and a wrong key is a clear error, not garbage."""

from __future__ import annotations

import pytest

from pipelines.crypto import decrypt_credentials, encrypt_credentials, generate_key
from pipelines.errors import UserError


def test_round_trip_and_no_clear_text():
    key = generate_key().encode()
    creds = {"apiKey": "AKIA-visible-key", "secret": "very-secret-value"}
    token = encrypt_credentials(creds, key)
    assert "AKIA-visible-key" not in token and "very-secret-value" not in token
    assert decrypt_credentials(token, key) == creds


def test_wrong_key_is_a_clear_error():
    token = encrypt_credentials({"apiKey": "a", "secret": "b"}, generate_key().encode())
    with pytest.raises(UserError, match="cannot be decrypted with this encryption key") as info:
        decrypt_credentials(token, generate_key().encode())
    assert token not in str(info.value)


def test_missing_key_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("PIPELINES_SECRET_KEY", raising=False)
    monkeypatch.setenv("PIPELINES_SECRET_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(UserError, match="no encryption key"):
        encrypt_credentials({"apiKey": "a", "secret": "b"})


def test_malformed_key_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PIPELINES_SECRET_KEY", "not-a-fernet-key")
    with pytest.raises(UserError, match="malformed"):
        encrypt_credentials({"apiKey": "a", "secret": "b"})


def test_the_default_key_file_is_named_when_used(monkeypatch, tmp_path, capsys):
    """With neither variable set, the installation's own `data/secret.key` was used without a word
    (a warehouse kept elsewhere was then read with another installation's key). The installation's
    folder is pointed at tmp_path so the test never touches the real data/ folder."""
    import pipelines.crypto
    import pipelines.settings

    monkeypatch.delenv("PIPELINES_SECRET_KEY", raising=False)
    monkeypatch.delenv("PIPELINES_SECRET_KEY_FILE", raising=False)
    monkeypatch.setattr(pipelines.settings, "PROJECT_ROOT", tmp_path)
    pipelines.crypto._say_default_key_file.cache_clear()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret.key").write_text(generate_key() + "\n")
    token = encrypt_credentials({"apiKey": "a", "secret": "b"})
    assert decrypt_credentials(token) == {"apiKey": "a", "secret": "b"}
    err = capsys.readouterr().err
    assert err == f"note: encryption key read from {tmp_path / 'data' / 'secret.key'} (neither PIPELINES_SECRET_KEY " \
                  "nor PIPELINES_SECRET_KEY_FILE is set)\n"  # once per process, not per use
    monkeypatch.setenv("PIPELINES_SECRET_KEY_FILE", str(tmp_path / "data" / "secret.key"))
    pipelines.crypto._say_default_key_file.cache_clear()
    encrypt_credentials({"apiKey": "a", "secret": "b"})
    assert capsys.readouterr().err == ""  # a key file chosen on purpose needs no note
