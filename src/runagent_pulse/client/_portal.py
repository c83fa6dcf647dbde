"""Run the async client from synchronous code: one private event loop in a background thread.

Every blocking call hands a coroutine to that loop and waits for its result, so the sync API
works the same in a script, in a thread, or inside a running event loop (Jupyter, an ``async``
web handler) where ``asyncio.run`` would refuse to start.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from runagent_pulse.client.errors import PulseError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Portal:
    """A daemon thread running an event loop, and a way to call coroutines on it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="pulse-client-loop", daemon=True
        )
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def call(self, fn: Callable[P, Coroutine[Any, Any, R]], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn(*args, **kwargs)`` on the portal's loop and return its result."""
        if self._closed:
            raise PulseError("This Pulse client is closed.", code="client_closed")
        if threading.current_thread() is self._thread:
            raise RuntimeError("A blocking Pulse call cannot be made from the client's own loop")
        future = asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # e.g. KeyboardInterrupt while waiting: stop the coroutine too
            raise

    def iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        """Iterate an async iterator from sync code, closing it when the loop ends early."""

        async def step() -> T:
            return await anext(iterator)

        async def close() -> None:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()

        try:
            while True:
                try:
                    yield self.call(step)
                except StopAsyncIteration:
                    return
        finally:
            if not self._closed:
                self.call(close)

    def close(self) -> None:
        """Stop the loop and its thread (idempotent)."""
        if self._closed:
            return
        future = asyncio.run_coroutine_threadsafe(self._loop.shutdown_asyncgens(), self._loop)
        future.result()
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class HasPortal(Protocol):
    """A sync façade: ``_async`` is the wrapped async object, ``_portal`` runs its coroutines."""

    _async: Any
    _portal: Portal


def blocking(
    fn: Callable[Concatenate[Any, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[HasPortal, P], R]:
    """The sync method calling the same-named coroutine method of ``self._async``."""
    name = fn.__name__

    def method(self: HasPortal, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._portal.call(getattr(self._async, name), *args, **kwargs)
        return result

    functools.update_wrapper(method, fn)
    return method
