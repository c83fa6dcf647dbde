"""The guard against runaway agents: how many live schedules MCP callers may own, and how often
a schedule they create may fire."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from runagent_pulse.domain.errors import ValidationError

CREATED_BY = "mcp"
"""``metadata.created_by`` of every task created over MCP (what the guard counts)."""


@dataclass(frozen=True, slots=True)
class McpLimits:
    max_active_schedules: int = 100
    """``PULSE_MCP_MAX_ACTIVE_SCHEDULES``: active or paused tasks created over MCP."""
    min_interval_seconds: float = 60.0
    """``PULSE_MCP_MIN_INTERVAL``: the shortest time between two fires of such a task."""

    def check_count(self, live: int) -> None:
        """Raises: ValidationError: MCP callers already own the most schedules allowed."""
        if live >= self.max_active_schedules:
            raise ValidationError(
                f"MCP callers already own {live} active or paused schedules, the limit "
                f"(PULSE_MCP_MAX_ACTIVE_SCHEDULES={self.max_active_schedules}); cancel some with "
                "cancel_schedule, or ask the operator to raise the limit",
                details={"limit": self.max_active_schedules},
            )

    def check_cadence(self, fires: list[datetime]) -> None:
        """Raises: ValidationError: two of the schedule's next fires are closer than allowed."""
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(fires)]
        if gaps and min(gaps) < self.min_interval_seconds:
            raise ValidationError(
                f"this schedule fires every {min(gaps):g} s; schedules created over MCP may fire "
                f"at most once every {self.min_interval_seconds:g} s (PULSE_MCP_MIN_INTERVAL); "
                "choose a slower schedule such as 'every 5 minutes' or 'hourly'",
                details={"field": "when", "min_interval_seconds": self.min_interval_seconds},
            )
