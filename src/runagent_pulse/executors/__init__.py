"""Execution backends: the :class:`Executor` interface, its implementations and the registry."""

from runagent_pulse.executors.base import Availability, ExecutionContext, Executor
from runagent_pulse.executors.echo import EchoExecutor
from runagent_pulse.executors.http import HttpExecutor
from runagent_pulse.executors.local import LocalExecutor
from runagent_pulse.executors.registry import ExecutorRegistry, build_registry
from runagent_pulse.executors.results import to_json_value
from runagent_pulse.executors.serverless import ServerlessExecutor

__all__ = [
    "Availability",
    "EchoExecutor",
    "ExecutionContext",
    "Executor",
    "ExecutorRegistry",
    "HttpExecutor",
    "LocalExecutor",
    "ServerlessExecutor",
    "build_registry",
    "to_json_value",
]
