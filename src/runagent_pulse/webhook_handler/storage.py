"""Results kept as JSON files, written atomically, never outside the results folder.

Layout::

    <results_dir>/<task>.json                  latest payload of the task (exactly as received)
    <results_dir>/<task>/<execution>.json      every run kept
    <results_dir>/.seen/<sha256 of webhook-id> ids already stored (dedupe across restarts)

``<task>`` and ``<execution>`` are the ids as file names (:func:`storage_name`): ``a-z``,
``0-9``, ``_`` and ``-`` stand for themselves, so Pulse's ids (``tsk_0193…``) are their own file
names; every other character is ``%XX`` per UTF-8 byte. Two ids never share a name (also on a
case-insensitive disk: capitals are escaped), a name never holds a dot (so ``<task>.json``, the
``<task>`` folder and ``.seen`` never meet), and nothing can point outside the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson

MAX_ID_LENGTH = 128
MAX_NAME_BYTES = 240
"""Longest file name an id may take (``.json`` added stays under common 255-byte limits)."""
SEEN_DIR = ".seen"
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


class UnsafeNameError(ValueError):
    """A task or execution id that cannot be stored (or read back by URL)."""


def storage_name(value: object, what: str) -> str:
    """The file name of the id ``value`` (see the module docstring); one-to-one.

    Raises:
        UnsafeNameError: ``value`` is not a string of 1 to 128 characters, is ``.`` or ``..``,
            holds ``/`` (neither can be addressed in a URL path), or its name is too long.
    """
    if not isinstance(value, str) or not value:
        raise UnsafeNameError(f"{what} must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise UnsafeNameError(f"{what} is longer than {MAX_ID_LENGTH} characters")
    if "/" in value or value in (".", ".."):
        raise UnsafeNameError(f"{what} may not contain '/' nor be '.' or '..'")
    try:
        name = "".join(
            char if char in _PLAIN else "".join(f"%{byte:02X}" for byte in char.encode())
            for char in value
        )
    except UnicodeEncodeError:  # a lone surrogate
        raise UnsafeNameError(f"{what} is not valid Unicode text") from None
    if len(name) > MAX_NAME_BYTES:
        raise UnsafeNameError(f"{what} is too long once escaped for a file name")
    return name


def stored_id(name: str) -> str | None:
    """The id a file name (without ``.json``) stands for; None for a name Pulse did not write."""
    try:
        value = unquote(name, errors="strict")
        return value if storage_name(value, "id") == name else None
    except (UnicodeDecodeError, UnsafeNameError):
        return None


class ResultStore:
    """Reads and writes result files under one folder; safe to use from several threads."""

    def __init__(self, root: Path, *, remember: int = 10_000) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def _inside(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts).resolve()
        if path.parent != self.root and self.root not in path.parents:
            raise UnsafeNameError("path escapes the results folder")
        return path

    def latest_path(self, task_id: str) -> Path:
        return self._inside(storage_name(task_id, "task_id") + ".json")

    def run_path(self, task_id: str, execution_id: str) -> Path:
        task = storage_name(task_id, "task_id")
        return self._inside(task, storage_name(execution_id, "execution_id") + ".json")

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def _marker(self, webhook_id: str) -> Path:
        digest = hashlib.sha256(webhook_id.encode("utf-8", "surrogatepass")).hexdigest()
        return self._inside(SEEN_DIR, digest)

    def _is_seen(self, webhook_id: str) -> bool:
        if webhook_id in self._seen:
            self._seen.move_to_end(webhook_id)
            return True
        if self._marker(webhook_id).exists():
            self._remember_id(webhook_id)
            return True
        return False

    def _remember_id(self, webhook_id: str) -> None:
        self._seen[webhook_id] = None
        self._seen.move_to_end(webhook_id)
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)

    def store(self, payload: dict[str, Any], body: bytes, webhook_id: str | None) -> bool:
        """Keep one delivery; ``False`` when ``webhook_id`` was already stored.

        ``body`` is written byte for byte, so the files hold exactly what was received.
        """
        latest = self.latest_path(payload["task_id"])
        run = self.run_path(payload["task_id"], payload["execution_id"])
        with self._lock:
            if webhook_id and self._is_seen(webhook_id):
                return False
            self._write(run, body)
            self._write(latest, body)
            if webhook_id:
                self._write(self._marker(webhook_id), b"")
                self._remember_id(webhook_id)
        return True

    def latest(self, task_id: str) -> Any | None:
        try:
            path = self.latest_path(task_id)
        except UnsafeNameError:
            return None
        return _read(path)

    def runs(self, task_id: str) -> list[Any] | None:
        """Every stored run of a task, newest first; ``None`` when the task has none."""
        try:
            folder = self._inside(storage_name(task_id, "task_id"))
        except UnsafeNameError:
            return None
        if not folder.is_dir():
            return None
        entries = []
        for path in folder.glob("*.json"):
            if path.name.startswith("."):
                continue
            payload = _read(path)
            if payload is None:
                continue
            stamp = payload.get("timestamp") if isinstance(payload, dict) else None
            order = stamp if isinstance(stamp, int | float) else 0
            entries.append((order, path.stat().st_mtime_ns, payload))
        entries.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
        return [payload for _order, _mtime, payload in entries]

    def index(self) -> list[dict[str, Any]]:
        """One entry per task: id, number of stored runs, latest status and timestamp."""
        tasks = []
        for path in sorted(self.root.glob("*.json")):
            task_id = stored_id(path.name[: -len(".json")])
            if task_id is None:
                continue
            payload = _read(path)
            folder = path.with_suffix("")
            count = (
                sum(1 for p in folder.glob("*.json") if not p.name.startswith("."))
                if folder.is_dir()
                else 0
            )
            latest = payload if isinstance(payload, dict) else {}
            tasks.append(
                {
                    "task_id": task_id,
                    "runs": count,
                    "latest_status": latest.get("status"),
                    "latest_execution_id": latest.get("execution_id"),
                    "latest_timestamp": latest.get("timestamp"),
                }
            )
        return tasks


def _read(path: Path) -> Any | None:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
