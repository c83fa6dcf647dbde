"""The ``local`` executor with real worker processes, running the agents in ``tests/agents``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import pytest_asyncio

from runagent_pulse.domain.errors import ExecutionError, ResultNotSerializable
from runagent_pulse.executors import ExecutionContext, LocalExecutor
from runagent_pulse.executors.echo import EchoExecutor
from runagent_pulse.executors.registry import ExecutorRegistry
from tests.support.executors import execution_context
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

AGENTS = Path(__file__).resolve().parents[2] / "agents"
WAIT_LIMIT = 10.0


def make_ctx(agent_id: str, tag: str, **params: Any) -> ExecutionContext:
    return execution_context(agent_id, tag, params, run_id="run_42", task_id="task_7", attempt=2)


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


@pytest.fixture
async def local() -> AsyncIterator[LocalExecutor]:
    """A fresh pool, for tests that kill workers or watch PIDs."""
    executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=2)
    await executor.start()
    try:
        yield executor
    finally:
        await executor.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared() -> AsyncIterator[LocalExecutor]:
    """One pool for the many tests that leave it healthy (saves a spawn per test)."""
    executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=2)
    await executor.start()
    try:
        yield executor
    finally:
        await executor.close()


in_shared_loop = pytest.mark.asyncio(loop_scope="module")


async def run(executor: LocalExecutor, agent_id: str, tag: str, **params: Any) -> Any:
    return await executor.execute(make_ctx(agent_id, tag, **params))


@pytest.mark.parametrize(
    ("agent_id", "tag", "params", "expected"),
    [
        ("simple_agent", "process", {"input": "Hello"}, "Processed: Hello for dev"),
        ("simple_agent", "process", {"input": "Hi", "user": "ann"}, "Processed: Hi for ann"),
        (
            "simple_agent",
            "aprocess",
            {"input": "Hi"},
            {"output": "Processed: Hi for dev", "mode": "async"},
        ),
        ("pkg_agent", "process", {"input": "Hi"}, "Package processed: Hi for dev"),
        ("framework_agents", "graph", {"input": {"q": 1}}, {"q": 1, "via": "ainvoke"}),
        ("framework_agents", "sync_graph", {"input": {"q": 1}}, {"q": 1, "via": "invoke"}),
        (
            "framework_agents",
            "crew",
            {"inputs": {"topic": "x"}},
            {"crew": True, "inputs": {"topic": "x"}},
        ),
        ("framework_agents", "agent", {"input": "go"}, "arun: go"),
        ("framework_agents", "sync_agent", {"input": "go"}, "run: go"),
        ("framework_agents", "doubler", {"x": 21}, 42),
        ("simple_agent", "pydantic_result", {"text": "t"}, {"text": "t", "score": 0.5}),
        ("simple_agent", "dataclass_result", {}, {"x": 1, "y": 2}),
        ("simple_agent", "noisy", {"input": "quiet result"}, "quiet result"),
        (
            "simple_agent",
            "run_env",
            {},
            {"PULSE_RUN_ID": "run_42", "PULSE_TASK_ID": "task_7", "PULSE_ATTEMPT": "2"},
        ),
    ],
    ids=[
        "sync",
        "sync-kwargs",
        "async",
        "package-form",
        "langgraph-ainvoke",
        "langgraph-invoke",
        "crewai-kickoff",
        "agno-arun",
        "agno-run",
        "callable-object",
        "pydantic",
        "dataclass",
        "prints-do-not-corrupt",
        "run-ids-in-env",
    ],
)
@in_shared_loop
async def test_runs_entrypoints(
    shared: LocalExecutor, agent_id: str, tag: str, params: dict[str, Any], expected: Any
) -> None:
    assert await run(shared, agent_id, tag, **params) == expected


@pytest.mark.parametrize(
    ("agent_id", "tag", "params", "error_type", "fragment", "retryable"),
    [
        ("simple_agent", "raise_error", {"message": "bad input"}, "ValueError", "bad input", True),
        ("simple_agent", "exit_agent", {}, "SystemExit", "3", True),
        ("simple_agent", "process", {"wrong": 1}, "InvalidParams", "unexpected 'wrong'", False),
        ("simple_agent", "process", {}, "InvalidParams", "missing 'input'", False),
        ("imports_os", "getenv", {"key": "PATH"}, "EntrypointNotFound", "imported into", False),
        ("imports_os", "system", {"command": "true"}, "EntrypointNotFound", "imported into", False),
        ("simple_agent", "missing", {}, "EntrypointNotFound", "has no 'missing'", False),
        ("simple_agent", "NOT_CALLABLE", {}, "EntrypointNotFound", "neither callable", False),
        ("uses_subprocess", "subprocess", {}, "EntrypointNotFound", "is the module", False),
        ("broken_agent", "run", {}, "AgentNotFound", "ImportError", False),
        ("pkg_agent", "nothing", {}, "EntrypointNotFound", "pkg_agent/nothing.py", False),
        ("subprocess", "run", {"args": ["true"]}, "AgentNotFound", "LOCAL_AGENT_PATH", False),
        ("simple_agent", "__class__", {}, "EntrypointNotFound", "public Python identifier", False),
    ],
    ids=[
        "agent-exception",
        "sys-exit",
        "bad-params",
        "missing-params",
        "imported-function-refused",
        "imported-builtin-refused",
        "missing-entrypoint",
        "not-callable",
        "imported-module-refused",
        "import-error",
        "package-missing-submodule",
        "worker-revalidates-module",
        "worker-revalidates-tag",
    ],
)
@in_shared_loop
async def test_failures_become_execution_errors(
    shared: LocalExecutor,
    agent_id: str,
    tag: str,
    params: dict[str, Any],
    error_type: str,
    fragment: str,
    retryable: bool,
) -> None:
    pids = shared.worker_pids
    with pytest.raises(ExecutionError) as info:
        await run(shared, agent_id, tag, **params)
    assert info.value.error_type == error_type
    assert fragment in info.value.message
    assert info.value.retryable is retryable
    assert shared.worker_pids == pids  # the workers survived
    assert await run(shared, "simple_agent", "process", input="after") == "Processed: after for dev"


@in_shared_loop
async def test_non_json_result(shared: LocalExecutor) -> None:
    with pytest.raises(ResultNotSerializable) as info:
        await run(shared, "simple_agent", "not_json")
    assert "result is of type set" in info.value.message
    assert info.value.retryable is False


@in_shared_loop
async def test_integers_are_kept_up_to_64_bits_and_refused_beyond(shared: LocalExecutor) -> None:
    assert await run(shared, "simple_agent", "two_to_the", power=64 - 1) == 2**63
    with pytest.raises(ResultNotSerializable) as info:
        await run(shared, "simple_agent", "two_to_the", power=64)
    assert "64-bit" in info.value.message
    assert info.value.retryable is False


@pytest.mark.parametrize(("tag", "fragment"), [("crash", "exit code 1"), ("segfault", "SIGSEGV")])
async def test_crash_fails_the_run_and_the_pool_recovers(
    local: LocalExecutor, tag: str, fragment: str
) -> None:
    before = set(local.worker_pids)
    with pytest.raises(ExecutionError) as info:
        await run(local, "simple_agent", tag)
    assert info.value.error_type == "WorkerCrashed"
    assert fragment in info.value.message
    assert info.value.retryable is True
    dead = before - set(local.worker_pids)
    assert len(dead) == 1
    assert all(is_gone(pid) for pid in dead)
    results = await asyncio.gather(*(run(local, "simple_agent", "whoami") for _ in range(4)))
    assert len(local.worker_pids) == 2
    assert not dead & set(results)


async def test_timeout_kills_the_worker_and_the_pool_recovers(
    local: LocalExecutor, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    task = asyncio.create_task(run(local, "simple_agent", "started_then_sleep", marker=str(marker)))
    await wait_until(marker.exists, WAIT_LIMIT, "the agent to start")
    pid = int(marker.read_text())
    assert pid in local.worker_pids
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0):
            await task
    assert task.cancelled()
    assert is_gone(pid)
    assert pid not in local.worker_pids
    assert await run(local, "simple_agent", "process", input="next") == "Processed: next for dev"


async def test_cancel_kills_the_agents_children(local: LocalExecutor, tmp_path: Path) -> None:
    marker = tmp_path / "child"
    task = asyncio.create_task(
        run(local, "simple_agent", "spawn_child_then_sleep", marker=str(marker))
    )
    await wait_until(
        lambda: marker.exists() and marker.read_text() != "", WAIT_LIMIT, "the child to start"
    )
    child = int(marker.read_text())
    assert not is_gone(child)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: is_gone(child), WAIT_LIMIT, "the agent's child process to die")


async def test_runs_beyond_the_pool_size_wait_in_turn(local: LocalExecutor) -> None:
    results = await asyncio.gather(
        *(run(local, "simple_agent", "process", input=str(i)) for i in range(50))
    )
    assert results == [f"Processed: {i} for dev" for i in range(50)]
    pids = await asyncio.gather(*(run(local, "simple_agent", "whoami") for _ in range(20)))
    assert set(pids) <= set(local.worker_pids)


async def test_a_waiting_run_can_be_cancelled(tmp_path: Path) -> None:
    executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=1)
    await executor.start()
    try:
        marker = tmp_path / "busy"
        busy = asyncio.create_task(
            run(executor, "simple_agent", "started_then_sleep", marker=str(marker))
        )
        await wait_until(marker.exists, WAIT_LIMIT, "the busy run to start")
        waiting = asyncio.create_task(run(executor, "simple_agent", "process", input="x"))
        await asyncio.sleep(0)  # let it queue behind the busy run
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert executor.worker_pids == [int(marker.read_text())]  # the busy worker is untouched
        busy.cancel()
        with pytest.raises(asyncio.CancelledError):
            await busy
        assert await run(executor, "simple_agent", "process", input="y") == "Processed: y for dev"
    finally:
        await executor.close()


async def test_modules_are_imported_once_per_worker(tmp_path: Path) -> None:
    (tmp_path / "counter_agent.py").write_text(
        "import itertools\n_calls = itertools.count(1)\ndef count():\n    return next(_calls)\n"
    )
    executor = LocalExecutor(agent_paths=[tmp_path], allowlist=[], workers=1)
    try:
        # execute() starts the pool lazily when start() was not called
        counts = [await run(executor, "counter_agent", "count") for _ in range(3)]
    finally:
        await executor.close()
    assert counts == [1, 2, 3]


async def test_shadowed_module_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "json.py").write_text("def run():\n    return 'shadow'\n")
    executor = LocalExecutor(agent_paths=[tmp_path], allowlist=[], workers=1)
    try:
        executor.validate_target("json", "run")  # the file is there...
        with pytest.raises(ExecutionError) as info:  # ...but the name is already taken
            await run(executor, "json", "dumps", obj=[1])
    finally:
        await executor.close()
    assert info.value.error_type == "AgentNotFound"
    assert "rename" in info.value.message


async def test_allowlisted_module_runs_from_the_normal_path() -> None:
    executor = LocalExecutor(agent_paths=[], allowlist=["json"], workers=1)
    try:
        assert await run(executor, "json", "dumps", obj=[1, 2]) == "[1, 2]"
        with pytest.raises(ExecutionError) as info:
            await run(executor, "os", "getcwd")
    finally:
        await executor.close()
    assert info.value.error_type == "AgentNotFound"


async def test_close_leaves_no_processes(tmp_path: Path) -> None:
    executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=3)
    await executor.start()
    marker = tmp_path / "busy"
    busy = asyncio.create_task(
        run(executor, "simple_agent", "spawn_child_then_sleep", marker=str(marker))
    )
    await wait_until(
        lambda: marker.exists() and marker.read_text() != "", WAIT_LIMIT, "the busy run"
    )
    child = int(marker.read_text())
    pids = executor.worker_pids
    assert len(pids) == 3
    await executor.close()
    with pytest.raises(ExecutionError) as info:
        await busy
    assert info.value.error_type == "ExecutorClosed"
    assert all(is_gone(pid) for pid in pids)
    assert not children() & set(pids)
    await wait_until(lambda: is_gone(child), WAIT_LIMIT, "the agent's child to die")
    with pytest.raises(ExecutionError, match="shut down"):
        await run(executor, "simple_agent", "process", input="late")


def test_under_uvloop(tmp_path: Path) -> None:
    """``pulse serve`` runs on uvloop (uvicorn[standard]): the same life cycle must hold there."""
    uvloop = pytest.importorskip("uvloop")

    async def scenario() -> None:
        executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=2)
        await executor.start()
        try:
            assert await run(executor, "simple_agent", "process", input="uv") == (
                "Processed: uv for dev"
            )
            with pytest.raises(ExecutionError, match="exit code 7"):
                await run(executor, "simple_agent", "crash", code=7)
            marker = tmp_path / "started"
            task = asyncio.create_task(
                run(executor, "simple_agent", "started_then_sleep", marker=str(marker))
            )
            await wait_until(marker.exists, WAIT_LIMIT, "the agent to start")
            pid = int(marker.read_text())
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert is_gone(pid)
            results = await asyncio.gather(
                *(run(executor, "simple_agent", "echo", i=i) for i in range(50))
            )
            assert results == [{"i": i} for i in range(50)]
            pids = executor.worker_pids
        finally:
            await executor.close()
        assert all(is_gone(p) for p in pids)

    uvloop.run(scenario())


async def test_a_node_starts_its_local_workers_with_the_first_local_run() -> None:
    """The registry does not start the local executor: no worker process (no memory) until a
    ``local`` run needs one; the first run starts the pool, and closing the registry ends it."""
    local = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=2)
    registry = ExecutorRegistry(
        {"echo": EchoExecutor(), "local": local}, default_executor="local", serverless_enabled=False
    )
    await registry.start()
    try:
        assert local.worker_pids == []
        assert await run(local, "simple_agent", "process", input="first") == (
            "Processed: first for dev"
        )
        pids = local.worker_pids
        assert len(pids) == 2
    finally:
        await registry.close()
    await wait_until(lambda: all(is_gone(pid) for pid in pids), WAIT_LIMIT, "the workers to end")
