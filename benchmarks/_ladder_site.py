"""Scale ladder, the site (and the shared helper of the ladder's cases)."""

from __future__ import annotations

import ctypes
import gc

from benchmarks._ladder import Case


def release_freed_memory() -> None:
    """Hand the memory `prepare` freed back to the system (glibc keeps freed heap for reuse), so a
    run's RSS growth is its own and not hidden by reusing what building the inputs left behind."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


CASES: list[Case] = []
