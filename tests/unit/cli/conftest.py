from __future__ import annotations

from typing import Any

import pytest

from runagent_pulse.cli import _client
from runagent_pulse.client import PulseClient
from tests.unit.cli.cli_fakes import FakeServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """A fake server; every ``pulse`` command run in the test talks to it."""
    fake = FakeServer()
    import httpx

    def factory(**kwargs: Any) -> PulseClient:
        fake.factory_calls.append(kwargs)
        return PulseClient(transport=httpx.MockTransport(fake.handle), **kwargs)

    monkeypatch.setattr(_client, "client_factory", factory)
    monkeypatch.delenv("PULSE_SERVER_URL", raising=False)
    monkeypatch.delenv("PULSE_API_KEY", raising=False)
    return fake
