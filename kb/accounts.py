"""Accounts of the editors' app: who may read (viewer) and who may act (editor).

Passwords are stored as argon2id hashes (argon2-cffi's defaults, rehashed on login when those
defaults grow). A login for a name that does not exist still costs one hash check, so timing does
not tell which names exist.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from kb import clock
from kb.models import Account

ROLES = ("editor", "viewer")
MIN_PASSWORD = 8
_NAME = re.compile(r"[\w.@-]{1,64}")


class AccountError(ValueError):
    """A name, role or password the app cannot accept: one line for the CLI."""


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has")


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise AccountError(f"bad user name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def add_user(session: Session, name: str, password: str, role: str = "editor") -> Account:
    """A new account; the name must be new and the password at least ``MIN_PASSWORD`` characters."""
    name = check_name(name)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    if session.exec(select(Account).where(Account.name == name)).first() is not None:
        raise AccountError(f"user {name!r} exists already")
    account = Account(name=name, role=role, password_hash=_hasher().hash(password), created_at=clock.now())
    session.add(account)
    session.flush()
    return account


def list_users(session: Session) -> list[Account]:
    return list(session.exec(select(Account).order_by(Account.name)).all())


def get_user(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name.strip())).first()
    if account is None:
        raise AccountError(f"no user {name!r}")
    return account


def disable_user(session: Session, name: str) -> Account:
    """The account can no longer log in, and its open sessions end at their next request."""
    account = get_user(session, name)
    account.disabled = True
    session.add(account)
    return account


def set_password(session: Session, name: str, password: str) -> Account:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    account = get_user(session, name)
    account.password_hash = _hasher().hash(password)
    session.add(account)
    return account


def authenticate(
    session: Session, name: str, password: str, *, now: datetime | None = None
) -> Account | None:
    """The enabled account with this name and password, else None."""
    account = session.exec(select(Account).where(Account.name == name.strip())).first()
    stored = account.password_hash if account is not None else _dummy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    if _hasher().check_needs_rehash(account.password_hash):
        account.password_hash = _hasher().hash(password)
    account.last_login = now or clock.now()
    session.add(account)
    return account
