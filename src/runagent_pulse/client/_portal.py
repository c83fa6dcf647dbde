"""Run the async client from synchronous code: one private event loop in a background thread
(anyio's blocking portal).

Every blocking call hands a coroutine to that loop and waits for its result, so the sync API
works the same in a script, in a thread, or inside a running event loop (Jupyter, an ``async``
web handler) where ``asyncio.run`` would refuse to start.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from anyio.from_thread import start_blocking_portal

from runagent_pulse.client.errors import PulseError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Portal:
    """A daemon thread running an event loop, and a way to call coroutines on it."""

    def __init__(self) -> None:
        self._exit = contextlib.ExitStack()
        self._portal = self._exit.enter_context(start_blocking_portal())
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def call(self, fn: Callable[P, Coroutine[Any, Any, R]], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn(*args, **kwargs)`` on the portal's loop and return its result."""
        if self._closed:
            raise PulseError("This Pulse client is closed.", code="client_closed")
        future = self._portal.start_task_soon(functools.partial(fn, *args, **kwargs))
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
        self._closed = True
        self._exit.close()


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
