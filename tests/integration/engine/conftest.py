from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.integration.engine.harness import Harness

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = Harness(db_url, START)
    await harness.start()
    yield harness
    await harness.close()
