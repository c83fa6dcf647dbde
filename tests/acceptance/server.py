"""The real processes acceptance tests drive (see ``runagent_pulse.testing``)."""

from __future__ import annotations

from pathlib import Path

from runagent_pulse import testing
from runagent_pulse.testing import PulseWorker, WebhookHandler, free_port, wait_for

AGENTS_DIR = Path(__file__).parent.parent / "agents"

__all__ = ["PulseServer", "PulseWorker", "WebhookHandler", "free_port", "wait_for"]


class PulseServer(testing.PulseServer):
    """``pulse serve`` with the test agents as ``LOCAL_AGENT_PATH`` and two local workers."""

    def __init__(
        self,
        data_dir: Path,
        *,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> None:
        defaults = {"LOCAL_AGENT_PATH": str(AGENTS_DIR), "PULSE_LOCAL_WORKERS": "2"}
        super().__init__(data_dir, env={**defaults, **(env or {})}, database_url=database_url)
