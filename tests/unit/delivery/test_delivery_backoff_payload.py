"""Backoff delays and the callback payload."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from runagent_pulse.delivery.backoff import JITTER, next_delay
from runagent_pulse.delivery.payload import build_payload, encode_payload

SCHEDULE = [timedelta(0), timedelta(seconds=5), timedelta(minutes=5), timedelta(hours=10)]


def test_first_attempt_is_immediate() -> None:
    assert next_delay(0, SCHEDULE, retry_after=None, rng=random.Random(1)) == timedelta(0)


@pytest.mark.parametrize("seed", range(50))
@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_jitter_stays_within_bounds(seed: int, attempts: int) -> None:
    delay = next_delay(attempts, SCHEDULE, retry_after=None, rng=random.Random(seed))
    base = SCHEDULE[attempts]
    assert delay is not None
    assert base * (1 - JITTER) <= delay <= base * (1 + JITTER)


def test_jitter_varies() -> None:
    rng = random.Random(7)
    delays = {next_delay(2, SCHEDULE, retry_after=None, rng=rng) for _ in range(20)}
    assert len(delays) > 1


def test_exhausted_schedule_returns_none() -> None:
    assert next_delay(4, SCHEDULE, retry_after=None, rng=random.Random(0)) is None
    assert next_delay(9, SCHEDULE, retry_after=3600, rng=random.Random(0)) is None
    assert next_delay(0, [], retry_after=None, rng=random.Random(0)) is None


def test_retry_after_is_a_lower_bound() -> None:
    rng = random.Random(0)
    assert next_delay(1, SCHEDULE, retry_after=600, rng=rng) == timedelta(seconds=600)
    small = next_delay(3, SCHEDULE, retry_after=1, rng=rng)
    assert small is not None
    assert small >= timedelta(hours=10) * (1 - JITTER)


def test_retry_after_is_capped_at_a_day() -> None:
    delay = next_delay(1, SCHEDULE, retry_after=10 * 86_400, rng=random.Random(0))
    assert delay == timedelta(hours=24)


def test_zero_stays_zero_and_negatives_are_refused() -> None:
    assert next_delay(0, SCHEDULE, retry_after=0, rng=random.Random(0)) == timedelta(0)
    assert next_delay(0, [timedelta(seconds=-5)], retry_after=None, rng=random.Random(0)) == (
        timedelta(0)
    )
    with pytest.raises(ValueError):
        next_delay(-1, SCHEDULE, retry_after=None, rng=random.Random(0))


FINISHED = datetime(2025, 3, 1, 9, 0, 5, tzinfo=UTC)
SCHEDULED = datetime(2025, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def test_success_payload_shape() -> None:
    payload = build_payload(
        task_id="tsk_1",
        run_id="run_1",
        status="success",
        result={"answer": 42},
        error=None,
        duration_ms=1234,
        finished_at=FINISHED,
        attempt=1,
        scheduled_for=SCHEDULED,
    )
    assert payload == {
        "task_id": "tsk_1",
        "execution_id": "run_1",
        "status": "success",
        "result": {"answer": 42},
        "execution_time_ms": 1234,
        "timestamp": int(FINISHED.timestamp()),
        "attempt": 1,
        "scheduled_for": "2025-03-01T09:00:00Z",
    }


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("failed", {"type": "ValueError", "message": "bad input"}, "ValueError: bad input"),
        ("failed", {"type": "KeyError", "message": ""}, "KeyError"),
        ("timeout", None, "Timeout: the run exceeded its timeout"),
        ("cancelled", None, "Cancelled: the run was cancelled"),
    ],
)
def test_error_string(status: str, error: dict[str, str] | None, expected: str) -> None:
    payload = build_payload(
        task_id="t",
        run_id="r",
        status=status,
        result=None,
        error=error,
        duration_ms=None,
        finished_at=FINISHED,
        attempt=2,
        scheduled_for=FINISHED,
    )
    assert payload["error"] == expected


def test_naive_datetimes_are_utc_and_status_is_checked() -> None:
    naive = datetime(2025, 3, 1, 9, 0, 5)
    payload = build_payload(
        task_id="t",
        run_id="r",
        status="success",
        result=None,
        error=None,
        duration_ms=0,
        finished_at=naive,
        attempt=1,
        scheduled_for=naive,
    )
    assert payload["timestamp"] == int(FINISHED.timestamp())
    assert payload["scheduled_for"] == "2025-03-01T09:00:05Z"
    with pytest.raises(ValueError, match="status"):
        build_payload(
            task_id="t",
            run_id="r",
            status="completed",
            result=None,
            error=None,
            duration_ms=0,
            finished_at=naive,
            attempt=1,
            scheduled_for=naive,
        )


def test_encode_is_compact_json() -> None:
    body = encode_payload({"a": 1, "b": [1, 2], "c": "é"})
    assert body == b'{"a":1,"b":[1,2],"c":"\xc3\xa9"}'
    assert orjson.loads(body) == {"a": 1, "b": [1, 2], "c": "é"}
