"""The real processes acceptance tests drive (see ``tests.support.processes``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from tests.support import processes
from tests.support.processes import PulseWorker, WebhookHandler, free_port
from tests.support.waiting import wait_for

AGENTS_DIR = Path(__file__).parent.parent / "agents"

__all__ = ["PulseServer", "PulseWorker", "WebhookHandler", "free_port", "wait_for"]


class PulseServer(processes.PulseServer):
    """``pulse serve`` with the test agents as ``LOCAL_AGENT_PATH`` and two local workers."""

    defaults: ClassVar[dict[str, str]] = {
        "LOCAL_AGENT_PATH": str(AGENTS_DIR),
        "PULSE_LOCAL_WORKERS": "2",
    }
