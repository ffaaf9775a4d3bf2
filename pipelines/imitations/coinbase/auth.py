"""How the Coinbase imitation checks a request's signing, as Coinbase documents it.

- Legacy API keys (HMAC): headers `CB-ACCESS-KEY`, `CB-ACCESS-TIMESTAMP` (epoch seconds) and
  `CB-ACCESS-SIGN` = hex HMAC-SHA256, keyed with the secret, of timestamp + method + request path
  (with its query) + body. A timestamp more than 30 s away is `request timestamp expired`.
- CDP keys (JWT in `Authorization: Bearer`): the key name `organizations/{org}/apiKeys/{key}` is
  `kid` and `sub`; ES256 (the secret is an EC P-256 PEM key) or EdDSA (the secret is base64 of an
  Ed25519 seed and public key, 88 characters); `nbf`/`exp` at most 120 s apart and around now; the
  claim `uri` (ES256) or `uris` (EdDSA) names exactly this request: "GET api.coinbase.com/v2/accounts"
  (no query). ccxt strips only `https://` from the URL it signs, so over the imitation's plain HTTP
  the claim starts with `http://`, which is stripped here the same way.

`check` returns None when the request is signed right, else (status, body) of Coinbase's answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

#: Coinbase's 401 bodies (the v2 error shape; ccxt maps `authentication_error` to AuthenticationError
#: and the text `request timestamp expired` to InvalidNonce, which it retries with a fresh timestamp).
INVALID_KEY = {"errors": [{"id": "authentication_error", "message": "invalid api key"}]}
INVALID_SIGNATURE = {"errors": [{"id": "authentication_error", "message": "invalid signature"}]}
EXPIRED = {"errors": [{"id": "authentication_error", "message": "request timestamp expired"}]}
UNAUTHORIZED = {"errors": [{"id": "unauthorized", "message": "Unauthorized"}]}
MAX_SKEW_S = 30
JWT_LIFETIME_S = 120


@dataclass(frozen=True)
class Keys:
    """The account's keys: a legacy HMAC key, a CDP ES256 key and a CDP Ed25519 key (public parts)."""

    hmac_key: str
    hmac_secret: str
    cdp_name: str
    ec_public: object
    ed_name: str
    ed_public: object


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check(keys: Keys, method: str, target: str, host: str, headers, now: float | None = None) -> tuple[int, dict] | None:
    """None if `method target` (path with query) carries a valid signature, else Coinbase's error."""
    now = time.time() if now is None else now
    authorization = headers.get("Authorization") or ""
    if authorization.startswith("Bearer "):
        return _check_jwt(keys, method, target.split("?")[0], host, authorization[7:], now)
    key, stamp, sign = (headers.get(h) for h in ("CB-ACCESS-KEY", "CB-ACCESS-TIMESTAMP", "CB-ACCESS-SIGN"))
    if key != keys.hmac_key:
        return 401, INVALID_KEY
    try:
        if abs(now - int(stamp or "")) > MAX_SKEW_S:
            return 401, EXPIRED
    except ValueError:
        return 401, INVALID_SIGNATURE
    expected = hmac.new(keys.hmac_secret.encode(), f"{stamp}{method}{target}".encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, sign or "") else (401, INVALID_SIGNATURE)


def _check_jwt(keys: Keys, method: str, path: str, host: str, token: str, now: float) -> tuple[int, dict] | None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header, claims = json.loads(_b64url(head_b64)), json.loads(_b64url(claims_b64))
        signature, signed = _b64url(sig_b64), f"{head_b64}.{claims_b64}".encode()
    except ValueError:
        return 401, UNAUTHORIZED
    kid, alg = header.get("kid"), header.get("alg")
    try:
        if alg == "ES256" and kid == keys.cdp_name and len(signature) == 64:
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            keys.ec_public.verify(der, signed, ec.ECDSA(hashes.SHA256()))
            uris = [claims.get("uri")]
        elif alg == "EdDSA" and kid == keys.ed_name:
            keys.ed_public.verify(signature, signed)
            uris = claims.get("uris") or []
        else:
            return 401, UNAUTHORIZED
    except InvalidSignature:
        return 401, UNAUTHORIZED
    nbf, exp = claims.get("nbf", 0), claims.get("exp", 0)
    if claims.get("sub") != kid or not nbf - MAX_SKEW_S <= now < exp or exp - nbf > JWT_LIFETIME_S:
        return 401, UNAUTHORIZED
    wanted = f"{method} {host}{path}"
    if [str(u).replace(f"{method} http://", f"{method} ", 1) for u in uris] != [wanted]:
        return 401, UNAUTHORIZED
    return None
