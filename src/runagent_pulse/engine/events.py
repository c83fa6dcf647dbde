"""Buffering the events running runs emit until the completion writer records them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from runagent_pulse.common.clock import Clock
from runagent_pulse.domain.plans import RunEvent

MAX_EVENTS_PER_RUN = 1000
MAX_EVENT_BYTES = 64 * 1024
MAX_KIND_CHARS = 40
PREVIEW_CHARS = 2000


def _storable(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` itself when it is JSON of a sensible size, else a clearly marked stand-in."""
    try:
        encoded = orjson.dumps(data)
    except TypeError:
        return {"unserializable": True, "preview": repr(data)[:PREVIEW_CHARS]}
    if len(encoded) > MAX_EVENT_BYTES:
        return {
            "truncated": True,
            "bytes": len(encoded),
            "preview": encoded[:PREVIEW_CHARS].decode(errors="replace"),
        }
    return data


class RunEventLog:
    """Per-run buffers of :class:`RunEvent`, capped at :data:`MAX_EVENTS_PER_RUN` per run.

    Events leave a buffer exactly once: with the run's outcome (:meth:`close`) or in a
    periodic flush (:meth:`take_pending`); both go through the completion writer, so a run's
    events are written in the order they were emitted.
    """

    def __init__(self, clock: Clock, on_pending: Callable[[], None]) -> None:
        self._clock = clock
        self._on_pending = on_pending
        self._pending: dict[str, list[RunEvent]] = {}
        self._emitted: dict[str, int] = {}
        self._has_pending = False

    def open(self, run_id: str) -> Callable[[str, dict[str, Any]], None]:
        """Start buffering for ``run_id``; return the callback its ``ExecutionContext`` uses."""
        self._pending[run_id] = []
        self._emitted[run_id] = 0

        def emit(kind: str, data: dict[str, Any]) -> None:
            self._append(run_id, kind, data)

        return emit

    def _append(self, run_id: str, kind: str, data: dict[str, Any]) -> None:
        buffer = self._pending.get(run_id)
        if buffer is None:  # the run already ended
            return
        seq = self._emitted[run_id] + 1
        if seq > MAX_EVENTS_PER_RUN + 1:
            return
        if seq == MAX_EVENTS_PER_RUN + 1:
            kind = "events_truncated"
            data = {"message": f"more than {MAX_EVENTS_PER_RUN} events; later ones were dropped"}
        self._emitted[run_id] = seq
        buffer.append(
            RunEvent(run_id, seq, kind[:MAX_KIND_CHARS], _storable(data), self._clock.now())
        )
        if not self._has_pending:
            self._has_pending = True
            self._on_pending()

    def close(self, run_id: str) -> tuple[RunEvent, ...]:
        """Stop buffering for ``run_id``; return its events not yet taken."""
        self._emitted.pop(run_id, None)
        return tuple(self._pending.pop(run_id, ()))

    def take_pending(self) -> list[RunEvent]:
        """Every buffered event of the runs still running (emptying their buffers)."""
        taken: list[RunEvent] = []
        for buffer in self._pending.values():
            taken += buffer
            buffer.clear()
        self._has_pending = False
        return taken
