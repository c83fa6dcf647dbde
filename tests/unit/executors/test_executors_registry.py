"""``ExecutorRegistry``: resolution of ``executor_type``, validation, start/close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import runagent_pulse.executors as executors_package
from runagent_pulse.domain.errors import InvalidTarget, ValidationError
from runagent_pulse.executors import (
    EchoExecutor,
    ExecutionContext,
    Executor,
    ExecutorRegistry,
    HttpExecutor,
    LocalExecutor,
    build_registry,
)
from runagent_pulse.executors.base import Availability
from runagent_pulse.executors.serverless import NO_KEY, NOT_ENABLED, ServerlessExecutor


class Recording(Executor):
    def __init__(self, name: str, log: list[str], *, fail_start: bool = False) -> None:
        self.name = name  # type: ignore[misc]
        self.log = log
        self.fail_start = fail_start
        self.validated: list[tuple[str, str]] = []

    def validate_target(self, agent_id: str, entrypoint_tag: str) -> None:
        if agent_id == "bad":
            raise InvalidTarget(f"{self.name} refuses {agent_id}")
        self.validated.append((agent_id, entrypoint_tag))

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    async def close(self) -> None:
        self.log.append(f"close {self.name}")
        if self.name == "broken_close":
            raise RuntimeError("close failed")

    async def execute(self, ctx: ExecutionContext) -> Any:
        return None


def registry(*names: str, **kwargs: Any) -> ExecutorRegistry:
    log: list[str] = []
    return ExecutorRegistry({n: Recording(n, log) for n in names}, **kwargs)


@pytest.mark.parametrize(
    ("names", "kwargs", "executor_type", "expected"),
    [
        (("local", "echo"), {}, None, "local"),
        (("local", "echo"), {}, "auto", "local"),
        (("local", "echo"), {}, "echo", "echo"),
        (("local", "serverless"), {"serverless_enabled": True}, None, "serverless"),
        (("local", "serverless"), {"serverless_enabled": True}, "auto", "serverless"),
        (("local", "serverless"), {"serverless_enabled": False}, None, "local"),
        (("local",), {"serverless_enabled": True}, None, "local"),
        (("local", "serverless"), {"serverless_enabled": True}, "local", "local"),
        (("local", "echo"), {"default_executor": "echo"}, None, "echo"),
        (("local", "echo"), {"default_executor": "local"}, "auto", "local"),
        (("local", "serverless"), {"default_executor": "serverless"}, None, "serverless"),
    ],
    ids=[
        "none-is-local",
        "auto-is-local",
        "explicit",
        "auto-serverless-enabled",
        "explicit-auto-serverless",
        "serverless-disabled",
        "serverless-not-registered",
        "explicit-local-wins",
        "default-executor",
        "explicit-auto-means-default",
        "default-serverless",
    ],
)
def test_resolve(
    names: tuple[str, ...], kwargs: dict[str, Any], executor_type: str | None, expected: str
) -> None:
    assert registry(*names, **kwargs).resolve(executor_type) == expected


def test_unknown_executor_lists_the_available_ones() -> None:
    with pytest.raises(InvalidTarget) as info:
        registry("local", "echo").resolve("kubernetes")
    assert "unknown executor_type 'kubernetes'" in info.value.message
    assert "available: echo, local" in info.value.message
    assert info.value.details["available"] == ["echo", "local"]


def test_serverless_asked_but_not_registered_hints_at_the_setting() -> None:
    with pytest.raises(InvalidTarget, match="ENABLE_SERVERLESS_INTEGRATION"):
        registry("local").resolve("serverless")


def test_auto_without_local_is_an_error() -> None:
    with pytest.raises(InvalidTarget, match="local"):
        registry("echo").resolve(None)


def test_get_and_names() -> None:
    reg = registry("local", "echo")
    assert reg.names() == ["echo", "local"]
    assert reg.get("echo").name == "echo"
    with pytest.raises(InvalidTarget, match="available: echo, local"):
        reg.get("auto")


def test_validate_resolves_then_asks_the_executor() -> None:
    reg = registry("local", "echo")
    assert reg.validate(None, "my_agent", "process") == "local"
    local = reg.get("local")
    assert isinstance(local, Recording)
    assert local.validated == [("my_agent", "process")]
    with pytest.raises(InvalidTarget, match="local refuses bad"):
        reg.validate("auto", "bad", "process")
    with pytest.raises(InvalidTarget, match="unknown executor_type"):
        reg.validate("nope", "my_agent", "process")


async def test_start_and_close_in_order() -> None:
    log: list[str] = []
    reg = ExecutorRegistry({n: Recording(n, log) for n in ("a", "broken_close", "c")})
    await reg.start()
    await reg.close()
    await reg.close()  # idempotent
    assert log == [
        "start a",
        "start broken_close",
        "start c",
        "close c",
        "close broken_close",
        "close a",
    ]


async def test_failed_start_closes_what_started() -> None:
    log: list[str] = []
    reg = ExecutorRegistry({"a": Recording("a", log), "b": Recording("b", log, fail_start=True)})
    with pytest.raises(RuntimeError, match="b cannot start"):
        await reg.start()
    assert log == ["start a", "close a"]


def test_build_registry_registers_echo_and_local(tmp_path: Path) -> None:
    (tmp_path / "my_agent.py").write_text("def process(): pass\n")
    reg = build_registry(
        agent_paths=[tmp_path],
        allowlist=[],
        local_workers=3,
        default_executor="auto",
        serverless_enabled=True,
    )
    assert reg.names() == ["echo", "local"]
    assert isinstance(reg.get("echo"), EchoExecutor)
    assert isinstance(reg.get("local"), LocalExecutor)
    assert reg.validate(None, "my_agent", "process") == "local"  # serverless not registered
    with pytest.raises(InvalidTarget, match="subprocess"):
        reg.validate("local", "subprocess", "run")
    reg.validate("echo", "subprocess", "run")  # echo runs nothing: any target is fine


def test_exports_are_sorted_and_complete() -> None:
    exported = executors_package.__all__
    assert exported == sorted(exported)
    for name in exported:
        assert hasattr(executors_package, name)


def test_an_unavailable_executor_is_refused_with_how_to_enable_it() -> None:
    serverless = ServerlessExecutor(enabled=False, api_key=None)
    reg = ExecutorRegistry({"local": Recording("local", []), "serverless": serverless})
    assert reg.availability()["serverless"] == Availability(False, NOT_ENABLED)
    assert reg.availability()["local"] == Availability()
    with pytest.raises(InvalidTarget, match="set ENABLE_SERVERLESS_INTEGRATION=true") as info:
        reg.resolve("serverless")
    assert info.value.details == {"executor_type": "serverless", "reason": NOT_ENABLED}


@pytest.mark.parametrize(
    ("enabled", "key", "cloud_ready", "available", "reason"),
    [
        (False, None, False, False, NOT_ENABLED),
        (False, "k", False, False, NOT_ENABLED),
        (True, None, False, True, NO_KEY),
        (True, "k", True, True, None),
    ],
)
def test_serverless_availability(
    enabled: bool, key: str | None, cloud_ready: bool, available: bool, reason: str | None
) -> None:
    executor = ServerlessExecutor(enabled=enabled, api_key=key)
    assert executor.cloud_ready is cloud_ready
    assert executor.availability() == Availability(available, reason)


def test_validate_params_asks_the_executor_and_skips_unregistered_names() -> None:
    registry = ExecutorRegistry(
        {"http": HttpExecutor(allow_private=False, max_response_bytes=1024)}
    )
    registry.validate_params("serverless", {"anything": 1})  # not registered here: no opinion
    registry.validate_params("http", {"url": "https://example.com/"})
    with pytest.raises(ValidationError) as caught:
        registry.validate_params("http", {"url": "https://example.com/", "method": "BREW"})
    assert caught.value.details["field"] == "params.method"


def test_when_auto_chose_local_the_error_says_why_and_what_to_set(tmp_path: Path) -> None:
    registry = build_registry(
        agent_paths=[tmp_path],
        allowlist=[],
        local_workers=1,
        default_executor="auto",
        serverless_enabled=False,
    )
    with pytest.raises(InvalidTarget) as info:
        registry.validate(None, "my_cloud_agent", "main")
    message = info.value.message
    assert "'auto' chose 'local' because serverless is off" in message
    assert "ENABLE_SERVERLESS_INTEGRATION=true" in message
    assert info.value.details["resolved"] == "local"
    with pytest.raises(InvalidTarget) as explicit:
        registry.validate("local", "my_cloud_agent", "main")
    assert "'auto' chose" not in explicit.value.message
