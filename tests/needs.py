"""What a test needs from the machine. The project's own set-up (scripts/bootstrap.sh) installs all of
it, so under CI a missing piece is a failure of that set-up, not a reason to skip; on a developer's
machine without it the test is skipped with the reason."""

from __future__ import annotations

import os

import pytest


def unavailable(message: str) -> None:
    """Fail under CI (CI=true), skip elsewhere; `message` says what is missing."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
