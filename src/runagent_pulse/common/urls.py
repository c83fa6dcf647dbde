"""URLs as Pulse shows them: never with a password."""

from __future__ import annotations

import re

_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/]*@")
"""``user:password@`` right after the scheme; the password runs to the last ``@`` before the
path, so one with a stray ``@`` is hidden whole (SQLAlchemy's parser would cut it there)."""


def hide_password(url: str) -> str:
    """``url`` with its password shown as ``***``: for every message and log line that shows a
    URL (database URLs above all), valid or not."""
    return _PASSWORD.sub(r"\1:***@", url, count=1)
