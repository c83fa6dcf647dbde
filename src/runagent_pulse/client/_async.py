"""``AsyncPulseClient``: the SDK's logic, talking to the REST API described in ``docs/api.md``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import httpx

from runagent_pulse.client._bodies import api_path, jsonable, task_body
from runagent_pulse.client._http import build_headers, decode_response, translate_transport_errors
from runagent_pulse.client._polling import poll_until
from runagent_pulse.client.errors import PulseTimeoutError
from runagent_pulse.client.task import AsyncPulseTask

DEFAULT_SERVER_URL = "http://localhost:8000"
PAGE_SIZE = 100  # largest page asked for when following cursors


# Keyword arguments of schedule_agent() that go into the create body as they are (None = omitted,
# so the server's defaults apply).
class AsyncPulseClient:
    """Asynchronous client of a Pulse server.

    ``server_url`` and ``api_key`` default to the ``PULSE_SERVER_URL`` and ``PULSE_API_KEY``
    environment variables (as the ``pulse`` CLI reads them), then to ``http://localhost:8000``
    and no key. ``transport`` replaces the network (for tests: ``httpx.MockTransport``). Use it
    as an async context manager, or call :meth:`aclose` when done.
    """

    def __init__(
        self,
        server_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        server_url = server_url or os.environ.get("PULSE_SERVER_URL") or DEFAULT_SERVER_URL
        api_key = api_key if api_key is not None else os.environ.get("PULSE_API_KEY") or None
        self.server_url = server_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.server_url,
            headers=build_headers(api_key),
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> AsyncPulseClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server_url={self.server_url!r})"

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        query = {key: value for key, value in (params or {}).items() if value is not None}
        with translate_transport_errors(self.server_url):
            response = await self._http.request(method, path, json=json, params=query)
        return decode_response(response)

    async def _paginate(
        self, path: str, params: Mapping[str, Any], limit: int | None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the items of a cursor-paginated list, at most ``limit`` (None: all of them)."""
        cursor: str | None = None
        remaining = limit
        while remaining is None or remaining > 0:
            size = PAGE_SIZE if remaining is None else min(remaining, PAGE_SIZE)
            page = await self._request(
                "GET", path, params={**params, "limit": size, "cursor": cursor}
            )
            items = page.get("items") or []
            for item in items[:remaining]:
                yield item
            if remaining is not None:
                remaining -= min(len(items), remaining)
            cursor = page.get("next_cursor")
            if not cursor or not items:
                return

    def _task(self, data: dict[str, Any]) -> AsyncPulseTask:
        return AsyncPulseTask(self, data)

    # -- tasks ---------------------------------------------------------------------------------

    async def schedule_agent(
        self,
        agent_id: str,
        entrypoint_tag: str,
        when: str = "now",
        params: Mapping[str, Any] | None = None,
        callback_url: str | None = None,
        user_id: str | None = None,
        persistent_memory: bool = False,
        executor_type: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        repeat: Mapping[str, Any] | None = None,
        *,
        timezone: str | None = None,
        timeout: float | str | timedelta | None = None,  # noqa: ASYNC109 - the run timeout
        idempotency_key: str | None = None,
        retry: Mapping[str, Any] | None = None,
        overlap: str | None = None,
        catchup: str | None = None,
        catchup_window: str | float | timedelta | None = None,
        name: str | None = None,
        callback_secret: str | None = None,
        agent_host: str | None = None,
        agent_port: int | None = None,
    ) -> AsyncPulseTask:
        """Create a task: run ``entrypoint_tag`` of ``agent_id`` with ``params`` at ``when``.

        With ``executor_type="serverless"``, ``agent_host`` and ``agent_port`` reach an agent
        served by ``runagent serve`` instead of RunAgent cloud.

        Raises ``InvalidWhenError`` for a ``when`` the server cannot read, ``ValidationError``
        for other bad fields. With an ``idempotency_key`` used before, returns the first task.
        """
        arguments = dict(locals())
        del arguments["self"]
        return await self._create(arguments)

    async def _create(self, fields: Mapping[str, Any]) -> AsyncPulseTask:
        return self._task(await self._request("POST", "/v1/tasks", json=task_body(fields)))

    async def schedule_http(
        self,
        url: str,
        method: str = "POST",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        when: str = "now",
        timeout: float | str | timedelta | None = None,  # noqa: ASYNC109 - the run timeout
        callback_url: str | None = None,
        repeat: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> AsyncPulseTask:
        """Schedule an HTTP request: at ``when`` Pulse sends ``method url`` with ``body`` (a
        JSON value, or a string sent as is) and ``headers``, and the response
        (``{"status", "headers", "body", "truncated"}``) is the run's result. A non-2xx answer
        fails the run; connection errors, timeouts, 408, 429 and 5xx are retried per ``retry``.

        ``options`` are ``schedule_agent``'s other keyword arguments (``retry``, ``metadata``,
        ``idempotency_key``, ``timezone``, ``overlap``, ``name``, ...). Each request carries
        ``Idempotency-Key: <run id>``. Raises ``UnsafeURLError`` for a URL the server refuses.
        """
        request = {"url": url, "method": method, "body": body, "headers": headers}
        fields = {
            **options,
            "agent_id": "http",
            "entrypoint_tag": "request",
            "executor_type": "http",
            "when": when,
            "timeout": timeout,
            "callback_url": callback_url,
            "repeat": repeat,
            "params": {key: value for key, value in request.items() if value is not None},
        }
        return await self._create(fields)

    async def schedule_batch(self, tasks: list[Mapping[str, Any]]) -> list[AsyncPulseTask]:
        """Create many tasks at once, all or nothing. Each item takes ``schedule_agent``'s
        keyword arguments; the returned tasks hold ``task_id``, ``status`` and ``next_run_at``
        (call ``get_details()`` for the rest)."""
        bodies = [task_body(item) for item in tasks]
        answer = await self._request("POST", "/v1/tasks/batch", json={"tasks": bodies})
        return [self._task(item) for item in answer.get("items") or []]

    async def get_task(self, task_id: str) -> AsyncPulseTask:
        return self._task(await self._request("GET", api_path("v1", "tasks", task_id)))

    async def iter_tasks(
        self,
        status: str | None = None,
        agent_id: str | None = None,
        *,
        activity: str | None = None,
        executor_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[AsyncPulseTask]:
        """Every task matching the filters, newest first, following cursors as needed."""
        filters = {
            "status": status,
            "agent_id": agent_id,
            "activity": activity,
            "executor_type": executor_type,
        }
        async for item in self._paginate("/v1/tasks", filters, limit):
            yield self._task(item)

    async def list_tasks(
        self,
        status: str | None = None,
        agent_id: str | None = None,
        limit: int | None = 50,
        *,
        activity: str | None = None,
        executor_type: str | None = None,
    ) -> list[AsyncPulseTask]:
        """Up to ``limit`` tasks (None: all), newest first."""
        iterator = self.iter_tasks(
            status, agent_id, activity=activity, executor_type=executor_type, limit=limit
        )
        return [task async for task in iterator]

    async def update_task(self, /, task_id: str, **changes: Any) -> AsyncPulseTask:
        """Change any of ``when``, ``timezone``, ``repeat``, ``params``, ``metadata``, ``name``,
        ``callback_url``, ``callback_secret``, ``timeout``, ``retry``, ``overlap``, ``catchup``,
        ``catchup_window`` (a new ``when`` reschedules the next fire)."""
        data = await self._request(
            "PATCH", api_path("v1", "tasks", task_id), json=jsonable(changes)
        )
        return self._task(data)

    async def cancel_task(self, task_id: str) -> AsyncPulseTask:
        """Cancel the task, its scheduled runs, and ask its running runs to stop."""
        return self._task(await self._request("DELETE", api_path("v1", "tasks", task_id)))

    async def pause_task(self, task_id: str, *, note: str | None = None) -> AsyncPulseTask:
        """Pause a task; ``note`` (why) is kept on it until it resumes."""
        body = {"note": note} if note is not None else None
        data = await self._request("POST", api_path("v1", "tasks", task_id, "pause"), json=body)
        return self._task(data)

    async def resume_task(self, task_id: str, catch_up: bool = False) -> AsyncPulseTask:
        """Resume a paused task; with ``catch_up`` missed fires follow its catch-up policy."""
        data = await self._request(
            "POST", api_path("v1", "tasks", task_id, "resume"), json={"catch_up": catch_up}
        )
        return self._task(data)

    async def trigger_task(self, task_id: str) -> dict[str, Any]:
        """Run the task now (also when paused); returns the new run."""
        run: dict[str, Any] = await self._request(
            "POST", api_path("v1", "tasks", task_id, "trigger")
        )
        return run

    async def get_task_result(self, task_id: str) -> dict[str, Any]:
        """The polling shape ``{"status", "result", "execution_id", "error", "run"}``; status is
        ``pending``, ``running``, ``completed`` or ``failed``."""
        result: dict[str, Any] = await self._request(
            "GET", api_path("v1", "tasks", task_id, "result")
        )
        return result

    async def get_history(
        self, task_id: str, limit: int | None = 50, *, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The task's runs, newest first."""
        path = api_path("v1", "tasks", task_id, "runs")
        return [run async for run in self._paginate(path, {"status": status}, limit)]

    # -- runs ----------------------------------------------------------------------------------

    async def iter_runs(
        self, task_id: str | None = None, status: str | None = None, *, limit: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        async for run in self._paginate("/v1/runs", {"task_id": task_id, "status": status}, limit):
            yield run

    async def list_runs(
        self, task_id: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` runs (None: all), newest first."""
        return [run async for run in self.iter_runs(task_id, status, limit=limit)]

    async def get_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = await self._request("GET", api_path("v1", "runs", run_id))
        return run

    async def wait_run(
        self,
        run_id: str,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - same API as PulseClient.wait_run
        poll_interval: float = 0.2,
    ) -> dict[str, Any]:
        """Poll until the run has ended (``success``, ``failed``, ``timeout``, ``cancelled`` or
        ``skipped``) and return it; :class:`PulseTimeoutError` after ``timeout`` seconds."""

        def timed_out(run: dict[str, Any]) -> PulseTimeoutError:
            return PulseTimeoutError(
                f"Run {run_id} has not ended after {timeout:g}s (status: {run['status']}).",
                details={"run_id": run_id, "last_run": run},
            )

        return await poll_until(
            lambda: self.get_run(run_id),
            lambda run: run.get("status") not in ("scheduled", "running"),
            timeout=timeout,
            poll_interval=poll_interval,
            timed_out=timed_out,
        )

    async def cancel_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = await self._request("POST", api_path("v1", "runs", run_id, "cancel"))
        return run

    async def get_deliveries(self, run_id: str) -> list[dict[str, Any]]:
        """The callback deliveries of a run (attempts, status, last response)."""
        page = await self._request("GET", api_path("v1", "runs", run_id, "deliveries"))
        items: list[dict[str, Any]] = page.get("items") or []
        return items

    async def redeliver(self, run_id: str) -> dict[str, Any]:
        """Queue the run's result to be POSTed to its callback URL again."""
        delivery: dict[str, Any] = await self._request(
            "POST", api_path("v1", "runs", run_id, "redeliver")
        )
        return delivery

    # -- teams ---------------------------------------------------------------------------------

    async def create_team(
        self, name: str, agents: list[Mapping[str, Any]], runtime: str = "process"
    ) -> dict[str, Any]:
        """Create a team: ``agents`` are ``{"name", "role": "leader"|"member", "module",
        "entrypoint"}`` or ``{"name", "role", "url"}``, with exactly one leader."""
        body = {"name": name, "runtime": runtime, "agents": jsonable(list(agents))}
        team: dict[str, Any] = await self._request("POST", "/v1/teams", json=body)
        return team

    async def get_team(self, team: str) -> dict[str, Any]:
        """A team by name or id."""
        found: dict[str, Any] = await self._request("GET", api_path("v1", "teams", team))
        return found

    async def list_teams(self, limit: int | None = 50) -> list[dict[str, Any]]:
        """Up to ``limit`` teams (None: all), newest first."""
        return [team async for team in self._paginate("/v1/teams", {}, limit)]

    async def update_team(
        self,
        team: str,
        *,
        name: str | None = None,
        agents: list[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Rename a team and/or replace its agents."""
        body = jsonable({"name": name, "agents": agents})
        changes = {key: value for key, value in body.items() if value is not None}
        updated: dict[str, Any] = await self._request(
            "PATCH", api_path("v1", "teams", team), json=changes
        )
        return updated

    async def delete_team(self, team: str) -> dict[str, Any]:
        """Delete a team no active or paused task runs (``ConflictError`` otherwise)."""
        deleted: dict[str, Any] = await self._request("DELETE", api_path("v1", "teams", team))
        return deleted

    async def schedule_team(
        self, team: str, prompt: str, when: str = "now", **options: Any
    ) -> AsyncPulseTask:
        """Schedule a run of ``team`` (name or id): at ``when`` it is deployed, ``prompt`` goes
        to its leader, the leader's answer is the run's result, and the team is torn down.

        ``options`` are ``schedule_agent``'s keyword arguments (``repeat``, ``timeout`` — else
        the server's ``SCHEDULE_TIMEOUT`` —, ``overlap``, ``callback_url``, ``retry``, ...).
        """
        fields = {
            **options,
            "agent_id": team,
            "entrypoint_tag": "team",
            "executor_type": "team",
            "when": when,
            "params": {"prompt": prompt},
        }
        return await self._create(fields)

    async def get_conversation(self, run_id: str) -> dict[str, Any]:
        """What the agents of a team run said: ``{"run_id", "deployment_id",
        "deployment_status", "messages": [{"seq", "from", "to", "content", "at"}]}``."""
        found: dict[str, Any] = await self._request(
            "GET", api_path("v1", "runs", run_id, "conversation")
        )
        return found

    async def get_deployment(self, deployment_id: str) -> dict[str, Any]:
        """A team deployment: status, agents (pids, addresses), error, timestamps."""
        found: dict[str, Any] = await self._request(
            "GET", api_path("v1", "deployments", deployment_id)
        )
        return found

    async def iter_run_events(
        self, run_id: str, *, limit: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The run's events (``{"event_id", "seq", "kind", "data", "at"}``) in order."""
        async for event in self._paginate(api_path("v1", "runs", run_id, "events"), {}, limit):
            yield event

    async def get_run_events(self, run_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """What the run's executor reported while it ran (steps, stream chunks, messages)."""
        return [event async for event in self.iter_run_events(run_id, limit=limit)]

    # -- time and system -----------------------------------------------------------------------

    async def parse_when(
        self,
        when: str,
        timezone: str = "UTC",
        count: int = 5,
        now: datetime | str | None = None,
        repeat: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """How the server reads ``when``: ``{"kind", "description", "timezone", "next_runs"}``."""
        body = jsonable(
            {"when": when, "timezone": timezone, "count": count, "now": now, "repeat": repeat}
        )
        parsed: dict[str, Any] = await self._request("POST", "/v1/timespec/parse", json=body)
        return parsed

    async def get_config(self) -> dict[str, Any]:
        """The server's effective settings: version, timezone, executors, timeouts, limits."""
        config: dict[str, Any] = await self._request("GET", "/v1/config")
        return config

    async def list_executors(self) -> dict[str, Any]:
        """The server's executors: ``{"default_executor", "resolved_default", "items": [{"name",
        "available", "reason"}]}`` (``reason`` says how to enable an unavailable one)."""
        executors: dict[str, Any] = await self._request("GET", "/v1/executors")
        return executors

    async def list_nodes(self) -> list[dict[str, Any]]:
        """The ``pulse serve`` / ``pulse worker`` processes on the server's database, each with
        ``state`` (alive, dead, stopped) and ``running_runs``."""
        page = await self._request("GET", "/v1/nodes")
        nodes: list[dict[str, Any]] = page.get("items") or []
        return nodes

    async def health(self) -> dict[str, Any]:
        health: dict[str, Any] = await self._request("GET", "/health")
        return health
