"""The dashboard's list pages read one page through an index, however many rows there are: no
sort of the whole table and no COUNT(*) (SQLite's query plans of the statements they run)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import runs as run_store
from runagent_pulse.store import tasks as task_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade

TASK_FILTERS = [
    {},
    {"status": "active"},
    {"executor_type": "team"},
    {"agent_id": "marketing"},
    {"q": "100%_done"},
    {"status": "paused", "executor_type": "echo", "q": "x"},
]


async def _statements(tmp_path: Path) -> list[tuple[str, Any]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}"
    db = Database(url)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    try:
        await upgrade(db)
        sa.event.listen(db.reader.sync_engine, "before_cursor_execute", capture)
        async with db.read() as conn:
            for filters in TASK_FILTERS:
                for cursor in (None, "tsk_0"):
                    await task_store.list_tasks(conn, filters=filters, limit=50, cursor=cursor)
            await run_store.list_runs(conn, filters={"status": "failed"}, limit=50, cursor=None)
            await run_store.list_runs(conn, filters={"task_id": "tsk_1"}, limit=50, cursor=None)
            await run_store.latest_ended(conn, [f"tsk_{i}" for i in range(50)])
            await deployment_store.list_for_team(conn, "team_1", limit=25, cursor=None)
    finally:
        await db.dispose()
    return seen


async def test_list_pages_use_indexes(tmp_path: Path) -> None:
    statements = await _statements(tmp_path)
    assert len(statements) == len(TASK_FILTERS) * 2 + 4
    with sqlite3.connect(tmp_path / "pulse.db") as conn:
        for statement, parameters in statements:
            assert "count(" not in statement.lower(), statement
            plan = " | ".join(
                row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "TEMP B-TREE" not in plan, f"{statement}\n{plan}"
            if "tasks.agent_id = " in statement or "tasks.executor_type = " in statement:
                assert "USING INDEX ix_tasks_" in plan, plan
            if "deployments.team_id = " in statement:
                assert "ix_deployments_team_id_id" in plan, plan
