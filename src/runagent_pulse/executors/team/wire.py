"""The framing between Pulse and an agent process: a 4-byte big-endian length, then an
``orjson`` list. JSON both ways (never pickle), so nothing an agent sends is executed.

Messages (``id`` numbers a request; ``ok`` is a bool; an error is ``[type, message]``)::

    agent -> Pulse  ["ready"]                            the entrypoint is loaded
                    ["fatal", type, message]             it cannot be; the process exits
                    ["reply", id, ok, result | error]    answer to a "call"
                    ["ask", id, to, content]             team.ask(to, content)
    Pulse -> agent  ["call", id, kind, sender, content]  kind: "prompt" | "message"
                    ["answer", id, ok, answer | error]   answer to an "ask"
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from runagent_pulse.executors.local_worker import HEADER

MAX_FRAME_BYTES = 64 * 1024 * 1024


class FrameError(Exception):
    """The other side sent something that is not a frame of this protocol."""


def encode(message: list[Any]) -> bytes:
    """One frame; values JSON cannot hold raise ``TypeError``."""
    body = orjson.dumps(message)
    return HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> list[Any] | None:
    """The next message, or None at end of stream.

    Raises:
        FrameError: an oversized or undecodable frame, or a stream cut mid-frame.
    """
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameError("stream ended inside a frame header") from None
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {size} bytes exceeds {MAX_FRAME_BYTES}")
    try:
        body = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise FrameError("stream ended inside a frame") from None
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from None
    if not isinstance(message, list) or not message or not isinstance(message[0], str):
        raise FrameError("frame is not a message list")
    return message
