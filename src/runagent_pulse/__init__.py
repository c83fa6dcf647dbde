"""Pulse: a self-hosted, durable scheduler for AI-agent runs."""

from runagent_pulse.client import AsyncPulseClient, PulseClient, PulseError, PulseTask

__version__ = "0.1.0"

__all__ = ["AsyncPulseClient", "PulseClient", "PulseError", "PulseTask", "__version__"]
