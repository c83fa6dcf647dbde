"""Finding, identifying and ending agent processes by pid (also processes this node did not
start: the reaper ends those of a crashed node).

A pid alone is not an identity: after a crash it may belong to a new, unrelated process. An agent
is therefore recorded with its start time (``psutil``'s ``create_time``), and every agent process
carries ``PULSE_DEPLOYMENT_ID`` in its environment; both must match before it is signalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

import psutil

DEPLOYMENT_ENV = "PULSE_DEPLOYMENT_ID"
KILL_WAIT = 5.0
"""How long to wait for killed processes to disappear before reporting them."""


def start_time(pid: int) -> float | None:
    """The process's start time, or None if it is gone."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def _alive(process: psutil.Process) -> bool:
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def find(pid: int, started: float, deployment_id: str) -> psutil.Process | None:
    """The live process ``pid`` if it is still the one recorded for ``deployment_id``."""
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) > 0.01 or not _alive(process):
            return None
        with contextlib.suppress(psutil.AccessDenied):
            if process.environ().get(DEPLOYMENT_ENV) != deployment_id:
                return None
        return process
    except psutil.Error:
        return None


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group ``pid`` leads (the agent and whatever it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _wait_gone(processes: list[psutil.Process], bound: float) -> list[psutil.Process]:
    deadline = time.monotonic() + bound
    left = [p for p in processes if _alive(p)]
    while left and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        left = [p for p in left if _alive(p)]
    return left


async def end_processes(processes: list[psutil.Process], grace: float) -> list[int]:
    """SIGTERM each process group, SIGKILL what is left after ``grace`` seconds; return the pids
    still alive after that (empty: all verified gone)."""
    for process in processes:
        signal_group(process.pid, signal.SIGTERM)
    left = await _wait_gone(processes, grace)
    for process in left:
        signal_group(process.pid, signal.SIGKILL)
    return [p.pid for p in await _wait_gone(left, KILL_WAIT)]
