"""The ``echo`` executor: result, cancellable sleep, failure."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors import EchoExecutor, ExecutionContext
from tests.support.executors import execution_context


def make_ctx(**params: Any) -> ExecutionContext:
    return execution_context("anything", "anything", params)


async def test_returns_a_copy_of_the_params() -> None:
    ctx = make_ctx(input="hello", n=3, nested={"a": [1, 2]})
    result = await EchoExecutor().execute(ctx)
    assert result == {"input": "hello", "n": 3, "nested": {"a": [1, 2]}}
    assert result is not ctx.params


async def test_empty_params() -> None:
    assert await EchoExecutor().execute(make_ctx()) == {}


async def test_fail_raises_a_retryable_execution_error() -> None:
    with pytest.raises(ExecutionError) as info:
        await EchoExecutor().execute(make_ctx(fail="boom"))
    assert info.value.error_type == "EchoFailure"
    assert info.value.message == "boom"
    assert info.value.retryable is True


async def test_falsy_fail_does_not_fail() -> None:
    assert await EchoExecutor().execute(make_ctx(fail=False)) == {"fail": False}


async def test_sleep_is_cancellable() -> None:
    task = asyncio.create_task(EchoExecutor().execute(make_ctx(sleep=3600)))
    await asyncio.sleep(0)  # let it start sleeping
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_sleep_honours_asyncio_timeout() -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0):
            await EchoExecutor().execute(make_ctx(sleep=3600))


async def test_zero_sleep_returns_params() -> None:
    assert await EchoExecutor().execute(make_ctx(sleep=0)) == {"sleep": 0}


@pytest.mark.parametrize("bad", ["1", [1], True], ids=["string", "list", "bool"])
async def test_sleep_must_be_a_number(bad: Any) -> None:
    with pytest.raises(ExecutionError) as info:
        await EchoExecutor().execute(make_ctx(sleep=bad))
    assert info.value.retryable is False


def test_name() -> None:
    assert EchoExecutor.name == "echo"
