"""A real Agno agent (``agent_id="agno_agent"``) with an offline model that echoes the prompt,
scheduled with the guide's params ``{"prompt": ..., "user": ..., "new_session": True}``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from agno.agent import Agent
from agno.models.base import Model
from agno.models.message import Message
from agno.models.response import ModelResponse


@dataclass
class EchoModel(Model):
    """Answers ``echo: <last user message>`` without any network."""

    id: str = "echo"
    name: str = "EchoModel"
    provider: str = "pulse-tests"

    def _answer(self, messages: list[Message]) -> ModelResponse:
        last = [m for m in messages if m.role == "user"][-1]
        return ModelResponse(role="assistant", content=f"echo: {last.content}")

    def invoke(self, messages: list[Message], *args: Any, **kwargs: Any) -> ModelResponse:
        return self._answer(messages)

    async def ainvoke(self, messages: list[Message], *args: Any, **kwargs: Any) -> ModelResponse:
        return self._answer(messages)

    def invoke_stream(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponse]:
        yield self.invoke(*args, **kwargs)

    async def ainvoke_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ModelResponse]:
        yield await self.ainvoke(*args, **kwargs)

    def _parse_provider_response(self, response: Any, **kwargs: Any) -> ModelResponse:
        return response

    def _parse_provider_response_delta(self, response: Any) -> ModelResponse:
        return response


agno_print_response = Agent(model=EchoModel(), telemetry=False)  # the guide's entrypoint_tag
