"""What every scenario shares: figures, time helpers, creating tasks, reading results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console

from bench.server import PulseServer
from tests.support.waiting import wait_for

console = Console(highlight=False)

FAR_FUTURE = "2099-01-01T00:00:00Z"
MAX_BATCH = 10_000


class Skipped(Exception):
    """The scenario cannot run here (the message says why)."""


@dataclass(frozen=True, slots=True)
class Target:
    op: str  # ">=" or "<="
    value: float

    def met(self, value: float) -> bool:
        return value >= self.value if self.op == ">=" else value <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


@dataclass(frozen=True, slots=True)
class Figure:
    scenario: str
    name: str
    value: float
    unit: str
    target: Target | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.value)

    def formatted(self) -> str:
        value = f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:,.2f}"
        return f"{value} {self.unit}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": str(self.target) if self.target else None,
            "met": self.met,
        }


def folder(workdir: Path, name: str) -> Path:
    """``workdir/name``, created (each server of a scenario keeps its files apart)."""
    made = workdir / name
    made.mkdir(parents=True, exist_ok=True)
    return made


def say(message: str) -> None:
    console.print(f"  [dim]{message}[/dim]")


# -- time ---------------------------------------------------------------------------------------
def utc_in(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def iso(instant: datetime) -> str:
    return instant.isoformat(timespec="microseconds")


def db_time(value: str | datetime) -> datetime:
    """A stored timestamp in UTC (SQLite keeps naive UTC text; PostgreSQL gives datetimes)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


# -- the API ------------------------------------------------------------------------------------
def echo_task(when: str, **fields: Any) -> dict[str, Any]:
    """A create body for an ``echo`` run (the cheapest run there is) at ``when``."""
    return {
        "agent_id": "bench",
        "entrypoint_tag": "echo",
        "executor_type": "echo",
        "when": when,
        **fields,
    }


def create_batches(server: PulseServer, tasks: Sequence[dict[str, Any]]) -> list[str]:
    """Create ``tasks`` through ``POST /v1/tasks/batch`` (up to 10,000 per request); their ids."""
    ids: list[str] = []
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for start in range(0, len(tasks), MAX_BATCH):
            body = orjson.dumps({"tasks": list(tasks[start : start + MAX_BATCH])})
            response = client.post(
                "/v1/tasks/batch", content=body, headers={"content-type": "application/json"}
            )
            response.raise_for_status()
            ids += [item["task_id"] for item in response.json()["items"]]
    return ids


# -- results ------------------------------------------------------------------------------------
def run_counts(server: PulseServer) -> dict[str, int]:
    """How many runs are in each status."""
    return dict(server.rows("SELECT status, count(*) FROM runs GROUP BY status"))


def wait_for_successes(
    server: PulseServer, count: int, *, bound: float, interval: float = 0.01
) -> float:
    """Wait until ``count`` runs succeeded; stop early with the error when a run ends otherwise."""

    def done() -> bool:
        counts = run_counts(server)
        if any(counts.get(status) for status in ("failed", "timeout", "cancelled")):
            (error,) = server.rows(
                "SELECT status, error_type, error_message FROM runs "
                "WHERE status IN ('failed', 'timeout', 'cancelled') LIMIT 1"
            )
            raise RuntimeError(f"a run ended {error[0]}: {error[1]}: {error[2]}")
        return counts.get("success", 0) >= count

    return wait_for(done, bound=bound, what=f"{count} successful runs", interval=interval)


# -- the server's own metrics --------------------------------------------------------------------
def histogram(server: PulseServer, name: str) -> dict[float, float]:
    """Cumulative bucket counts (upper bound → count, summed over labels) of ``name`` from the
    server's ``GET /metrics``."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{name}_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return buckets


def histogram_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """The ``q`` quantile (0-1) of what was observed between two scrapes, interpolated linearly
    inside its bucket as Prometheus' ``histogram_quantile`` does."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1]
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for bound, cumulative in zip(bounds, counts, strict=True):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower
            inside = cumulative - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, cumulative
    return lower
