"""The processes a scenario measures: ``pulse serve`` and ``pulse webhook-handler``
(``tests.support.processes``: own process group on 127.0.0.1, a free port, files in the
scenario's temporary folder; ``stop`` ends exactly that group)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import psutil

from tests.support import processes
from tests.support.postgres import pg_query
from tests.support.processes import PulseWorker, WebhookHandler

AGENTS_DIR = Path(__file__).resolve().parent.parent / "tests" / "agents"

__all__ = ["PulseServer", "PulseWorker", "WebhookHandler"]


class PulseServer(processes.PulseServer):
    """``pulse serve`` on a fresh SQLite file in ``data_dir`` (or ``database_url``), with the
    test agents."""

    defaults: ClassVar[dict[str, str]] = {"LOCAL_AGENT_PATH": str(AGENTS_DIR)}

    def rss_bytes(self) -> int:
        """Resident memory of the server and every process it started (its workers)."""
        root = psutil.Process(self.pid)
        total = 0
        for proc in [root, *root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    @contextmanager
    def sql(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to the server's SQLite file (for counting results)."""
        with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as conn:
            yield conn

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of ``query`` (no parameters) on the server's database, SQLite or PostgreSQL."""
        if self.database_url.startswith("postgresql"):
            return pg_query(self.database_url, query)
        with self.sql() as conn:
            return conn.execute(query).fetchall()

    def scalar(self, query: str) -> Any:
        return self.rows(query)[0][0]
