"""Abuse limits 限流: request rates per key and per client address, and lock-outs after failed sign-ins.

Counting is done by the maintained ``limits`` library (sliding-window counters) in one storage: this
process's memory by default, or Redis (``RENGANG_RATE_LIMIT_STORAGE=redis://…``) so that several serving
processes share the counts. The named limits come from settings, each counted per the identities in
:data:`COUNTED_PER`:

* ``api``: every authenticated ``/api/v1`` request, per key;
* ``kiosk``: the kiosk page and its endpoints, per kiosk key and per client address;
* ``matching``: free-text matching (``POST /api/v1/matches/jobs``), per key and per client address;
* ``public``: the public take-away page behind the kiosk's QR code, per client address.

Failed sign-ins are counted per client address and per presented key id (scope ``auth``: API keys and
the kiosk setup) or per client address (scope ``console``: the officers' login). Reaching the failure
limit locks the caller out of that scope for its lock-out time, doubled for each further lock-out within
a day up to ``rate_limit_lockout_max_seconds``. A locked-out caller is refused before its key is looked
at, from the storage alone (no database). Every refusal answers 429 with ``Retry-After`` and is logged at
WARNING with the limit and the address, never a token.

The client address is ``request.client.host``. uvicorn takes it from ``X-Forwarded-For`` only for a
connection from a trusted proxy (``FORWARDED_ALLOW_IPS``, default 127.0.0.1): a proxy on another machine
must be named there, or every caller is counted as the proxy.

If the storage cannot be reached, requests are let through and that is logged (at most once a minute):
a Redis outage must not take the service down with it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from fastapi import Request
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.concurrency import run_in_threadpool

from service.errors import TooManyRequests, Unauthorized
from service.settings import Settings, parse_rate_limits
from service.usecases.keys import presented_key_id

log = logging.getLogger("rengang")

LimitName = Literal["api", "kiosk", "matching", "public"]
Scope = Literal["auth", "console"]

COUNTED_PER: dict[str, tuple[str, ...]] = {
    "api": ("key",),  # not per address: a whole office may share one
    "kiosk": ("key", "address"),
    "matching": ("key", "address"),
    "public": ("address",),
}
NAMESPACE = "rengang"
STRIKE_MEMORY_SECONDS = 24 * 3600  # a lock-out within a day of the first lasts twice as long as the one before
STORAGE_ERROR_LOG_SECONDS = 60.0

T = TypeVar("T")


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy: configure uvicorn's proxy headers)."""
    return request.client.host if request.client else "unknown"


