"""``GET /metrics`` after real runs and deliveries, parsed with Prometheus' own parser: the
figures an operator alerts on move, and labels never carry ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.delivery_outbox.support import App

UNREACHABLE = "http://127.0.0.1:9/results"  # discard port: nothing listens
KEY = "metrics-key"


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    async with App(db_url, PULSE_API_KEY=KEY) as running:
        running.http.headers["Authorization"] = f"Bearer {KEY}"
        yield running


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(app: App) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await app.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_run_and_delivery_figures_move_after_real_runs(app: App) -> None:
    before = await scrape(app)
    assert value(before, "pulse_runs_started_total", executor="echo") == 0
    ok = await app.schedule(None)
    bad = await app.schedule(UNREACHABLE, params={"fail": "boom"}, retry={"max_attempts": 1})
    await app.until(lambda: app.finished(ok))
    await app.until(lambda: app.finished(bad))
    await app.delivery_where(bad, lambda d: d["attempts"] >= 1)
    await app.node.engine.writer.flushed()

    after = await scrape(app)
    assert value(after, "pulse_runs_started_total", executor="echo") == 2
    assert value(after, "pulse_runs_finished_total", executor="echo", status="success") == 1
    assert value(after, "pulse_runs_finished_total", executor="echo", status="failed") == 1
    assert value(after, "pulse_run_start_lag_seconds_count", executor="echo") == 2
    assert value(after, "pulse_run_duration_seconds_count", executor="echo", status="success") == 1
    assert value(after, "pulse_delivery_attempts_total", outcome="pending", attempt="1") == 1
    assert value(after, "pulse_deliveries_pending") == 1
    assert value(after, "pulse_deliveries_oldest_pending_age_seconds") >= 0
    assert value(after, "pulse_runs_due_unclaimed") == 0
    assert value(after, "pulse_runs_running") == 0
    assert value(after, "pulse_node_up") == 1
    assert value(after, "pulse_nodes", state="alive") == 1
    assert value(after, "pulse_db_transaction_seconds_count", kind="write") > 0
    for (_, labels), _ in after.items():
        assert not any(v.startswith(("tsk_", "run_", "dlv_")) for _, v in labels)


async def test_due_runs_nobody_claims_show_as_backlog(app: App) -> None:
    await app.node.engine.stop()  # a node that stopped claiming
    await app.schedule(None)
    app.advance(30)
    found = await scrape(app)
    assert value(found, "pulse_runs_due_unclaimed") == 1
    assert value(found, "pulse_runs_due_oldest_age_seconds") >= 30
    assert value(found, "pulse_node_up") == 0


async def test_metrics_need_the_key_unless_made_public(db_url: str) -> None:
    async with App(db_url, PULSE_API_KEY=KEY) as secured:
        assert (await secured.http.get("/metrics")).status_code == 401
    async with App(db_url, PULSE_API_KEY=KEY, PULSE_METRICS_PUBLIC="true") as public:
        assert (await public.http.get("/metrics")).status_code == 200
