"""Officer accounts and console sessions: create, sign in, resolve a session per request, sign out.

A session is valid while it has not been ended, has seen a request within the idle limit
(``console_idle_minutes``) and is younger than the absolute limit (``console_session_max_hours``). Its
account (or, for a session opened with a key, its API key) is read again on every request, so disabling the
account or revoking the key ends the session at once. Sign-ins, failed sign-ins and sign-outs are audited;
a password never is, and a failed sign-in names the account only when one by that name exists (a password
typed into the name field must not land in the log).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matching import refdata
from matching.enums import Role
from service import repository as repo
from service.accounts import passwords
from service.accounts import repository as arepo
from service.errors import Conflict, InvalidInput, NotFound
from service.models.accounts import ConsoleSession, OfficerAccount
from service.security import Principal

USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,23}")
ACCOUNT_ROLES = (Role.officer, Role.admin)
KEY_ID_PREFIX = "user:"  # an account's principal key id: "user:zhangsan" (audit rows, referrals' created_by)
TOUCH_SECONDS = 30  # last_seen_at is written at most this often (one write per page view is not needed)


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings) -> SessionLimits:
        return cls(idle=timedelta(minutes=settings.console_idle_minutes),
                   absolute=timedelta(hours=settings.console_session_max_hours))


def principal_of(account: OfficerAccount) -> Principal:
    return Principal(key_id=KEY_ID_PREFIX + account.username, role=Role(account.role),
                     region_prefix=account.region_prefix)


def normal_username(value: str) -> str:
    return value.strip().lower()


# --- accounts -------------------------------------------------------------------------------------


def create_account(session: Session, *, username: str, password: str, region_prefix: str | None,
                   role: Role = Role.officer, display_name: str = "", created_by: str) -> OfficerAccount:
    """A new account; the password is kept only as its argon2id hash. Committed here."""
    username = normal_username(username)
    if not USERNAME.fullmatch(username):
        raise InvalidInput("用户名须为 3–24 位小写字母、数字或 . _ -，以字母开头", field="username",
                           code="invalid_username")
    if role not in ACCOUNT_ROLES:
        raise InvalidInput("账号角色只能是经办人员（officer）或管理员（admin）", field="role", code="invalid_role")
    if role is Role.officer and not region_prefix:
        raise InvalidInput("经办人员账号必须指定管辖区划前缀（--region）", field="region_prefix", code="region_required")
    if region_prefix and not refdata.is_region_prefix(region_prefix):
        raise InvalidInput("未知的行政区划代码（省2位、市4位或县6位）", field="region_prefix", code="unknown_region")
    if (problem := passwords.password_problem(password, username=username)) is not None:
        raise InvalidInput(problem, field="password", code="weak_password")
    display_name = " ".join(display_name.split())[:50]
    account = OfficerAccount(username=username, display_name=display_name, role=role.value,
                             region_prefix=region_prefix or None, password_hash=passwords.hash_password(password),
                             created_by=created_by[:64])
    session.add(account)
    try:
        session.flush()
        repo.add_audit_events(session, [_event(created_by, "admin", "account.create", account.id,
                                               username=username, region_prefix=region_prefix, role=role.value)])
        session.commit()
    except IntegrityError as e:
        session.rollback()
        raise Conflict("该用户名已被使用", field="username", code="duplicate_username") from e
    return account


def _account(session: Session, username: str) -> OfficerAccount:
    account = arepo.account_by_username(session, username=normal_username(username))
    if account is None:
        raise NotFound("没有这个账号", code="unknown_account")
    return account


def list_accounts(session: Session) -> list[OfficerAccount]:
    return arepo.list_accounts(session)


def disable_account(session: Session, *, username: str, now: datetime, by: str) -> OfficerAccount:
    """The account can no longer sign in, and its open sessions end now."""
    account = _account(session, username)
    if account.disabled_at is None:
        account.disabled_at = now
        arepo.end_sessions_of(session, account_id=account.id, now=now)
        repo.add_audit_events(session, [_event(by, "admin", "account.disable", account.id)])
        session.commit()
    return account


def set_password(session: Session, *, username: str, password: str, now: datetime, by: str) -> OfficerAccount:
    """A new password (reset by an admin); every open session of the account ends."""
    account = _account(session, username)
    if (problem := passwords.password_problem(password, username=account.username)) is not None:
        raise InvalidInput(problem, field="password", code="weak_password")
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = now
    arepo.end_sessions_of(session, account_id=account.id, now=now)
    repo.add_audit_events(session, [_event(by, "admin", "account.password", account.id)])
    session.commit()
    return account


# --- signing in -----------------------------------------------------------------------------------


def check_password(session: Session, *, username: str, password: str, address: str) -> OfficerAccount | None:
    """The account if the name and password are right and it is enabled; else None, with the failure audited
    (and committed: it must outlive the refusal)."""
    name = normal_username(username)
    account = arepo.account_by_username(session, username=name) if USERNAME.fullmatch(name) else None
    if account is None:
        passwords.spend_like_a_check(password)
        reason = "unknown_user"
    elif not passwords.verify_password(account.password_hash, password):
        reason = "wrong_password"
    elif account.disabled_at is not None:
        reason = "disabled"
    else:
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        return account
    who = KEY_ID_PREFIX + (account.username if account is not None else "?")
    repo.add_audit_events(session, [_event(who, account.role if account else "anonymous", "console.login_failed",
                                           account.id if account else None, reason=reason, address=address)])
    session.commit()
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(session: Session, *, principal: Principal, now: datetime, limits: SessionLimits, address: str,
                 account: OfficerAccount | None = None) -> str:
    """A new console session for an account (or an API key's principal); the token for the cookie, returned once."""
    token = secrets.token_urlsafe(32)
    arepo.forget_old_sessions(session, before=now - timedelta(days=1))
    session.add(ConsoleSession(token_hash=_token_hash(token), account_id=account.id if account else None,
                               key_id=None if account else principal.key_id, created_at=now, last_seen_at=now,
                               expires_at=now + limits.absolute, address=address[:64]))
    if account is not None:
        account.last_login_at = now
    repo.add_audit_events(session, [_event(principal.key_id, principal.role.value, "console.login",
                                           account.id if account else None, address=address,
                                           method="password" if account else "api_key")])
    session.commit()
    return token


def resolve_session(session: Session, *, token: str, now: datetime, limits: SessionLimits) -> Principal | None:
    """The caller behind a session cookie, or None when there is no such session or it has ended, idled out, run
    past its absolute limit, or its account or key no longer allows it. Marks the session seen."""
    if not token or len(token) > 100:
        return None
    row = arepo.session_by_token_hash(session, token_hash=_token_hash(token))
    if row is None or row.ended_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= limits.idle:
        row.ended_at = now
        session.commit()
        return None
    principal = _session_principal(session, row)
    if principal is None:
        return None
    if (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        row.last_seen_at = now
        session.commit()
    return principal


def _session_principal(session: Session, row: ConsoleSession) -> Principal | None:
    if row.account_id is not None:
        account = session.get(OfficerAccount, row.account_id)
        if account is None or account.disabled_at is not None or account.role not in {r.value for r in ACCOUNT_ROLES}:
            return None
        return principal_of(account)
    key = repo.api_key_by_key_id(session, key_id=row.key_id or "")
    if key is None or key.revoked_at is not None or key.role not in (Role.officer.value, Role.admin.value):
        return None
    return Principal(key_id=key.key_id, role=Role(key.role), region_prefix=key.region_prefix)


def end_session(session: Session, *, token: str, now: datetime) -> None:
    """Sign out: the session is ended on the server, whatever the browser keeps."""
    row = arepo.session_by_token_hash(session, token_hash=_token_hash(token)) if token else None
    if row is None or row.ended_at is not None:
        return
    row.ended_at = now
    principal = _session_principal(session, row)
    if principal is not None:
        repo.add_audit_events(session, [_event(principal.key_id, principal.role.value, "console.logout",
                                               row.account_id)])
    session.commit()


def _event(key_id: str, role: str, action: str, record_id: int | None, /, **detail) -> dict:
    return {"key_id": key_id[:32], "role": role[:16], "action": action, "record_type": "officer_account",
            "record_id": record_id, "detail": detail}
