"""The review desk's own table: the people who may sign in, with their role and password hash.

Users are not brand-scoped: one desk serves every brand in the warehouse."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, NaturalKey, Timestamps

ROLES = ("viewer", "editor", "approver")  # each may do what the one before it may, and more


class DeskUser(Base, NaturalKey, Timestamps):
    """One person: `role` is viewer (reads), editor (also edits and reschedules) or approver (also
    approves and rejects); `password_hash` is argon2id, never the password."""

    __tablename__ = "desk_users"
    natural_key = ("name",)

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
