"""Password hashing with argon2id (``argon2-cffi``, RFC 9106's second recommended profile: 3 passes over
64 MiB, 4 lanes). Only the encoded hash is stored; it names its own parameters, so a change of profile
re-hashes each password at its next successful sign-in."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id by default

MIN_LENGTH = 10
MAX_LENGTH = 128


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why a new password is refused (in Chinese), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    if len(password) > MAX_LENGTH:
        return f"密码不能超过 {MAX_LENGTH} 位"
    if len(set(password)) < 4:
        return "密码过于简单：请混用不同的字母、数字或符号"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(encoded: str, password: str) -> bool:
    try:
        return _HASHER.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    return _HASHER.check_needs_rehash(encoded)


@lru_cache(maxsize=1)
def _decoy() -> str:
    return _HASHER.hash("no account has this password")


def spend_like_a_check(password: str) -> None:
    """The same work as checking a real password, for a user name with no account: the time a sign-in takes does
    not tell whether the name exists."""
    verify_password(_decoy(), password)
