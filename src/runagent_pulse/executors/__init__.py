"""Execution backends: the :class:`Executor` interface, its implementations and the registry."""

from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.executors.echo import EchoExecutor
from runagent_pulse.executors.http import HttpExecutor
from runagent_pulse.executors.local import LocalExecutor
from runagent_pulse.executors.registry import ExecutorRegistry, build_registry
from runagent_pulse.executors.results import to_json_value

__all__ = [
    "EchoExecutor",
    "ExecutionContext",
    "Executor",
    "ExecutorRegistry",
    "HttpExecutor",
    "LocalExecutor",
    "build_registry",
    "to_json_value",
]
