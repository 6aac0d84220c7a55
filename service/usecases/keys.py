"""API keys: created from the console command, stored as SHA-256, resolved per request."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from matching import refdata
from matching.enums import Role
from service import repository as repo
from service.errors import InvalidInput, Unauthorized
from service.models import ApiKey, utcnow
from service.models_fairs import Fair
from service.security import Principal, hash_secret, new_key, parse_token


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


def authenticate(session: Session, token: str | None) -> Principal:
    parsed = parse_token(token) if token else None
    if parsed is None:
        raise Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")
    key_id, secret = parsed
    key = repo.api_key_by_key_id(session, key_id=key_id)
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        raise Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")
    return Principal(key_id=key.key_id, role=Role(key.role), region_prefix=key.region_prefix, fair_id=key.fair_id)


def revoke_key(session: Session, *, key_id: str) -> bool:
    key = repo.api_key_by_key_id(session, key_id=key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    session.commit()
    return True
