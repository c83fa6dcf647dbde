"""What every peer app shares: arguments, the JSON line it prints, percentiles and the lead.

A peer app runs in the peer's own virtual environment (``.cache/peers/<peer>-venv``), so it
imports nothing of Pulse nor of the bench package: only the standard library, the peer, psutil.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

LAG_SPACING = 0.010
"""Fires 10 ms apart: 100 fires per second, as the Pulse ``lag`` scenario."""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["burst", "lag", "create", "prepare", "serve"])
    parser.add_argument("--db", required=True, help="the peer's database URL or file")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    return parser.parse_args()


def report(**figures: Any) -> None:
    """The app's answer: one JSON line on stdout."""
    print(json.dumps(figures), flush=True)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ready() -> None:
    """Tell the bench the scheduler is up (it times spawn → this line)."""
    print("READY", flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def lag_figures(lags_ms: Sequence[float]) -> dict[str, float]:
    return {
        "lag_p50_ms": percentile(lags_ms, 50),
        "lag_p99_ms": percentile(lags_ms, 99),
        "lag_max_ms": max(lags_ms),
        "early": sum(1 for lag in lags_ms if lag < 0),
    }


def check_margin(due: float, count: int) -> float:
    """Seconds left before ``due`` once ``count`` jobs exist; fails when none are left."""
    margin = due - time.time()
    if margin <= 0.2:
        raise SystemExit(f"creating {count} jobs overran their due instant by {-margin:.1f} s")
    return margin
