"""When to try a callback again: the configured schedule, jittered, never before Retry-After."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

JITTER = 0.15
"""Each delay is multiplied by a factor drawn from ``[1 - JITTER, 1 + JITTER]``."""
MAX_RETRY_AFTER = timedelta(hours=24)
"""A receiver's ``Retry-After`` is honoured up to this long."""


def next_delay(
    attempt_number: int,
    schedule: Sequence[timedelta],
    *,
    retry_after: float | None,
    rng: random.Random,
) -> timedelta | None:
    """Delay before the next attempt, or ``None`` when the schedule is exhausted.

    ``attempt_number`` is how many attempts were already made; ``schedule[n]`` is the nominal
    delay before attempt ``n + 1`` (so ``schedule[0]`` is the first attempt, usually ``0``).
    ``retry_after`` (seconds, from the receiver) is a lower bound, capped at 24 hours.
    """
    if attempt_number < 0:
        raise ValueError("attempt_number must be >= 0")
    if attempt_number >= len(schedule):
        return None
    base = max(schedule[attempt_number], timedelta(0))
    delay = base * rng.uniform(1 - JITTER, 1 + JITTER) if base else timedelta(0)
    if retry_after is not None and retry_after > 0:
        floor = min(timedelta(seconds=retry_after), MAX_RETRY_AFTER)
        delay = max(delay, floor)
    return max(delay, timedelta(0))
