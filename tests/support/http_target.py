"""A local HTTP server on 127.0.0.1 for the ``http`` executor (and callbacks) to call."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from http import HTTPStatus


@dataclass(frozen=True, slots=True)
class Received:
    """One request an :class:`HttpTarget` answered."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


async def read_request(reader: asyncio.StreamReader) -> Received:
    """Read one HTTP/1.1 request with a ``content-length`` body (or none).

    Raises:
        asyncio.IncompleteReadError: the peer closed the connection first.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return Received(method, path, headers, body)


def _http_response(status: int, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        "set-cookie: session=not-for-results\r\n\r\n"
    )
    return head.encode() + body


class HttpTarget:
    """An HTTP/1.1 server on 127.0.0.1 (asyncio, in a thread of this process, keep-alive) that
    records every request.

    Paths: ``/status/<code>`` answers that code (body ``answer of status <code>``);
    ``/bytes/<n>`` answers ``n`` bytes; ``/slow`` answers only once :attr:`release` is set (or
    after ``hold_bound`` seconds); anything else echoes ``{"method", "path", "body"}`` as JSON.
    Every answer also sets a cookie (which must never reach a run's result).
    """

    def __init__(self, hold_bound: float = 60.0) -> None:
        self.hold_bound = hold_bound
        self.release = threading.Event()
        self.received: list[Received] = []
        self.connections = 0
        """TCP connections accepted so far."""
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> HttpTarget:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    def stop(self) -> None:
        self.release.set()

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            connections = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in connections:
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                request = await read_request(reader)
                self.received.append(request)
                writer.write(await self._answer(request.method, request.path, request.body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, body: bytes) -> bytes:
        parts = path.strip("/").split("/")
        if parts[0] == "status" and len(parts) > 1:
            return _http_response(
                int(parts[1]), f"answer of status {parts[1]}".encode(), "text/plain"
            )
        if parts[0] == "bytes" and len(parts) > 1:
            return _http_response(200, b"x" * int(parts[1]), "text/plain")
        if parts[0] == "json":  # the request's body, answered as JSON as it came
            return _http_response(200, body, "application/json")
        if parts[0] == "slow":
            await asyncio.to_thread(self.release.wait, self.hold_bound)
            return _http_response(200, b'{"slow": true}', "application/json")
        echo = {"method": method, "path": path, "body": body.decode("utf-8")}
        return _http_response(200, json.dumps(echo).encode(), "application/json")
