"""One node per SQLite database: an exclusive lock on ``<database>.lock``, beside the file.

SQLite serves one node. A second process on the same file would migrate it under the first and
run its engine without the wake-ups, clock or locks that let PostgreSQL nodes share a database.
``pulse serve`` and ``pulse worker`` take this lock before anything else and hold it for the
life of the process (``pulse db upgrade`` while it migrates); the operating system drops it when
the process ends, ``kill -9`` included. The file also names the holder, so a refused node can
say which one it met.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from runagent_pulse.domain.errors import PulseError
from runagent_pulse.store.database import sqlite_file


class DatabaseInUse(PulseError):
    code = "database_in_use"

    def __init__(self, database: Path, holder: str) -> None:
        super().__init__(
            f"The SQLite database {database} is in use by another Pulse node ({holder}). "
            "One SQLite database serves one node: stop that node first, or share a PostgreSQL "
            "database between nodes (PULSE_DATABASE_URL=postgresql://…).",
            details={"database": str(database), "holder": holder},
        )


@contextlib.contextmanager
def node_lock(url: str, role: str) -> Iterator[None]:
    """Hold the node lock of the SQLite database at ``url`` while the block runs (``role``
    names the holder: ``serve``, ``worker``…); nothing to hold for PostgreSQL or an in-memory
    database.

    Raises:
        DatabaseInUse: another process holds it.
    """
    database = sqlite_file(url)
    if database is None:
        yield
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(database.with_name(database.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            raise DatabaseInUse(database, holder or "a process that just started") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pulse {role}, pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
