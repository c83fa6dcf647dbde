"""The ``serverless`` executor: RunAgent agents, in RunAgent cloud or served by ``runagent serve``.

A task without ``agent_host`` runs ``agent_id`` in the cloud (``RUNAGENT_BASE_URL`` +
``/api/v1``, authenticated with ``RUNAGENT_SERVERLESS_API_KEY``); with ``agent_host`` and
``agent_port`` it runs the agent served there, without a key. The run's params are the
entrypoint's keyword arguments; the run id travels as ``Idempotency-Key`` and ``X-Request-ID``.
At most ``max_in_flight`` requests are open at once (the HTTP pool has as many connections);
further runs wait for a slot within their own deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx

from runagent_pulse.common.netguard import Resolver, check_url, resolve_and_vet
from runagent_pulse.common.tls import tls_context
from runagent_pulse.domain.errors import ExecutionError, InvalidTarget, UnsafeURL
from runagent_pulse.executors.base import Availability, ExecutionContext, Executor
from runagent_pulse.executors.runagent_protocol import (
    CONNECTION,
    STREAM_SUFFIX,
    AgentEndpoint,
    run_agent,
    stream_agent,
)

__all__ = ["DEFAULT_BASE_URL", "ServerlessExecutor", "agent_url"]

DEFAULT_BASE_URL = "https://backend.run-agent.ai/"
API_PREFIX = "/api/v1"
NOT_ENABLED = (
    "ENABLE_SERVERLESS_INTEGRATION is false; set ENABLE_SERVERLESS_INTEGRATION=true "
    "(and RUNAGENT_SERVERLESS_API_KEY for RunAgent cloud agents) and restart the server"
)
NO_KEY = (
    "RUNAGENT_SERVERLESS_API_KEY is not set, so only agents served by `runagent serve` "
    "(tasks with agent_host and agent_port) can run; set it to run RunAgent cloud agents"
)


def agent_url(host: str, port: int) -> str:
    """``http://host:port/`` with an IPv6 literal in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _unavailable(reason: str) -> ExecutionError:
    return ExecutionError("ExecutorUnavailable", f"serverless: {reason}", retryable=False)


class ServerlessExecutor(Executor):
    """Runs RunAgent agents through Pulse's own protocol client (no ``runagent`` package)."""

    name: ClassVar[str] = "serverless"
    starts_on_first_use: ClassVar[bool] = True  # its pool opens with the first run

    def __init__(
        self,
        *,
        enabled: bool,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        max_in_flight: int = 16,
        resolver: Resolver | None = None,
    ) -> None:
        self.enabled = enabled
        self._api_key = api_key or None
        self.base_url = base_url.rstrip("/") + API_PREFIX
        self.max_in_flight = max_in_flight
        self._resolver = resolver
        self._slots = asyncio.Semaphore(max_in_flight)
        self._http: httpx.AsyncClient | None = None

    @property
    def cloud_ready(self) -> bool:
        """Enabled and holding an API key: what ``DEFAULT_EXECUTOR=auto`` asks of it."""
        return self.enabled and self._api_key is not None

    def availability(self) -> Availability:
        if not self.enabled:
            return Availability(False, NOT_ENABLED)
        return Availability(True, None if self._api_key else NO_KEY)

    def check_endpoint(self, agent_host: str | None, agent_port: int | None) -> None:
        """Check at create time where a task's agent will be reached.

        Raises:
            InvalidTarget: a cloud agent but no API key.
            UnsafeURL: ``agent_host`` is a metadata, link-local or otherwise forbidden address.
        """
        if agent_host is None or agent_port is None:
            if self._api_key is None:
                raise InvalidTarget(
                    f"serverless: {NO_KEY}", details={"field": "agent_host", "reason": NO_KEY}
                )
            return
        check_url(agent_url(agent_host, agent_port), allow_private=True)

    def _client(self) -> httpx.AsyncClient:
        """The connection pool, opened by the first run (opening it imports the HTTP stack,
        which a node that never calls the cloud does not pay for at start-up)."""
        if self._http is None:
            limits = httpx.Limits(
                max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight
            )
            self._http = httpx.AsyncClient(
                limits=limits, follow_redirects=False, verify=tls_context()
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def execute(self, ctx: ExecutionContext) -> Any:
        if not self.enabled:
            raise _unavailable(NOT_ENABLED)
        endpoint = await self._endpoint(ctx)
        async with self._slots:
            if ctx.entrypoint_tag.endswith(STREAM_SUFFIX):
                return await stream_agent(
                    endpoint, ctx, lambda index, chunk: ctx.event("chunk", index=index, value=chunk)
                )
            return await run_agent(self._client(), endpoint, ctx)

    async def _endpoint(self, ctx: ExecutionContext) -> AgentEndpoint:
        if ctx.agent_host is None or ctx.agent_port is None:
            if self._api_key is None:
                raise _unavailable(NO_KEY)
            return AgentEndpoint(self.base_url, self._api_key)
        url = agent_url(ctx.agent_host, ctx.agent_port)
        try:
            target = await resolve_and_vet(url, allow_private=True, resolver=self._resolver)
        except UnsafeURL as exc:
            raise ExecutionError("UnsafeAgentHost", exc.message, retryable=False) from exc
        except OSError as exc:
            raise ExecutionError(
                CONNECTION, f"cannot resolve agent_host {ctx.agent_host!r}: {exc}"
            ) from exc
        # Connect to the vetted address, so a second DNS answer cannot redirect the run.
        return AgentEndpoint(agent_url(target.ip, ctx.agent_port).rstrip("/") + API_PREFIX)
