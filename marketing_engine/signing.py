"""The one signing secret of this installation: the review desk's session cookies and the outreach
emails' one-click unsubscribe tokens are signed with it.

`MARKETING_ENGINE_DESK_SECRET` when set (several desk processes, or a secret manager); otherwise a
random secret generated once and kept in the engine home (`desk_secret`, mode 0600), so cookies and
links stay valid across restarts. It is read when asked for, never at import time.

In prod (MARKETING_ENGINE_ENV=prod) the variable is required: the worker that signs an email's
unsubscribe link and the desk that checks it may run on different machines, each with its own home.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dagster import EnvVar

from marketing_engine.settings import engine_home, environment

SECRET_ENV = "MARKETING_ENGINE_DESK_SECRET"
SECRET_FILE = "desk_secret"
MIN_LENGTH = 32


def signing_secret(home: Path | None = None) -> str:
    """The secret from the environment, else from (or first written to) the engine home."""
    given = (EnvVar(SECRET_ENV).get_value() or "").strip()
    if given:
        if len(given) < MIN_LENGTH:
            raise ValueError(f"{SECRET_ENV} is {len(given)} characters: use at least {MIN_LENGTH}")
        return given
    if environment() == "prod":
        raise ValueError(
            f"{SECRET_ENV} is not set: in prod every machine signs and checks with the same secret "
            "(a secret kept in one machine's engine home would not verify on another)"
        )
    path = (home or engine_home()) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting at once keep the first one's secret
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if len(secret) < MIN_LENGTH:
        raise ValueError(f"{path} holds {len(secret)} characters: delete it to have a new secret made")
    return secret
