"""Pulse: a self-hosted, durable scheduler for AI-agent runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runagent_pulse.client import AsyncPulseClient, PulseClient, PulseError, PulseTask

__version__ = "0.1.0"

__all__ = ["AsyncPulseClient", "PulseClient", "PulseError", "PulseTask", "__version__"]


def __getattr__(name: str) -> Any:
    """The SDK's names, imported when first asked for: a server process never loads the SDK."""
    if name in __all__:
        import runagent_pulse.client

        return getattr(runagent_pulse.client, name)
    raise AttributeError(f"module 'runagent_pulse' has no attribute {name!r}")
