"""Agents served over HTTP by the user (``{"name", "role", "url"}``): nothing to start or stop.

The contract (``docs/teams.md``):

- readiness: ``GET {url}`` answers with any status below 500;
- a message: ``POST {url}`` with ``{"kind": "prompt"|"message", "from", "content", "agent",
  "team", "run_id", "deployment_id"}`` (``Idempotency-Key: <run id>``) → 2xx with
  ``{"answer": <JSON>}``; any other status, or ``{"error": "..."}``, is an error answer.

Every request passes the SSRF guard (:class:`VettedTransport`). An HTTP agent has no ``team``
handle: it answers what it is sent, and cannot ask other agents itself.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from runagent_pulse.common import exact_json
from runagent_pulse.common.http_client import guarded_client
from runagent_pulse.domain.errors import ExecutionError, UnsafeURL
from runagent_pulse.executors.team.runtime import AgentInfo, AgentSpec, DeployRequest

READY_POLL = 0.2
MAX_ERROR_CHARS = 2000


class UrlAgent:
    def __init__(self, spec: AgentSpec, request: DeployRequest, client: httpx.AsyncClient) -> None:
        assert spec.url is not None
        self.spec = spec
        self.url = spec.url
        self.request = request
        self.client = client
        self.info = AgentInfo(name=spec.name, role=spec.role, address=spec.url)

    async def wait_ready(self, bound: float) -> None:
        deadline = time.monotonic() + bound
        last = "no answer yet"
        while True:
            try:
                response = await self.client.get(self.url)
                if response.status_code < 500:
                    return
                last = f"HTTP {response.status_code}"
            except UnsafeURL as exc:
                raise ExecutionError("UnsafeURL", exc.message, retryable=False) from None
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() + READY_POLL > deadline:
                raise ExecutionError(
                    "ReadinessTimeout",
                    f"agent {self.spec.name} at {self.url} did not answer GET within "
                    f"{bound:g} s ({last})",
                )
            await asyncio.sleep(READY_POLL)

    async def call(self, kind: str, sender: str, content: Any) -> Any:
        body = {
            "kind": kind,
            "from": sender,
            "content": content,
            "agent": self.spec.name,
            "team": self.request.team,
            "run_id": self.request.run_id,
            "deployment_id": self.request.deployment_id,
        }
        name = self.spec.name
        try:
            response = await self.client.post(
                self.url, json=body, headers={"Idempotency-Key": self.request.run_id}
            )
        except UnsafeURL as exc:
            raise ExecutionError("UnsafeURL", exc.message, retryable=False) from None
        except httpx.HTTPError as exc:
            raise ExecutionError(
                "AgentUnreachable", f"agent {name} at {self.url}: {type(exc).__name__}: {exc}"
            ) from None
        try:
            answer = exact_json.loads(response.content)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and "error" in answer:
            raise ExecutionError("AgentError", f"agent {name}: {str(answer['error'])[:2000]}")
        if not response.is_success or not isinstance(answer, dict) or "answer" not in answer:
            raise ExecutionError(
                "AgentError",
                f"agent {name} answered HTTP {response.status_code} without an "
                f'{{"answer": ...}} body: {response.text[:MAX_ERROR_CHARS]}',
            )
        return answer["answer"]


def url_client(allow_private: bool) -> httpx.AsyncClient:
    """The client HTTP agents are called with (SSRF-guarded, no redirects, no read timeout:
    the run's timeout bounds a call)."""
    return guarded_client(allow_private=allow_private, timeout=httpx.Timeout(10.0, read=None))
