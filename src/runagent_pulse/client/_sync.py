"""``PulseClient``: the blocking façade of :class:`AsyncPulseClient`.

Each method runs the async client's coroutine of the same name on a private event loop (see
``_portal``); tasks come back as :class:`PulseTask`. No logic lives here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import httpx

from runagent_pulse.client._async import AsyncPulseClient
from runagent_pulse.client._portal import Portal, blocking
from runagent_pulse.client.task import AsyncPulseTask, PulseTask

P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])


def _returning_task(
    fn: Callable[Concatenate[AsyncPulseClient, P], Coroutine[Any, Any, AsyncPulseTask]],
) -> Callable[Concatenate[PulseClient, P], PulseTask]:
    name = fn.__name__

    def method(self: PulseClient, /, *args: P.args, **kwargs: P.kwargs) -> PulseTask:
        return PulseTask(
            self._portal.call(getattr(self._async, name), *args, **kwargs), self._portal
        )

    return _returns(method, fn, "PulseTask")


def _returning_tasks(
    fn: Callable[Concatenate[AsyncPulseClient, P], Coroutine[Any, Any, list[AsyncPulseTask]]],
) -> Callable[Concatenate[PulseClient, P], list[PulseTask]]:
    name = fn.__name__

    def method(self: PulseClient, /, *args: P.args, **kwargs: P.kwargs) -> list[PulseTask]:
        tasks = self._portal.call(getattr(self._async, name), *args, **kwargs)
        return [PulseTask(task, self._portal) for task in tasks]

    return _returns(method, fn, "list[PulseTask]")


def _returns(method: F, fn: Callable[..., Any], annotation: str) -> F:
    """Show the async method's parameters with the sync return type in ``help()`` and IDEs."""
    functools.update_wrapper(method, fn)
    signature = inspect.signature(fn).replace(return_annotation=annotation)
    cast(Any, method).__signature__ = signature
    return method


class PulseClient:
    """Synchronous client of a Pulse server (works inside a running event loop too).

    ``server_url`` and ``api_key`` default to ``PULSE_SERVER_URL`` and ``PULSE_API_KEY``, then
    to ``http://localhost:8000`` and no key. ``transport`` replaces the network (for tests:
    ``httpx.MockTransport``). Use it as a context manager, or call :meth:`close` when done.
    """

    def __init__(
        self,
        server_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._portal = Portal()

        async def build() -> AsyncPulseClient:  # the httpx client is born on the loop it uses
            return AsyncPulseClient(server_url, api_key, timeout, transport)

        try:
            self._async = self._portal.call(build)
        except BaseException:
            self._portal.close()
            raise

    @property
    def server_url(self) -> str:
        return self._async.server_url

    def __enter__(self) -> PulseClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the private event loop (idempotent)."""
        if not self._portal.closed:
            self._portal.call(self._async.aclose)
            self._portal.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server_url={self.server_url!r})"

    schedule_agent = _returning_task(AsyncPulseClient.schedule_agent)
    schedule_http = _returning_task(AsyncPulseClient.schedule_http)
    schedule_batch = _returning_tasks(AsyncPulseClient.schedule_batch)
    get_task = _returning_task(AsyncPulseClient.get_task)
    list_tasks = _returning_tasks(AsyncPulseClient.list_tasks)
    update_task = _returning_task(AsyncPulseClient.update_task)
    cancel_task = _returning_task(AsyncPulseClient.cancel_task)
    pause_task = _returning_task(AsyncPulseClient.pause_task)
    resume_task = _returning_task(AsyncPulseClient.resume_task)
    trigger_task = blocking(AsyncPulseClient.trigger_task)
    get_task_result = blocking(AsyncPulseClient.get_task_result)
    get_history = blocking(AsyncPulseClient.get_history)
    list_runs = blocking(AsyncPulseClient.list_runs)
    get_run = blocking(AsyncPulseClient.get_run)
    wait_run = blocking(AsyncPulseClient.wait_run)
    cancel_run = blocking(AsyncPulseClient.cancel_run)
    get_deliveries = blocking(AsyncPulseClient.get_deliveries)
    redeliver = blocking(AsyncPulseClient.redeliver)
    create_team = blocking(AsyncPulseClient.create_team)
    get_team = blocking(AsyncPulseClient.get_team)
    list_teams = blocking(AsyncPulseClient.list_teams)
    update_team = blocking(AsyncPulseClient.update_team)
    delete_team = blocking(AsyncPulseClient.delete_team)
    schedule_team = _returning_task(AsyncPulseClient.schedule_team)
    get_conversation = blocking(AsyncPulseClient.get_conversation)
    get_deployment = blocking(AsyncPulseClient.get_deployment)
    get_run_events = blocking(AsyncPulseClient.get_run_events)
    list_nodes = blocking(AsyncPulseClient.list_nodes)
    parse_when = blocking(AsyncPulseClient.parse_when)
    get_config = blocking(AsyncPulseClient.get_config)
    list_executors = blocking(AsyncPulseClient.list_executors)
    health = blocking(AsyncPulseClient.health)

    @functools.wraps(AsyncPulseClient.iter_tasks)
    def iter_tasks(self, *args: Any, **kwargs: Any) -> Iterator[PulseTask]:
        for task in self._portal.iterate(self._async.iter_tasks(*args, **kwargs)):
            yield PulseTask(task, self._portal)

    @functools.wraps(AsyncPulseClient.iter_runs)
    def iter_runs(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield from self._portal.iterate(self._async.iter_runs(*args, **kwargs))

    @functools.wraps(AsyncPulseClient.iter_run_events)
    def iter_run_events(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield from self._portal.iterate(self._async.iter_run_events(*args, **kwargs))
