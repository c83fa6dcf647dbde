from __future__ import annotations

import pytest

from tests.unit.client.client_fakes import FakeServer


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()
