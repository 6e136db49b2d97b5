"""Console accounts: create one (argon2-hashed password) and check a sign-in against it, throttled."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.problems import Conflict, DomainError, InvalidInput, Unauthorized
from aftersales.security import passwords, throttle
from aftersales.security.account_models import ConsoleAccount
from aftersales.security.principals import Role
from aftersales.security.tokens import check_binding, parse_role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,59}$")


class TooManyAttempts(DomainError):
    status = 429
    code = "too-many-attempts"
    title = "尝试次数过多 / Too many attempts"


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput("用户名须为3–60位小写字母、数字或 . _ @ - / a username is 3–60 characters: letters, "
                           "digits, . _ @ -", field="username")
    return name


def create_account(session: Session, *, role: str, username: str, password: str, now: datetime,
                   party: str | None = None, display_name: str = "") -> ConsoleAccount:
    """A new account; for a buyer `party` is the buyer id, for everyone else the party the account speaks for."""
    parsed = parse_role(role)
    name = normalise_username(username)
    buyer_id = party if parsed is Role.buyer else None
    party_id = None if parsed is Role.buyer else party
    check_binding(session, parsed, party_id, buyer_id)
    if session.scalar(select(ConsoleAccount.id).where(ConsoleAccount.username == name)) is not None:
        raise Conflict(f"用户名 {name} 已存在 / username {name} is taken", field="username")
    account = ConsoleAccount(username=name, password_hash=passwords.hash_password(password), role=parsed.value,
                             display_name=display_name or name, buyer_id=buyer_id, party_id=party_id,
                             created_at=now, password_changed_at=now)
    session.add(account)
    session.flush()
    return account


def _find(session: Session, username: str) -> ConsoleAccount | None:
    name = username.strip().lower()
    if not name or len(name) > 60:
        return None
    return session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == name))


def sign_in(factory: sessionmaker[Session], username: str, password: str, address: str,
            now: datetime) -> ConsoleAccount:
    """The account when name and password match and neither the name nor the address is locked out."""
    with factory() as session:
        wait = throttle.retry_after(session, username, address, now)
        if wait > 0:
            raise TooManyAttempts(f"尝试次数过多，请 {wait} 秒后再试 / too many attempts; try again in {wait} s",
                                  retry_after=wait)
        account = _find(session, username)
        usable = account is not None and account.disabled_at is None
        matched = passwords.verify_password(account.password_hash if usable and account else None, password)
        if not matched or account is None:
            _record_failure(factory, username, address, now)
            raise Unauthorized("用户名或密码错误 / wrong username or password", field="password")
        throttle.clear(session, username)
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.rehash(password)
        session.commit()
        return account


def _record_failure(factory: sessionmaker[Session], username: str, address: str, now: datetime) -> None:
    # two workers may count the first failure of one name at once: the loser retries against the winner's row
    for attempt in range(2):
        with factory() as session:
            try:
                throttle.record_failure(session, username, address, now)
                session.commit()
                return
            except IntegrityError:
                session.rollback()
                if attempt:
                    raise
