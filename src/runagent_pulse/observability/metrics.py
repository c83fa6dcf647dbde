"""Prometheus metrics of one node.

Counters and histograms are kept in this process, by the components that commit what they
count (a run counts as finished when its outcome is committed). Gauges of shared state (runs
due but unclaimed, pending deliveries, live deployments, nodes) are read from the database at
each scrape, so every node reports the same cluster-wide values for them.

Each node has its own registry (never the process-global one), so tests can run many nodes in
one process. Local agent worker processes record nothing: the node that owns a run counts it,
so one registry per node is complete without prometheus-client's multiprocess mode.

Labels are bounded: executor names, statuses, outcome and reason categories — never ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG_BUCKETS = (
    *(0.00025, 0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.00175, 0.002),
    *(0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03),
    *(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
"""Quarter-milliseconds up to 2 ms (a run due now is claimed in about half a millisecond),
fine below 20 ms, where the start-lag targets are."""
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600)
ATTEMPT_LABELS = ("1", "2", "3", "4", "5+")

SKIP_REASONS: tuple[tuple[str, str], ...] = (
    ("overlap", "overlap"),
    ("catch-up", "catchup"),
    ("catchup", "catchup"),
    ("missed", "catchup"),
    ("paused", "paused"),
    ("cancel", "cancelled"),
)


def skip_reason_kind(reason: str | None) -> str:
    """A bounded label for a skip reason's free text (``overlap``, ``catchup``, ``paused``…)."""
    text = (reason or "").lower()
    for word, kind in SKIP_REASONS:
        if word in text:
            return kind
    return "other"


def attempt_label(attempt: int) -> str:
    return ATTEMPT_LABELS[min(attempt, len(ATTEMPT_LABELS)) - 1]


_EXECUTOR = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")


def executor_label(name: str | None) -> str:
    """Executor names are bounded by the registry; anything else is ``other``."""
    return name if name and _EXECUTOR.match(name) else "other"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._children: dict[tuple[str, ...], Any] = {}
        r = self.registry
        self.runs_started = Counter(
            "pulse_runs_started_total", "Runs claimed and started.", ["executor"], registry=r
        )
        self.runs_finished = Counter(
            "pulse_runs_finished_total",
            "Run outcomes committed, by executor and status.",
            ["executor", "status"],
            registry=r,
        )
        self.run_duration = Histogram(
            "pulse_run_duration_seconds",
            "From a run's start to its outcome.",
            ["executor", "status"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.start_lag = Histogram(
            "pulse_run_start_lag_seconds",
            "From a run's due time to its claim being committed.",
            ["executor"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.runs_skipped = Counter(
            "pulse_runs_skipped_total",
            "Fires recorded as skipped (overlap, catch-up, paused) instead of run.",
            ["reason"],
            registry=r,
        )
        self.retries = Counter(
            "pulse_run_retries_total", "Retry runs scheduled after a failed attempt.", registry=r
        )
        self.lease_recoveries = Counter(
            "pulse_lease_recoveries_total",
            "Runs ended because the node running them stopped heartbeating.",
            registry=r,
        )
        self.deliveries = Counter(
            "pulse_delivery_attempts_total",
            "Callback delivery attempts, by outcome and attempt number.",
            ["outcome", "attempt"],
            registry=r,
        )
        self.deployments = Counter(
            "pulse_team_deployments_total",
            "Team deployments that reached a status (running, stopped, failed).",
            ["status"],
            registry=r,
        )
        self.teardown_failures = Counter(
            "pulse_team_teardown_failures_total",
            "Team teardowns that could not verify every agent process gone.",
            registry=r,
        )
        self.transaction_seconds = Histogram(
            "pulse_db_transaction_seconds",
            "Database transactions, from asking for a connection to commit.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.due_unclaimed = Gauge(
            "pulse_runs_due_unclaimed", "Runs due now that no node has claimed yet.", registry=r
        )
        self.due_oldest_age = Gauge(
            "pulse_runs_due_oldest_age_seconds",
            "Age of the oldest due, unclaimed run (0 when none).",
            registry=r,
        )
        self.running = Gauge("pulse_runs_running", "Runs running on any node.", registry=r)
        self.node_running = Gauge(
            "pulse_node_active_runs", "Runs executing in this node's process.", registry=r
        )
        self.deliveries_pending = Gauge(
            "pulse_deliveries_pending", "Callback deliveries waiting for an attempt.", registry=r
        )
        self.delivery_oldest_age = Gauge(
            "pulse_deliveries_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none).",
            registry=r,
        )
        self.live_deployments = Gauge(
            "pulse_team_deployments_live",
            "Team deployments not yet stopped, by status.",
            ["status"],
            registry=r,
        )
        self.nodes = Gauge("pulse_nodes", "Nodes in the registry, by state.", ["state"], registry=r)
        self.up = Gauge("pulse_node_up", "1 while this node's engine runs.", registry=r)

    # -- events -------------------------------------------------------------------------------
    def _child(self, metric: MetricWrapperBase, *labels: str) -> Any:
        """``metric.labels(*labels)``, remembered: the per-run metrics are counted thousands
        of times a second, and labels are bounded, so the memo is too."""
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def run_started(self, executor: str | None, lag_seconds: float) -> None:
        label = executor_label(executor)
        self._child(self.runs_started, label).inc()
        self._child(self.start_lag, label).observe(max(lag_seconds, 0.0))

    def run_finished(
        self, executor: str | None, status: str, duration_seconds: float | None
    ) -> None:
        label = executor_label(executor)
        self._child(self.runs_finished, label, status).inc()
        if duration_seconds is not None:
            self._child(self.run_duration, label, status).observe(max(duration_seconds, 0.0))

    def run_skipped(self, reason: str | None) -> None:
        self.runs_skipped.labels(skip_reason_kind(reason)).inc()

    def delivery_attempt(self, outcome: str, attempt: int) -> None:
        self.deliveries.labels(outcome, attempt_label(attempt)).inc()

    def transaction(self, kind: str, seconds: float) -> None:
        self.transaction_seconds.labels(kind).observe(seconds)

    # -- shared state, at scrape time --------------------------------------------------------------
    def set_state(
        self,
        *,
        due_unclaimed: int,
        due_oldest_age: float,
        running: int,
        node_running: int,
        deliveries_pending: int,
        delivery_oldest_age: float,
        live_deployments: Mapping[str, int],
        nodes: Mapping[str, int],
    ) -> None:
        self.due_unclaimed.set(due_unclaimed)
        self.due_oldest_age.set(max(due_oldest_age, 0.0))
        self.running.set(running)
        self.node_running.set(node_running)
        self.deliveries_pending.set(deliveries_pending)
        self.delivery_oldest_age.set(max(delivery_oldest_age, 0.0))
        for status in ("deploying", "running", "stopping"):
            self.live_deployments.labels(status).set(live_deployments.get(status, 0))
        for state in ("alive", "dead", "stopped"):
            self.nodes.labels(state).set(nodes.get(state, 0))

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
