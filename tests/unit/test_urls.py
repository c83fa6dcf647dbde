"""Every URL Pulse prints or logs goes through hide_password."""

from __future__ import annotations

import pytest

from runagent_pulse.common.urls import hide_password


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+asyncpg://pulse:s3cret@db.internal:5432/pulse",
            "postgresql+asyncpg://pulse:***@db.internal:5432/pulse",
        ),
        ("postgresql://pulse:p%40ss@db/pulse", "postgresql://pulse:***@db/pulse"),
        ("postgresql://pulse@db/pulse", "postgresql://pulse@db/pulse"),
        ("sqlite+aiosqlite:///./pulse-data/pulse.db", "sqlite+aiosqlite:///./pulse-data/pulse.db"),
        ("https://user:s3cret@backend.example/", "https://user:***@backend.example/"),
        ("postgresql://pulse:s3:cr@et@[::1]:5432/pulse", "postgresql://pulse:***@[::1]:5432/pulse"),
        ("postgresql://db:5432/pulse?opt=a:b@c", "postgresql://db:5432/pulse?opt=a:b@c"),
        ("mysql://pulse:s3cret@db:port/pulse", "mysql://pulse:***@db:port/pulse"),
        ("pulse.db", "pulse.db"),
    ],
)
def test_the_password_is_never_shown(url: str, shown: str) -> None:
    assert hide_password(url) == shown
