"""API keys, roles and the protection of seekers' personal data.

ID numbers and phones are encrypted with AES-GCM and looked up by an HMAC-SHA256;
both keys are derived from the one master secret in settings.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from matching.enums import Role

KEY_PREFIX = "rg"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"rengang-v1", info=purpose).derive(secret)


class PiiCipher:
    """Encrypts personal fields and makes keyed look-up hashes of them."""

    def __init__(self, secret: bytes):
        self._aead = AESGCM(_derive(secret, b"pii-encryption"))
        self._mac_key = _derive(secret, b"pii-lookup")

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, value.encode(), b"rengang-pii")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"rengang-pii").decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a request."""

    key_id: str
    role: Role
    region_prefix: str | None = None
    fair_id: int | None = None  # a kiosk key bound to one fair sees only that fair's open postings

    def in_region(self, region_code: str | None) -> bool:
        """Officers are scoped to a region prefix; other roles are not."""
        if self.role is not Role.officer or not self.region_prefix:
            return True
        return bool(region_code) and region_code.startswith(self.region_prefix)


def new_key() -> tuple[str, str, str]:
    """Return (key_id, full token shown once, sha256 of the secret part)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}", hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a client-supplied string (any characters: ``hmac.compare_digest``
    raises TypeError on non-ASCII str) with the expected one."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
