"""The ``serverless`` executor against a real ``runagent serve`` (runagent 0.1.49, own venv)."""

from __future__ import annotations

from typing import Any

import pytest

from runagent_pulse.domain.errors import ExecutionError
from tests.integration.serverless.support import make_ctx, started
from tests.support.runagent import RunagentServe, call_with_runagent_client

pytestmark = [pytest.mark.slow, pytest.mark.runagent, pytest.mark.timeout(900)]


def at(serve: RunagentServe, tag: str, params: dict[str, Any] | None = None) -> Any:
    """A context for ``tag`` of the served test agent."""
    return make_ctx(serve.agent_id, tag, params, host=serve.host, port=serve.port)


async def test_a_run_returns_the_agents_value(runagent_serve: RunagentServe) -> None:
    ctx, _ = at(runagent_serve, "echo", {"message": "hi", "times": 2, "lang": "en"})
    async with started() as executor:
        assert await executor.execute(ctx) == {"echo": "hihi", "extra": {"lang": "en"}}


async def test_a_string_value_is_decoded(runagent_serve: RunagentServe) -> None:
    ctx, _ = at(runagent_serve, "greet", {"name": "Ada"})
    async with started() as executor:
        assert await executor.execute(ctx) == "Hello, Ada!"


async def test_an_agent_exception_fails_the_run_with_its_message(
    runagent_serve: RunagentServe,
) -> None:
    ctx, _ = at(runagent_serve, "fail", {"message": "no thanks"})
    async with started() as executor:
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentAgentError"
    assert "agent refused: no thanks" in caught.value.message
    assert caught.value.retryable


async def test_an_unknown_entrypoint_is_a_clear_error(runagent_serve: RunagentServe) -> None:
    ctx, _ = at(runagent_serve, "nope")
    async with started() as executor:
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentNotFound"
    assert "Entrypoint nope not found" in caught.value.message
    assert "entrypoint_tag" in caught.value.message
    assert not caught.value.retryable


async def test_an_unknown_agent_id_is_not_found(runagent_serve: RunagentServe) -> None:
    ctx, _ = make_ctx("no-such-agent", "echo", host=runagent_serve.host, port=runagent_serve.port)
    async with started() as executor:
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentNotFound"


async def test_stream_chunks_become_events_and_the_result(runagent_serve: RunagentServe) -> None:
    ctx, events = at(runagent_serve, "words_stream", {"message": "one two three"})
    async with started() as executor:
        result = await executor.execute(ctx)
    words = [{"word": "one"}, {"word": "two"}, {"word": "three"}]
    assert result == words
    assert events == [("chunk", {"index": i, "value": w}) for i, w in enumerate(words)]


async def test_an_unknown_streaming_entrypoint_is_not_found(
    runagent_serve: RunagentServe,
) -> None:
    ctx, _ = at(runagent_serve, "nope_stream")
    async with started() as executor:
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentNotFound"


@pytest.mark.parametrize(
    ("tag", "params"),
    [("echo", {"message": "ab", "times": 3}), ("words_stream", {"message": "x y"})],
    ids=["run", "stream"],
)
async def test_the_real_runagent_client_returns_the_same_value(
    runagent_serve: RunagentServe, tag: str, params: dict[str, object]
) -> None:
    ctx, _ = at(runagent_serve, tag, params)
    async with started() as executor:
        ours = await executor.execute(ctx)
    assert call_with_runagent_client(runagent_serve, tag, dict(params)) == ours