class Limiter:
    """The named limits and lock-outs of one app, over one ``limits`` storage.

    The methods are synchronous; from ``async def`` code use :meth:`call`, which runs them inline on the
    in-memory storage and in the thread pool on a networked one. Disabled, every method lets all through.
    """

    def __init__(self, settings: Settings, *, key_prefix: str = NAMESPACE):
        self.enabled: bool = settings.rate_limit_enabled
        self.storage: Storage | None = None
        self.local = True
        self._errors_logged_at = -math.inf
        self._errors_lock = threading.Lock()
        if not self.enabled:
            if settings.env == "production":
                log.warning("abuse limits are off (RENGANG_RATE_LIMIT_ENABLED=false): nothing answers 429")
            return

        def items(value: str) -> list[RateLimitItem]:
            return [type(i)(i.amount, i.multiples, namespace=NAMESPACE) for i in parse_rate_limits(value)]

        self.limits = {"api": items(settings.rate_limit_api), "kiosk": items(settings.rate_limit_kiosk),
                       "matching": items(settings.rate_limit_matching), "public": items(settings.rate_limit_public)}
        self.failures = {"auth": items(settings.rate_limit_auth_failures),
                         "console": items(settings.rate_limit_console_failures)}
        self.lockout_seconds = {"auth": settings.rate_limit_auth_lockout_seconds,
                                "console": settings.rate_limit_console_lockout_seconds}
        self.lockout_max_seconds: int = settings.rate_limit_lockout_max_seconds
        uri: str = settings.rate_limit_storage
        self.storage = storage_from_string(uri, wrap_exceptions=True,
                                           **({} if uri.startswith("memory") else {"key_prefix": key_prefix}))
        self.local = isinstance(self.storage, MemoryStorage)
        # the sliding-window calls are not wrapped into StorageError by `limits`: catch the client's own too
        self._storage_errors = (StorageError,) if self.local else (StorageError, self.storage.base_exceptions)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    # --- request rates -----------------------------------------------------------------------

    def hit(self, name: LimitName, *, address: str, key_id: str | None = None) -> None:
        """Count one request against limit ``name``; 429 (``TooManyRequests``) once it is spent."""
        if not self.enabled:
            return
        who = {"address": address, "key": key_id}
        with self._failing_open():
            for kind in COUNTED_PER[name]:
                if who[kind] is None:
                    continue
                for item in self.limits[name]:
                    if not self.strategy.hit(item, name, kind, who[kind]):
                        retry = _seconds_until(self.strategy.get_window_stats(item, name, kind, who[kind]).reset_time)
                        log.warning("rate limit %s (%s per %s) refused address=%s key=%s retry_after=%ds", name,
                                    item, kind, address, key_id or "-", retry)
                        raise TooManyRequests(retry_after=retry)

    # --- failed sign-ins ---------------------------------------------------------------------

    def ensure_unlocked(self, scope: Scope, *, address: str, key_id: str | None = None) -> None:
        """429 if the address (or the presented key id) is locked out of ``scope``; storage reads only."""
        if not self.enabled:
            return
        with self._failing_open():
            for kind, value in _identities(scope, address, key_id):
                lock = _key("lockout", scope, kind, value)
                if self.storage.get(lock) > 0:
                    retry = _seconds_until(self.storage.get_expiry(lock))
                    log.warning("lockout %s refused address=%s key=%s (locked per %s) retry_after=%ds", scope,
                                address, key_id or "-", kind, retry)
                    raise TooManyRequests(_locked_message(retry), retry_after=retry)

    def failed(self, scope: Scope, *, address: str, key_id: str | None = None) -> TooManyRequests | None:
        """Count a failed sign-in; the 429 to answer with when this failure locks the caller out, else None."""
        if not self.enabled:
            return None
        locked = None
        with self._failing_open():
            for kind, value in _identities(scope, address, key_id):
                spent = False
                for item in self.failures[scope]:
                    counted = self.strategy.hit(item, "failures", scope, kind, value)
                    spent |= not counted or not self.strategy.test(item, "failures", scope, kind, value)
                if not spent:
                    continue
                strikes = self.storage.incr(_key("strikes", scope, kind, value), STRIKE_MEMORY_SECONDS)
                seconds = min(self.lockout_seconds[scope] * 2 ** min(strikes - 1, 16), self.lockout_max_seconds)
                self.storage.incr(_key("lockout", scope, kind, value), seconds)
                log.warning("lockout %s: address=%s key=%s locked per %s for %ds after repeated failed sign-ins "
                            "(lock-out %d within a day)", scope, address, key_id or "-", kind, seconds, strikes)
                locked = TooManyRequests(_locked_message(seconds), retry_after=seconds)
        return locked

    # --- plumbing ----------------------------------------------------------------------------

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one of this limiter's methods from async code without blocking the loop on a networked store."""
        if self.local:
            return method(*args, **kwargs)
        return await run_in_threadpool(method, *args, **kwargs)

    def reset(self) -> None:
        """Forget every count and lock-out (between tests; or to lift every lock-out at once)."""
        if self.storage is not None:
            self.storage.reset()

    @contextmanager
    def _failing_open(self) -> Iterator[None]:
        try:
            yield
        except self._storage_errors as exc:
            now = time.monotonic()
            with self._errors_lock:
                if now - self._errors_logged_at < STORAGE_ERROR_LOG_SECONDS:
                    return
                self._errors_logged_at = now
            cause = exc.storage_error if isinstance(exc, StorageError) else exc
            log.error("rate-limit storage failed; requests go through unlimited until it is back: %s: %s",
                      type(cause).__name__, cause)


def _identities(scope: Scope, address: str, key_id: str | None) -> list[tuple[str, str]]:
    who = [("address", address)]
    if scope == "auth" and key_id:
        who.append(("key", key_id))
    return who


def _key(*parts: str) -> str:
    return "/".join((NAMESPACE, *parts))


def _seconds_until(moment: float) -> int:
    return max(1, math.ceil(moment - time.time()))


def _locked_message(seconds: int) -> str:
    return f"验证失败次数过多，已暂时锁定，请在 {seconds} 秒后重试"


def throttle(request: Request, name: LimitName, *, key_id: str | None = None) -> None:
    """Count this request against limit ``name`` for its client address (and key); synchronous."""
    request.app.state.limiter.hit(name, address=client_address(request), key_id=key_id)


def verify_key(request: Request, token: str | None, verify: Callable[[str | None], T]) -> T:
    """``verify(token)`` under the ``auth`` lock-out, from synchronous code: 429 while the address or the
    claimed key id is locked out, and each ``Unauthorized`` counted as a failed sign-in."""
    limiter, address, key_id = request.app.state.limiter, client_address(request), presented_key_id(token)
    limiter.ensure_unlocked("auth", address=address, key_id=key_id)
    try:
        return verify(token)
    except Unauthorized:
        if token:
            limiter.failed("auth", address=address, key_id=key_id)
        raise
