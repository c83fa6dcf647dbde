"""``AsyncPulseTask`` (the logic) and ``PulseTask`` (its blocking façade): a handle on one task."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from runagent_pulse.client._polling import poll_until
from runagent_pulse.client._portal import Portal, blocking
from runagent_pulse.client.errors import PulseTimeoutError

if TYPE_CHECKING:
    from runagent_pulse.client._async import AsyncPulseClient

FINISHED = ("completed", "failed")
RECURRING_KINDS = ("cron", "interval")


def _parse_instant(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class _TaskView:
    """Read-only properties over the task JSON held in ``data``."""

    data: dict[str, Any]

    @property
    def task_id(self) -> str:
        return str(self.data["task_id"])

    @property
    def status(self) -> str | None:
        """``active``, ``paused``, ``completed`` or ``cancelled`` (as last fetched)."""
        return self.data.get("status")

    @property
    def activity(self) -> str | None:
        """``idle``, ``running`` or ``error`` (as last fetched)."""
        return self.data.get("activity")

    @property
    def when(self) -> str | None:
        """The ``when`` text the task was created with."""
        return self.data.get("when")

    @property
    def schedule(self) -> dict[str, Any] | None:
        """The server's interpretation: ``{"kind", "description", "timezone", "next_runs"}``."""
        return self.data.get("schedule")

    @property
    def next_run_at(self) -> datetime | None:
        """The next fire as an aware UTC datetime, or None when nothing is scheduled."""
        return _parse_instant(self.data.get("next_run_at"))

    @property
    def is_recurring(self) -> bool:
        schedule = self.schedule or {}
        return schedule.get("kind") in RECURRING_KINDS or bool(self.data.get("repeat"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(task_id={self.task_id!r}, status={self.status!r})"


class AsyncPulseTask(_TaskView):
    """A task on a Pulse server, as returned by :class:`AsyncPulseClient` methods."""

    def __init__(self, client: AsyncPulseClient, data: dict[str, Any]) -> None:
        self._client = client
        self.data = dict(data)

    async def get_details(self) -> dict[str, Any]:
        """Fetch the task again; ``data`` and the properties are refreshed."""
        self.data = (await self._client.get_task(self.task_id)).data
        return self.data

    async def get_history(self, limit: int | None = 50) -> list[dict[str, Any]]:
        """The task's runs, newest first."""
        return await self._client.get_history(self.task_id, limit)

    async def runs(self, status: str | None = None, limit: int | None = 50) -> list[dict[str, Any]]:
        """The task's runs with an optional ``status`` filter, newest first."""
        return await self._client.get_history(self.task_id, limit, status=status)

    async def cancel(self) -> dict[str, Any]:
        self.data = (await self._client.cancel_task(self.task_id)).data
        return self.data

    async def pause(self, note: str | None = None) -> dict[str, Any]:
        self.data = (await self._client.pause_task(self.task_id, note=note)).data
        return self.data

    async def resume(self, catch_up: bool = False) -> dict[str, Any]:
        self.data = (await self._client.resume_task(self.task_id, catch_up)).data
        return self.data

    async def update(self, /, **changes: Any) -> dict[str, Any]:
        """PATCH the task (see ``AsyncPulseClient.update_task``)."""
        self.data = (await self._client.update_task(self.task_id, **changes)).data
        return self.data

    async def trigger(self) -> dict[str, Any]:
        """Run the task now; returns the new run."""
        return await self._client.trigger_task(self.task_id)

    async def result(self) -> dict[str, Any]:
        """The polling shape ``{"status", "result", "execution_id", "error", ...}``."""
        return await self._client.get_task_result(self.task_id)

    async def wait(
        self,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - same API as PulseTask.wait
        poll_interval: float = 0.2,
    ) -> dict[str, Any]:
        """Poll until the task's result is final and return it.

        A one-off task is done when its result status is ``completed`` or ``failed``. A recurring
        task is done when a run *other than the one already finished at the first poll* has
        finished, i.e. the next run. Raises :class:`PulseTimeoutError` after ``timeout`` seconds
        (``None``: wait forever); a failed run is returned, not raised.
        """
        if "schedule" not in self.data and "repeat" not in self.data:
            await self.get_details()  # a handle from schedule_batch() lacks the schedule
        recurring = self.is_recurring
        seen: list[Any] = []  # the run already finished at the first poll (recurring tasks)

        def done(result: dict[str, Any]) -> bool:
            first = not seen
            seen.append(result.get("execution_id"))
            if result.get("status") not in FINISHED:
                return False
            return not recurring or (not first and result.get("execution_id") != seen[0])

        def timed_out(result: dict[str, Any]) -> PulseTimeoutError:
            return PulseTimeoutError(
                f"Task {self.task_id} has no finished run after {timeout:g}s "
                f"(status: {result.get('status')}).",
                details={"task_id": self.task_id, "last_result": result},
            )

        return await poll_until(
            self.result, done, timeout=timeout, poll_interval=poll_interval, timed_out=timed_out
        )


class PulseTask(_TaskView):
    """The blocking twin of :class:`AsyncPulseTask`, as returned by :class:`PulseClient`."""

    def __init__(self, async_task: AsyncPulseTask, portal: Portal) -> None:
        self._async = async_task
        self._portal = portal

    @property
    def data(self) -> dict[str, Any]:  # type: ignore[override]
        """The task JSON, as last fetched."""
        return self._async.data

    get_details = blocking(AsyncPulseTask.get_details)
    get_history = blocking(AsyncPulseTask.get_history)
    runs = blocking(AsyncPulseTask.runs)
    cancel = blocking(AsyncPulseTask.cancel)
    pause = blocking(AsyncPulseTask.pause)
    resume = blocking(AsyncPulseTask.resume)
    update = blocking(AsyncPulseTask.update)
    trigger = blocking(AsyncPulseTask.trigger)
    result = blocking(AsyncPulseTask.result)
    wait = blocking(AsyncPulseTask.wait)
