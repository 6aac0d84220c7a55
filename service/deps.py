"""Typed dependencies: the session, the caller, the use-case context."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from service.repository import PageRequest
from service.security import Principal
from service.usecases.common import Context
from service.usecases.keys import authenticate


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    authorization: Annotated[str | None, Header(description="Bearer rg_…")] = None,
    x_api_key: Annotated[str | None, Header(description="rg_… (alternative to Authorization)")] = None,
) -> Principal:
    token = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:]
    return authenticate(session, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_context(request: Request, session: SessionDep, principal: PrincipalDep) -> Context:
    state = request.app.state
    return Context(session=session, principal=principal, cipher=state.cipher, listeners=state.listeners,
                   clock=state.clock)


ContextDep = Annotated[Context, Depends(get_context)]


def get_page(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000, description="从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> PageRequest:
    return PageRequest(page=page, page_size=min(page_size, request.app.state.settings.max_page_size))


PageDep = Annotated[PageRequest, Depends(get_page)]
