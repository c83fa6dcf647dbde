"""Identifiers: a prefix, then a time-ordered part, so ids sort by creation time."""

from __future__ import annotations

import os
import time

_last = 0


def new_id(prefix: str) -> str:
    """``tsk_0193a1b2c3d4e5f60718293a``: 48-bit milliseconds, a 16-bit sequence, 32 random bits."""
    global _last
    stamp = time.time_ns() // 1_000_000 << 16
    _last = max(stamp, _last + 1)
    return f"{prefix}_{_last:016x}{os.urandom(4).hex()}"
