"""API keys: created from the console command, stored as SHA-256, resolved per request.

Resolving a key is a database read, so each process remembers the keys it verified for
:data:`KEY_CACHE_SECONDS` (:class:`KeyCache`). Revoking a key in this process forgets it at once;
a key revoked by another process (``rengang keys revoke``) stops working here within that time.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy.orm import Session

from matching import refdata
from matching.enums import Role
from service import repository as repo
from service.errors import InvalidInput, Unauthorized
from service.models import ApiKey, utcnow
from service.models.fairs import Fair
from service.security import Principal, hash_secret, new_key, parse_token

KEY_CACHE_SECONDS = 5.0
_KEY_ID = re.compile(r"[0-9a-f]{1,32}")

_caches: weakref.WeakSet[KeyCache] = weakref.WeakSet()


class KeyCache:
    """The keys this process verified in the last ``ttl_s`` seconds, so most requests need no key read.

    Entries are keyed by the key id and the SHA-256 of the secret, the digest the database stores: a
    token with a wrong secret never matches one, and no token is kept in clear. Only keys that verified
    are remembered, each for ``ttl_s`` from its verification however often it is used, which bounds how
    long a key revoked elsewhere keeps working here. :func:`revoke_key` forgets a key in every cache of
    this process, and a verification that read the key before such a revocation is not remembered.
    """

    def __init__(self, *, ttl_s: float = KEY_CACHE_SECONDS, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.max_entries, self.clock = ttl_s, max_entries, clock
        self._entries: dict[tuple[str, str], tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self.generation = 0  # bumped by every forget; a verification that straddles one is not kept
        _caches.add(self)

    def get(self, key_id: str, secret_hash: str) -> Principal | None:
        entry = self._entries.get((key_id, secret_hash))
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, key_id: str, secret_hash: str, principal: Principal, *, generation: int) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= self.max_entries:
                now = self.clock()
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self.max_entries:
                    del self._entries[next(iter(self._entries))]
            self._entries[(key_id, secret_hash)] = (self.clock() + self.ttl_s, principal)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self.generation += 1
            self._entries = {k: v for k, v in self._entries.items() if k[0] != key_id}

    def __len__(self) -> int:
        return len(self._entries)


def create_key(session: Session, *, role: Role, region_prefix: str | None = None, name: str = "",
               fair_id: int | None = None) -> tuple[ApiKey, str]:
    """Create a key; the token is returned once and never stored."""
    if fair_id is not None and (role is not Role.kiosk or session.get(Fair, fair_id) is None):
        raise InvalidInput("只有自助机密钥可以绑定招聘会，且招聘会必须存在", field="fair_id", code="unknown_fair")
    if role is Role.officer and not region_prefix:
        raise InvalidInput("经办人员密钥必须指定管辖区划前缀（--region）", field="region_prefix", code="region_required")
    if region_prefix and not refdata.is_region_prefix(region_prefix):
        raise InvalidInput("未知的行政区划代码（省2位、市4位或县6位）", field="region_prefix", code="unknown_region")
    key_id, token, secret_hash = new_key()
    key = ApiKey(key_id=key_id, secret_hash=secret_hash, role=role.value, region_prefix=region_prefix, name=name,
                 fair_id=fair_id)
    session.add(key)
    session.commit()
    return key, token


def _invalid() -> Unauthorized:
    return Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")


def token_digest(token: str | None) -> tuple[str, str]:
    """(key id, SHA-256 of the secret) of a well-formed token; Unauthorized otherwise. No database."""
    parsed = parse_token(token) if token else None
    if parsed is None:
        raise _invalid()
    key_id, secret = parsed
    return key_id, hash_secret(secret)


def presented_key_id(token: str | None) -> str | None:
    """The key id a token claims, for counting failed sign-ins per key; verifies nothing. No database.

    Real key ids are 12 hex digits; anything else is not counted by key (the client address still is), so
    made-up ids cannot fill the limiter's storage with long keys.
    """
    parsed = parse_token(token) if token else None
    return parsed[0] if parsed and _KEY_ID.fullmatch(parsed[0]) else None


def cached_principal(cache: KeyCache, token: str | None) -> Principal | None:
    """The caller behind ``token`` if this process verified it lately; None means ask the database."""
    return cache.get(*token_digest(token))


def authenticate(session: Session, token: str | None, *, cache: KeyCache | None = None) -> Principal:
    key_id, secret_hash = token_digest(token)
    if cache is not None and (principal := cache.get(key_id, secret_hash)) is not None:
        return principal
    generation = cache.generation if cache is not None else 0
    key = repo.api_key_by_key_id(session, key_id=key_id)
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, secret_hash):
        raise _invalid()
    principal = Principal(key_id=key.key_id, role=Role(key.role), region_prefix=key.region_prefix,
                          fair_id=key.fair_id)
    if cache is not None:
        cache.put(key_id, secret_hash, principal, generation=generation)
    return principal


def revoke_key(session: Session, *, key_id: str) -> bool:
    key = repo.api_key_by_key_id(session, key_id=key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    session.commit()
    for cache in list(_caches):  # after the commit: a verification from now on reads the revoked row
        cache.forget(key_id)
    return True
