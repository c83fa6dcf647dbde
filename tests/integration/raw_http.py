"""A raw HTTP/1.1 receiver on 127.0.0.1 whose answers each test scripts (callbacks go here)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tests.support.http_target import Received, read_request


def response(status: str, *headers: str, body: bytes = b"") -> bytes:
    """The bytes of an HTTP/1.1 response, e.g. ``response("503 Service Unavailable")``."""
    lines = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", "connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


OK = response("200 OK")


@dataclass
class RawReceiver:
    """Answers from ``script``, then ``default``; with ``hang`` it never answers."""

    script: list[bytes] = field(default_factory=list)
    default: bytes = OK
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            self.received.append(await read_request(reader))
            if self.hang:
                await self.release.wait()
                return
            writer.write(self.script.pop(0) if self.script else self.default)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/results"


@contextlib.asynccontextmanager
async def raw_receiver(*script: bytes, default: bytes = OK) -> AsyncIterator[RawReceiver]:
    """Serve a :class:`RawReceiver` on a free port for the duration of the block."""
    receiver = RawReceiver(script=list(script), default=default)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.close()
        await server.wait_closed()
