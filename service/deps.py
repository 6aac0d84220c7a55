"""Typed dependencies: the session, the caller, the use-case context.

They are ``async def`` because none of them waits on anything in the common case: a ``def`` dependency
costs a trip through the thread pool (two for one with ``yield``), which was most of the work of a
small request, and each dependency FastAPI resolves costs a little more, so the context is one. What
does wait on a database runs in the thread pool: reading a key this process has not verified lately,
and giving back a PostgreSQL connection (a rollback on the server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from service.errors import Unauthorized
from service.ratelimit import client_address
from service.repository import PageRequest
from service.security import Principal
from service.usecases.common import Context
from service.usecases.keys import authenticate, cached_principal, presented_key_id

AuthorizationHeader = Annotated[str | None, Header(description="Bearer rg_…")]
ApiKeyHeader = Annotated[str | None, Header(description="rg_… (alternative to Authorization)")]


async def _close(session: Session) -> None:
    if not session.in_transaction() or session.get_bind().dialect.name == "sqlite":
        session.close()  # nothing to give back, or an SQLite connection: its rollback is local and quick
    else:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(session.close)


async def _principal(request: Request, session: Session, authorization: str | None, x_api_key: str | None) -> Principal:
    token = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:]
    cache, limiter = request.app.state.api_keys, request.app.state.limiter
    address, key_id = client_address(request), presented_key_id(token)
    await limiter.call(limiter.ensure_unlocked, "auth", address=address, key_id=key_id)  # before the key is looked at
    try:
        principal = cached_principal(cache, token)  # a malformed token is refused here, without the database
        if principal is None:
            principal = await run_in_threadpool(authenticate, session, token, cache=cache)
    except Unauthorized:
        if token:
            await limiter.call(limiter.failed, "auth", address=address, key_id=key_id)
        raise
    await limiter.call(limiter.hit, "api", address=address, key_id=principal.key_id)
    return principal


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = request.app.state.session_factory()  # connects lazily, on its first statement
    try:
        yield session
    finally:
        await _close(session)


SessionDep = Annotated[Session, Depends(get_session)]


async def get_principal(request: Request, session: SessionDep, authorization: AuthorizationHeader = None,
                        x_api_key: ApiKeyHeader = None) -> Principal:
    return await _principal(request, session, authorization, x_api_key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_context(request: Request, authorization: AuthorizationHeader = None,
                      x_api_key: ApiKeyHeader = None) -> AsyncIterator[Context]:
    """The session, the caller and the app's shared parts for one request (the session closes after it)."""
    state = request.app.state
    session = state.session_factory()
    try:
        principal = await _principal(request, session, authorization, x_api_key)
        yield Context(session=session, principal=principal, cipher=state.cipher,
                      clock=state.clock, read_audit=getattr(state, "read_audit", None))
    finally:
        await _close(session)


ContextDep = Annotated[Context, Depends(get_context)]


async def get_page(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000, description="从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> PageRequest:
    return PageRequest(page=page, page_size=min(page_size, request.app.state.settings.max_page_size))


PageDep = Annotated[PageRequest, Depends(get_page)]
