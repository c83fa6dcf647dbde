"""The PostgreSQL server tests and benchmarks use, and throwaway databases on it."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
"""The server tests and benchmarks use unless ``PULSE_TEST_POSTGRES_URL`` names another."""


def postgres_server_url() -> str:
    return os.environ.get("PULSE_TEST_POSTGRES_URL", POSTGRES_URL)


def postgres_reachable(url: str) -> bool:
    """Whether something listens at ``url``'s host and port."""
    parsed = sa.make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def _plain(url: str) -> str:
    """``url`` as asyncpg takes it (no SQLAlchemy driver suffix)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_query(url: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the PostgreSQL database at ``url`` (``$1``-style parameters)."""
    import asyncpg

    async def fetch() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(_plain(url))
        try:
            return [tuple(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of ``server_url``; dropped on exit
    (connections still open are ended). Yields its SQLAlchemy URL."""
    name = f"pulse_test_{uuid.uuid4().hex[:12]}"
    pg_query(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        pg_query(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
