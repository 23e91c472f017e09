"""Who may use the desk and how: users (argon2id hashes in `desk_users`), roles, the CSRF token
every form carries, and the login rate limit."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketing_engine.warehouse.models.desk import ROLES, DeskUser

HASHER = PasswordHasher()
MIN_PASSWORD = 10
MAX_KEYS = 10_000  # login keys (name|address) remembered before the quiet ones are dropped
# Verified against when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password anybody has")


class UserError(ValueError):
    """A user that cannot be created as asked (unknown role, short password, bad name)."""


def may(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may: viewer < editor < approver."""
    return ROLES.index(role) >= ROLES.index(needed)


def add_user(session: Session, name: str, role: str, password: str) -> DeskUser:
    """Create the user, or set a new role and password for an existing one."""
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise UserError(f"user name {name!r}: 1 to 100 characters, no spaces")
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is {len(password)} characters: use at least {MIN_PASSWORD}")
    user = session.scalar(select(DeskUser).where(DeskUser.name == name))
    if user is None:
        user = DeskUser(name=name, role=role, password_hash="")
        session.add(user)
    user.role, user.password_hash = role, HASHER.hash(password)
    session.flush()
    return user


def find_user(session: Session, name: str) -> DeskUser | None:
    return session.scalar(select(DeskUser).where(DeskUser.name == name))


def authenticate(session: Session, name: str, password: str) -> DeskUser | None:
    """The user when the password matches its hash; None otherwise (same cost either way)."""
    user = find_user(session, name.strip())
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def csrf_token(session: dict) -> str:
    """The session's CSRF token (made on first use); every form posts it back as `csrf`."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session: dict, given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and given and hmac.compare_digest(str(expected), str(given)))


class RateLimit:
    """At most `limit` attempts per key in a sliding `window` of seconds (in this process)."""

    def __init__(self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        """Count one attempt; False when the key already used its `limit` in the window."""
        now = self.clock()
        if len(self._seen) > MAX_KEYS:  # names sprayed to fill memory: forget the quiet ones
            for stale in [k for k, seen in self._seen.items() if not seen or seen[-1] <= now - self.window]:
                del self._seen[stale]
        seen = self._seen[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        return True
