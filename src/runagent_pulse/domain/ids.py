"""Identifiers: a prefix, then a time-ordered part, so ids sort by creation time."""

from __future__ import annotations

import os
import time

RANDOM_READ_BYTES = 4096
"""Random bytes read from the OS at once: a read per id (a system call) was a third of an id's
cost, and a batch of 10,000 tasks makes 20,000 ids."""

_last = 0
_random_hex = ""
_random_used = 0


def _random_part() -> str:
    """8 hex digits (32 bits) from the OS's cryptographic source, read in blocks."""
    global _random_hex, _random_used
    if _random_used >= len(_random_hex):
        _random_hex, _random_used = os.urandom(RANDOM_READ_BYTES).hex(), 0
    start = _random_used
    _random_used = start + 8
    return _random_hex[start : start + 8]


def new_id(prefix: str) -> str:
    """``tsk_0193a1b2c3d4e5f60718293a``: 48-bit milliseconds, a 16-bit sequence, 32 random bits."""
    global _last
    stamp = time.time_ns() // 1_000_000 << 16
    _last = max(stamp, _last + 1)
    return f"{prefix}_{_last:016x}{_random_part()}"
